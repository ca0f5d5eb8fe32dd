/** The version of plumbline that is running (package.json), recorded with each run and migration. */
import { readFileSync } from 'node:fs';

export const PLUMBLINE_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
