/**
 * The demo's earlier close: the same simulated contractor as of the previous month end, run
 * through the whole pipeline into the demo's warehouse first, so the demo's report (as of the
 * sandbox's date) has a previous report to compare with and shows its trend. The main run then
 * re-reads both systems from scratch, so no row of the earlier simulation survives into it.
 */
import type { Logger } from '../lib/logger.ts';
import type { Warehouse } from '../load/types.ts';
import { startSandboxServers } from '../sandbox/servers/start.ts';
import { runPipeline } from './pipeline.ts';
import type { PipelineResult } from './pipeline.ts';
import { generateSandboxStore } from './sandbox-commands.ts';
import type { Scale } from '../sandbox/index.ts';
import { sandboxConfig, sandboxSecrets } from './demo.ts';

/** The last day of the month before `asOf` (YYYY-MM-DD). */
export function previousMonthEnd(asOf: string): string {
  const [year, month] = asOf.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month - 1, 0)).toISOString().slice(0, 10);
}

/** Runs the sandbox as of the previous month end into `warehouse` (extract, load, models, reports); returns that run. */
export async function runPreviousClose(options: {
  warehouse: Warehouse;
  seed: string;
  scale: Scale;
  asOf: string;
  outDir: string;
  logger: Logger;
}): Promise<PipelineResult> {
  const earlier = previousMonthEnd(options.asOf);
  options.logger.info('demo.previous', `Running the previous close first, as of ${earlier}, so the report has a trend`);
  const sandbox = await generateSandboxStore(options.seed, options.scale, earlier);
  const servers = await startSandboxServers(sandbox.store);
  try {
    const config = sandboxConfig(servers, sandbox.truth, options.outDir);
    return await runPipeline({
      warehouse: options.warehouse,
      config,
      secrets: sandboxSecrets(servers),
      logger: options.logger,
      asOf: earlier,
      stages: ['extract', 'load', 'models', 'reports'],
    });
  } finally {
    await servers.close();
    sandbox.dispose();
  }
}
