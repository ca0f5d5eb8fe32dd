/**
 * The Spectrum Data Exchange check: a harmless read (`GetJob` for a job number no installation
 * allows) that tells whether the endpoint answers and the Authorization ID and company are accepted.
 */
import type { ConnectionCheck } from '../../lib/check.ts';
import { PlumblineError, TerminalError, UnreachableError, errorMessage } from '../../lib/errors.ts';
import { classifyNetworkCode, networkCodeText, networkErrorCode, unreachableAdvice } from '../../lib/network-errors.ts';
import { DataExchangeClient } from '../../writeback/data-exchange-client.ts';
import type { DataExchangeOptions } from '../../writeback/data-exchange-client.ts';
import { asPlumblineError } from './run-checks.ts';

const URL_SETTING = 'sources.spectrum.data_exchange.url';

/** The one Data Exchange check. */
export function dataExchangeCheck(options: DataExchangeOptions): ConnectionCheck {
  const client = new DataExchangeClient(options);
  const host = new URL(options.url).host;
  return {
    name: 'spectrum: data exchange',
    purpose: `authorization at ${options.url} for company ${options.companyCode} (write-back)`,
    async run(signal) {
      try {
        await client.verifyAuthorization(signal);
        return { ok: true, detail: 'authorization accepted' };
      } catch (error) {
        return { ok: false, error: unanswered(error, host) };
      }
    },
  };
}

/**
 * The client says a request that got no answer "may have reached Spectrum" (true of a send);
 * for this read the question is only why nothing answered.
 */
function unanswered(error: unknown, host: string): PlumblineError {
  if (!(error instanceof PlumblineError) || error.kind !== 'transient') return asPlumblineError(error);
  const code = networkErrorCode(error);
  if (code !== undefined && classifyNetworkCode(code) === 'unreachable') {
    return new UnreachableError(`Cannot reach Spectrum Data Exchange at ${host}: ${networkCodeText(code)}`, {
      cause: error,
      fix: unreachableAdvice(code, host, { hostSetting: URL_SETTING }),
      context: { source: 'spectrum', host },
    });
  }
  // A request that failed on the way carries the fetch error; an answer such as a 503 does not.
  const message = error.cause === undefined ? error.message : `Spectrum Data Exchange at ${host} did not answer (${causeText(error.cause)})`;
  return new TerminalError(message, {
    cause: error,
    fix: `Check ${URL_SETTING} (${host}): the Data Exchange service must run there (usually port 8482), reachable from this machine.`,
    context: { source: 'spectrum', host },
  });
}

function causeText(cause: unknown): string {
  const inner = (cause as { cause?: unknown } | null)?.cause;
  return errorMessage(inner instanceof Error ? inner : cause);
}
