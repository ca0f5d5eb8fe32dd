/**
 * Secret masking on values, before they are encoded: a secret inside a string is replaced by
 * `***` while it is still plain text, so no encoding (JSON's `\\`, CSV quoting) can hide it.
 */

/** Text with every secret replaced by `***` (longest first, so a secret inside another goes too). */
export function maskText(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length > 0 && out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}

/** A value with every string in it masked: strings, arrays, plain objects and Errors, deeply. */
export function maskValue(value: unknown, secrets: Iterable<string>, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskText(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) return { name: value.name, message: maskText(value.message, secrets) };
  if (Array.isArray(value)) return value.map((v) => maskValue(v, secrets, seen));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskValue(v, secrets, seen)]));
}
