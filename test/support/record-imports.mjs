/**
 * `node --import ./test/support/record-imports.mjs …` appends the URL of every module the process
 * resolves to the file named by PLUMBLINE_IMPORT_LOG, one a line (test/scheduler/startup.test.ts).
 */
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.PLUMBLINE_IMPORT_LOG, resolved.url + '\\n');
  return resolved;
}`)}`,
);
