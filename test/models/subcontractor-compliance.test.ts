/**
 * marts.subcontractor_compliance: hand-written edge cases added to a loaded sandbox's raw tables.
 * (The comparison with the ground truth is in truth/subcontractor-compliance.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import type { PlumblineConfig } from '../../scheduler/config.ts';
import { modelVars } from '../../scheduler/pipeline.ts';
import { PACKAGE_MODELS_DIR } from '../../scheduler/paths.ts';
import { runModels } from '../../transform/index.ts';
import { rebuild, removeSandboxExports, loadSandbox } from '../support/sandbox-warehouse.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import { complianceRows } from './truth/subcontractor-compliance.ts';
import type { ComplianceRow } from './truth/subcontractor-compliance.ts';

afterAll(() => removeSandboxExports());

describeEachWarehouse('subcontractor_compliance hand-written cases', (factory) => {
  let warehouse: Warehouse;
  let config: PlumblineConfig;
  let asOf: string;

  beforeAll(async () => {
    const loaded = await loadSandbox(factory, 1, 'tiny');
    ({ warehouse, config, asOf } = loaded); // 2026-11-15
    const { truth } = loaded;
    const company = truth.companyCode;
    // Two BuildOps jobs (ZJOB1, ZJOB2) and five subcontractors. ZZSUB3 and ZZSUB5 have no BuildOps
    // vendor record: their assignments carry the Spectrum code themselves.
    await warehouse.query(`insert into raw.buildops__jobs (id, job_number, name, status) values
      ('zz-job-1', 'ZJOB1', 'Test job one', 'In Progress'),
      ('zz-job-2', 'ZJOB2', 'Test job two', 'In Progress')`);
    await warehouse.query(`insert into raw.buildops__vendors (id, name, accounting_ref_id, is_subcontractor) values
      ('zz-v-1', 'Acme Plumbing (BuildOps)', 'ZZSUB1', true),
      ('zz-v-2', 'Beta Sheet Metal', 'ZZSUB2', true),
      ('zz-v-4', 'Delta Insulation', 'ZZSUB4', true)`);
    await warehouse.query(`insert into raw.buildops__jobs__assigned_subcontractors (job_id, position, vendor_id, vendor_accounting_ref_id, start_date, end_date) values
      ('zz-job-1', 1, 'zz-v-1', 'ZZSUB1', CAST('2026-01-01' AS DATE), null),
      ('zz-job-2', 1, 'zz-v-1', 'ZZSUB1', CAST('2026-03-01' AS DATE), CAST('2026-11-15' AS DATE)),
      ('zz-job-1', 2, 'zz-v-2', 'ZZSUB2', CAST('2026-11-15' AS DATE), null),
      ('zz-job-1', 3, 'zz-v-9', 'ZZSUB3', CAST('2026-06-01' AS DATE), CAST('2027-06-01' AS DATE)),
      ('zz-job-1', 4, 'zz-v-4', 'ZZSUB4', CAST('2026-02-01' AS DATE), null),
      ('zz-job-2', 2, 'zz-v-5', 'ZZSUB5', CAST('2026-01-01' AS DATE), CAST('2026-11-14' AS DATE)),
      ('zz-job-2', 3, 'zz-v-5', 'ZZSUB5', CAST('2026-11-16' AS DATE), null)`);
    await warehouse.query(`insert into raw.spectrum__vn_vendor_master_mc (company_code, vendor_code, name, vendor_type, w9_on_file, status) values
      ('${company}', 'ZZSUB1 ', 'ACME PLUMBING', 'S', 'Y', 'A'),
      ('${company}', 'ZZSUB2 ', 'BETA SHEET METAL', 'S', 'Y', 'A'),
      ('${company}', 'ZZSUB3 ', 'GAMMA CONTROLS', 'S', 'N', 'A'),
      ('${company}', 'ZZSUB4 ', 'DELTA INSULATION', 'S', 'N', 'A'),
      ('${company}', 'ZZSUB5 ', 'EPSILON BALANCING', 'S', 'Y', 'A')`);
    await warehouse.query(`insert into raw.spectrum__vn_compliance_mc (company_code, vendor_code, compliance_type, job_number, expiration_date, received_date) values
      ('${company}', 'ZZSUB1 ', 'COI', '      ', CAST('2027-01-31' AS DATE), CAST('2026-01-20' AS DATE)),
      ('${company}', 'ZZSUB1 ', 'LIEN_WAIVER', null, null, CAST('2026-10-30' AS DATE)),
      ('${company}', 'ZZSUB2 ', 'COI', null, CAST('2025-11-01' AS DATE), CAST('2024-11-01' AS DATE)),
      ('${company}', 'ZZSUB2 ', 'COI', 'ZJOB1 ', CAST('2026-11-15' AS DATE), CAST('2025-11-15' AS DATE)),
      ('${company}', 'ZZSUB2 ', 'COI', 'ZJOB2 ', CAST('2027-06-30' AS DATE), CAST('2026-06-30' AS DATE)),
      ('${company}', 'ZZSUB2 ', 'LIEN_WAIVER', 'ZJOB1 ', null, CAST('2026-11-01' AS DATE)),
      ('${company}', 'ZZSUB3 ', 'W9', 'ZJOB2 ', null, CAST('2026-05-01' AS DATE)),
      ('${company}', 'ZZSUB3 ', 'LIEN_WAIVER', 'ZJOB2 ', null, CAST('2026-10-01' AS DATE)),
      ('${company}', 'ZZSUB4 ', 'COI', 'ZJOB1 ', CAST('2026-10-31' AS DATE), CAST('2025-10-31' AS DATE)),
      ('${company}', 'ZZSUB4 ', 'LIEN_WAIVER', 'ZJOB1 ', null, null),
      ('2', 'ZZSUB4 ', 'W9', null, null, CAST('2026-01-01' AS DATE)),
      ('2', 'ZZSUB4 ', 'LIEN_WAIVER', 'ZJOB1 ', null, CAST('2026-11-01' AS DATE))`);
    await warehouse.query(`insert into raw.spectrum__vn_open_items_mc (company_code, vendor_code, invoice_number, job_number, invoice_date, open_amount) values
      ('${company}', 'ZZSUB4 ', 'ZAP-1 ', 'ZJOB1 ', CAST('2026-10-01' AS DATE), 18000.00),
      ('${company}', 'ZZSUB4 ', 'ZAP-2 ', 'ZJOB1 ', CAST('2026-10-15' AS DATE), 200.00),
      ('${company}', 'ZZSUB4 ', 'ZAP-3 ', 'ZJOB2 ', CAST('2026-10-15' AS DATE), 999.00),
      ('2', 'ZZSUB4 ', 'ZAP-4 ', 'ZJOB1 ', CAST('2026-10-15' AS DATE), 5000.00),
      ('${company}', 'ZZSUB1 ', 'ZAP-5 ', 'ZJOB2 ', CAST('2026-10-15' AS DATE), 1234567.89)`);
    await rebuild(warehouse, config, asOf);
  }, 120_000);

  afterAll(async () => {
    await warehouse?.close();
    await factory.cleanup();
  });

  async function zzRows(): Promise<ComplianceRow[]> {
    return (await complianceRows(warehouse)).filter((r) => r.vendor_code.startsWith('ZZSUB'));
  }

  async function row(job: string, vendor: string): Promise<ComplianceRow | undefined> {
    return (await zzRows()).find((r) => r.job_number === job && r.vendor_code === vendor);
  }

  it('a compliance row with a blank Job_Number (NULL or spaces) applies to every job of the vendor', async () => {
    expect(await row('ZJOB1', 'ZZSUB1')).toEqual({
      company_code: '1',
      job_number: 'ZJOB1',
      vendor_code: 'ZZSUB1',
      vendor_name: 'ACME PLUMBING',
      coi_expires_on: '2027-01-31',
      w9_on_file: true,
      lien_waiver_on: '2026-10-30',
      open_ap_amount: '0.00',
      is_compliant: true,
      reasons: [],
      detail: 'Vendor ZZSUB1 on job ZJOB1: compliant — AP may be released',
    });
    // ZJOB2's assignment ends on the as-of date: still active. Its AP is its own job's.
    expect(await row('ZJOB2', 'ZZSUB1')).toMatchObject({
      coi_expires_on: '2027-01-31',
      lien_waiver_on: '2026-10-30',
      open_ap_amount: '1234567.89',
      is_compliant: true,
      detail: 'Vendor ZZSUB1 on job ZJOB2: compliant — AP may be released ($1,234,567.89 open)',
    });
  });

  it("a COI expiring exactly on the as-of date is still good; the latest applicable COI counts, another job's does not", async () => {
    expect(await row('ZJOB1', 'ZZSUB2')).toMatchObject({ coi_expires_on: '2026-11-15', is_compliant: true, reasons: [] });
  });

  it('W-9 is on file from the vendor master or from a W9 row (whatever job it names); otherwise w9_missing', async () => {
    expect(await row('ZJOB1', 'ZZSUB1')).toMatchObject({ w9_on_file: true });
    expect(await row('ZJOB1', 'ZZSUB3')).toMatchObject({
      w9_on_file: true,
      coi_expires_on: null,
      lien_waiver_on: null,
      is_compliant: false,
      reasons: ['coi_missing', 'lien_waiver_missing'],
      detail: 'Vendor ZZSUB3 on job ZJOB1: no COI on file, no lien waiver received — hold AP ($0.00 open)',
    });
    // ZZSUB4's W9 row is in company 2: it does not count for company 1.
    expect(await row('ZJOB1', 'ZZSUB4')).toMatchObject({ w9_on_file: false });
  });

  it('a requested-but-not-received lien waiver does not count; reasons keep their order; AP is the job’s, in this company', async () => {
    expect(await row('ZJOB1', 'ZZSUB4')).toEqual({
      company_code: '1',
      job_number: 'ZJOB1',
      vendor_code: 'ZZSUB4',
      vendor_name: 'DELTA INSULATION',
      coi_expires_on: '2026-10-31',
      w9_on_file: false,
      lien_waiver_on: null,
      open_ap_amount: '18200.00',
      is_compliant: false,
      reasons: ['coi_expired', 'w9_missing', 'lien_waiver_missing'],
      detail: 'Vendor ZZSUB4 on job ZJOB1: COI expired 2026-10-31, no W-9 on file, no lien waiver received — hold AP ($18,200.00 open)',
    });
    const [stored] = await warehouse.query<{ reasons: string }>(
      `select reasons from marts.subcontractor_compliance where vendor_code = 'ZZSUB4' and job_number = 'ZJOB1'`,
    );
    expect(stored?.reasons).toBe('coi_expired, w9_missing, lien_waiver_missing');
  });

  it('an assignment that ended before the as-of date, or starts after it, is not in the mart', async () => {
    expect((await zzRows()).map((r) => `${r.job_number}/${r.vendor_code}`).sort()).toEqual([
      'ZJOB1/ZZSUB1',
      'ZJOB1/ZZSUB2',
      'ZJOB1/ZZSUB3',
      'ZJOB1/ZZSUB4',
      'ZJOB2/ZZSUB1',
    ]);
  });

  it("with no company configured, the vendor master's company is used and company 2 rows still do not count", async () => {
    const { code: _code, ...companyWithoutCode } = config.company;
    const noCompany: PlumblineConfig = { ...config, company: companyWithoutCode };
    try {
      const models = await runModels({ warehouse, modelsDir: [PACKAGE_MODELS_DIR], vars: modelVars(noCompany, asOf), runId: 'test-no-company' });
      expect(models.find((m) => m.name === 'marts.subcontractor_compliance')).toMatchObject({ status: 'success' });
      expect(await row('ZJOB1', 'ZZSUB4')).toMatchObject({ company_code: '1', w9_on_file: false, open_ap_amount: '18200.00' });
    } finally {
      await rebuild(warehouse, config, asOf);
    }
  });
});
