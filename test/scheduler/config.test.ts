/** Config validation and secrets handling. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../scheduler/config.ts';
import { loadSecrets, warehouseLocation } from '../../scheduler/secrets.ts';
import { resolveAsOf } from '../../scheduler/run-context.ts';
import { createLogger } from '../../lib/logger.ts';
import { UsageError } from '../../lib/errors.ts';

describe('config', () => {
  it('fills defaults for an empty file', () => {
    const config = validateConfig({});
    expect(config.warehouse).toBe('./plumbline.duckdb');
    expect(config.company.time_zone).toBe('America/Chicago');
    expect(config.sources.buildops.kind).toBe('none');
    expect(config.sources.spectrum.lookback_days).toBe(45);
  });

  it('reports every problem with its key, value and what is allowed', () => {
    expect(() => validateConfig({ sources: { spectrum: { port: 70000, lookback_days: -1 } } }, 'x.yaml')).toThrow(
      /Invalid configuration in x\.yaml:\n {2}sources\.spectrum\.port = 70000: .*65535[\s\S]*sources\.spectrum\.lookback_days = -1: .*0/,
    );
  });

  it('schedule: 02:00 by default; a cron expression that is not one is a usage error naming the key and the value', () => {
    expect(validateConfig({}).schedule).toEqual({ cron: '0 2 * * *', run_on_start: false });
    expect(validateConfig({}).lock).toEqual({ wait_seconds: 300, stale_seconds: 120 });
    expect(validateConfig({ schedule: { cron: '*/5 * * * * *' } }).schedule.cron).toBe('*/5 * * * * *');
    for (const cron of ['every night', '0 25 * * *', '0 2 * *']) {
      let error: unknown;
      try {
        validateConfig({ schedule: { cron } }, 'x.yaml');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(
        `Invalid configuration in x.yaml:\n  schedule.cron = ${JSON.stringify(cron)}: not a cron expression: five fields 'minute hour day month weekday' (e.g. '0 2 * * *', 02:00 every day), or six with seconds first`,
      );
    }
  });

  it('defaults the as-of date to today in the company time zone', () => {
    const config = { ...validateConfig({ company: { time_zone: 'America/Chicago' } }), baseDir: '.', file: null };
    // 03:00 UTC on the 22nd is still the 21st in Chicago.
    expect(resolveAsOf(undefined, config, new Date('2026-11-22T03:00:00Z'))).toBe('2026-11-21');
    expect(resolveAsOf('2026-10-31', config)).toBe('2026-10-31');
  });
});

describe('secrets', () => {
  it('come from the environment, else from the secrets file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plumbline-secrets-'));
    const file = join(dir, 'plumbline.secrets');
    writeFileSync(file, '# comment\nBUILDOPS_CLIENT_ID=from-file\nSPECTRUM_SQL_PASSWORD="quoted value"\n');
    const secrets = loadSecrets({ BUILDOPS_CLIENT_ID: 'from-env' }, file);
    expect(secrets.get('BUILDOPS_CLIENT_ID')).toBe('from-env');
    expect(secrets.get('SPECTRUM_SQL_PASSWORD')).toBe('quoted value');
    expect(() => secrets.require('BUILDOPS_CLIENT_SECRET', 'to call the BuildOps API')).toThrow(
      /BUILDOPS_CLIENT_SECRET is not set; it is needed to call the BuildOps API/,
    );
  });

  it('fill the Postgres password into the warehouse URL without logging it', () => {
    const secrets = loadSecrets({ PLUMBLINE_WAREHOUSE_PASSWORD: 's3cr3t-pw' });
    expect(warehouseLocation('postgres://me@db/pl', secrets)).toBe('postgres://me:s3cr3t-pw@db/pl');
    const lines: string[] = [];
    const logger = createLogger({ format: 'json', secrets: secrets.values(), write: (l) => lines.push(l) });
    logger.error('x', 'connect to postgres://me:s3cr3t-pw@db/pl failed', { url: 'postgres://me:s3cr3t-pw@db/pl' });
    expect(lines.join('\n')).not.toContain('s3cr3t-pw');
    expect(lines.join('\n')).toContain('***');
  });
});
