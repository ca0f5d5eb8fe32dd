/**
 * Report files appear whole or not at all: each is written under a temporary name beside its
 * final one and renamed into place (a rename is atomic on one file system). A crash midway
 * leaves the previous file, never a torn one.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The temporary name a report file is written under before it is renamed into place. */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** Moves a file written under temporaryPath(path) into place. */
export function publishFile(path: string): void {
  renameSync(temporaryPath(path), path);
}

/** Removes a temporary file that will not be published (the write failed). */
export function discardFile(path: string): void {
  rmSync(temporaryPath(path), { force: true });
}

/** Writes a whole file under its temporary name, then renames it into place. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(temporaryPath(path), data);
    publishFile(path);
  } catch (error) {
    discardFile(path);
    throw error;
  }
}
