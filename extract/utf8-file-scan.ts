/**
 * One pass over an export file's bytes for a shape scanner (csv-shape.ts, buildops/json-shape.ts):
 * read in chunks, each checked to be UTF-8 up to its last whole character (a character the chunk
 * cuts waits for the next), and handed on. The scanners decide what is plain; this reads.
 */
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';

const CHUNK_BYTES = 1 << 20;

/** A scanner of a file's bytes: a reason the file is not plain, or null to go on; then its verdict. */
export interface ByteScanner<Verdict> {
  scan(bytes: Uint8Array): string | null;
  end(): Verdict;
}

/**
 * Feeds `path`'s bytes to `scanner` and returns its verdict, or why the file is not plain
 * (not UTF-8, or the scanner's reason). `skipByteOrderMark` drops a UTF-8 byte-order mark first.
 */
export async function scanUtf8File<Verdict>(
  path: string,
  scanner: ByteScanner<Verdict>,
  skipByteOrderMark: boolean,
): Promise<Verdict | { plain: false; why: string }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let carry = Buffer.alloc(0);
    let first = true;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      let chunk = buffer.subarray(0, bytesRead);
      if (first && skipByteOrderMark && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      first = false;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const whole = wholeCharacters(data);
      if (!isUtf8(data.subarray(0, whole))) return { plain: false, why: 'not valid UTF-8' };
      carry = Buffer.from(data.subarray(whole));
      const why = scanner.scan(data.subarray(0, whole));
      if (why) return { plain: false, why };
    }
    if (carry.length > 0) return { plain: false, why: 'not valid UTF-8 at its end' };
    return scanner.end();
  } finally {
    await handle.close();
  }
}

/** The length of `data` without a UTF-8 character its end cuts. */
function wholeCharacters(data: Uint8Array): number {
  let k = data.length - 1;
  let continuation = 0;
  while (k >= 0 && continuation < 3 && (data[k]! & 0xc0) === 0x80) {
    k--;
    continuation++;
  }
  if (k < 0 || data[k]! < 0xc0) return data.length;
  const lead = data[k]!;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return data.length - k < size ? k : data.length;
}
