/**
 * What a failed network call means, whatever client made it (fetch/undici, tedious, nodemailer):
 * the system error code buried in its cause chain, and whether that code says the host cannot
 * be reached at all (DNS, refused, no route, certificate) or the connection broke on the way
 * (reset, timeout), which is worth retrying.
 */

/** How a network failure is to be treated. */
export type NetworkFailure =
  /** The host cannot be reached or trusted: terminal after at most one quick retry. */
  | 'unreachable'
  /** The connection broke or timed out: transient. */
  | 'broken';

const UNREACHABLE: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the host name does not resolve (DNS)',
  EAI_AGAIN: 'the host name could not be resolved now (DNS)',
  EAI_FAIL: 'the host name does not resolve (DNS)',
  ECONNREFUSED: 'the host refused the connection (nothing listens on that port)',
  EHOSTUNREACH: 'there is no route to the host',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the host did not accept a connection in time',
};

const BROKEN = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

// OpenSSL's verification failures as Node reports them (CERT_HAS_EXPIRED, SELF_SIGNED_CERT_IN_CHAIN,
// ERR_TLS_CERT_ALTNAME_INVALID, ...), and a TLS handshake that failed for another reason (ERR_SSL_...).
const CERTIFICATE = /CERT|UNABLE_TO_(GET|VERIFY)|SELF_SIGNED/;
const TLS = /^ERR_(SSL|TLS)_/;

/** Every error in a cause chain: `cause`, mssql's `originalError` and an AggregateError's `errors`. */
function* chain(error: unknown, depth = 0): Generator<unknown> {
  if (error === null || error === undefined || depth > 8) return;
  yield error;
  if (typeof error !== 'object') return;
  const e = error as { cause?: unknown; originalError?: unknown; errors?: unknown };
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
  if (e.originalError !== undefined && e.originalError !== error) yield* chain(e.originalError, depth + 1);
  if (e.cause !== undefined && e.cause !== error) yield* chain(e.cause, depth + 1);
}

/** The most telling system error code in an error's cause chain (ENOTFOUND before a wrapper's ESOCKET), or undefined. */
export function networkErrorCode(error: unknown): string | undefined {
  let fallback: string | undefined;
  for (const e of chain(error)) {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') continue;
    if (code in UNREACHABLE || BROKEN.has(code) || CERTIFICATE.test(code) || TLS.test(code)) return code;
    fallback ??= code;
  }
  return fallback;
}

/** Whether a code says the host cannot be reached or trusted, or the connection broke; undefined for neither. */
export function classifyNetworkCode(code: string | undefined): NetworkFailure | undefined {
  if (code === undefined) return undefined;
  if (code in UNREACHABLE || CERTIFICATE.test(code) || TLS.test(code)) return 'unreachable';
  if (BROKEN.has(code)) return 'broken';
  return undefined;
}

/** A network code in words a person reads ("the host name does not resolve (DNS)"). */
export function networkCodeText(code: string): string {
  if (code in UNREACHABLE) return UNREACHABLE[code]!;
  if (CERTIFICATE.test(code)) return `its TLS certificate is not trusted (${code})`;
  if (TLS.test(code)) return `the TLS handshake failed (${code})`;
  return code;
}

/** What to check for an unreachable host, named: the spelling and DNS, the port and firewall, or the certificate. */
export function unreachableAdvice(code: string, host: string, settings: { hostSetting: string; certificateSetting?: string }): string {
  if (CERTIFICATE.test(code)) {
    return `Check the certificate of ${host}: it must be valid for that name and signed by an authority this machine trusts${
      settings.certificateSetting ? ` (or, for a server with a self-signed certificate you trust, set ${settings.certificateSetting})` : ''
    }.`;
  }
  if (TLS.test(code)) {
    return `Check ${settings.hostSetting} (${host}): the port must speak TLS (https, not http), and this machine and the server must share a TLS version.`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') {
    return `Check the host name in ${settings.hostSetting} (${host}) for typos, and that this machine can resolve it (DNS, VPN).`;
  }
  return `Check ${settings.hostSetting} (${host}): the host and port, that the service runs, and that this machine may reach it (firewall, VPN).`;
}
