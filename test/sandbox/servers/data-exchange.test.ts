import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Store } from '../../../sandbox/store/open-store.ts';
import type { SandboxServers } from '../../../sandbox/servers/start.ts';
import { startSandboxServers } from '../../../sandbox/servers/start.ts';
import { postUnpostedBatch } from '../../../sandbox/servers/post-batch.ts';
import { openFixtureStore } from './fixture.ts';

let store: Store;
let sandbox: SandboxServers;

beforeAll(async () => {
  store = await openFixtureStore();
  sandbox = await startSandboxServers(store, { maxReadRows: 2 });
});
afterAll(async () => {
  await sandbox?.close();
  store?.close();
});

async function rows(sql: string): Promise<Array<Record<string, unknown>>> {
  const reader = await store.connection.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Array<Record<string, unknown>>;
}

type Response = { error_code: string; desc: string; column: string; record?: number };

async function soap(service: string, fields: Record<string, string>, guid = 'batch-guid-1'): Promise<Array<Record<string, string>>> {
  const children = Object.entries({ Authorization_ID: sandbox.dataExchange.authorizationId, GUID: guid, ...fields })
    .map(([k, v]) => `<${k}>${v.replaceAll('&', '&amp;').replaceAll('<', '&lt;')}</${k}>`)
    .join('');
  const body = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${service} xmlns="urn:x">${children}</${service}></soap:Body></soap:Envelope>`;
  const res = await fetch(`${sandbox.dataExchange.url}/ws/${service}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
  expect(res.status).toBe(200);
  const xml = await res.text();
  return [...xml.matchAll(/<response>([\s\S]*?)<\/response>/g)].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/<(\w+)>([\s\S]*?)<\/\1>|<(\w+)\/>/g)].map((f) => [f[1] ?? f[3], unescape(f[2] ?? '')])),
  );
}

const unescape = (text: string): string => text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

function basic(user = sandbox.dataExchange.companyCode, password = sandbox.dataExchange.authorizationId): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

async function postInvoices(arInvoices: unknown[], auth = basic()): Promise<{ status: number; responses: Response[] }> {
  const res = await fetch(`${sandbox.dataExchange.url}/customer/invoice`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth },
    body: JSON.stringify({ arInvoices }),
  });
  return { status: res.status, responses: ((await res.json()) as { responses: Response[] }).responses };
}

function invoice(number: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Company_Code: 'Z01',
    Invoice_Or_Transaction: number,
    Customer_Code: 'C100',
    Job_Number: 'J1001',
    Invoice_Date: '2026-11-10',
    GL_Date: '2026-11-10',
    Due_Date: '2026-12-10',
    Batch_Code: 'BO1110',
    Remarks: `BO:${number.toLowerCase()}`,
    Retention_Percent: 10,
    invoiceDetails: [
      {
        Detail_Description: 'Labor',
        Phase_Code: '01100',
        Cost_Type: 'L',
        GL_Account: '4000',
        Line_Extension: 1000.1,
        Retention_Amount: 100.01,
        Sales_Tax_Amount: 0,
      },
      {
        Detail_Description: 'Material',
        Phase_Code: '01200',
        Cost_Type: 'M',
        GL_Account: '4100',
        Line_Extension: 200.2,
        Retention_Amount: 20.02,
        Sales_Tax_Amount: 16.52,
      },
    ],
    ...extra,
  };
}

describe('SOAP AddJob / AddPhase', () => {
  test('a valid job is accepted and lands in JC_JOB_MASTER_MC, padded', async () => {
    const [r] = await soap('AddJob', {
      Company_Code: 'Z01',
      Job_Number: 'J2001',
      Job_Description: 'New boiler',
      Customer_Code: 'C200',
      Cost_Center: '100',
      Status_Code: 'A',
      Price_Method_Code: 'F',
      Sales_Tax_Code: 'TX',
      Original_Contract: '45000.50',
    });
    expect(r).toMatchObject({ error_code: '', column: '' });
    const [job] = await rows(`SELECT * FROM spectrum."JC_JOB_MASTER_MC" WHERE rtrim("Job_Number") = 'J2001'`);
    expect(job).toMatchObject({ Job_Number: 'J2001     ', Customer_Code: 'C200      ', Original_Contract: '45000.50', Status_Code: 'A' });
  });

  test.each([
    [{ Job_Number: 'J2002-LONG-NUMBER' }, 'Job_Number', /11 characters|17 characters/],
    [{ Job_Number: 'J2/002' }, 'Job_Number', /invalid character '\/'/],
    [{ Job_Number: 'J1001' }, 'Job_Number', /already exists/],
    [{ Job_Description: 'A description that is far too long' }, 'Job_Description', /Spectrum allows 25/],
    [{ Customer_Code: 'NOPE' }, 'Customer_Code', /does not exist/],
    [{ Cost_Center: '999' }, 'Cost_Center', /does not exist/],
    [{ Sales_Tax_Code: 'ZZ' }, 'Sales_Tax_Code', /not valid/],
  ])('an invalid job is rejected with its column: %o', async (change, column, desc) => {
    const [r] = await soap('AddJob', {
      Company_Code: 'Z01',
      Job_Number: 'J2002',
      Job_Description: 'Job',
      Customer_Code: 'C100',
      Cost_Center: '100',
      Sales_Tax_Code: 'TX',
      ...change,
    });
    expect(r!.error_code).toBe('I');
    expect(r!.column).toBe(column);
    expect(r!.desc).toMatch(desc);
  });

  test('AddPhase: phase mask, job complete, accepted', async () => {
    const base = { Company_Code: 'Z01', Job_Number: 'J1001', Cost_Type: 'L', Description: 'Startup' };
    expect((await soap('AddPhase', { ...base, Phase_Code: '01-500' }))[0]).toMatchObject({ error_code: 'I', column: 'Phase_Code' });
    expect((await soap('AddPhase', { ...base, Phase_Code: '0150' }))[0]).toMatchObject({
      error_code: 'I',
      column: 'Phase_Code',
      desc: expect.stringMatching(/phase mask 99-999/),
    });
    expect((await soap('AddPhase', { ...base, Job_Number: 'J1002', Phase_Code: '01500' }))[0]).toMatchObject({ error_code: 'I', column: 'Job_Number' });
    expect((await soap('AddPhase', { ...base, Phase_Code: '01500' }))[0]).toMatchObject({ error_code: '' });
    const [phase] = await rows(`SELECT * FROM spectrum."JC_PHASE_MASTER_MC" WHERE rtrim("Phase_Code") = '01500'`);
    expect(phase).toMatchObject({ Phase_Code: '01500'.padEnd(20), Cost_Type: 'L  ', Status_Code: 'A' });
  });

  test('bad Authorization_ID → A; an expired GUID → "Time out has occurred"', async () => {
    const bad = await fetch(`${sandbox.dataExchange.url}/ws/AddJob`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<Envelope><Body><AddJob><Authorization_ID>wrong</Authorization_ID><GUID>g</GUID><Company_Code>Z01</Company_Code></AddJob></Body></Envelope>',
    });
    expect(await bad.text()).toContain('<error_code>A</error_code>');
    expect((await soap('GetJob', { pCompany_Code: 'Z01' }, 'guid-to-expire'))[0]!.Error_Code).toBe('');
    sandbox.controls.expireDataExchangeSessions();
    expect((await soap('GetJob', { pCompany_Code: 'Z01' }, 'guid-to-expire'))[0]).toMatchObject({ error_code: 'A', desc: 'Time out has occurred' });
    expect((await soap('GetJob', { pCompany_Code: 'Z01' }, 'a-fresh-guid'))[0]!.Error_Code).toBe('');
  });

  test('the expire-tokens fault expires GUIDs in use', async () => {
    expect((await soap('GetCustomers', { pCompany_Code: 'Z01' }, 'guid-fault'))[0]!.Error_Code).toBe('');
    sandbox.faults.set([{ target: 'data-exchange', path: '/ws/GetCustomers', nth: 1, action: { kind: 'expire-tokens' } }]);
    expect((await soap('GetCustomers', { pCompany_Code: 'Z01' }, 'guid-fault'))[0]).toMatchObject({ error_code: 'A', desc: 'Time out has occurred' });
    sandbox.faults.clear();
  });

  test('GetJob/GetPhase: filters; beyond the maximum a W row says so', async () => {
    const all = await soap('GetJob', { pCompany_Code: 'Z01' }, 'g2');
    expect(all).toHaveLength(3); // 2 rows (maxReadRows) + the W row
    expect(all[2]).toMatchObject({ Error_Code: 'W', Error_Description: expect.stringMatching(/exceeds maximum/) });
    const one = await soap('GetJob', { pCompany_Code: 'Z01', pJob_Number: 'J1001' }, 'g2');
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ Job_Number: 'J1001', Status_Code: 'A', Error_Code: '' });
    const phases = await soap('GetPhase', { pCompany_Code: 'Z01', pJob_Number: 'J1001', pStatus_Code: 'A' }, 'g2');
    expect(phases.filter((p) => p.Error_Code !== 'W').every((p) => p.Status_Code === 'A')).toBe(true);
    expect(phases.some((p) => p.Phase_Code === '01300')).toBe(false);
    const customers = await soap('GetCustomers', { pCompany_Code: 'Z01' }, 'g2');
    expect(customers.map((c) => c.Customer_Code)).toEqual(['C100', 'C200']);
    expect(customers[0]).toMatchObject({ Name: 'Acme Mechanical', City: 'Austin' });
  });
});

describe('JSON /customer/invoice', () => {
  test('an accepted invoice lands unposted, then postUnpostedBatch posts it exactly', async () => {
    const { status, responses } = await postInvoices([invoice('BO-1001')]);
    expect(status).toBe(200);
    expect(responses).toEqual([expect.objectContaining({ error_code: '', column: '', record: 1 })]);
    const [unposted] = await rows(`SELECT * FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE rtrim("Invoice_Or_Transaction") = 'BO-1001'`);
    // gross = lines (retention included) + sales tax = 1000.10 + 200.20 + 16.52
    expect(unposted).toMatchObject({
      Invoice_Extension: '1216.82',
      Retention_Amount: '120.03',
      Batch_Code: 'BO1110',
      Remarks: 'BO:bo-1001',
      Customer_Code: 'C100      ',
    });
    expect(unposted!.Entered_Date).toBeTruthy();
    expect(await rows(`SELECT * FROM spectrum."CR_INVOICE_HEADER_MC" WHERE rtrim("Invoice_Or_Transaction") = 'BO-1001'`)).toHaveLength(0);

    const posted = await postUnpostedBatch(store, 'BO1110');
    expect(posted).toContain('BO-1001');
    expect(await rows(`SELECT * FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE rtrim("Invoice_Or_Transaction") = 'BO-1001'`)).toHaveLength(0);
    const [header] = await rows(`SELECT * FROM spectrum."CR_INVOICE_HEADER_MC" WHERE rtrim("Invoice_Or_Transaction") = 'BO-1001'`);
    expect(header).toMatchObject({
      Invoice_Extension: '1216.82',
      Sales_Tax_Amount: '16.52',
      Retention_Amount: '120.03',
      Retention_Percent: '10.0000',
      Transaction_Type: 'I',
      AR_GL_Account: '1200'.padEnd(12),
    });
    const details = await rows(`SELECT * FROM spectrum."CR_INVOICE_DETAIL_MC" WHERE rtrim("Invoice_Or_Transaction") = 'BO-1001' ORDER BY "Line_Number"`);
    expect(details.map((d) => [d.Line_Number, d.Line_Extension, d.Retention_Amount])).toEqual([
      [1, '1000.10', '100.01'],
      [2, '200.20', '20.02'],
    ]);
    const [open] = await rows(`SELECT * FROM spectrum."CR_OPEN_ITEM_MC" WHERE rtrim("Invoice_Or_Transaction") = 'BO-1001'`);
    expect(open).toMatchObject({ Invoice_Balance: '1216.82', Transaction_Type: 'I' });
  });

  test('a partial batch: bad records rejected with their column, good ones imported', async () => {
    const { responses } = await postInvoices([
      invoice('BO-2001'),
      invoice('BO-2002', { Invoice_Date: '2026-10-28', GL_Date: '2026-10-28' }),
      invoice('BO-2003', { Batch_Code: '' }),
      invoice('BO-2004', { Customer_Code: 'C999' }),
      invoice('BO-2005', { invoiceDetails: [{ Detail_Description: 'x', Phase_Code: '01300', Cost_Type: 'M', Line_Extension: 5 }] }),
      invoice('BO-2006', { AR_GL_Account: '5000' }),
      invoice('BO-2007', { Remarks: 'R'.repeat(66) }),
      invoice('BO-2008', { invoiceDetails: [{ Detail_Description: 'x', GL_Account: '4100', Cost_Type: 'L', Line_Extension: 5 }] }),
      invoice('BO-2009', { Invoice_Date: '2026-11-30', GL_Date: '2026-11-01', Due_Date: '2026-12-30' }),
      invoice('BO-2010', { Job_Number: 'J1002' }),
      invoice('BO-2011', { Cost_Center: 'XX' }),
      invoice('BO-2012'),
    ]);
    expect(responses.map((r) => [r.error_code, r.column])).toEqual([
      ['', ''],
      ['I', 'Invoice_Date'],
      ['I', 'Batch_Code'],
      ['I', 'Customer_Code'],
      ['I', 'Phase_Code'],
      ['I', 'AR_GL_Account'],
      ['I', 'Remarks'],
      ['I', 'Cost_Type'],
      ['', ''], // same fiscal month
      ['I', 'Job_Number'],
      ['I', 'Cost_Center'],
      ['', ''],
    ]);
    expect(responses[1]!.desc).toMatch(/outside the open AR period \(2026-11-01 … 2026-11-30\)/);
    const imported = await rows(
      `SELECT rtrim("Invoice_Or_Transaction") AS i FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE "Invoice_Or_Transaction" LIKE 'BO-20%' ORDER BY 1`,
    );
    expect(imported.map((r) => r.i)).toEqual(['BO-2001', 'BO-2009', 'BO-2012']);
  });

  test('no idempotency: the same number twice → duplicate; a new number → a duplicate invoice', async () => {
    expect((await postInvoices([invoice('BO-3001')])).responses[0]!.error_code).toBe('');
    const again = await postInvoices([invoice('BO-3001')]);
    expect(again.responses[0]).toMatchObject({ error_code: 'I', column: 'Invoice_Or_Transaction', desc: expect.stringMatching(/already exists/) });
    // The same within one batch, and against a posted invoice.
    const inBatch = await postInvoices([invoice('BO-3002'), invoice('BO-3002')]);
    expect(inBatch.responses.map((r) => r.error_code)).toEqual(['', 'I']);
    expect((await postInvoices([invoice('INV-1')])).responses[0]!.column).toBe('Invoice_Or_Transaction');
    const renumbered = await postInvoices([invoice('BO-3003', { Remarks: 'BO:bo-3001' })]);
    expect(renumbered.responses[0]!.error_code).toBe('');
    const dupes = await rows(`SELECT count(*) AS n FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE "Remarks" = 'BO:bo-3001'`);
    expect(Number(dupes[0]!.n)).toBe(2);
  });

  test('auth: missing → 401; wrong Authorization_ID or company → A, nothing imported', async () => {
    const none = await fetch(`${sandbox.dataExchange.url}/customer/invoice`, { method: 'POST', body: JSON.stringify({ arInvoices: [invoice('BO-4001')] }) });
    expect(none.status).toBe(401);
    expect((await postInvoices([invoice('BO-4001')], basic('Z01', 'wrong'))).responses).toEqual([expect.objectContaining({ error_code: 'A' })]);
    expect((await postInvoices([invoice('BO-4001')], basic('Q99'))).responses[0]!.error_code).toBe('A');
    expect((await postInvoices([invoice('BO-4001', { Company_Code: 'Z02' })])).responses[0]).toMatchObject({ error_code: 'I', column: 'Company_Code' });
    expect(await rows(`SELECT * FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE rtrim("Invoice_Or_Transaction") = 'BO-4001'`)).toHaveLength(0);
  });

  test('lost response: the import happens, the socket dies; the retry meets duplicate_number', async () => {
    sandbox.faults.set([{ target: 'data-exchange', path: '/customer/invoice', nth: 1, action: { kind: 'lose-response' } }]);
    await expect(postInvoices([invoice('BO-5001')])).rejects.toThrow();
    expect(await rows(`SELECT * FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE rtrim("Invoice_Or_Transaction") = 'BO-5001'`)).toHaveLength(1);
    const retry = await postInvoices([invoice('BO-5001')]);
    expect(retry.responses[0]).toMatchObject({ error_code: 'I', column: 'Invoice_Or_Transaction' });
    sandbox.faults.clear();
  });

  test('429 and 503 faults on the invoice service import nothing', async () => {
    sandbox.faults.set([{ target: 'data-exchange', path: '/customer/invoice', nth: [1, 2], action: { kind: 'status', status: 503 } }]);
    expect((await postInvoices([invoice('BO-6001')]).catch(() => ({ status: 503, responses: [] }))).status).toBe(503);
    sandbox.faults.clear();
    expect(await rows(`SELECT * FROM spectrum."CR_UNPOSTED_INVOICE_MC" WHERE rtrim("Invoice_Or_Transaction") = 'BO-6001'`)).toHaveLength(0);
  });

  test('postUnpostedBatch posts a planted unposted row without a payload as one line', async () => {
    await store.connection.run(
      `INSERT INTO spectrum."CR_UNPOSTED_INVOICE_MC" VALUES ('Z01', 'PL-1      ', 'C200      ', NULL, TIMESTAMP '2026-11-03', 500.00, 0.00, 'PLANT', 'BO:planted', TIMESTAMP '2026-11-03 10:00')`,
    );
    expect(await postUnpostedBatch(store, 'PLANT')).toEqual(['PL-1']);
    const [header] = await rows(`SELECT * FROM spectrum."CR_INVOICE_HEADER_MC" WHERE rtrim("Invoice_Or_Transaction") = 'PL-1'`);
    expect(header).toMatchObject({ Invoice_Extension: '500.00', Remarks: 'BO:planted', Job_Number: null });
    // Without a batch code every unposted invoice is posted.
    const rest = await postUnpostedBatch(store);
    expect(rest).toContain('BO-2001');
    expect(await rows(`SELECT * FROM spectrum."CR_UNPOSTED_INVOICE_MC"`)).toHaveLength(0);
    const ar = await rows(`SELECT * FROM spectrum."JC_TRANSACTION_HISTORY_MC" WHERE rtrim("Invoice_Or_Transaction") = 'BO-2001' ORDER BY "Tran_Amount"`);
    expect(ar.map((r) => [r.Tran_Type_Code, r.Tran_Date_Text, r.Tran_Amount])).toEqual([
      ['AR', '20261110', '200.20'],
      ['AR', '20261110', '1000.10'],
    ]);
  });
});
