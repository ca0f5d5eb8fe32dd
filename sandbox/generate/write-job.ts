// Renders one simulated job into both systems' tables: Spectrum rows the way the sync and the
// accountants left them, and BuildOps records the way the API returns them.

import { COMPANY, AR_GL_ACCOUNT } from './catalog.ts';
import { isoDay } from './calendar.ts';
import { spectrumState } from './invoice-state.ts';
import type { Invoice } from './model.ts';
import { percentText } from './money.ts';
import type { Random } from './random.ts';
import { invoiceDoc, jobDoc, payApplicationDoc, paymentDocs, projectDoc, timesheetDoc, audit } from './render.ts';
import type { SimulatedJob } from './simulate-job.ts';
import type { Sink, SpectrumRow } from './sink.ts';

const co = (row: SpectrumRow): SpectrumRow => ({
  Company_Code: COMPANY,
  ...row,
});

/** Spread an invoice's tax over its taxable lines (remainder on the last), as Spectrum details hold it. */
function lineTaxes(inv: Invoice): number[] {
  const lines = inv.lines.slice(0, inv.syncedLineCount);
  const taxable = lines.reduce((s, l) => s + (l.taxable ? l.amountCents : 0), 0);
  const lastTaxable = lines.map((l) => l.taxable).lastIndexOf(true);
  let left = inv.syncedTaxCents;
  return lines.map((l, i) => {
    if (!l.taxable || taxable === 0) return 0;
    const share = i === lastTaxable ? left : Math.round((inv.syncedTaxCents * l.amountCents) / taxable);
    left -= share;
    return share;
  });
}

/** Write one job's Spectrum rows and BuildOps records. */
export function writeJob(sim: SimulatedJob, sink: Sink, random: Random, asOf: number): void {
  const { job } = sim;
  const r = random.fork(`render/${job.id}`);
  const customer = job.customer.code;
  if (job.spectrumStatus !== null) {
    sink.spectrum(
      'JC_JOB_MASTER_MC',
      co({
        Job_Number: job.number,
        Job_Description: job.name.slice(0, 25),
        Status_Code: job.spectrumStatus,
        Customer_Code: customer,
        Cost_Center: job.department.costCenter,
        Division: job.kind === 'service' ? '10' : '20',
        Original_Contract: job.contractCents,
        Sales_Tax_Code: job.taxCode,
        Tax_Class_Code: job.taxCode,
        Retention_Percent: percentText(job.retainageBp),
        Price_Method_Code: job.kind === 'service' ? 'T' : 'F',
      }),
    );
    for (const phase of sim.phases) sink.spectrum('JC_PHASE_MASTER_MC', co(phase));
    for (const cost of sim.costs) sink.spectrum('JC_TRANSACTION_HISTORY_MC', co(cost));
    for (const row of sim.payroll) sink.spectrum('PR_TIME_CARD_HISTORY_MC', co(row));
    for (const row of sim.vendorOpen) sink.spectrum('VN_OPEN_ITEMS_MC', co(row));
  }
  if (job.plants.includes('spectrum_only_job')) return;

  for (const inv of sim.invoices) {
    sink.buildops('invoices', invoiceDoc(inv, r, asOf));
    for (const doc of paymentDocs(inv, r)) sink.buildops('payments', doc);
    if (inv.spectrum === 'unposted') {
      sink.spectrum(
        'CR_UNPOSTED_INVOICE_MC',
        co({
          Invoice_Or_Transaction: inv.spectrumNumber,
          Customer_Code: customer,
          Job_Number: job.number,
          Invoice_Date: inv.issuedDay,
          Invoice_Extension: spectrumState(inv).gross,
          Retention_Amount: inv.spectrumRetentionCents,
          Batch_Code: `BO${isoDay(inv.issuedDay).slice(2).replaceAll('-', '')}`,
          Remarks: `BO:${inv.id}`,
          Entered_Date: Math.min(asOf, inv.issuedDay + 1),
        }),
      );
    }
    if (inv.spectrum !== 'posted') continue;
    const state = spectrumState(inv);
    const costCenter = job.department.name === inv.departmentName ? job.department.costCenter : null;
    sink.spectrum(
      'CR_INVOICE_HEADER_MC',
      co({
        Invoice_Or_Transaction: inv.spectrumNumber,
        Customer_Code: customer,
        Job_Number: job.number,
        Invoice_Date: inv.issuedDay,
        Due_Date: inv.spectrumDueDay,
        Invoice_Extension: state.gross,
        Sales_Tax_Amount: inv.syncedTaxCents,
        Retention_Amount: inv.spectrumRetentionCents,
        Retention_Percent: percentText(job.retainageBp),
        Batch_Code: `BO${isoDay(inv.issuedDay).slice(2).replaceAll('-', '')}`,
        AR_GL_Account: AR_GL_ACCOUNT,
        Cost_Center: costCenter,
        Terms_Code: 'N30',
        Remarks: `BO:${inv.id}`,
        Transaction_Type: 'I',
      }),
    );
    const taxes = lineTaxes(inv);
    inv.lines.slice(0, inv.syncedLineCount).forEach((line, i) => {
      const posted = inv.postedAs?.line === i + 1 ? inv.postedAs : null;
      sink.spectrum(
        'CR_INVOICE_DETAIL_MC',
        co({
          Invoice_Or_Transaction: inv.spectrumNumber,
          Line_Number: i + 1,
          Detail_Description: line.description.slice(0, 30),
          Phase_Code: posted ? posted.phase : line.product.map?.phase,
          Cost_Type: posted ? posted.costType : line.product.map?.costType,
          GL_Account: line.product.glRevenue,
          Line_Extension: line.amountCents,
          Retention_Amount: line.retentionCents,
          Sales_Tax_Amount: taxes[i],
        }),
      );
    });
    if (state.openTotal !== 0) {
      sink.spectrum(
        'CR_OPEN_ITEM_MC',
        co({
          Customer_Code: customer,
          Invoice_Or_Transaction: inv.spectrumNumber,
          Job_Number: job.number,
          Transaction_Type: 'I',
          Invoice_Date: inv.issuedDay,
          Due_Date: inv.spectrumDueDay,
          Invoice_Balance: state.openTotal,
        }),
      );
    }
    for (const p of inv.payments.filter((x) => x.inSpectrum)) {
      sink.spectrum(
        'CR_PAY_ADJUST_HISTORY_MC',
        co({
          Customer_Code: customer,
          Invoice_Or_Transaction: inv.spectrumNumber,
          Transaction_Date: p.day,
          Transaction_Type: 'P',
          Invoice_Type: p.retention ? 'R' : null,
          Amount: p.amountCents,
          Check_Number: p.checkNumber,
        }),
      );
    }
    const first = inv.lines[0]?.product.map;
    sink.spectrum(
      'JC_TRANSACTION_HISTORY_MC',
      co({
        Job_Number: job.number,
        Phase_Code: first?.phase,
        Cost_Type: first?.costType,
        Tran_Type_Code: 'AR',
        Tran_Date_Text: inv.issuedDay,
        Tran_Amount: state.gross,
        Cost_Center: job.department.costCenter,
        Draw_Appl_Number: inv.appNumber,
        Invoice_Or_Transaction: inv.spectrumNumber,
      }),
    );
  }

  for (const cm of sim.creditMemos) {
    // Installations differ on the sign of a credit memo's header and detail (spectrum.md): every
    // other memo is exported positive, so consumers must take −|amount| for type C. The open
    // item and the AR job-cost row stay signed (negative).
    const memoAmount = Number(cm.number.replace(/\D/g, '')) % 2 === 0 ? Math.abs(cm.amountCents) : cm.amountCents;
    const base = {
      Customer_Code: customer,
      Invoice_Or_Transaction: cm.number,
      Job_Number: job.number,
    };
    sink.spectrum(
      'CR_INVOICE_HEADER_MC',
      co({
        ...base,
        Invoice_Date: cm.day,
        Due_Date: cm.day,
        Invoice_Extension: memoAmount,
        Sales_Tax_Amount: 0,
        Retention_Amount: 0,
        Retention_Percent: percentText(0),
        Batch_Code: 'CM',
        AR_GL_Account: AR_GL_ACCOUNT,
        Cost_Center: job.department.costCenter,
        Terms_Code: 'N30',
        Remarks: 'Credit for service call',
        Transaction_Type: 'C',
      }),
    );
    sink.spectrum(
      'CR_INVOICE_DETAIL_MC',
      co({
        Invoice_Or_Transaction: cm.number,
        Line_Number: 1,
        Detail_Description: 'Customer credit',
        Phase_Code: cm.product.map?.phase,
        Cost_Type: cm.product.map?.costType,
        GL_Account: cm.product.glRevenue,
        Line_Extension: memoAmount,
        Retention_Amount: 0,
        Sales_Tax_Amount: 0,
      }),
    );
    sink.spectrum(
      'CR_OPEN_ITEM_MC',
      co({
        ...base,
        Transaction_Type: 'C',
        Invoice_Date: cm.day,
        Due_Date: cm.day,
        Invoice_Balance: cm.amountCents,
      }),
    );
    sink.spectrum(
      'JC_TRANSACTION_HISTORY_MC',
      co({
        Job_Number: job.number,
        Phase_Code: cm.product.map?.phase,
        Cost_Type: cm.product.map?.costType,
        Tran_Type_Code: 'AR',
        Tran_Date_Text: cm.day,
        Tran_Amount: cm.amountCents,
        Cost_Center: job.department.costCenter,
        Draw_Appl_Number: null,
        Invoice_Or_Transaction: cm.number,
      }),
    );
  }

  if (job.kind === 'aia' && job.spectrumStatus !== null) {
    for (const app of sim.applications) {
      const sum = (f: (l: (typeof app.lines)[number]) => number): number => app.lines.reduce((s, l) => s + f(l), 0);
      sink.spectrum(
        'CR_BILLING_HEADER_MC',
        co({
          Job_Number: job.number,
          Application_Number: app.number,
          Period_End_Date: app.periodEnd,
          Revised_Contract_Amount: app.revisedContractCents,
          Complete_To_Date: sum((l) => l.completedCents),
          Previous_Billed: sum((l) => l.previousCents),
          Amount_Due: sum((l) => l.thisPeriodCents + l.storedCents - l.retentionCents),
          Retention_Amount: sum((l) => l.retentionCents),
          Invoice_Or_Transaction: app.invoice?.spectrumNumber,
        }),
      );
      for (const l of app.lines) {
        sink.spectrum(
          'CR_BILL_DETAIL_MC',
          co({
            Job_Number: job.number,
            Application_Number: app.number,
            Item_Number: l.itemNumber,
            Description: l.description,
            Scheduled_Value: l.scheduledCents,
            Previous_Complete: l.previousCents,
            This_Period: l.thisPeriodCents,
            Stored_Materials: l.storedCents,
            Complete_To_Date: l.completedCents,
            Retention_Amount: l.retentionCents,
          }),
        );
      }
    }
  }
  if (job.kind === 'payapp') for (const app of sim.applications) sink.buildops('pay-applications', payApplicationDoc(job, app, r));
  for (const app of sim.extraPayApps) sink.buildops('pay-applications', payApplicationDoc(job, app, r));

  sink.buildops('jobs', jobDoc(job, r, asOf));
  if (job.projectId) sink.buildops('projects', projectDoc(job, r, asOf));
  for (const ts of sim.timesheets) sink.buildops('timesheets', timesheetDoc(ts, r));
  for (const po of sim.purchaseOrders) {
    const { day, receipts, ...rest } = po as {
      day: number;
      receipts: { receivedDate: number }[];
    } & Record<string, unknown>;
    sink.buildops('purchase-orders', {
      ...(rest as { id: string }),
      receipts: receipts.map((x) => ({
        ...x,
        receivedDate: isoDay(x.receivedDate),
      })),
      audit: audit(r, day, Math.min(asOf, day + 3)),
      version: 1,
    });
  }
}
