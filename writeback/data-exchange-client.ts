/**
 * The Spectrum Data Exchange client: SOAP `AddJob` / `AddPhase` under `/ws/<Service>` and the
 * JSON AR invoice service `POST /customer/invoice`. Each call answers one result per record
 * (a batch may partly succeed); network failures and 5xx are TransientErrors (the caller reads
 * Spectrum back before any retry: Data Exchange has no idempotency key); a refused authorization
 * is terminal for the whole push. Before anything leaves, every payload is checked against
 * Spectrum's field limits (writeback/field-limits.ts): a record that would break one is answered
 * here, with error code `L`, and never sent.
 */
import { randomUUID } from 'node:crypto';
import { TerminalError, TransientError, errorMessage } from '../lib/errors.ts';
import type { FieldLimit } from './field-limits.ts';
import { payloadViolations } from './field-limits.ts';
import type { Payload, SpectrumFields } from './payload.ts';

/** Where the Data Exchange is and how to sign in (the Authorization ID comes from secrets). */
export interface DataExchangeOptions {
  url: string;
  companyCode: string;
  authorizationId: string;
  /** Per-request timeout; default 60 s. */
  timeoutMs?: number;
  /** Spectrum's field limits (staging.stg_spectrum__field_limits); without them nothing is sent. */
  fieldLimits?: readonly FieldLimit[];
}

/** Spectrum's answer for one record: accepted, or rejected with the column and Spectrum's words. */
export interface DxResult {
  accepted: boolean;
  /** `I` invalid field, `A` abort / not authorized, `L` not sent: over a field limit (checked here), '' accepted. */
  errorCode: string;
  column: string;
  description: string;
}

/** One invoice as the JSON service takes it. */
export interface DxInvoice {
  header: SpectrumFields;
  lines: SpectrumFields[];
}

const SESSION_EXPIRED = /time out has occurred/i;
// `~` is not allowed in a Spectrum key field: no job can have this number.
const UNUSABLE_JOB_NUMBER = '~PLCHECK~';

/** A Data Exchange session: one GUID per batch, renewed when Spectrum says it timed out. */
export class DataExchangeClient {
  private guid = randomUUID();
  private limits: readonly FieldLimit[] | null;

  constructor(private readonly options: DataExchangeOptions) {
    this.limits = options.fieldLimits ?? null;
  }

  /** Sets the field limits every payload is checked against before it is sent. */
  useFieldLimits(limits: readonly FieldLimit[]): void {
    this.limits = limits;
  }

  /** Why Spectrum would refuse this payload's text (field limits, refused characters), or null when it may go. */
  refusal(payload: Payload): DxResult | null {
    // Fail closed: a client that was never given the limits cannot tell, so it sends nothing.
    if (this.limits === null || this.limits.length === 0)
      throw new TerminalError('The Data Exchange client has no field limits to check payloads against: nothing was sent', {
        fix: 'Build the models (plumbline run, or plumbline models) so staging.stg_spectrum__field_limits exists, then push again.',
        scope: 'run',
      });
    const violations = payloadViolations(payload, this.limits);
    if (violations.length === 0) return null;
    return {
      accepted: false,
      errorCode: 'L',
      column: violations[0]!.field,
      description: `not sent: ${violations.map((v) => v.message).join('; ')}`,
    };
  }

  /** The current batch GUID (stored on each record's intent before its request leaves). */
  get batchGuid(): string {
    return this.guid;
  }

  /** Starts a new batch GUID. */
  renewBatch(): string {
    this.guid = randomUUID();
    return this.guid;
  }

  /** Sends one SOAP service call (AddJob, AddPhase) and returns Spectrum's answer. */
  async soap(service: 'AddJob' | 'AddPhase', fields: SpectrumFields, signal?: AbortSignal): Promise<DxResult> {
    const refused = this.refusal({ service, fields });
    if (refused) return refused;
    let result = await this.soapOnce(service, fields, signal);
    // An idle GUID expires after about a day: start a new batch once and send again (nothing was imported).
    if (!result.accepted && SESSION_EXPIRED.test(result.description)) {
      this.renewBatch();
      result = await this.soapOnce(service, fields, signal);
    }
    if (!result.accepted && result.errorCode === 'A') throw notAuthorized(result);
    return result;
  }

  /** Sends AR invoices in one JSON request; one result per invoice, in order (one over a field limit is answered here, not sent). */
  async invoices(invoices: readonly DxInvoice[], signal?: AbortSignal): Promise<DxResult[]> {
    const refused = invoices.map((i) => this.refusal({ service: 'invoice', fields: i.header, lines: i.lines }));
    const sendable = invoices.filter((_, i) => refused[i] === null);
    const answers = sendable.length > 0 ? await this.sendInvoices(sendable, signal) : [];
    let next = 0;
    return refused.map((r) => r ?? answers[next++]!);
  }

  private async sendInvoices(invoices: readonly DxInvoice[], signal?: AbortSignal): Promise<DxResult[]> {
    const body = JSON.stringify({ arInvoices: invoices.map((i) => ({ ...i.header, invoiceDetails: i.lines })) });
    const auth = Buffer.from(`${this.options.companyCode}:${this.options.authorizationId}`).toString('base64');
    const response = await this.post('/customer/invoice', { 'content-type': 'application/json', authorization: `Basic ${auth}` }, body, signal);
    let parsed: { responses?: { error_code?: string; desc?: string; column?: string; record?: number }[] };
    try {
      parsed = JSON.parse(response) as typeof parsed;
    } catch {
      throw new TransientError(`Spectrum Data Exchange answered ${this.options.url}/customer/invoice with something that is not JSON`);
    }
    const responses = parsed.responses ?? [];
    if (responses.length === 1 && responses[0]!.error_code === 'A' && responses[0]!.record === undefined) throw notAuthorized(toResult(responses[0]!));
    return invoices.map((_, i) => {
      const answer = responses.find((r) => r.record === i + 1) ?? responses[i];
      if (!answer) return { accepted: false, errorCode: 'A', column: '', description: 'Spectrum gave no answer for this invoice' };
      return toResult(answer);
    });
  }

  /**
   * Asks for a job that cannot exist (`GetJob` with a job number Spectrum never allows): a read,
   * so harmless, whose answer says whether the Authorization ID and the company are accepted.
   * Throws the not-authorized error when they are not.
   */
  async verifyAuthorization(signal?: AbortSignal): Promise<void> {
    const fields = { Company_Code: this.options.companyCode, pJob_Number: UNUSABLE_JOB_NUMBER };
    const xml = await this.post('/ws/GetJob', { 'content-type': 'text/xml; charset=utf-8' }, this.envelope('GetJob', fields), signal);
    // No job answers: no <response> at all. An authorization refused answers one, error code A.
    const first = firstResponse(xml);
    if (first && !first.accepted && first.errorCode === 'A') throw notAuthorized(first);
  }

  private async soapOnce(service: string, fields: SpectrumFields, signal?: AbortSignal): Promise<DxResult> {
    const xml = await this.post(`/ws/${service}`, { 'content-type': 'text/xml; charset=utf-8' }, this.envelope(service, fields), signal);
    const first = firstResponse(xml);
    if (first === undefined) throw new TransientError(`Spectrum Data Exchange answered ${service} without a <response>`);
    return first;
  }

  private envelope(service: string, fields: SpectrumFields): string {
    const children = Object.entries({ Authorization_ID: this.options.authorizationId, GUID: this.guid, ...fields })
      .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
      .join('');
    return (
      '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
      `<${service} xmlns="urn:spectrum-data-exchange">${children}</${service}></soap:Body></soap:Envelope>`
    );
  }

  private async post(path: string, headers: Record<string, string>, body: string, signal?: AbortSignal): Promise<string> {
    const url = `${this.options.url.replace(/\/+$/, '')}${path}`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 60_000);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (signal?.aborted) throw error;
      // The request may or may not have reached Spectrum: the caller reads Spectrum back before trying again.
      throw new TransientError(
        `Spectrum Data Exchange at ${this.options.url} did not answer (${errorMessage(error)}); the record is looked up in Spectrum before any retry`,
        {
          cause: error,
          context: { source: 'spectrum', host: new URL(url).host },
        },
      );
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new TransientError(`Spectrum Data Exchange answered ${response.status} to ${path}`, {
        retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
        context: { source: 'spectrum', host: new URL(url).host },
      });
    }
    if (response.status === 401 || response.status === 403)
      throw notAuthorized({ accepted: false, errorCode: 'A', column: '', description: text.slice(0, 200) });
    if (response.status >= 400) {
      throw new TerminalError(`Spectrum Data Exchange refused ${path} with HTTP ${response.status}: ${text.slice(0, 300)}`, {
        fix: 'Check sources.spectrum.data_exchange.url: it should be the Data Exchange endpoint of your installation (usually port 8482).',
        scope: 'run',
      });
    }
    return text;
  }
}

/** The first `<response>` of a SOAP answer as a result, or undefined when there is none. */
function firstResponse(xml: string): DxResult | undefined {
  const first = /<response>([\s\S]*?)<\/response>/.exec(xml)?.[1];
  if (first === undefined) return undefined;
  const value = (name: string): string => xmlDecode(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(first)?.[1] ?? '');
  return toResult({ error_code: value('error_code'), desc: value('desc'), column: value('column') });
}

function toResult(answer: { error_code?: string; desc?: string; column?: string }): DxResult {
  const errorCode = (answer.error_code ?? '').trim();
  return { accepted: errorCode === '', errorCode, column: (answer.column ?? '').trim(), description: (answer.desc ?? '').trim() };
}

function notAuthorized(result: DxResult): TerminalError {
  return new TerminalError(`Spectrum Data Exchange refused the authorization: ${result.description || 'not authorized'}`, {
    fix: 'Check SPECTRUM_DX_AUTHORIZATION_ID (from Spectrum: System Administration › Data Exchange authorization) and company.code (the company it is for).',
    scope: 'run',
    context: { source: 'spectrum' },
  });
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
}

function xmlDecode(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!);
}
