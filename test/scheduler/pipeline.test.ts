/** The pipeline against the sandbox: a source that fails stops the models, and the rerun converges. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, generateContractor } from '../../sandbox/index.ts';
import type { Store } from '../../sandbox/index.ts';
import { startSandboxServers } from '../../sandbox/servers/start.ts';
import type { SandboxServers } from '../../sandbox/servers/start.ts';
import { sandboxConfig, sandboxSecrets } from '../../scheduler/demo.ts';
import { runPipeline } from '../../scheduler/pipeline.ts';
import { silentLogger } from '../../lib/logger.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

let store: Store;
let servers: SandboxServers;
let asOf: string;

beforeAll(async () => {
  store = await openStore();
  asOf = (await generateContractor(store, { seed: 11, scale: 'tiny' })).asOf;
  servers = await startSandboxServers(store);
});
afterAll(async () => {
  await servers.close();
  store.close();
});

const config = () => sandboxConfig(servers, { companyCode: '1', timeZone: 'America/Chicago' }, process.cwd());
const secrets = (password: string) => sandboxSecrets(servers, { SPECTRUM_SQL_PASSWORD: password });

describeEachWarehouse('pipeline', (factory) => {
  afterAll(() => factory.cleanup());

  it('a source that fails is rolled back, the others load, the models do not run; the rerun converges', async () => {
    const warehouse = await factory.open();
    try {
      const stages = ['extract', 'load', 'models'] as const;
      const broken = await runPipeline({ warehouse, config: config(), secrets: secrets('wrong-password'), logger: silentLogger, asOf, stages });
      expect(broken.ok).toBe(false);
      expect(broken.models).toEqual([]);
      const failed = broken.loads.filter((l) => l.status === 'failed');
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((l) => l.name.startsWith('spectrum.'))).toBe(true);
      expect(failed[0]!.error?.message).toMatch(/Login failed|login/i);
      expect(JSON.stringify(broken)).not.toContain('wrong-password');
      expect(broken.loads.filter((l) => l.name.startsWith('buildops.')).every((l) => l.status === 'ok')).toBe(true);
      expect(broken.stages.map((s) => [s.stage, s.status])).toEqual([
        ['load', 'partial'],
        ['models', 'skipped'],
      ]);
      expect(broken.stages[1]!.reason).toBe('not run: the load stage ended partial');
      expect((await warehouse.listRelations('raw')).some((r) => r.name.startsWith('spectrum__'))).toBe(false);
      expect(await warehouse.listRelations('marts')).toEqual([]);

      const fixed = await runPipeline({
        warehouse,
        config: config(),
        secrets: secrets(servers.spectrumSql.password),
        logger: silentLogger,
        asOf,
        stages,
      });
      expect(fixed.ok).toBe(true);
      expect(fixed.loads.every((l) => l.status === 'ok')).toBe(true);
      expect(fixed.models.find((m) => m.name === 'marts.ar_aging')?.status).toBe('success');
      // BuildOps loaded once already: the second run re-reads only its lag window and adds no rows.
      const [invoices] = await warehouse.query<{ n: number; ids: number }>(`select count(*) as n, count(distinct id) as ids from raw.buildops__invoices`);
      expect(invoices!.n).toBe(invoices!.ids);
    } finally {
      await warehouse.close();
    }
  });
});
