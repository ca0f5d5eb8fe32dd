/** The action of `plumbline check`: build the configured checks, run them, print one row each, fail when any failed. */
import { PlumblineError } from '../../lib/errors.ts';
import type { RunContext } from '../run-context.ts';
import { maskSecrets } from '../run-context.ts';
import { configuredChecks } from './index.ts';
import { formatCheckResults, formatCheckResultsJson } from './output.ts';
import { allPassed, runChecks } from './run-checks.ts';

/** Runs every configured check and prints the results; throws (exit 1) when any failed. */
export async function checkCommand(context: Pick<RunContext, 'config' | 'secrets'>, options: { json: boolean }, out: (text: string) => void): Promise<void> {
  const { checks, close } = configuredChecks(context.config, context.secrets);
  try {
    const results = await runChecks(checks);
    out(maskSecrets(options.json ? formatCheckResultsJson(results) : formatCheckResults(results)));
    const failed = results.filter((r) => !r.outcome.ok).map((r) => r.name);
    if (allPassed(results)) return;
    const named = failed.length <= 5 ? `: ${failed.join(', ')}` : ' (see the rows above)';
    throw new PlumblineError(`${failed.length} of ${results.length} connection checks failed${named}`);
  } finally {
    await close();
  }
}
