// Writes the master data of company 1 to both systems and the mapping files.

import { AR_GL_ACCOUNT, COMPANY, COST_CENTERS, DEPARTMENTS, GL_ACCOUNTS, PHASE_MASK, TAX_CODES } from './catalog.ts';
import { isoDay } from './calendar.ts';
import { RETENTION_GL_ACCOUNT } from './ledger.ts';
import type { Master } from './master.ts';
import { cents, percentText } from './money.ts';
import type { Random } from './random.ts';
import { audit, customerDoc } from './render.ts';
import type { Sink, SpectrumRow } from './sink.ts';

const co = (row: SpectrumRow): SpectrumRow => ({
  Company_Code: COMPANY,
  ...row,
});

/** Write customers, departments, pricebook, vendors, employees, settings and mappings. */
export function writeMaster(
  master: Master,
  sink: Sink,
  random: Random,
  compliance: SpectrumRow[],
  period: { start: number; end: number; arEnd?: number },
): void {
  const r = random.fork('render/master');
  const asOf = master.asOf;
  for (const c of master.customers) {
    sink.buildops('customers', customerDoc(c, r, asOf));
    sink.buildops('properties', {
      id: c.propertyId,
      customerId: c.id,
      billingCustomerId: c.id,
      propertyName: `${c.spectrumName} - Main`,
      address: {
        addressLine1: c.address1,
        city: c.city,
        state: c.state,
        zipcode: c.zip,
      },
      audit: audit(r, c.createdDay, c.createdDay + 1),
      version: 1,
    });
    if (c.code === null) continue;
    // Spectrum keeps what fits: it truncated what BuildOps later grew.
    sink.spectrum(
      'CR_CUSTOMER_MASTER_MC',
      co({
        Customer_Code: c.code,
        Name: c.spectrumName,
        Address_1: c.address1.slice(0, 30),
        Address_2: c.address2,
        City: c.city.slice(0, 25),
        State: c.state.length === 2 ? c.state : 'TX',
        Zip_Code: c.zip.slice(0, 10),
        Phone: c.phone.replace(/\D/g, '').slice(0, 14),
        Terms_Code: 'N30',
        Status: 'A',
      }),
    );
  }
  for (const d of master.departments)
    sink.buildops('departments', {
      id: d.id,
      name: d.name,
      audit: audit(r, asOf - 900, asOf - 900),
    });
  for (const p of master.products) {
    sink.buildops('products', {
      id: p.id,
      code: p.code,
      name: p.name,
      type: p.type,
      isActive: p.isActive,
      glExpenseAccount: p.glExpense,
      glRevenueAccount: p.glRevenue,
      costType: p.costType,
      unitPrice: p.priceCents / 100,
      audit: audit(r, asOf - 800, asOf - r.int(1, 300)),
      version: r.int(1, 4),
    });
    if (p.map) sink.mapping('cost_code_map', [p.code, p.map.phase, p.map.costType]);
    if (p.laborRateCents !== null) sink.mapping('labor_rates', [p.code, cents(p.laborRateCents)]);
  }
  for (const [name, costCenter] of DEPARTMENTS) sink.mapping('department_cost_centers', [name, costCenter]);
  for (const v of master.vendors) {
    sink.buildops('vendors', {
      id: v.id,
      name: v.name,
      accountingRefId: v.code,
      isSubcontractor: v.isSub,
      audit: audit(r, asOf - 700, asOf - r.int(1, 200)),
      version: 1,
    });
    sink.spectrum(
      'VN_VENDOR_MASTER_MC',
      co({
        Vendor_Code: v.code,
        Name: v.name,
        Vendor_Type: v.isSub ? 'S' : 'V',
        W9_On_File: v.w9,
        Status: 'A',
      }),
    );
  }
  for (const row of compliance) sink.spectrum('VN_COMPLIANCE_MC', co(row));
  for (const e of master.employees)
    sink.buildops('employees', {
      id: e.id,
      name: e.name,
      isActive: true,
      isTechnician: true,
      audit: audit(r, asOf - 900, asOf - r.int(1, 400)),
      version: 1,
    });
  for (const [account, description, type, direct, costType] of GL_ACCOUNTS)
    sink.spectrum(
      'GL_MASTER_MC',
      co({
        GL_Account: account,
        Description: description,
        Account_Type: type,
        Is_Direct_Cost: direct,
        Cost_Type: costType,
      }),
    );
  for (const [code, description, status] of COST_CENTERS)
    sink.spectrum('GL_MASTER_COST_CENTERS_MC', co({ Cost_Center: code, Description: description, Status: status }));
  for (const [code, kind, bp, status] of TAX_CODES) sink.spectrum('SY_TAX_CODES_MC', co({ Code: code, Kind: kind, Rate: percentText(bp), Status: status }));
  sink.spectrum(
    'JC_INSTALLATION_MC',
    co({
      Phase_Mask: PHASE_MASK,
      Utilize_Tax_Classification: 'Y',
      Cost_Center_Enabled: 'Y',
    }),
  );
  sink.spectrum('CR_INSTALLATION_MC', co({ AR_GL_Account: AR_GL_ACCOUNT, Invoice_Date_In_GL_Period: 'Y', Retention_GL_Account: RETENTION_GL_ACCOUNT }));
  for (const module of ['AR', 'AP', 'JC', 'GL', 'PR'])
    sink.spectrum(
      'SY_PROCESSING_DATES_MC',
      co({
        Module: module,
        Current_Date: asOf,
        Min_Date: period.start,
        Max_Date: module === 'AR' ? (period.arEnd ?? period.end) : period.end,
      }),
    );
  for (const u of master.unapplied) {
    sink.spectrum(
      'CR_OPEN_ITEM_MC',
      co({
        Customer_Code: u.customer.code,
        Invoice_Or_Transaction: u.check,
        Job_Number: null,
        Transaction_Type: 'P',
        Invoice_Date: u.day,
        Due_Date: u.day,
        Invoice_Balance: u.amountCents,
      }),
    );
  }
  // Service agreements for a third of the customers (BuildOps pages them 10 at a time).
  master.customers.forEach((c, i) => {
    if (i % 3 !== 0 || c.code === null) return;
    const jobs = master.jobs.filter((j) => j.customer === c && j.kind === 'service' && j.spectrumStatus !== null).slice(0, 3);
    sink.buildops('service-agreements', {
      id: r.uuid(),
      agreementNumber: `SA-${1000 + i}`,
      customerId: c.id,
      status: 'Active',
      startDate: isoDay(asOf - 300),
      endDate: isoDay(asOf + 65),
      maintenances: jobs.map((j) => ({
        id: r.uuid(),
        scheduledDate: isoDay(j.startDay),
        jobId: j.id,
      })),
      audit: audit(r, asOf - 300, asOf - r.int(1, 100)),
      version: 1,
    });
  });
}
