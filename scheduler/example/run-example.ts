/** Runs the built-in example: load the example rows, build its models, return the aging. */
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../lib/logger.ts';
import { newLoadId } from '../../load/sql-warehouse.ts';
import type { Row, Warehouse } from '../../load/types.ts';
import { runModels } from '../../transform/index.ts';
import type { ModelResult } from '../../transform/index.ts';
import type { PlumblineConfig } from '../config.ts';
import { modelVars } from '../pipeline.ts';
import { EXAMPLE_ROWS, EXAMPLE_TABLES } from './example-data.ts';

export const EXAMPLE_MODELS_DIR = fileURLToPath(new URL('./models', import.meta.url));

/** Loads the example into `warehouse`, builds its models and returns the aging rows. */
export async function runExample(
  warehouse: Warehouse,
  config: PlumblineConfig,
  asOf: string,
  logger: Logger,
): Promise<{ models: ModelResult[]; aging: Row[] }> {
  const load = await warehouse.load({
    loadId: newLoadId(),
    source: 'example',
    resource: 'invoices',
    tables: EXAMPLE_TABLES,
    mode: 'replace',
    batches: [{ rows: { example__invoices: EXAMPLE_ROWS } }],
  });
  logger.info('load.done', `Loaded ${load.rowsLoaded} example invoices into raw.example__invoices`);
  const models = await runModels({ warehouse, modelsDir: EXAMPLE_MODELS_DIR, vars: modelVars(config, asOf), runId: load.loadId, logger });
  const aging = await warehouse.query(`select * from marts.example_ar_aging order by open_total desc`);
  return { models, aging };
}
