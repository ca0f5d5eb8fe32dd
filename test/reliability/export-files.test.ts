/**
 * Issues 1, 2 and 7 (encoding) on an export folder, on both backends: a file that goes missing
 * or arrives cut, empty, non-array or in another encoding fails its resource, naming the file,
 * and never empties or shrinks a table quietly; the volume check in marts.close_status and an
 * export manifest catch what a file alone cannot show.
 */
import { messageWithFix } from '../../lib/stage.ts';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { runPipeline } from '../../scheduler/pipeline.ts';
import type { PipelineResult } from '../../scheduler/pipeline.ts';
import { loadSecrets } from '../../scheduler/secrets.ts';
import { loadSandbox, removeSandboxExports } from '../support/sandbox-warehouse.ts';
import type { LoadedSandbox } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

const OPEN_ITEMS = 'spectrum/CR_OPEN_ITEM_MC.csv';

describeEachWarehouse('export files: nothing lost or shrunk quietly', (factory) => {
  let sandbox: LoadedSandbox;
  let warehouse: Warehouse;
  beforeEach(async () => {
    sandbox = await loadSandbox(factory, 3, 'tiny');
    warehouse = sandbox.warehouse;
  });
  afterEach(async () => {
    await warehouse.close();
    removeSandboxExports();
  });
  afterAll(() => factory.cleanup());

  const rerun = (options: { allowMissing?: string[]; config?: PlumblineConfig } = {}): Promise<PipelineResult> =>
    runPipeline({
      warehouse,
      config: options.config ?? sandbox.config,
      secrets: loadSecrets({}),
      logger: silentLogger,
      asOf: sandbox.asOf,
      stages: ['extract', 'load', 'models'],
      allowMissing: options.allowMissing,
    });
  const count = async (table: string) => Number((await warehouse.query<{ n: number }>(`select count(*) as n from ${table}`))[0]!.n);
  const loadError = (result: PipelineResult, resource: string) => {
    const error = result.loads.find((l) => l.name === resource)?.error;
    return error ? messageWithFix(error) : null;
  };
  const file = (path: string) => join(sandbox.dir, path);
  const closeRow = async (check: string) =>
    (await warehouse.query<{ status: string; detail: string }>(`select status, detail from marts.close_status where "check" = $1`, [check]))[0];

  it('a missing snapshot file for a table that held rows fails its resource, naming the file and the rows; --allow-missing empties it', async () => {
    const held = await count('raw.spectrum__cr_open_item_mc');
    expect(held).toBeGreaterThan(0);
    rmSync(file(OPEN_ITEMS));
    const result = await rerun();
    expect(result.ok).toBe(false);
    expect(loadError(result, 'spectrum.CR_OPEN_ITEM_MC')).toMatch(new RegExp(`CR_OPEN_ITEM_MC\\.csv.*missing.*${held} rows`));
    expect(loadError(result, 'spectrum.CR_OPEN_ITEM_MC')).toMatch(/--allow-missing spectrum\.CR_OPEN_ITEM_MC/);
    expect(await count('raw.spectrum__cr_open_item_mc')).toBe(held);

    const allowed = await rerun({ allowMissing: ['spectrum.CR_OPEN_ITEM_MC'] });
    expect(loadError(allowed, 'spectrum.CR_OPEN_ITEM_MC')).toBeNull();
    expect(await count('raw.spectrum__cr_open_item_mc')).toBe(0);
    // Even when allowed, the pane says the snapshot emptied.
    expect(await closeRow('volume')).toMatchObject({ status: 'attention' });
    expect((await closeRow('volume'))!.detail).toMatch(/spectrum__cr_open_item_mc/);
  });

  it('a CSV cut mid-record (its last record unterminated) fails its resource, naming the file', async () => {
    const held = await count('raw.spectrum__cr_open_item_mc');
    const text = readFileSync(file(OPEN_ITEMS), 'utf8');
    writeFileSync(file(OPEN_ITEMS), text.slice(0, Math.floor(text.length / 2)));
    const result = await rerun();
    expect(loadError(result, 'spectrum.CR_OPEN_ITEM_MC')).toMatch(/CR_OPEN_ITEM_MC\.csv.*(cut|truncated)/);
    expect(await count('raw.spectrum__cr_open_item_mc')).toBe(held);
  });

  it('a CSV cut at a line break: the manifest catches it when present; the volume check flags it when not', async () => {
    const held = await count('raw.spectrum__cr_open_item_mc');
    const lines = readFileSync(file(OPEN_ITEMS), 'utf8').split('\r\n');
    const kept = Math.floor((lines.length - 2) / 2);
    writeFileSync(file(OPEN_ITEMS), lines.slice(0, 1 + kept).join('\r\n') + '\r\n');
    writeFileSync(file('manifest.json'), JSON.stringify({ files: { [OPEN_ITEMS]: { rows: held } } }));
    const result = await rerun();
    expect(loadError(result, 'spectrum.CR_OPEN_ITEM_MC')).toMatch(new RegExp(`CR_OPEN_ITEM_MC\\.csv.*${kept}.*manifest.*${held}`));
    expect(await count('raw.spectrum__cr_open_item_mc')).toBe(held);

    rmSync(file('manifest.json'));
    const quiet = await rerun();
    expect(quiet.ok).toBe(true);
    const volume = await closeRow('volume');
    expect(volume?.status).toBe('attention');
    expect(volume?.detail).toMatch(new RegExp(`raw\\.spectrum__cr_open_item_mc.*${held}.*${kept}`));
  });

  for (const [name, content] of [
    ['truncated', null],
    ['empty', ''],
    ['not an array', '{"items": []}'],
  ] as const) {
    it(`a ${name} invoices.json fails its resource, naming the file`, async () => {
      const held = await count('raw.buildops__invoices');
      const path = file('buildops/invoices.json');
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, content ?? text.slice(0, Math.floor(text.length / 2)));
      const result = await rerun();
      expect(result.ok).toBe(false);
      expect(loadError(result, 'buildops.invoices')).toMatch(/invoices\.json/);
      expect(await count('raw.buildops__invoices')).toBe(held);
    });
  }

  it('a source that loads 0 rows where it had rows blocks the close', async () => {
    for (const endpoint of ['customers', 'invoices', 'jobs', 'payments', 'pay-applications', 'timesheets', 'vendors', 'products']) {
      writeFileSync(file(`buildops/${endpoint}.json`), '[]');
    }
    for (const endpoint of ['departments', 'employees', 'projects', 'properties', 'purchase-orders', 'service-agreements']) {
      writeFileSync(file(`buildops/${endpoint}.json`), '[]');
    }
    const result = await rerun();
    expect(result.loads.filter((l) => l.error)).toEqual([]);
    const volume = await closeRow('volume');
    expect(volume?.status).toBe('blocking');
    expect(volume?.detail).toMatch(/buildops loaded 0 rows/);
  });

  it('a CSV that is not UTF-8 fails naming the encoding; with the encoding option it loads exactly', async () => {
    const path = file('spectrum/CR_CUSTOMER_MASTER_MC.csv');
    const lines = readFileSync(path, 'utf8').split('\r\n');
    const cells = lines[1]!.split(',');
    cells[2] = 'Café Müller';
    lines[1] = cells.join(',');
    writeFileSync(path, Buffer.from(lines.join('\r\n'), 'latin1'));
    const result = await rerun();
    expect(loadError(result, 'spectrum.CR_CUSTOMER_MASTER_MC')).toMatch(/CR_CUSTOMER_MASTER_MC\.csv.*not valid UTF-8.*encoding/);

    const config: PlumblineConfig = {
      ...sandbox.config,
      sources: { ...sandbox.config.sources, spectrum: { ...sandbox.config.sources.spectrum, encoding: 'windows-1252' } },
    };
    const decoded = await rerun({ config });
    expect(loadError(decoded, 'spectrum.CR_CUSTOMER_MASTER_MC')).toBeNull();
    expect(await warehouse.query(`select name from raw.spectrum__cr_customer_master_mc where name like 'Caf%'`)).toEqual([{ name: 'Café Müller' }]);
  });

  it('two records with the same id and timestamp in invoices.json: the later one is loaded, and counted', async () => {
    const path = file('buildops/invoices.json');
    const records = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[];
    const copy = { ...records[0]!, invoiceNumber: 'LATER-COPY' };
    writeFileSync(path, JSON.stringify([...records, copy]));
    const result = await rerun();
    expect(result.ok).toBe(true);
    expect(await warehouse.query(`select invoice_number from raw.buildops__invoices where id = $1`, [records[0]!.id])).toEqual([
      { invoice_number: 'LATER-COPY' },
    ]);
    const [volume] = await warehouse.query<{ duplicates_replaced: number }>(
      `select duplicates_replaced from meta.load_volumes where table_name = 'raw.buildops__invoices' order by recorded_at desc limit 1`,
    );
    expect(volume?.duplicates_replaced).toBe(1);
  });
});
