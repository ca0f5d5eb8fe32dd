// Company 2: a small second Spectrum company whose customer, job, invoice and vendor codes
// overlap company 1's. A consumer configured for company 1 must see none of it; every value
// here is chosen so that leaking it would change a company-1 mart.

import { GL_ACCOUNTS, OTHER_COMPANY, STANDARD_PHASES } from './catalog.ts';
import type { Master } from './master.ts';
import type { Sink, SpectrumRow } from './sink.ts';

/** Write company 2's rows (Spectrum only: one BuildOps tenant belongs to company 1). */
export function writeSecondCompany(master: Master, sink: Sink, payrollThrough: number): void {
  const asOf = master.asOf;
  const co2 = (row: SpectrumRow): SpectrumRow => ({
    ...row,
    Company_Code: OTHER_COMPANY,
  });
  const customers = master.customers.filter((c) => c.code).slice(0, 3);
  const jobs = master.jobs.filter((j) => j.kind === 'service' && j.spectrumStatus === 'A').slice(0, 2);
  const project = master.jobs.find((j) => j.kind !== 'service' && j.spectrumStatus === 'A' && j.assignments.length > 0);
  customers.forEach((c, i) => {
    sink.spectrum(
      'CR_CUSTOMER_MASTER_MC',
      co2({
        Customer_Code: c.code,
        Name: `Gulf Coast Mechanical Client ${i + 1}`,
        Address_1: '400 Harbor Dr',
        City: 'Corpus Christi',
        State: 'TX',
        Zip_Code: '78401',
        Phone: '3615550100',
        Terms_Code: 'N15',
        Status: 'A',
      }),
    );
  });
  for (const [account, description, type, direct, costType] of GL_ACCOUNTS)
    sink.spectrum(
      'GL_MASTER_MC',
      co2({
        GL_Account: account,
        Description: description,
        Account_Type: type,
        Is_Direct_Cost: direct,
        Cost_Type: costType,
      }),
    );
  sink.spectrum('GL_MASTER_COST_CENTERS_MC', co2({ Cost_Center: 'SVC', Description: 'Service (Gulf)', Status: 'A' }));
  sink.spectrum('GL_MASTER_COST_CENTERS_MC', co2({ Cost_Center: 'CTRL', Description: 'Controls (Gulf)', Status: 'A' }));
  sink.spectrum(
    'SY_TAX_CODES_MC',
    co2({
      Code: 'AUSTIN 8.25',
      Kind: 'TAX_CLASS',
      Rate: '8.2500',
      Status: 'A',
    }),
  );
  sink.spectrum(
    'JC_INSTALLATION_MC',
    co2({
      Phase_Mask: '999-99',
      Utilize_Tax_Classification: 'N',
      Cost_Center_Enabled: 'Y',
    }),
  );
  sink.spectrum('CR_INSTALLATION_MC', co2({ AR_GL_Account: '121000', Invoice_Date_In_GL_Period: 'N' }));
  for (const module of ['AR', 'AP', 'JC', 'GL', 'PR'])
    sink.spectrum(
      'SY_PROCESSING_DATES_MC',
      co2({
        Module: module,
        Current_Date: asOf,
        Min_Date: asOf - 60,
        Max_Date: asOf - 20,
      }),
    );
  jobs.forEach((job, i) => {
    const customer = customers[i % customers.length]!.code;
    sink.spectrum(
      'JC_JOB_MASTER_MC',
      co2({
        Job_Number: job.number,
        Job_Description: 'Gulf service contract',
        Status_Code: i === 0 ? 'A' : 'C',
        Customer_Code: customer,
        Cost_Center: 'SVC',
        Division: '10',
        Original_Contract: 4500000,
        Sales_Tax_Code: 'TX-AUS',
        Tax_Class_Code: 'TX-AUS',
        Retention_Percent: '5.0000',
        Price_Method_Code: 'F',
      }),
    );
    for (const [phase, costType, description] of STANDARD_PHASES.slice(0, 4))
      sink.spectrum(
        'JC_PHASE_MASTER_MC',
        co2({
          Job_Number: job.number,
          Phase_Code: phase,
          Cost_Type: costType,
          Description: description,
          Status_Code: 'A',
          Original_Est_Cost: 1000000,
          Projected_Cost: null,
        }),
      );
    sink.spectrum(
      'JC_TRANSACTION_HISTORY_MC',
      co2({
        Job_Number: job.number,
        Phase_Code: '01000',
        Cost_Type: 'L',
        Tran_Type_Code: 'PR',
        Tran_Date_Text: asOf - 3,
        Tran_Amount: 777700,
        Cost_Center: 'SVC',
        Draw_Appl_Number: null,
        Invoice_Or_Transaction: null,
      }),
    );
    sink.spectrum(
      'PR_TIME_CARD_HISTORY_MC',
      co2({
        Employee_Code: 'E0001',
        Job_Number: job.number,
        Phase_Code: '01000',
        Cost_Type: 'L',
        Work_Date: payrollThrough + 5,
        Hours: 800,
        Amount: 24000,
        Burden_Amount: 7200,
        Check_Date: payrollThrough + 6,
      }),
    );
    // Invoices numbered like company 1's first invoices, with open balances and payments.
    for (let k = 0; k < 2; k++) {
      const number = String(100001 + i * 2 + k);
      const customerCode = customer;
      sink.spectrum(
        'CR_INVOICE_HEADER_MC',
        co2({
          Invoice_Or_Transaction: number,
          Customer_Code: customerCode,
          Job_Number: job.number,
          Invoice_Date: asOf - 100,
          Due_Date: asOf - 85,
          Invoice_Extension: 1234500,
          Sales_Tax_Amount: 0,
          Retention_Amount: 61725,
          Retention_Percent: '5.0000',
          Batch_Code: 'GULF',
          AR_GL_Account: '121000',
          Cost_Center: 'SVC',
          Terms_Code: 'N15',
          Remarks: null,
          Transaction_Type: 'I',
        }),
      );
      sink.spectrum(
        'CR_INVOICE_DETAIL_MC',
        co2({
          Invoice_Or_Transaction: number,
          Line_Number: 1,
          Detail_Description: 'Quarterly maintenance',
          Phase_Code: '01000',
          Cost_Type: 'L',
          GL_Account: '400000',
          Line_Extension: 1234500,
          Retention_Amount: 61725,
          Sales_Tax_Amount: 0,
        }),
      );
      sink.spectrum(
        'CR_OPEN_ITEM_MC',
        co2({
          Customer_Code: customerCode,
          Invoice_Or_Transaction: number,
          Job_Number: job.number,
          Transaction_Type: 'I',
          Invoice_Date: asOf - 100,
          Due_Date: asOf - 85,
          Invoice_Balance: 1000000,
        }),
      );
      sink.spectrum(
        'CR_PAY_ADJUST_HISTORY_MC',
        co2({
          Customer_Code: customerCode,
          Invoice_Or_Transaction: number,
          Transaction_Date: asOf - 40,
          Transaction_Type: 'P',
          Invoice_Type: k === 0 ? 'R' : null,
          Amount: 234500,
          Check_Number: `G${7000 + k}`,
        }),
      );
      sink.spectrum(
        'JC_TRANSACTION_HISTORY_MC',
        co2({
          Job_Number: job.number,
          Phase_Code: '01000',
          Cost_Type: 'L',
          Tran_Type_Code: 'AR',
          Tran_Date_Text: asOf - 100,
          Tran_Amount: 1234500,
          Cost_Center: 'SVC',
          Draw_Appl_Number: null,
          Invoice_Or_Transaction: number,
        }),
      );
    }
    sink.spectrum(
      'CR_OPEN_ITEM_MC',
      co2({
        Customer_Code: customer,
        Invoice_Or_Transaction: `CM${900 + i}`,
        Job_Number: job.number,
        Transaction_Type: 'C',
        Invoice_Date: asOf - 10,
        Due_Date: asOf - 10,
        Invoice_Balance: -55500,
      }),
    );
  });
  sink.spectrum(
    'CR_UNPOSTED_INVOICE_MC',
    co2({
      Invoice_Or_Transaction: '100009',
      Customer_Code: customers[0]!.code,
      Job_Number: jobs[0]!.number,
      Invoice_Date: asOf - 2,
      Invoice_Extension: 99900,
      Retention_Amount: 0,
      Batch_Code: 'GULF',
      Remarks: null,
      Entered_Date: asOf - 1,
    }),
  );
  if (project) {
    sink.spectrum(
      'CR_BILLING_HEADER_MC',
      co2({
        Job_Number: project.number,
        Application_Number: 1,
        Period_End_Date: asOf - 45,
        Revised_Contract_Amount: 99999900,
        Complete_To_Date: 5000000,
        Previous_Billed: 0,
        Amount_Due: 4500000,
        Retention_Amount: 500000,
        Invoice_Or_Transaction: '100005',
      }),
    );
    sink.spectrum(
      'CR_BILL_DETAIL_MC',
      co2({
        Job_Number: project.number,
        Application_Number: 1,
        Item_Number: '1',
        Description: 'Gulf work',
        Scheduled_Value: 1000000,
        Previous_Complete: 300000,
        This_Period: 5000000,
        Stored_Materials: 0,
        Complete_To_Date: 5000000,
        Retention_Amount: 500000,
      }),
    );
    const sub = project.assignments[0]!.vendor;
    sink.spectrum(
      'VN_VENDOR_MASTER_MC',
      co2({
        Vendor_Code: sub.code,
        Name: 'Gulf Insulation LLC',
        Vendor_Type: 'S',
        W9_On_File: 'N',
        Status: 'A',
      }),
    );
    sink.spectrum(
      'VN_COMPLIANCE_MC',
      co2({
        Vendor_Code: sub.code,
        Compliance_Type: 'COI',
        Job_Number: null,
        Expiration_Date: asOf + 900,
        Received_Date: asOf - 30,
      }),
    );
    sink.spectrum(
      'VN_OPEN_ITEMS_MC',
      co2({
        Vendor_Code: sub.code,
        Invoice_Number: 'G-5541',
        Job_Number: project.number,
        Invoice_Date: asOf - 12,
        Open_Amount: 4321000,
      }),
    );
  }
}
