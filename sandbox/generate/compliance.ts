// Vendor compliance documents (VN_COMPLIANCE_MC) of company 1, derived from the subcontractor
// assignments and the compliance plants chosen in the master data.

import type { Master } from './master.ts';
import type { Random } from './random.ts';
import type { SpectrumRow } from './sink.ts';

/** The compliance rows of every subcontractor (codes unpadded; blank job = null). */
export function complianceRows(master: Master, random: Random): SpectrumRow[] {
  const r = random.fork('compliance');
  const asOf = master.asOf;
  const rows: SpectrumRow[] = [];
  const plantOf = new Map<string, string>();
  for (const job of master.jobs) {
    for (const label of job.plants) {
      const [kind, plant, vendor] = label.split(':');
      if (kind === 'compliance' && plant && vendor) plantOf.set(vendor, plant);
    }
  }
  for (const vendor of master.vendors.filter((v) => v.isSub)) {
    const jobs = master.jobs.filter((j) => j.spectrumStatus !== null && j.assignments.some((a) => a.vendor === vendor)).map((j) => j.number);
    const plant = plantOf.get(vendor.code);
    const row = (type: string, job: string | null, expires: number | null, received: number | null): void => {
      rows.push({
        Vendor_Code: vendor.code,
        Compliance_Type: type,
        Job_Number: job,
        Expiration_Date: expires,
        Received_Date: received,
      });
    };
    // Certificates of insurance: most vendors file one for all jobs, some one per job.
    if (plant === 'coi_expired') row('COI', null, asOf - 3, asOf - 370);
    else if (plant === 'coi_expires_on_as_of') row('COI', null, asOf, asOf - 365);
    else if (plant !== 'coi_missing') {
      if (r.chance(0.7) || jobs.length === 0) {
        row('COI', null, asOf + r.int(30, 400), asOf - r.int(30, 300));
        if (r.chance(0.3)) row('COI', null, asOf - r.int(300, 400), asOf - r.int(700, 800)); // an older, expired one beside it
      } else for (const job of jobs) row('COI', job, asOf + r.int(30, 400), asOf - r.int(30, 300));
    }
    // W-9: on the vendor master, or (for some) only as a compliance document.
    if (plant !== 'w9_missing' && vendor.w9 === 'Y' && r.chance(0.2)) {
      vendor.w9 = 'N';
      row('W9', null, null, asOf - r.int(100, 900));
    }
    // Lien waivers per job; a few vendors sign a blanket one (blank job).
    if (plant === 'lien_waiver_missing') row('LIEN_WAIVER', 'P99999', null, asOf - 20);
    else if (plant === 'lien_waiver_not_received') for (const job of jobs) row('LIEN_WAIVER', job, null, null);
    else if (r.chance(0.25)) row('LIEN_WAIVER', null, null, asOf - r.int(5, 60));
    else for (const job of jobs) row('LIEN_WAIVER', job, null, asOf - r.int(5, 90));
  }
  return rows;
}
