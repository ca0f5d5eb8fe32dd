/**
 * The content hash of what a file resource would read: SHA-256 over its files' bytes (streamed,
 * never held whole) and the settings that shape the rows made from them (columns, encoding,
 * companies, time zone, the manifest's count, the plumbline version). Size and modification
 * time are not enough: a copy keeps neither, and an export rewritten with the same size is common.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { PLUMBLINE_VERSION } from '../lib/version.ts';

/** Bump when the way rows are made from unchanged files changes without a version change. */
const FINGERPRINT_FORMAT = 1;

/** `sha256:<hex>` of the files (in order) and `settings`; null when a file is missing (the load then reads, and says so). */
export async function fileFingerprint(files: readonly string[], settings: unknown): Promise<string | null> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ format: FINGERPRINT_FORMAT, plumbline: PLUMBLINE_VERSION, settings }));
  for (const file of files) {
    try {
      await access(file);
    } catch {
      return null;
    }
    // The file's own digest, so that no two file sets hash alike by where one ends.
    const own = createHash('sha256');
    await pipeline(createReadStream(file), own);
    hash.update(`\n${own.digest('hex')}`);
  }
  return `sha256:${hash.digest('hex')}`;
}
