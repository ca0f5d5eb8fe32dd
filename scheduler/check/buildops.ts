/**
 * The BuildOps checks: the token (client credentials), then one page of one record from each
 * endpoint the extractor reads, through the extractor's own client and error model. The
 * endpoints wait for the token check; when it failed they say so instead of trying.
 */
import { BuildOpsClient, BUILDOPS_ENDPOINT_SPECS } from '../../extract/buildops/index.ts';
import { endpointTables } from '../../extract/buildops/records.ts';
import type { CheckOutcome, ConnectionCheck } from '../../lib/check.ts';
import type { RetryPolicy } from '../../lib/retry.ts';
import type { MartsNeeding } from './marts-needing.ts';
import { forMarts, martsThatNeedIt } from './marts-needing.ts';
import { asPlumblineError, notTried, withReason } from './run-checks.ts';

/** Where BuildOps is and how to sign in (from config and secrets). */
export interface BuildOpsCheckOptions {
  baseUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Per-request timeout. */
  requestTimeoutMs: number;
  retry: RetryPolicy;
}

/** The token check and one check per endpoint. */
export function buildOpsChecks(options: BuildOpsCheckOptions, martsFor: MartsNeeding): ConnectionCheck[] {
  const client = new BuildOpsClient({ ...options, pageSize: 1, maxInFlight: 4 });
  let token: Promise<CheckOutcome> | undefined;
  const tokenCheck = (signal: AbortSignal): Promise<CheckOutcome> =>
    (token ??= client.authenticate(signal).then(
      (): CheckOutcome => ({ ok: true, detail: 'token issued' }),
      (error: unknown): CheckOutcome => ({ ok: false, error: asPlumblineError(error) }),
    ));
  const checks: ConnectionCheck[] = [
    { name: 'buildops: token', purpose: `OAuth client credentials at ${options.baseUrl}, tenant ${options.tenantId}`, run: tokenCheck },
  ];
  for (const spec of BUILDOPS_ENDPOINT_SPECS) {
    const marts = martsFor(endpointTables(spec).map((t) => `raw.${t.name}`));
    checks.push({
      name: `buildops: ${spec.endpoint}`,
      purpose: `one page of /v1/${spec.endpoint} (${forMarts(marts)})`,
      async run(signal) {
        const signedIn = await tokenCheck(signal);
        if (!signedIn.ok) return { ok: false, error: notTried('buildops: token', signedIn.error) };
        try {
          const page = await client.firstPage(spec.endpoint, signal);
          return { ok: true, detail: `${page.items.length} record${page.items.length === 1 ? '' : 's'} on page 0` };
        } catch (error) {
          return { ok: false, error: withReason(asPlumblineError(error), martsThatNeedIt(marts)) };
        }
      },
    });
  }
  return checks;
}
