// Spectrum Data Exchange: SOAP services under /ws/<Service> (AddJob, AddPhase, GetJob,
// GetCustomers, GetPhase) and the JSON AR invoice service POST /customer/invoice.
import http from 'node:http';
import type { DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import type { DxRecord, DxResponse } from './data-exchange-records.ts';
import { UNPOSTED_PAYLOAD_DDL, addJob, addPhase, checkInvoice, insertUnposted } from './data-exchange-records.ts';
import type { Faults } from './faults.ts';
import { applyPreFaults, readBody, sendJson, sendText } from './http-util.ts';
import { parseSoap, soapResponse } from './soap.ts';

/** Options of the Data Exchange server. */
export interface DataExchangeOptions {
  authorizationId: string;
  faults: Faults;
  /** An idle GUID expires after this long ("Time out has occurred"); default 24 h. */
  guidIdleMs?: number;
  /** Rows a Get service answers before its "exceeds maximum" row; default 500. */
  maxReadRows?: number;
}

/** The Data Exchange server and its controls. */
export interface DataExchange {
  server: http.Server;
  /** Expire every GUID seen so far (their next use answers "Time out has occurred"). */
  expireSessions(): void;
}

const SOAP_TYPE = 'text/xml; charset=utf-8';

interface GetService {
  table: string;
  /** Filter parameter (without p) → column. */
  filters: Record<string, string>;
  order: string[];
}

const GET_SERVICES: Record<string, GetService> = {
  GetJob: {
    table: 'JC_JOB_MASTER_MC',
    filters: { Job_Number: 'Job_Number', Status_Code: 'Status_Code', Cost_Center: 'Cost_Center', Division: 'Division', Customer_Code: 'Customer_Code' },
    order: ['Job_Number'],
  },
  GetCustomers: {
    table: 'CR_CUSTOMER_MASTER_MC',
    filters: { Customer_Code: 'Customer_Code', Status: 'Status', State: 'State' },
    order: ['Customer_Code'],
  },
  GetPhase: {
    table: 'JC_PHASE_MASTER_MC',
    filters: { Job_Number: 'Job_Number', Phase_Code: 'Phase_Code', Cost_Type: 'Cost_Type', Status_Code: 'Status_Code' },
    order: ['Job_Number', 'Phase_Code', 'Cost_Type'],
  },
};

/** Create the Data Exchange server over the store (call listen() on `server`). */
export function createDataExchange(instance: DuckDBInstance, options: DataExchangeOptions): DataExchange {
  const sessions = new Map<string, { lastUsed: number; expired: boolean }>();
  const idleMs = options.guidIdleMs ?? 24 * 3600 * 1000;
  const maxRows = options.maxReadRows ?? 500;
  // Writes are serialized, as one Spectrum import at a time: two imports of one number must not race.
  let writeLock: Promise<unknown> = Promise.resolve();
  let ready: Promise<void> | undefined;
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const run = writeLock.then(work, work);
    writeLock = run.catch(() => undefined);
    return run;
  };

  async function withConnection<T>(work: (c: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>): Promise<T> {
    const connection = await instance.connect();
    try {
      ready ??= (async () => {
        for (const s of UNPOSTED_PAYLOAD_DDL) await connection.run(s);
      })();
      await ready;
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.replace(/\/+$/, '');
    const actions = options.faults.take('data-exchange', { method: req.method, path });
    if (actions.some((a) => a.kind === 'expire-tokens')) expireAll();
    if (await applyPreFaults(actions, res)) return;
    const loseResponse = actions.some((a) => a.kind === 'lose-response');
    if (req.method !== 'POST') return sendJson(res, 405, { message: 'Use POST' });

    if (path === '/customer/invoice') {
      const answer = await invoices(req);
      if (loseResponse) return void res.socket?.destroy();
      return sendJson(res, answer.status, { responses: answer.responses });
    }
    const service = /^\/ws\/(\w+)$/.exec(path)?.[1];
    if (!service) return sendJson(res, 404, { message: `No service at ${path}` });
    const call = parseSoap(await readBody(req));
    if (!call) return sendText(res, 400, soapFault('Client', 'Request is not a SOAP envelope'), SOAP_TYPE);
    const rows = await soap(service, call.fields);
    if (loseResponse) return void res.socket?.destroy();
    sendText(res, 200, soapResponse(service, rows), SOAP_TYPE);
  }

  function expireAll(): void {
    for (const session of sessions.values()) session.expired = true;
  }

  /** The session check of SOAP calls: Authorization_ID and a live GUID. */
  function authorizeSoap(fields: Record<string, string>): DxResponse | undefined {
    if ((fields.Authorization_ID ?? '') !== options.authorizationId) {
      return { error_code: 'A', desc: 'Not authorized: invalid Authorization_ID', column: 'Authorization_ID' };
    }
    const guid = fields.GUID ?? '';
    if (!guid || guid.length > 36) return { error_code: 'A', desc: 'GUID is required (at most 36 characters)', column: 'GUID' };
    const now = Date.now();
    const session = sessions.get(guid);
    if (session && (session.expired || now - session.lastUsed > idleMs)) {
      session.expired = true;
      return { error_code: 'A', desc: 'Time out has occurred', column: 'GUID' };
    }
    sessions.set(guid, { lastUsed: now, expired: false });
    return undefined;
  }

  async function soap(service: string, fields: Record<string, string>): Promise<Array<Record<string, string>>> {
    const denied = authorizeSoap(fields);
    if (denied) return [toRow(denied)];
    const company = fields.Company_Code ?? fields.pCompany_Code ?? '';
    const known = await withConnection(
      async (c) =>
        (
          await c.runAndReadAll(
            `SELECT 1 FROM spectrum."JC_INSTALLATION_MC" WHERE "Company_Code" = $c UNION ALL SELECT 1 FROM spectrum."CR_CUSTOMER_MASTER_MC" WHERE "Company_Code" = $c LIMIT 1`,
            { c: company },
          )
        ).currentRowCount > 0,
    );
    if (!known) return [toRow({ error_code: 'A', desc: `Not authorized for company '${company}'`, column: 'Company_Code' })];
    if (service === 'AddJob' || service === 'AddPhase') {
      const add = service === 'AddJob' ? addJob : addPhase;
      return [toRow(await serialized(() => withConnection((c) => add(c, company, fields as DxRecord))))];
    }
    const get = GET_SERVICES[service];
    if (get) return withConnection((c) => read(c, get, company, fields));
    return [toRow({ error_code: 'A', desc: `Unknown service ${service}`, column: '' })];
  }

  async function read(
    connection: Awaited<ReturnType<DuckDBInstance['connect']>>,
    service: GetService,
    company: string,
    fields: Record<string, string>,
  ): Promise<Array<Record<string, string>>> {
    const where = ['"Company_Code" = $company'];
    const values: Record<string, DuckDBValue> = { company };
    for (const [param, column] of Object.entries(service.filters)) {
      const value = fields[`p${param}`] ?? fields[param];
      if (value === undefined || value === '') continue;
      where.push(`trim("${column}") = $${param}`);
      values[param] = value.trim();
    }
    const order = service.order.map((c) => `"${c}"`).join(', ');
    const reader = await connection.runAndReadAll(
      `SELECT * FROM spectrum."${service.table}" WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${maxRows + 1}`,
      values,
    );
    const columns = reader.columnNames();
    const rows = reader.getRowsJson().map((row) => {
      const out: Record<string, string> = {};
      columns.forEach((name, i) => {
        const v = row[i];
        out[name] = v === null || v === undefined ? '' : String(v).trim();
      });
      out.Error_Code = '';
      out.Error_Description = '';
      return out;
    });
    if (rows.length > maxRows) {
      rows.length = maxRows;
      rows.push({ Error_Code: 'W', Error_Description: `Number of records exceeds maximum of ${maxRows}; narrow the request` });
    }
    return rows;
  }

  async function invoices(req: http.IncomingMessage): Promise<{ status: number; responses: DxResponse[] }> {
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!basic) return { status: 401, responses: [{ error_code: 'A', desc: 'Not authorized: Basic authentication required', column: '' }] };
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const company = decoded.slice(0, colon);
    const authorizationId = decoded.slice(colon + 1);
    const known = await withConnection(
      async (c) =>
        (
          await c.runAndReadAll(
            `SELECT 1 FROM spectrum."JC_INSTALLATION_MC" WHERE "Company_Code" = $c UNION ALL SELECT 1 FROM spectrum."CR_CUSTOMER_MASTER_MC" WHERE "Company_Code" = $c LIMIT 1`,
            { c: company },
          )
        ).currentRowCount > 0,
    );
    if (colon < 0 || authorizationId !== options.authorizationId || !known) {
      return { status: 200, responses: [{ error_code: 'A', desc: 'Not authorized', column: 'Authorization_ID' }] };
    }
    let body: { arInvoices?: unknown };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch {
      return { status: 400, responses: [{ error_code: 'A', desc: 'Body is not JSON', column: '' }] };
    }
    if (!Array.isArray(body.arInvoices))
      return { status: 400, responses: [{ error_code: 'A', desc: 'Body must be {"arInvoices": [...]}', column: 'arInvoices' }] };
    const records = body.arInvoices as DxRecord[];
    return serialized(() =>
      withConnection(async (connection) => {
        const taken = new Set<string>();
        const responses: DxResponse[] = [];
        for (const [index, record] of records.entries()) {
          const checked = await checkInvoice(connection, company, record ?? {}, taken);
          const key = String((record ?? {}).Invoice_Or_Transaction ?? '');
          if ('error_code' in checked) {
            responses.push({ ...checked, record: index + 1, Invoice_Or_Transaction: key });
            continue;
          }
          await insertUnposted(connection, checked, new Date());
          taken.add(checked.invoice);
          responses.push({
            error_code: '',
            desc: `Invoice ${checked.invoice} imported into batch ${checked.batchCode} (unposted)`,
            column: '',
            record: index + 1,
            Invoice_Or_Transaction: key,
          });
        }
        return { status: 200, responses };
      }),
    );
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      sendJson(res, 500, { message: error instanceof Error ? error.message : String(error) });
    });
  });
  return { server, expireSessions: expireAll };
}

function toRow(response: DxResponse): Record<string, string> {
  return { error_code: response.error_code, desc: response.desc, column: response.column };
}

function soapFault(code: string, message: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
    `<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${message}</faultstring></soap:Fault></soap:Body></soap:Envelope>`
  );
}
