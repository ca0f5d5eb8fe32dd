// Spectrum's state of one invoice, derived from the simulated events the way the marts define it.

import type { Invoice } from './model.ts';
import { spectrumGross } from './simulate-job.ts';

/** Spectrum's amounts and payment status of a posted invoice. */
export interface SpectrumState {
  gross: number;
  retention: number;
  regularPaid: number;
  retentionPaid: number;
  openTotal: number;
  retentionOpen: number;
  status: 'missing' | 'unposted' | 'open' | 'partial' | 'retention_held' | 'paid';
}

/** The Spectrum view of an invoice: what it billed, what was paid, what is open. */
export function spectrumState(inv: Invoice): SpectrumState {
  const gross = spectrumGross(inv);
  const retention = inv.spectrumRetentionCents;
  const paid = inv.payments.filter((p) => p.inSpectrum);
  const regularPaid = paid.filter((p) => !p.retention).reduce((s, p) => s + p.amountCents, 0);
  const retentionPaid = paid.filter((p) => p.retention).reduce((s, p) => s + p.amountCents, 0);
  const openTotal = gross - regularPaid - retentionPaid;
  const retentionOpen = retention - retentionPaid;
  let status: SpectrumState['status'];
  if (inv.spectrum === 'none') status = 'missing';
  else if (inv.spectrum === 'unposted') status = 'unposted';
  else if (openTotal === 0) status = 'paid';
  else if (paid.length === 0) status = 'open';
  else if (openTotal - retentionOpen > 0) status = 'partial';
  else status = 'retention_held';
  return {
    gross,
    retention,
    regularPaid,
    retentionPaid,
    openTotal,
    retentionOpen,
    status,
  };
}
