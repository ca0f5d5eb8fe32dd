/**
 * The direct record check that spares zod for well-formed BuildOps records (records.ts
 * conformsToSpec): it never vouches for a record zod refuses, and it vouches for the sandbox's
 * clean records (else it would never spare anything).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BUILDOPS_ENDPOINT_SPECS } from '../../../extract/buildops/endpoints.ts';
import type { ChildSpec, FieldSpec } from '../../../extract/buildops/endpoints.ts';
import { conformsToSpec, recordSchema } from '../../../extract/buildops/records.ts';
import { exportContractor, generateContractor, openStore } from '../../../sandbox/index.ts';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-conforms-'));
  const store = await openStore();
  try {
    await generateContractor(store, { seed: 9, scale: 'tiny' });
    await exportContractor(store, dir);
  } finally {
    store.close();
  }
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Values that break one field's type in every way an export might. */
const WRONG: unknown[] = [
  null,
  undefined,
  'text',
  '',
  12,
  1.5,
  -0,
  2 ** 60,
  true,
  [],
  {},
  [1],
  '2026-02-30',
  '2026-01-31',
  '2026-01-31T10:00:00Z',
  '1700000000',
  'NaN',
];

/** Every record with one field (of the record, an object or a child element) replaced by `value`. */
function* mutations(record: Record<string, unknown>, fields: readonly FieldSpec[], children: readonly ChildSpec[]): Generator<unknown> {
  for (const field of fields) {
    for (const value of WRONG) yield { ...record, [field.source]: value };
  }
  for (const child of children) {
    yield { ...record, [child.source]: 'not an array' };
    yield { ...record, [child.source]: [null] };
    const items = record[child.source];
    if (!Array.isArray(items) || items.length === 0) continue;
    const first = items[0] as Record<string, unknown>;
    for (const changed of mutations(first, child.fields, child.children ?? [])) yield { ...record, [child.source]: [changed, ...items.slice(1)] };
  }
}

test.each(BUILDOPS_ENDPOINT_SPECS.map((s) => [s.endpoint, s] as const))('%s: vouches only for what zod takes, and for the clean records', (_name, spec) => {
  const records = JSON.parse(readFileSync(join(dir, 'buildops', `${spec.endpoint}.json`), 'utf8')) as Record<string, unknown>[];
  const schema = recordSchema(spec);
  for (const record of records) expect(conformsToSpec(spec, record), `${spec.endpoint} ${String(record.id)}`).toBe(true);
  let checked = 0;
  for (const record of records.slice(0, 3)) {
    const candidates: unknown[] = [...mutations(record, spec.fields, spec.children), null, [], 'x'];
    for (const object of spec.objects) {
      candidates.push({ ...record, [object.source]: [] }, { ...record, [object.source]: 'x' });
      const value = record[object.source];
      if (value && typeof value === 'object')
        for (const changed of mutations(value as Record<string, unknown>, object.fields, [])) candidates.push({ ...record, [object.source]: changed });
    }
    for (const candidate of candidates) {
      if (conformsToSpec(spec, candidate)) expect(schema.safeParse(candidate).success, JSON.stringify(candidate).slice(0, 200)).toBe(true);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(0);
});
