/**
 * What every file of an export folder must pass, whichever source reads it: its bytes decode
 * in the declared encoding (UTF-8 unless the source says otherwise), it is not cut short, and
 * its record count matches the folder's optional `manifest.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { TextDecoder } from 'node:util';
import { PlumblineError, errorMessage } from '../lib/errors.ts';

/** The record counts an export's `manifest.json` promises, by path relative to the folder (`spectrum/CR_OPEN_ITEM_MC.csv`). */
export type ExportManifest = ReadonlyMap<string, number>;

/**
 * Reads `<dir>/manifest.json` when present: `{ "files": { "<relative path>": { "rows": N } } }`.
 * Absent: an empty manifest (nothing is checked). Present but unreadable: an error, since a
 * manifest that cannot be read cannot vouch for anything.
 */
export function readExportManifest(dir: string): ExportManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new PlumblineError(`${path} is not valid JSON (${errorMessage(error)}): fix or remove the export manifest`);
  }
  const files = (parsed as { files?: unknown } | null)?.files;
  if (files === null || typeof files !== 'object' || Array.isArray(files))
    throw new PlumblineError(`${path}: expected {"files": {"<path>": {"rows": N}}}; fix or remove the export manifest`);
  const out = new Map<string, number>();
  for (const [file, entry] of Object.entries(files as Record<string, unknown>)) {
    const rows = (entry as { rows?: unknown } | null)?.rows;
    if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 0)
      throw new PlumblineError(`${path}: files["${file}"].rows must be a whole number of records, found ${JSON.stringify(rows)}`);
    out.set(file.replace(/\\/g, '/').replace(/^\.\//, ''), rows);
  }
  return out;
}

/** Fails when the manifest promises a count for `relative` and `found` records differ. */
export function checkManifestCount(manifest: ExportManifest, relative: string, file: string, found: number): void {
  const expected = manifest.get(relative);
  if (expected !== undefined && expected !== found) {
    throw new PlumblineError(
      `${file} holds ${found} record(s) but the export's manifest.json lists ${expected}: the export is incomplete or was changed after it was written. Export it again.`,
    );
  }
}

/** Fails when the manifest lists a file that is not there. */
export function checkManifestListsMissing(manifest: ExportManifest, relative: string, file: string): void {
  if (manifest.has(relative))
    throw new PlumblineError(`${file} is missing, but the export's manifest.json lists it with ${manifest.get(relative)} record(s). Export it again.`);
}

/** The decoder of an export file's declared encoding, fatal on bytes that do not belong to it. */
function decoderFor(encoding: string, file: string): TextDecoder {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: false });
  } catch {
    throw new PlumblineError(`${file}: unknown encoding "${encoding}" (use a WHATWG label such as utf-8, windows-1252, iso-8859-1, utf-16le)`);
  }
}

function notDecodable(file: string, encoding: string, bytes: Uint8Array, offset: number): PlumblineError {
  const at = bytes.findIndex((b) => b >= 0x80);
  const sample = at >= 0 ? ` (byte 0x${bytes[at]!.toString(16).toUpperCase()} at about offset ${offset + at})` : '';
  const hint =
    encoding.toLowerCase().replace(/[^a-z0-9]/g, '') === 'utf8'
      ? " It looks like Windows-1252 or Latin-1: export it as UTF-8, or set the source's encoding option (e.g. encoding: windows-1252)."
      : '';
  return new PlumblineError(`${file} is not valid ${encoding === 'utf-8' ? 'UTF-8' : encoding}${sample}: the file's encoding must be named.${hint}`);
}

/** Decodes a whole file's bytes in `encoding` (default UTF-8), failing with the file and encoding named. */
export function decodeExportFile(bytes: Uint8Array, file: string, encoding = 'utf-8'): string {
  const decoder = decoderFor(encoding, file);
  try {
    return decoder.decode(bytes);
  } catch {
    throw notDecodable(file, encoding, bytes, 0);
  }
}

/** A stream that decodes an export file's bytes into text (default UTF-8), failing with the file and encoding named. */
export function textDecodingStream(file: string, encoding = 'utf-8'): Transform {
  const decoder = decoderFor(encoding, file);
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      try {
        const text = decoder.decode(chunk, { stream: true });
        offset += chunk.length;
        callback(null, text);
      } catch {
        callback(notDecodable(file, encoding, chunk, offset));
      }
    },
    flush(callback) {
      try {
        callback(null, decoder.decode());
      } catch {
        callback(notDecodable(file, encoding, new Uint8Array(), offset));
      }
    },
  });
}

/**
 * A stream that decodes an export file's bytes into text (default UTF-8), failing with the file
 * and encoding named, and that fails at the end when the last record is not terminated by a
 * line break (a file cut short).
 */
export function decodingStream(file: string, encoding = 'utf-8'): Transform {
  const decoder = decoderFor(encoding, file);
  let offset = 0;
  let last = '';
  let any = false;
  return new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _enc, callback) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        callback(notDecodable(file, encoding, chunk, offset));
        return;
      }
      offset += chunk.length;
      if (text.length > 0) {
        any = true;
        last = text.at(-1)!;
      }
      callback(null, text);
    },
    flush(callback) {
      let text: string;
      try {
        text = decoder.decode();
      } catch {
        callback(notDecodable(file, encoding, new Uint8Array(), offset));
        return;
      }
      if (text.length > 0) last = text.at(-1)!;
      if (!any && text.length === 0) {
        callback(new PlumblineError(`${file} is empty (not even a header row): the export was cut or failed. Export it again.`));
        return;
      }
      if (last !== '\n' && last !== '\r') {
        callback(new PlumblineError(`${file} looks cut short: its last record does not end with a line break, so it may be truncated. Export it again.`));
        return;
      }
      callback(null, text);
    },
  });
}
