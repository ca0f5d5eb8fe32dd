// How big each scale is. `large` reaches ≥ 1,000,000 BuildOps invoice lines and is generated
// job by job, so memory holds only the master data.

import type { Scale } from './model.ts';

/** The sizes of one scale. */
export interface ScaleSize {
  customers: number;
  serviceJobs: number;
  aiaJobs: number;
  payAppJobs: number;
  invoicesPerServiceJob: [number, number];
  maxLinesPerInvoice: number;
  subcontractors: number;
  employees: number;
  /** How many copies of each planted case. */
  plantCopies: number;
}

/** The size of each scale. */
export const SCALES: Record<Scale, ScaleSize> = {
  tiny: {
    customers: 10,
    serviceJobs: 14,
    aiaJobs: 3,
    payAppJobs: 3,
    invoicesPerServiceJob: [2, 5],
    maxLinesPerInvoice: 4,
    subcontractors: 5,
    employees: 6,
    plantCopies: 1,
  },
  small: {
    customers: 40,
    serviceJobs: 110,
    aiaJobs: 8,
    payAppJobs: 6,
    invoicesPerServiceJob: [2, 8],
    maxLinesPerInvoice: 5,
    subcontractors: 10,
    employees: 15,
    plantCopies: 2,
  },
  medium: {
    customers: 300,
    serviceJobs: 1400,
    aiaJobs: 50,
    payAppJobs: 40,
    invoicesPerServiceJob: [2, 8],
    maxLinesPerInvoice: 6,
    subcontractors: 40,
    employees: 60,
    plantCopies: 4,
  },
  large: {
    customers: 4000,
    serviceJobs: 44000,
    aiaJobs: 1200,
    payAppJobs: 800,
    invoicesPerServiceJob: [3, 9],
    maxLinesPerInvoice: 7,
    subcontractors: 150,
    employees: 400,
    plantCopies: 8,
  },
};

/** The scale names. */
export const SCALE_NAMES = Object.keys(SCALES) as Scale[];
