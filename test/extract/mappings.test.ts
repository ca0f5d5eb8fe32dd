/**
 * The mapping-file extractor (extract/mappings): the user's CSV files read as seed tables, with
 * bad rows quarantined under reasons that name the file, the line and the column.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMappingResources } from '../../extract/mappings/index.ts';
import type { QuarantineRecord, Row } from '../../extract/types.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-mappings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every row and quarantined record the named mapping resource yields from `dir`. */
async function extract(name: string): Promise<{ table: string; rows: Row[]; quarantine: QuarantineRecord[] }> {
  const resource = createMappingResources({ dir }).find((r) => r.name === name);
  if (!resource) throw new Error(`no mapping resource ${name}`);
  const table = resource.tables[0]!.name;
  const rows: Row[] = [];
  const quarantine: QuarantineRecord[] = [];
  for await (const batch of resource.extract(undefined, { fullRefresh: false, asOf: '2026-11-15' })) {
    const byTable = batch.rows instanceof Map ? Object.fromEntries(batch.rows) : (batch.rows as Record<string, readonly Row[]>);
    expect(Object.keys(byTable)).toEqual([table]);
    rows.push(...(byTable[table] ?? []));
    quarantine.push(...(batch.quarantine ?? []));
  }
  return { table, rows, quarantine };
}

describe('mapping files', () => {
  it('one resource per mapping file, each replacing raw.mappings__<name> keyed by its code', () => {
    const resources = createMappingResources({ dir });
    expect(resources.map((r) => [r.source, r.name, r.mode, `${r.tables[0]!.schema}.${r.tables[0]!.name}`, r.tables[0]!.primaryKey])).toEqual([
      ['mappings', 'cost_code_map', 'replace', 'raw.mappings__cost_code_map', ['item_code']],
      ['mappings', 'department_cost_centers', 'replace', 'raw.mappings__department_cost_centers', ['department_name']],
      ['mappings', 'labor_rates', 'replace', 'raw.mappings__labor_rates', ['item_code']],
      ['mappings', 'customer_requirements', 'replace', 'raw.mappings__customer_requirements', ['customer_code', 'compliance_type']],
    ]);
  });

  it('customer_requirements.csv: one row per customer and compliance type; a repeat of the pair is quarantined, another type is not', async () => {
    writeFileSync(
      join(dir, 'customer_requirements.csv'),
      'customer_code,compliance_type,minimum_amount\nHIGH008,COI,2000000\nHIGH008,W9,0\nHIGH008,COI,1000000\nRIVE007,COI,\n',
    );
    const { rows, quarantine } = await extract('customer_requirements');
    expect(rows).toEqual([
      { customer_code: 'HIGH008', compliance_type: 'COI', minimum_amount: '2000000' },
      { customer_code: 'HIGH008', compliance_type: 'W9', minimum_amount: '0' },
    ]);
    expect(quarantine.map((q) => q.reasons)).toEqual([
      [
        'customer_requirements.csv line 4: customer_code + compliance_type "HIGH008 + COI" is already mapped on line 2; one row per customer_code + compliance_type',
      ],
      ['customer_requirements.csv line 5: minimum_amount is blank'],
    ]);
  });

  it('a good file: every row, codes trimmed, header names matched case-insensitively (BOM, blank lines, extra columns ignored)', async () => {
    writeFileSync(join(dir, 'cost_code_map.csv'), '\uFEFFItem_Code, Phase_Code ,COST_TYPE,note\n PIPE-34 ,22-110, M ,copper\n\nLAB-HVAC,15500,L,\n');
    const { table, rows, quarantine } = await extract('cost_code_map');
    expect(table).toBe('mappings__cost_code_map');
    expect(quarantine).toEqual([]);
    expect(rows).toEqual([
      { item_code: 'PIPE-34', phase_code: '22-110', cost_type: 'M' },
      { item_code: 'LAB-HVAC', phase_code: '15500', cost_type: 'L' },
    ]);
  });

  it('a missing file loads as an empty table (nothing mapped yet), without quarantine', async () => {
    expect(await extract('cost_code_map')).toEqual({ table: 'mappings__cost_code_map', rows: [], quarantine: [] });
    expect((await extract('labor_rates')).rows).toEqual([]);
  });

  it('a blank item code and a repeated item code are quarantined, naming the file, the line and the column; the other rows load', async () => {
    writeFileSync(
      join(dir, 'cost_code_map.csv'),
      ['item_code,phase_code,cost_type', 'PIPE-34,22-110,M', '  ,22-120,M', 'VALVE-2,22-130,M', 'PIPE-34,01000,O', 'TRIP,01000,'].join('\n'),
    );
    const { rows, quarantine } = await extract('cost_code_map');
    expect(rows).toEqual([
      { item_code: 'PIPE-34', phase_code: '22-110', cost_type: 'M' },
      { item_code: 'VALVE-2', phase_code: '22-130', cost_type: 'M' },
    ]);
    expect(quarantine.map((q) => ({ key: q.recordKey, reasons: q.reasons }))).toEqual([
      { key: 'cost_code_map.csv:line 3', reasons: ['cost_code_map.csv line 3: item_code is blank'] },
      { key: 'cost_code_map.csv:PIPE-34', reasons: ['cost_code_map.csv line 5: item_code "PIPE-34" is already mapped on line 2; one row per item_code'] },
      { key: 'cost_code_map.csv:TRIP', reasons: ['cost_code_map.csv line 6: cost_type is blank'] },
    ]);
    // The raw record is kept as read, for the person fixing the file.
    expect(quarantine[1]!.rawRecord).toEqual({ item_code: 'PIPE-34', phase_code: '01000', cost_type: 'O' });
  });

  it('a rate that is not a non-negative number is quarantined with the value found', async () => {
    writeFileSync(join(dir, 'labor_rates.csv'), 'item_code,burdened_rate\nLAB-HVAC,68.50\nLAB-ELEC,$70\n');
    const { rows, quarantine } = await extract('labor_rates');
    expect(rows).toEqual([{ item_code: 'LAB-HVAC', burdened_rate: '68.50' }]);
    expect(quarantine.map((q) => q.reasons)).toEqual([['labor_rates.csv line 3: burdened_rate = "$70" is not a non-negative number']]);
  });

  it('a header missing a column quarantines the whole file, naming what it lacks', async () => {
    writeFileSync(join(dir, 'cost_code_map.csv'), 'item_code,phase\nPIPE-34,22-110\n');
    const { rows, quarantine } = await extract('cost_code_map');
    expect(rows).toEqual([]);
    expect(quarantine).toEqual([
      {
        recordKey: 'cost_code_map.csv',
        rawRecord: { file: join(dir, 'cost_code_map.csv'), header: ['item_code', 'phase'] },
        reasons: ['cost_code_map.csv: the header lacks phase_code, cost_type (expected item_code, phase_code, cost_type)'],
      },
    ]);
  });
});
