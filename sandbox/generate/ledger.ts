// The general ledger of the AR control accounts, posted from the simulated events the way
// Spectrum's receivables module posts them (an invoice debits AR for its regular part and
// Retention Receivable for its retention; a payment credits the account it was applied to; a
// credit memo or an unapplied payment credits AR), plus the planted entries a controller must
// find: a journal entry posted straight to each control account, one posting the subledger
// never saw (the unexplained difference), and an entry dated after as-of. Alongside, the truth
// of marts.ar_bridge and marts.ar_gl_tieout, restated from the events (integer cents).

import type { ArBridgeTruth, ArGlEntryTruth, ArGlTieoutTruth } from '../ground-truth.ts';
import { AR_GL_ACCOUNT, COMPANY, GL_ACCOUNTS } from './catalog.ts';
import { isoDay } from './calendar.ts';
import { spectrumState } from './invoice-state.ts';
import type { Master } from './master.ts';
import type { Invoice } from './model.ts';
import { cents } from './money.ts';
import type { Random } from './random.ts';
import type { SimulatedJob } from './simulate-job.ts';
import { total } from './simulate-job.ts';
import type { Sink } from './sink.ts';

/** The retention receivable account of company 1 (CR_INSTALLATION_MC.Retention_GL_Account). */
export const RETENTION_GL_ACCOUNT = '121000';

interface GlEntry {
  account: string;
  day: number;
  cents: number;
  module: string;
  reference: string;
  description: string;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Posts the GL of company 1's AR control accounts job by job and keeps the truth of the bridge and the tie-out. */
export class LedgerBuilder {
  private readonly entries: GlEntry[] = [];
  private readonly bridge: ArBridgeTruth[] = [];
  private buildopsOpen = 0;
  private spectrumOpen = 0;
  private regularOpen = 0;
  private retentionOpen = 0;

  constructor(
    private readonly master: Master,
    private readonly asOf: number,
    private readonly random: Random,
  ) {
    for (const u of master.unapplied) {
      this.post({ account: AR_GL_ACCOUNT, day: u.day, cents: u.amountCents, module: 'CR', reference: u.check, description: 'Unapplied payment' });
      this.spectrumOnly(u.check, u.customer.code, null, u.amountCents);
      this.regularOpen += u.amountCents;
    }
  }

  private post(entry: GlEntry): void {
    this.entries.push(entry);
  }

  private spectrumOnly(number: string, customer: string | null, job: string | null, balance: number): void {
    this.spectrumOpen += balance;
    this.bridge.push({
      line: 'spectrum_only',
      buildops_invoice_id: null,
      invoice_number: number,
      customer_code: customer,
      job_number: job,
      buildops_open: null,
      spectrum_open: cents(balance),
      amount: cents(balance),
    });
  }

  /** Post one job's receivables (as write-job.ts writes them) and place its invoices on the bridge. */
  observe(sim: SimulatedJob): void {
    const { job } = sim;
    if (job.plants.includes('spectrum_only_job')) return;
    for (const inv of sim.invoices) {
      this.postInvoice(inv);
      this.placeOnBridge(inv);
    }
    for (const cm of sim.creditMemos) {
      const credit = -Math.abs(cm.amountCents);
      this.post({ account: AR_GL_ACCOUNT, day: cm.day, cents: credit, module: 'CR', reference: cm.number, description: 'Credit memo' });
      this.spectrumOnly(cm.number, job.customer.code, job.number, credit);
      this.regularOpen += credit;
    }
  }

  private postInvoice(inv: Invoice): void {
    if (inv.spectrum !== 'posted') return;
    const s = spectrumState(inv);
    const ref = inv.spectrumNumber;
    this.post({ account: AR_GL_ACCOUNT, day: inv.issuedDay, cents: s.gross - s.retention, module: 'CR', reference: ref, description: 'AR invoice' });
    if (s.retention !== 0)
      this.post({ account: RETENTION_GL_ACCOUNT, day: inv.issuedDay, cents: s.retention, module: 'CR', reference: ref, description: 'Retention billed' });
    for (const p of inv.payments.filter((x) => x.inSpectrum)) {
      this.post({
        account: p.retention ? RETENTION_GL_ACCOUNT : AR_GL_ACCOUNT,
        day: p.day,
        cents: -p.amountCents,
        module: 'CR',
        reference: p.checkNumber,
        description: p.retention ? 'Retention released and paid' : 'Customer payment',
      });
    }
    if (s.openTotal !== 0) {
      this.regularOpen += s.openTotal - s.retentionOpen;
      this.retentionOpen += s.retentionOpen;
    }
  }

  private placeOnBridge(inv: Invoice): void {
    const s = spectrumState(inv);
    const counted = inv.status !== 'Draft' && inv.status !== 'Void' && inv.issuedDay <= this.asOf;
    if (!counted) {
      // Spectrum's open item of an invoice BuildOps does not count is Spectrum's alone.
      if (inv.spectrum === 'posted' && s.openTotal !== 0) this.spectrumOnly(inv.spectrumNumber, inv.job.customer.code, inv.job.number, s.openTotal);
      return;
    }
    const boTotal = total(inv);
    const boPaid = inv.payments.filter((p) => p.inBuildOps && p.day <= this.asOf).reduce((sum, p) => sum + p.amountCents, 0);
    const boOpen = boTotal - boPaid;
    this.buildopsOpen += boOpen;
    const row = (line: ArBridgeTruth['line'], amount: number): ArBridgeTruth => ({
      line,
      buildops_invoice_id: inv.id,
      invoice_number: inv.spectrum === 'none' ? inv.number : inv.spectrumNumber,
      customer_code: inv.job.customer.code,
      job_number: inv.job.number,
      buildops_open: cents(boOpen),
      spectrum_open: inv.spectrum === 'posted' ? cents(s.openTotal) : null,
      amount: cents(amount),
    });
    if (inv.spectrum === 'none') {
      this.bridge.push(row('not_in_spectrum', -boOpen));
      return;
    }
    if (inv.spectrum === 'unposted') {
      this.bridge.push(row('awaiting_posting', -boOpen));
      return;
    }
    this.spectrumOpen += s.openTotal;
    if (s.gross !== boTotal) this.bridge.push(row('amount_difference', s.gross - boTotal));
    const spectrumPaid = s.gross - s.openTotal;
    if (spectrumPaid !== boPaid) this.bridge.push(row('payment_timing', -(spectrumPaid - boPaid)));
  }

  /** Write every GL entry (the planted ones included) to the sink. */
  write(sink: Sink): void {
    const r = this.random;
    const asOf = this.asOf;
    // A journal entry posted straight to each control account: explained differences.
    this.post({
      account: AR_GL_ACCOUNT,
      day: asOf - r.int(3, 9),
      cents: -100 * r.int(300, 2500),
      module: 'GL',
      reference: `JE-${r.int(1100, 1199)}`,
      description: 'Reclass customer deposit to AR',
    });
    this.post({
      account: RETENTION_GL_ACCOUNT,
      day: asOf - r.int(10, 20),
      cents: 100 * r.int(100, 900),
      module: 'GL',
      reference: `JE-${r.int(1200, 1299)}`,
      description: 'Retention accrual by journal entry',
    });
    // A receivables posting the subledger never saw (a batch posted to GL twice): unexplained.
    this.post({
      account: AR_GL_ACCOUNT,
      day: asOf - r.int(12, 25),
      cents: 100 * r.int(150, 1800) + r.int(1, 99),
      module: 'CR',
      reference: `BATCH${r.int(100, 999)}`,
      description: 'AR batch posted twice',
    });
    // Dated after as-of: never counted.
    this.post({ account: AR_GL_ACCOUNT, day: asOf + 2, cents: 100 * r.int(100, 500), module: 'GL', reference: 'JE-1300', description: 'Next period accrual' });
    for (const e of this.entries) {
      sink.spectrum('GL_TRANSACTION_HISTORY_MC', {
        Company_Code: COMPANY,
        GL_Account: e.account,
        Transaction_Date: e.day,
        Amount: e.cents,
        Source_Module: e.module,
        Reference: e.reference,
        Description: e.description,
      });
    }
  }

  /** The truth of marts.ar_bridge, marts.ar_gl_tieout and marts.ar_gl_tieout_entries (after write). */
  finish(): {
    ar_bridge: { buildops_open_ar: string; spectrum_open_ar: string; rows: ArBridgeTruth[] };
    ar_gl_tieout: ArGlTieoutTruth[];
    ar_gl_tieout_entries: ArGlEntryTruth[];
  } {
    const counted = this.entries.filter((e) => e.day <= this.asOf);
    const description = new Map(GL_ACCOUNTS.map(([account, name]) => [account, name]));
    const tieout = [
      [AR_GL_ACCOUNT, this.regularOpen],
      [RETENTION_GL_ACCOUNT, this.retentionOpen],
    ].map(([account, subledger]): ArGlTieoutTruth => {
      const mine = counted.filter((e) => e.account === account);
      const gl = mine.reduce((s, e) => s + e.cents, 0);
      const explained = mine.filter((e) => e.module !== 'CR').reduce((s, e) => s + e.cents, 0);
      const difference = gl - Number(subledger);
      const unexplained = difference - explained;
      return {
        gl_account: String(account),
        description: description.get(String(account)) ?? '',
        subledger_balance: cents(Number(subledger)),
        gl_balance: cents(gl),
        difference: cents(difference),
        explained_by_entries: cents(explained),
        unexplained: cents(unexplained),
        status: difference === 0 ? 'ties' : unexplained === 0 ? 'explained' : 'unexplained',
      };
    });
    const entries = counted
      .filter((e) => e.module !== 'CR')
      .map((e) => ({
        gl_account: e.account,
        transaction_date: isoDay(e.day),
        source_module: e.module,
        reference: e.reference,
        description: e.description,
        amount: cents(e.cents),
      }))
      .sort((a, b) => byText(a.gl_account, b.gl_account) || byText(a.transaction_date, b.transaction_date) || byText(a.reference, b.reference));
    const rows = [...this.bridge].sort(
      (a, b) => byText(a.line, b.line) || byText(a.invoice_number, b.invoice_number) || byText(a.buildops_invoice_id ?? '', b.buildops_invoice_id ?? ''),
    );
    return {
      ar_bridge: { buildops_open_ar: cents(this.buildopsOpen), spectrum_open_ar: cents(this.spectrumOpen), rows },
      ar_gl_tieout: tieout,
      ar_gl_tieout_entries: entries,
    };
  }
}
