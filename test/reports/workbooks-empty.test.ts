/** A warehouse where no mart was built (e.g. neither source is configured yet): the workbooks say so instead of failing. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { openWarehouse } from '../../load/index.ts';
import type { Warehouse } from '../../load/index.ts';
import { writeWorkbooks } from '../../reports/excel/index.ts';
import { FINDING_SHEETS } from '../../reports/excel/reconciliation.ts';

let dir: string;
let warehouse: Warehouse;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-empty-workbooks-'));
  warehouse = await openWarehouse(join(dir, 'warehouse.duckdb'));
  await warehouse.ensureReady();
});

afterAll(async () => {
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('every sheet of a mart that was not built says "not available"; write-back says it has not run', async () => {
  const [arAging, reconciliation] = await writeWorkbooks({ warehouse, outDir: join(dir, 'out'), asOf: '2026-11-15', companyCode: '1', logger: silentLogger });
  const aging = new ExcelJS.Workbook();
  await aging.xlsx.readFile(arAging as string);
  expect(aging.worksheets.map((s) => s.name)).toEqual(['Summary']);
  expect(aging.getWorksheet('Summary')?.getCell('A2').value).toBe('not available: marts.ar_aging was not built — its sources are not loaded');

  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(reconciliation as string);
  for (const spec of FINDING_SHEETS) {
    const first = workbook.getWorksheet(spec.name)?.getCell('A1').value;
    if (spec.mart === 'writeback_preflight') expect(first).toBe('Write-back has not run: marts.writeback_preflight does not exist in this warehouse.');
    else expect(first).toBe(`not available: marts.${spec.mart} was not built — its sources are not loaded`);
  }
});
