/**
 * A BuildOps export file (a JSON array) read in batches by the streaming parser: the records are
 * JSON.parse's of the whole file, in order, and a damaged file fails naming the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { jsonArrayBatches } from '../../../extract/buildops/json-array-file.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-json-array-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function readAll(path: string, batchSize = 2): Promise<{ records: unknown[]; sizes: number[] }> {
  const batches = await jsonArrayBatches(path, batchSize);
  if (!batches) throw new Error('no file');
  const records: unknown[] = [];
  const sizes: number[] = [];
  for await (const batch of batches) {
    records.push(...batch);
    sizes.push(batch.length);
  }
  return { records, sizes };
}

const TRICKY = `\uFEFF  [
  {"id": "a", "amount": 1.50, "big": 12345678901234567890, "zero": -0, "text": "caf\\u00e9 \\"q\\" \\n", "twice": 1, "twice": 2},
  {"id": "b", "nested": {"x": [1, {"y": null}]}, "nul": "x\\u0000y", "__proto__": {"polluted": true}},
  {"id": "c", "lines": [{"n": 1}, {"n": 2}]}, [1, 2], "not an object", 7, null
]
`;

test.each([
  ['a file', TRICKY.replace('\uFEFF', '')],
  ['a file with a byte-order mark', TRICKY],
  ['a file with a lone surrogate escape', TRICKY.replace('caf\\u00e9', 'caf\\ud800')],
])('%s: the records of JSON.parse, in order and in batches', async (_name, content) => {
  const path = join(dir, 'records.json');
  writeFileSync(path, content);
  const { records, sizes } = await readAll(path);
  expect(records).toEqual(JSON.parse(content.replace(/^\uFEFF/, '')));
  expect(sizes).toEqual([2, 2, 2, 1]);
  expect(Object.getPrototypeOf(records[1])).toBe(Object.prototype);
});

test.each([
  ['cut short', '[{"id": "a"}, {"id": ', /records\.json: not valid JSON/],
  ['not an array', '{"id": "a"}', /records\.json: expected a JSON array of records, found a file starting with "\{"/],
  ['empty', '', /records\.json: the file is empty/],
])('a file %s fails naming the file', async (_name, content, message) => {
  const path = join(dir, 'records.json');
  writeFileSync(path, content);
  await expect(readAll(path)).rejects.toThrow(message);
});

test('a file that is not UTF-8 fails naming the encoding; with its encoding it reads', async () => {
  const path = join(dir, 'latin1.json');
  writeFileSync(path, Buffer.from('[{"name": "Caf\xe9"}]', 'latin1'));
  await expect(readAll(path)).rejects.toThrow(/latin1\.json is not valid UTF-8/);
  const batches = await jsonArrayBatches(path, 10, 'windows-1252');
  const records: unknown[] = [];
  for await (const batch of batches!) records.push(...batch);
  expect(records).toEqual([{ name: 'Café' }]);
});

test('a missing file is null', async () => {
  expect(await jsonArrayBatches(join(dir, 'missing.json'), 10)).toBeNull();
});
