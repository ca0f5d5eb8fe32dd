/**
 * marts.writeback_outbound and marts.writeback_preflight against the ground truth: every
 * outbound record the sandbox expects, each failing exactly the rules it planted (no misses, no
 * extras), and every finding saying what to do.
 */
import { expect } from 'vitest';
import type { Warehouse } from '../../../load/index.ts';
import type { GroundTruth } from '../../../sandbox/index.ts';

export const marts = ['writeback_outbound', 'writeback_preflight'];

export async function compare(warehouse: Warehouse, truth: GroundTruth): Promise<void> {
  const outbound = await warehouse.query<{ record_type: string; buildops_id: string }>(
    `select record_type, buildops_id from marts.writeback_outbound order by send_order, record_type, buildops_id`,
  );
  const findings = await warehouse.query<{ record_type: string; buildops_id: string; rule: string; field: string; message: string; fix: string }>(
    `select record_type, buildops_id, rule, field, message, fix from marts.writeback_preflight`,
  );
  const rulesOf = new Map(outbound.map((r) => [`${r.record_type}|${r.buildops_id}`, new Set<string>()]));
  for (const f of findings) {
    const rules = rulesOf.get(`${f.record_type}|${f.buildops_id}`);
    expect(rules, `a preflight finding for ${f.record_type} ${f.buildops_id}, which is not outbound`).toBeDefined();
    rules!.add(f.rule);
  }
  const actual = [...rulesOf].map(([key, rules]) => `${key}|${[...rules].sort().join(',')}`).sort();
  const expected = truth.writeback_preflight.map((r) => `${r.record_type}|${r.buildops_id}|${[...r.rules].sort().join(',')}`).sort();
  expect(actual).toEqual(expected);
  // Every finding says what is wrong and what to do, in words (no empty or placeholder text).
  for (const f of findings) {
    expect(f.message.length, `${f.rule} on ${f.buildops_id}`).toBeGreaterThan(15);
    expect(f.fix.length, `${f.rule} on ${f.buildops_id}`).toBeGreaterThan(15);
  }
}
