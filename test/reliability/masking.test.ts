/** Issue 10: secrets are masked in values before any encoding, and in the stdout results table. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { plumbline } from './helpers.ts';

const LOGIN = 'CORP\\svc_spectrum';

function leaks(text: string): boolean {
  return text.includes(LOGIN) || text.includes(JSON.stringify(LOGIN).slice(1, -1)) || text.includes('svc_spectrum');
}

describe('masking', () => {
  it('a DOMAIN\\user login appears nowhere in a JSON log line, escaped or not', () => {
    const lines: string[] = [];
    const logger = createLogger({ format: 'json', secrets: [LOGIN], write: (line) => lines.push(line) });
    logger.error('login.failed', `Login failed for ${LOGIN}`, { user: LOGIN, nested: { attempts: [{ as: LOGIN }] }, error: new Error(`no ${LOGIN}`) });
    expect(lines).toHaveLength(1);
    expect(leaks(lines[0]!)).toBe(false);
    expect(JSON.parse(lines[0]!).user).toBe('***');
  });

  for (const format of [[], ['--json'], ['--csv']]) {
    it(`the sql results ${format[0] ?? 'table'} is masked`, async () => {
      const result = await plumbline(['sql', `select 'connected as ${LOGIN}' as note`, '--warehouse', ':memory:', ...format], {
        env: { SPECTRUM_SQL_USER: LOGIN },
      });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('***');
      expect(leaks(result.stdout + result.stderr)).toBe(false);
    });
  }
});
