// A resource reads the state an earlier load stored (JSON from the warehouse) as its own type:
// a shape it does not know is no state, so the next read is a full one instead of a wrong window.
import { expect, test } from 'vitest';
import { createBuildOpsApiResources } from '../../extract/buildops/index.ts';
import { readBuildOpsState } from '../../extract/buildops/resources.ts';
import { readCursorState } from '../../extract/spectrum/batches.ts';
import { createSpectrumSqlResources } from '../../extract/spectrum/index.ts';

test('BuildOps: the cursor and the lag-window fingerprints are read back; anything else is no state', () => {
  const state = { cursor: '2026-11-15T10:00:00.000Z', recent: { a: '1763200800000|3', b: 7 } };
  expect(readBuildOpsState(state)).toEqual({ cursor: '2026-11-15T10:00:00.000Z', recent: { a: '1763200800000|3' } });
  expect(readBuildOpsState({ cursor: null })).toEqual({ cursor: null, recent: {} });
  for (const bad of [null, 'x', 42, { cursor: 'yesterday' }, { cursor: 17 }, {}]) expect(readBuildOpsState(bad), JSON.stringify(bad)).toBeUndefined();
});

test('Spectrum: a business-date cursor is read back; anything else is no state', () => {
  expect(readCursorState({ cursor: '2026-11-15' })).toEqual({ cursor: '2026-11-15' });
  for (const bad of [null, [], { cursor: '2026-13-45' }, { cursor: '20261115' }, { cursor: 20261115 }, {}])
    expect(readCursorState(bad), JSON.stringify(bad)).toBeUndefined();
});

test('the resources declare the readers, so the loader hands each its own type', () => {
  const [invoices] = createBuildOpsApiResources({ baseUrl: 'http://127.0.0.1:9', tenantId: 't', clientId: 'i', clientSecret: 's', endpoints: ['invoices'] });
  expect(invoices!.readState?.({ cursor: '2026-11-15T10:00:00.000Z', recent: {} })).toEqual({ cursor: '2026-11-15T10:00:00.000Z', recent: {} });
  const sql = createSpectrumSqlResources({
    server: '127.0.0.1',
    database: 'Spectrum',
    user: 'u',
    password: 'p',
    encrypt: false,
    trustServerCertificate: true,
    companyCodes: ['1'],
  });
  const header = sql.resources.find((r) => r.name === 'CR_INVOICE_HEADER_MC')!;
  expect(header.readState?.({ cursor: 'not a date' })).toBeUndefined();
  expect(header.readState?.({ cursor: '2026-10-31' })).toEqual({ cursor: '2026-10-31' });
});
