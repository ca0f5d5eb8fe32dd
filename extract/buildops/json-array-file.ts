/**
 * The records of a BuildOps export file (a JSON array), streamed: each record comes out as it
 * parses, so memory stays flat whatever the file's size (a whole `invoices.json` read as one
 * string broke V8's string limit at large scale). A file that is not an array, or ends before
 * its array does, fails naming the file.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { JSONParser } from '@streamparser/json-node';
import { PlumblineError, TerminalError, errorMessage } from '../../lib/errors.ts';
import { textDecodingStream } from '../export-files.ts';

/** How the file begins: missing, or the first character that is not white space (or a byte-order mark). */
async function firstCharacter(file: string): Promise<{ missing: true } | { missing: false; first: string | null }> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { missing: true };
    throw error;
  }
  try {
    const buffer = Buffer.alloc(4096);
    for (let position = 0; ;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return { missing: false, first: null };
      const text = buffer
        .subarray(0, bytesRead)
        .toString('utf8')
        .replace(/^\uFEFF/, '');
      const match = /\S/.exec(text);
      if (match) return { missing: false, first: match[0] };
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

function invalid(file: string, why: string): TerminalError {
  return new TerminalError(`${file}: ${why}`, {
    fix: `Export ${file} again from BuildOps: it must hold one JSON array of records, whole.`,
  });
}

/** The records of `file` in batches of `batchSize`, or null when there is no such file; its bytes are decoded in `encoding` (default UTF-8, strictly). */
export async function jsonArrayBatches(file: string, batchSize: number, encoding?: string): Promise<AsyncIterable<unknown[]> | null> {
  const start = await firstCharacter(file);
  if (start.missing) return null;
  if (start.first === null) throw invalid(file, 'the file is empty, not a JSON array of records');
  if (start.first !== '[') throw invalid(file, `expected a JSON array of records, found a file starting with ${JSON.stringify(start.first)}`);
  return (async function* () {
    // `$.*`: every element of the top-level array, emitted whole and then forgotten (no stack kept).
    const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
    const source = createReadStream(file);
    const decoded = textDecodingStream(file, encoding);
    source.once('error', (error) => parser.destroy(error));
    // A file that is not valid in its encoding fails naming the file and the encoding, never as mangled text.
    decoded.once('error', (error) => parser.destroy(error));
    source.pipe(decoded).pipe(parser);
    let batch: unknown[] = [];
    try {
      for await (const element of parser as AsyncIterable<{ value: unknown }>) {
        batch.push(element.value);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    } catch (error) {
      if (error instanceof PlumblineError) throw error;
      throw invalid(file, `not valid JSON (${errorMessage(error)})`);
    } finally {
      source.destroy();
    }
    if (batch.length > 0) yield batch;
  })();
}
