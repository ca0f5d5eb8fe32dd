// A tiny store for the server tests: the real schema (sandbox/store) and a few rows per table.
import { openStore } from '../../../sandbox/store/open-store.ts';
import type { Store } from '../../../sandbox/store/open-store.ts';

/** Right-pad a code as Spectrum stores it. */
export const pad = (code: string, width: number): string => code.padEnd(width, ' ');

/** Open an in-memory store with a small fixture company 'Z01' (and a second company 'Z02'). */
export async function openFixtureStore(): Promise<Store> {
  const store = await openStore();
  const c = store.connection;
  const j = (s: string): string => `'${pad(s, 10)}'`;
  await c.run(`
    INSERT INTO spectrum."CR_CUSTOMER_MASTER_MC" ("Company_Code","Customer_Code","Name","City","State","Status")
      VALUES ('Z01', ${j('C100')}, 'Acme Mechanical', 'Austin', 'TX', 'A'),
             ('Z01', ${j('C200')}, 'Bolt Plumbing', 'Dallas', 'TX', 'A'),
             ('Z02', ${j('C100')}, 'Other Co Customer', 'Waco', 'TX', 'A');
    INSERT INTO spectrum."GL_MASTER_COST_CENTERS_MC" VALUES ('Z01', ${j('100')}, 'Service', 'A'), ('Z01', ${j('200')}, 'Construction', 'A');
    INSERT INTO spectrum."GL_MASTER_MC" VALUES
      ('Z01', '${pad('1200', 12)}', 'Accounts receivable', 'A', 'N', NULL),
      ('Z01', '${pad('4000', 12)}', 'Service revenue', 'R', 'N', NULL),
      ('Z01', '${pad('4100', 12)}', 'Material revenue', 'R', 'N', '${pad('M', 3)}'),
      ('Z01', '${pad('5000', 12)}', 'Direct labor cost', 'E', 'Y', '${pad('L', 3)}');
    INSERT INTO spectrum."SY_TAX_CODES_MC" VALUES ('Z01', 'TX', 'SALES_TAX', 0.0825, 'A'), ('Z01', 'TC1', 'TAX_CLASS', 0, 'A');
    INSERT INTO spectrum."JC_INSTALLATION_MC" VALUES ('Z01', '99-999', 'N', 'Y');
    INSERT INTO spectrum."CR_INSTALLATION_MC" VALUES ('Z01', '${pad('1200', 12)}', 'Y', NULL);
    INSERT INTO spectrum."SY_PROCESSING_DATES_MC" VALUES ('Z01', 'AR', TIMESTAMP '2026-11-15', TIMESTAMP '2026-11-01', TIMESTAMP '2026-11-30');
    INSERT INTO spectrum."JC_JOB_MASTER_MC" VALUES
      ('Z01', ${j('J1001')}, 'Chiller retrofit', 'A', ${j('C100')}, ${j('200')}, 'D1', 125000.00, 'TX', NULL, 10.0000, 'F'),
      ('Z01', ${j('J1002')}, 'Closed job', 'C', ${j('C200')}, ${j('100')}, 'D1', 5000.00, 'TX', NULL, 0, 'T');
    INSERT INTO spectrum."JC_PHASE_MASTER_MC" VALUES
      ('Z01', ${j('J1001')}, '${pad('01100', 20)}', '${pad('L', 3)}', 'Labor', 'A', 1000.00, NULL),
      ('Z01', ${j('J1001')}, '${pad('01200', 20)}', '${pad('M', 3)}', 'Material', 'A', 2000.00, 2500.00),
      ('Z01', ${j('J1001')}, '${pad('01300', 20)}', '${pad('M', 3)}', 'Old material', 'I', 0, NULL);
    INSERT INTO spectrum."CR_INVOICE_HEADER_MC" VALUES
      ('Z01', ${j('INV-1')}, ${j('C100')}, ${j('J1001')}, TIMESTAMP '2026-10-05', TIMESTAMP '2026-11-04', 12345678.91, 0.00, 1234.57, 10.0000, 'B1', '${pad('1200', 12)}', ${j('200')}, 'N30', 'BO:abc', 'I'),
      ('Z01', ${j('INV-2')}, ${j('C200')}, NULL, TIMESTAMP '2026-10-06 13:45:30.123', NULL, 0.10, 0.01, 0.00, 0.0000, 'B1', '${pad('1200', 12)}', NULL, NULL, NULL, 'I'),
      ('Z01', ${j('CM-1')}, ${j('C100')}, ${j('J1001')}, TIMESTAMP '2026-10-07', NULL, -250.05, 0.00, 0.00, 0.0000, 'B1', '${pad('1200', 12)}', NULL, NULL, NULL, 'C');
  `);
  return store;
}

/** Fill the BuildOps tables: `n` records per endpoint with increasing updated_at. */
export async function fillBuildOps(store: Store, counts: Record<string, number>): Promise<void> {
  for (const [endpoint, n] of Object.entries(counts)) {
    const table = `buildops.${endpoint.replaceAll('-', '_')}`;
    // Two records share each timestamp so the (updated_at, id) tie-break is exercised.
    await store.connection.run(`
      INSERT INTO ${table}
      SELECT printf('%s-%05d', '${endpoint}', i) AS id,
             TIMESTAMP '2026-01-01 00:00:00' + to_minutes(CAST(i // 2 AS INTEGER)) AS updated_at,
             json_object('id', printf('%s-%05d', '${endpoint}', i), 'totalAmount', i * 1.25, 'version', 1,
                         'audit', json_object('lastUpdatedDate', strftime(TIMESTAMP '2026-01-01 00:00:00' + to_minutes(CAST(i // 2 AS INTEGER)), '%Y-%m-%dT%H:%M:%S.000Z')))::VARCHAR AS doc
      FROM range(${n}) t(i)`);
  }
}
