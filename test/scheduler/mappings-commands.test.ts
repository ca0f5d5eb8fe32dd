/**
 * `plumbline mappings suggest` and `check` on the sandbox. Suggest runs with the sandbox's
 * mapping files removed and must give back its true cost-code mapping for at least 90% of the
 * items Spectrum has posted lines for (two seeds); check must give the facts of
 * marts.cost_code_drift, per item.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../load/index.ts';
import { checkMappings, suggestMappings, writeSuggestions } from '../../scheduler/mappings-commands.ts';
import { mostLikelyTarget, NOT_INFERRED } from '../../scheduler/mappings-suggest.ts';
import { filesConfig, loadAndBuild, loadSandbox, removeSandboxExports, sandboxExport } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

afterAll(() => removeSandboxExports());

const SEEDS = [1, 7] as const;

describe('mostLikelyTarget', () => {
  it('takes the phase most posted lines went to, and reports a tie instead of breaking it', () => {
    const choice = mostLikelyTarget([
      { code: '01000/M', lines: 2 },
      { code: '15500/M', lines: 5 },
    ]);
    expect(choice?.best.code).toBe('15500/M');
    expect(choice?.posted).toBe(7);
    expect(choice?.tiedWith).toEqual([]);
    const tie = mostLikelyTarget([
      { code: 'B', lines: 3 },
      { code: 'A', lines: 3 },
    ]);
    expect(tie?.best.code).toBe('A');
    expect(tie?.tiedWith.map((t) => t.code)).toEqual(['B']);
    expect(mostLikelyTarget([])).toBeNull();
  });
});

describeEachWarehouse('mappings suggest and check', (factory) => {
  for (const seed of SEEDS) {
    it(`suggest, with the mapping files removed, gives back the true cost-code mapping (seed ${seed})`, async () => {
      const { dir, truth } = await sandboxExport(seed, 'tiny');
      const csv = (name: string) => parse(readFileSync(join(dir, 'mappings', name), 'utf8'), { columns: true }) as Record<string, string>[];
      const trueMap = new Map(csv('cost_code_map.csv').map((r) => [r.item_code!, `${r.phase_code}/${r.cost_type}`]));
      const trueCenters = new Map(csv('department_cost_centers.csv').map((r) => [r.department_name!, r.cost_center!]));
      for (const name of ['cost_code_map.csv', 'department_cost_centers.csv', 'labor_rates.csv']) rmSync(join(dir, 'mappings', name));

      const location = await factory.newLocation();
      const warehouse = await openWarehouse(location);
      try {
        await loadAndBuild(warehouse, filesConfig(dir, truth, location), truth.asOf);
        const [costCodes, centers, labor] = await suggestMappings(warehouse, truth.companyCode);

        const posted = costCodes!.rows.filter((r) => Number(r.posted_lines) > 0);
        const reproduced = posted.filter((r) => trueMap.get(String(r.item_code)) === `${r.phase_code}/${r.cost_type}`);
        const share = reproduced.length / posted.length;
        console.log(
          `[${factory.kind}] seed ${seed}: suggested cost_code_map.csv reproduces the true mapping for ${reproduced.length} of ${posted.length} items with posted lines (${(share * 100).toFixed(1)}%)`,
        );
        expect(posted.length).toBeGreaterThan(10);
        expect(share).toBeGreaterThanOrEqual(0.9);

        // Every row it cannot infer says so, and only those rows are blank.
        for (const file of [costCodes!, centers!, labor!]) {
          const codeColumn = file.columns[1]!;
          for (const row of file.rows) expect(String(row.review).startsWith(NOT_INFERRED), `${file.name} ${JSON.stringify(row)}`).toBe(row[codeColumn] === '');
          for (const row of file.rows) expect(String(row.review)).not.toBe('');
        }
        const inferredCenters = centers!.rows.filter((r) => r.cost_center !== '');
        expect(inferredCenters.length).toBeGreaterThan(0);
        for (const row of inferredCenters) expect(row.cost_center).toBe(trueCenters.get(String(row.department_name)));
        expect(labor!.rows.some((r) => r.burdened_rate !== '' && Number(r.burdened_rate) > 0)).toBe(true);

        // Written beside the user's mappings, never over them.
        const mappings = join(dir, 'mappings');
        expect(() => writeSuggestions([costCodes!], mappings, mappings)).toThrow(/never written over your mapping files/);
        const out = mkdtempSync(join(tmpdir(), 'plumbline-suggest-'));
        const [path] = writeSuggestions([costCodes!], out, mappings);
        const written = parse(readFileSync(path!, 'utf8'), { columns: true }) as Record<string, string>[];
        expect(written.length).toBe(costCodes!.rows.length);
        expect(Object.keys(written[0]!).slice(0, 3)).toEqual(['item_code', 'phase_code', 'cost_type']);
        rmSync(out, { recursive: true, force: true });
      } finally {
        await warehouse.close();
      }
    });
  }

  it('check gives the facts of marts.cost_code_drift per item, and the departments without a cost center', async () => {
    const { warehouse } = await loadSandbox(factory, 1, 'tiny');
    try {
      const problems = await checkMappings(warehouse);
      const mart = await warehouse.query<{ finding_type: string; n: number; amount: string | null }>(
        `select finding_type, count(*) as n, sum(amount) as amount from marts.cost_code_drift group by finding_type`,
      );
      expect(mart.length).toBeGreaterThan(0);
      const problemText: Record<string, string> = {
        unmapped_item: 'item not mapped',
        mapping_target_missing: 'mapped phase missing on jobs',
        mapping_target_inactive: 'mapped phase inactive on jobs',
        gl_cost_type_mismatch: "item's GL account allows another cost type",
        posted_cost_code_mismatch: 'Spectrum posted its lines to another phase',
      };
      for (const m of mart) {
        const rows = problems.filter((p) => p.problem === problemText[m.finding_type]);
        expect(
          rows.reduce((n, p) => n + p.findings, 0),
          m.finding_type,
        ).toBe(Number(m.n));
        const cents = rows.reduce((n, p) => n + Math.round(Number(p.amount || 0) * 100), 0);
        expect(cents, m.finding_type).toBe(Math.round(Number(m.amount ?? 0) * 100));
      }
      // The sandbox maps every department: none is reported; remove one mapping and it is.
      expect(problems.filter((p) => p.file === 'department_cost_centers.csv')).toEqual([]);
      await warehouse.query(`delete from raw.mappings__department_cost_centers where department_name = 'Service'`);
      const after = await checkMappings(warehouse);
      const service = after.filter((p) => p.file === 'department_cost_centers.csv');
      expect(service.map((p) => p.code)).toEqual(['Service']);
      expect(Number(service[0]!.amount)).toBeGreaterThan(0);
    } finally {
      await warehouse.close();
    }
  });
});
