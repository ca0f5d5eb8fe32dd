// The contractor's fixed catalog: phases, GL accounts, cost centers, departments, tax codes and
// the pricebook. Clean items map to a phase + cost type every job carries, and their expense
// account allows that cost type; the planted items are marked with the label of their plant.

/** The standard phases every job carries, as (phase code, cost type, description). */
export const STANDARD_PHASES: readonly (readonly [string, string, string])[] = [
  ['01000', 'L', 'Service Labor'],
  ['01000', 'M', 'Service Material'],
  ['01000', 'E', 'Service Equipment'],
  ['01000', 'O', 'Service Other'],
  ['15100', 'L', 'Plumbing Labor'],
  ['15100', 'M', 'Plumbing Material'],
  ['15100', 'S', 'Plumbing Subcontract'],
  ['15500', 'L', 'HVAC Labor'],
  ['15500', 'M', 'HVAC Material'],
  ['15500', 'S', 'HVAC Subcontract'],
  ['15500', 'E', 'HVAC Equipment'],
  ['16000', 'L', 'Electrical Labor'],
  ['16000', 'M', 'Electrical Material'],
  ['21000', 'L', 'Fire Labor'],
  ['21000', 'M', 'Fire Material'],
  ['21000', 'S', 'Fire Subcontract'],
];

/** GL master rows: account, description, type, direct cost, allowed cost type (null = any). */
export const GL_ACCOUNTS: readonly (readonly [string, string, string, 'Y' | 'N', string | null])[] = [
  ['120000', 'Accounts Receivable', 'Asset', 'N', null],
  ['121000', 'Retention Receivable', 'Asset', 'N', null],
  ['400000', 'Service Revenue', 'Revenue', 'N', null],
  ['410000', 'Contract Revenue', 'Revenue', 'N', null],
  ['500000', 'Direct Labor', 'Expense', 'Y', 'L'],
  ['510000', 'Job Materials', 'Expense', 'Y', 'M'],
  ['520000', 'Subcontract Cost', 'Expense', 'Y', 'S'],
  ['530000', 'Equipment Rental', 'Expense', 'Y', 'E'],
  ['540000', 'Other Job Cost', 'Expense', 'Y', null],
];

/**
 * Days from the as-of date to the last date of the open AR processing window (SY_PROCESSING_DATES_MC,
 * module AR): accounting keeps AR open only a few days ahead, so the window closes while approved
 * BuildOps invoices still wait to be sent (the close status's window check). The other modules stay
 * open to the month's end.
 */
export const AR_WINDOW_DAYS_AHEAD = 2;

/** The receivables account of imported invoices (CR_INSTALLATION_MC). */
export const AR_GL_ACCOUNT = '120000';

/** Cost centers in GL_MASTER_COST_CENTERS_MC: code, description, status. */
export const COST_CENTERS: readonly (readonly [string, string, 'A' | 'I'])[] = [
  ['SVC', 'Service', 'A'],
  ['HVAC', 'HVAC Construction', 'A'],
  ['PLMB', 'Plumbing Construction', 'A'],
  ['FIRE', 'Fire Protection', 'A'],
  ['ELEC', 'Electrical', 'A'],
  ['OLD', 'Discontinued', 'I'],
];

/** BuildOps departments and their mapped cost center; `Controls` maps to a cost center Spectrum lacks (planted). */
export const DEPARTMENTS: readonly (readonly [string, string])[] = [
  ['Service', 'SVC'],
  ['HVAC', 'HVAC'],
  ['Plumbing', 'PLMB'],
  ['Fire Protection', 'FIRE'],
  ['Electrical', 'ELEC'],
  ['Controls', 'CTRL'],
];

/** Tax codes: code, kind, rate in basis points, status. */
export const TAX_CODES: readonly (readonly [string, 'TAX_CLASS' | 'SALES_TAX', number, 'A' | 'I'])[] = [
  ['TX-AUS', 'TAX_CLASS', 825, 'A'],
  ['TX-HOU', 'TAX_CLASS', 825, 'A'],
  ['TX-RR', 'TAX_CLASS', 825, 'A'],
  ['OK-TUL', 'TAX_CLASS', 850, 'A'],
  ['TX-OLD', 'TAX_CLASS', 800, 'I'],
  ['TX-AUS', 'SALES_TAX', 825, 'A'],
  ['TX-HOU', 'SALES_TAX', 825, 'A'],
  ['TX-RR', 'SALES_TAX', 825, 'A'],
  ['OK-TUL', 'SALES_TAX', 850, 'A'],
];

/** The active tax classes jobs are given. */
export const JOB_TAX_CODES: readonly (readonly [string, number])[] = [
  ['TX-AUS', 825],
  ['TX-HOU', 825],
  ['TX-RR', 825],
  ['OK-TUL', 850],
];

/** Pricebook rows: code, name, type, price (cents), mapping, labor rate (cents), plant label. */
export interface CatalogItem {
  code: string;
  name: string;
  type: 'labor' | 'material' | 'equipment' | 'other';
  priceCents: number;
  map: readonly [string, string] | null;
  laborRateCents?: number | null;
  glExpense?: string;
  glRevenue?: string;
  isActive?: boolean;
  /** Project billing (schedule of values) item. */
  billing?: boolean;
  plant?: string;
}

/** The pricebook. Labor rates are multiples of 0.50 and hours move in half hours, so cost is exact cents. */
export const CATALOG: readonly CatalogItem[] = [
  {
    code: 'LAB-TECH',
    name: 'Service Technician Labor',
    type: 'labor',
    priceCents: 14500,
    map: ['01000', 'L'],
    laborRateCents: 7850,
  },
  {
    code: 'LAB-HELPER',
    name: 'Helper Labor',
    type: 'labor',
    priceCents: 9500,
    map: ['01000', 'L'],
    laborRateCents: 5200,
  },
  {
    code: 'LAB-OT',
    name: 'Overtime Technician Labor',
    type: 'labor',
    priceCents: 21000,
    map: ['01000', 'L'],
    laborRateCents: 11250,
  },
  {
    code: 'LAB-PIPE',
    name: 'Pipefitter Labor',
    type: 'labor',
    priceCents: 15500,
    map: ['15100', 'L'],
    laborRateCents: 8450,
  },
  {
    code: 'LAB-HVAC',
    name: 'HVAC Mechanic Labor',
    type: 'labor',
    priceCents: 15000,
    map: ['15500', 'L'],
    laborRateCents: 8100,
  },
  {
    code: 'LAB-ELEC',
    name: 'Electrician Labor',
    type: 'labor',
    priceCents: 14000,
    map: ['16000', 'L'],
    laborRateCents: 7650,
  },
  {
    code: 'LAB-FIRE',
    name: 'Sprinkler Fitter Labor',
    type: 'labor',
    priceCents: 16000,
    map: ['21000', 'L'],
    laborRateCents: 8800,
  },
  // A labor item nobody priced in labor_rates.csv: its unprocessed hours count and cost 0.
  {
    code: 'LAB-APPR',
    name: 'Apprentice Labor',
    type: 'labor',
    priceCents: 8500,
    map: ['01000', 'L'],
    laborRateCents: null,
    plant: 'labor_item_without_rate',
  },
  {
    code: 'MAT-FILTER',
    name: 'Pleated Filter 20x25x2',
    type: 'material',
    priceCents: 2450,
    map: ['01000', 'M'],
  },
  {
    code: 'MAT-CAP',
    name: 'Run Capacitor 45/5 MFD',
    type: 'material',
    priceCents: 6800,
    map: ['01000', 'M'],
  },
  {
    code: 'MAT-CONT',
    name: 'Contactor 2P 30A',
    type: 'material',
    priceCents: 8900,
    map: ['01000', 'M'],
  },
  {
    code: 'MAT-R410',
    name: 'Refrigerant R-410A per lb',
    type: 'material',
    priceCents: 4200,
    map: ['15500', 'M'],
  },
  {
    code: 'MAT-VALVE',
    name: 'Ball Valve 1in Bronze',
    type: 'material',
    priceCents: 5600,
    map: ['15100', 'M'],
  },
  {
    code: 'MAT-PIPE',
    name: 'Copper Pipe Type L 3/4in',
    type: 'material',
    priceCents: 1875,
    map: ['15100', 'M'],
  },
  {
    code: 'MAT-HEAD',
    name: 'Sprinkler Head Pendent',
    type: 'material',
    priceCents: 1550,
    map: ['21000', 'M'],
  },
  {
    code: 'MAT-BRKR',
    name: 'Breaker 20A 1P',
    type: 'material',
    priceCents: 2300,
    map: ['16000', 'M'],
  },
  {
    code: 'MAT-TSTAT',
    name: 'Programmable Thermostat',
    type: 'material',
    priceCents: 18900,
    map: ['01000', 'M'],
  },
  {
    code: 'MAT-BELT',
    name: 'V-Belt A42',
    type: 'material',
    priceCents: 1725,
    map: ['01000', 'M'],
  },
  {
    code: 'MAT-MOTOR',
    name: 'Condenser Fan Motor 1/4 HP',
    type: 'material',
    priceCents: 32500,
    map: ['15500', 'M'],
  },
  {
    code: 'MAT-WH50',
    name: 'Water Heater 50 gal',
    type: 'material',
    priceCents: 148000,
    map: ['15100', 'M'],
  },
  {
    code: 'EQ-LIFT',
    name: 'Scissor Lift Day Rental',
    type: 'equipment',
    priceCents: 27500,
    map: ['01000', 'E'],
  },
  {
    code: 'EQ-CRANE',
    name: 'Crane Pick',
    type: 'equipment',
    priceCents: 185000,
    map: ['15500', 'E'],
  },
  {
    code: 'TRIP',
    name: 'Trip Charge',
    type: 'other',
    priceCents: 8900,
    map: ['01000', 'O'],
  },
  {
    code: 'DISPOSAL',
    name: 'Disposal Fee',
    type: 'other',
    priceCents: 4500,
    map: ['01000', 'O'],
  },
  {
    code: 'PB-GEN',
    name: 'General Conditions',
    type: 'other',
    priceCents: 0,
    map: ['01000', 'O'],
    billing: true,
    glRevenue: '410000',
  },
  {
    code: 'PB-PLMB',
    name: 'Plumbing Work',
    type: 'other',
    priceCents: 0,
    map: ['15100', 'S'],
    billing: true,
    glExpense: '520000',
    glRevenue: '410000',
  },
  {
    code: 'PB-HVAC',
    name: 'HVAC Work',
    type: 'other',
    priceCents: 0,
    map: ['15500', 'S'],
    billing: true,
    glExpense: '520000',
    glRevenue: '410000',
  },
  {
    code: 'PB-ELEC',
    name: 'Electrical Work',
    type: 'other',
    priceCents: 0,
    map: ['16000', 'M'],
    billing: true,
    glExpense: '510000',
    glRevenue: '410000',
  },
  {
    code: 'PB-FIRE',
    name: 'Fire Protection Work',
    type: 'other',
    priceCents: 0,
    map: ['21000', 'S'],
    billing: true,
    glExpense: '520000',
    glRevenue: '410000',
  },
  // Inactive items: one mapped, one unmapped; neither is a finding (only active items are checked).
  {
    code: 'MAT-OLDFLT',
    name: 'Filter 16x20 (discontinued)',
    type: 'material',
    priceCents: 1200,
    map: ['01000', 'M'],
    isActive: false,
  },
  {
    code: 'MAT-OLDDISC',
    name: 'Disconnect 30A (discontinued)',
    type: 'material',
    priceCents: 4100,
    map: null,
    isActive: false,
  },
  // Planted: active and used, but nobody added them to cost_code_map.csv.
  {
    code: 'MAT-MISC',
    name: 'Misc Material',
    type: 'material',
    priceCents: 3500,
    map: null,
    plant: 'unmapped_item',
  },
  // Planted: the expense account allows cost type L, the mapping says M.
  {
    code: 'MAT-TAPE',
    name: 'Foil Tape Roll',
    type: 'material',
    priceCents: 1450,
    map: ['01000', 'M'],
    glExpense: '500000',
    plant: 'gl_cost_type_mismatch',
  },
  // Planted for the write-back: revenue account missing from GL_MASTER_MC.
  {
    code: 'PERMIT',
    name: 'Permit Fee',
    type: 'other',
    priceCents: 15000,
    map: ['01000', 'O'],
    glRevenue: '405000',
    plant: 'gl_account',
  },
  // Planted for the write-back: mapped to phase codes that do not fit the mask 99-999.
  {
    code: 'MAT-CTRL',
    name: 'Controls Panel',
    type: 'material',
    priceCents: 98000,
    map: ['1550', 'M'],
    plant: 'phase_mask',
  },
  {
    code: 'MAT-BAS',
    name: 'BAS Controller',
    type: 'material',
    priceCents: 125000,
    map: ['155000000000000000001', 'M'],
    plant: 'phase_code_too_long',
  },
];

/** The expense account a clean item of each type uses. */
export const EXPENSE_ACCOUNT: Record<CatalogItem['type'], string> = {
  labor: '500000',
  material: '510000',
  equipment: '530000',
  other: '540000',
};

/** The cost type of each item type (products.costType). */
export const COST_TYPE: Record<CatalogItem['type'], string> = {
  labor: 'L',
  material: 'M',
  equipment: 'E',
  other: 'O',
};

/** The as-of date exports use when none is given, so they are byte-identical whatever day they run. */
export const DEFAULT_AS_OF = '2026-11-15';

/** The primary company and the second one that must stay invisible to a company-1 consumer. */
export const COMPANY = '1';
export const OTHER_COMPANY = '2';

/** The Spectrum phase mask of company 1. */
export const PHASE_MASK = '99-999';
