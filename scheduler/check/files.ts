/**
 * The file-source checks: the export folder of each source read from files, and the mapping
 * files. One row per folder: it exists, and every file there that the run reads can be opened
 * and read. A file that is not there is only noted (on a first export a missing file means no
 * such records, and a missing mapping file is an empty mapping), unless the export's manifest
 * lists it: then the run would fail on it, and so does the check.
 */
import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readExportManifest } from '../../extract/export-files.ts';
import type { CheckOutcome, ConnectionCheck } from '../../lib/check.ts';
import { TerminalError, errorMessage } from '../../lib/errors.ts';

/** A folder and the files in it the run reads, by path relative to `manifestDir` when an export manifest vouches for them. */
export interface FolderSpec {
  name: string;
  purpose: string;
  folder: string;
  files: readonly string[];
  /** The export folder holding manifest.json (the parent of `folder`), or null for the mappings. */
  manifestDir: string | null;
  /** What to do when the folder is missing. */
  missingFolderFix: string;
  /** What a missing file means for the run, shown in the detail. */
  missingMeans: string;
}

/** One check per folder. */
export function folderCheck(spec: FolderSpec): ConnectionCheck {
  return { name: spec.name, purpose: spec.purpose, run: () => checkFolder(spec) };
}

async function checkFolder(spec: FolderSpec): Promise<CheckOutcome> {
  if (!existsSync(spec.folder) || !statSync(spec.folder).isDirectory()) {
    return { ok: false, error: new TerminalError(`${spec.folder} does not exist or is not a folder`, { fix: spec.missingFolderFix }) };
  }
  const manifest = spec.manifestDir ? readExportManifest(spec.manifestDir) : new Map<string, number>();
  const missing: string[] = [];
  const problems: string[] = [];
  for (const file of spec.files) {
    const path = join(spec.folder, file);
    const listed = spec.manifestDir ? relative(spec.manifestDir, path).replace(/\\/g, '/') : null;
    if (!existsSync(path)) {
      if (listed !== null && manifest.has(listed)) problems.push(`${file} is missing but manifest.json lists it with ${manifest.get(listed)} record(s)`);
      else missing.push(file);
      continue;
    }
    const unreadable = await readProblem(path);
    if (unreadable) problems.push(`${file}: ${unreadable}`);
  }
  if (problems.length > 0) {
    return {
      ok: false,
      error: new TerminalError(`${spec.folder}: ${problems.join('; ')}`, {
        fix: 'Export the files again (or give the user that runs plumbline read access to them), then run plumbline check again.',
      }),
    };
  }
  const read = spec.files.length - missing.length;
  const note = missing.length === 0 ? '' : `; not there: ${missing.join(', ')} (${spec.missingMeans})`;
  return { ok: true, detail: `${read} of ${spec.files.length} file(s) readable${note}` };
}

/** Why a file cannot be read (not a file, no permission), or null when its first bytes read. */
async function readProblem(path: string): Promise<string | null> {
  try {
    const handle = await open(path, 'r');
    try {
      if (!(await handle.stat()).isFile()) return 'not a file';
      await handle.read(Buffer.alloc(64), 0, 64, 0);
      return null;
    } finally {
      await handle.close();
    }
  } catch (error) {
    return errorMessage(error);
  }
}
