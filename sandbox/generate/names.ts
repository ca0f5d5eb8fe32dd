// Pools of realistic text: company names, people, streets, cities. Spectrum limits names to 30
// characters and cities to 25; the pools stay inside those so only planted records break them.

import type { Random } from './random.ts';

const COMPANY_FIRST = [
  'Lakeside',
  'Brightwater',
  'Summit',
  'Riverbend',
  'Oak Hollow',
  'Granite',
  'Bluebonnet',
  'Cedar Park',
  'Pinnacle',
  'Lone Star',
  'Meridian',
  'Northgate',
  'Harbor',
  'Willow Creek',
  'Redstone',
  'Frontier',
  'Magnolia',
  'Ironwood',
  'Silver Lake',
  'Prairie',
  'Westfield',
  'Stonebridge',
  'Crescent',
  'Highland',
];
const COMPANY_KIND = [
  'Medical Center',
  'Office Park',
  'Properties',
  'ISD',
  'Apartments',
  'Hotel',
  'Logistics',
  'Foods',
  'Church',
  'Senior Living',
  'Data Center',
  'Retail Plaza',
  'Holdings',
  'Cold Storage',
  'Clinic',
  'Dental',
];
const COMPANY_SUFFIX = ['LLC', 'Inc', 'LP', 'Co', 'Group', ''];
const FIRST = ['Maria', 'James', 'Luis', 'Ashley', 'Tom', 'Priya', 'Dwayne', 'Karen', 'Miguel', 'Hannah', 'Ray', 'Grace', 'Tyler', 'Rosa', 'Ben', 'Nina'];
const LAST = ['Garcia', 'Nguyen', 'Smith', 'Okafor', 'Patel', 'Johnson', 'Reyes', 'Walker', 'Kowalski', 'Hughes', 'Brooks', 'Delgado', 'Chen', 'Murphy'];
const STREETS = [
  'Main St',
  'Oak Ave',
  'Commerce Dr',
  'Industrial Blvd',
  'Elm St',
  'Research Blvd',
  'Airport Rd',
  'Lamar Blvd',
  'Park Pl',
  'Market St',
  'Ranch Rd 620',
  'Cypress Ln',
];
const CITIES: readonly (readonly [string, string, string])[] = [
  ['Austin', 'TX', '787'],
  ['Round Rock', 'TX', '786'],
  ['San Marcos', 'TX', '786'],
  ['Georgetown', 'TX', '786'],
  ['Houston', 'TX', '770'],
  ['Dallas', 'TX', '752'],
  ['Pflugerville', 'TX', '786'],
  ['Tulsa', 'OK', '741'],
];
const SUPPLIERS = ['Ferguson Supply', 'Johnstone Supply', 'Winsupply', 'Graybar Electric', 'Core and Main', 'United Rentals', 'Grainger', 'Hajoca'];
const SUB_TRADES = ['Insulation', 'Controls', 'Sheet Metal', 'Core Drilling', 'Crane Service', 'Fire Alarm', 'Excavation', 'Balancing', 'Painting', 'Concrete'];

/** A customer name of at most 30 characters, without commas. */
export function companyName(random: Random): string {
  for (;;) {
    const name = [random.pick(COMPANY_FIRST), random.pick(COMPANY_KIND), random.pick(COMPANY_SUFFIX)].filter(Boolean).join(' ');
    if (name.length <= 30) return name;
  }
}

/** A person's full name. */
export function personName(random: Random): string {
  return `${random.pick(FIRST)} ${random.pick(LAST)}`;
}

/** A street address line. */
export function streetLine(random: Random): string {
  return `${random.int(100, 9899)} ${random.pick(STREETS)}`;
}

/** A city, its state and a zip code in it. */
export function cityStateZip(random: Random): {
  city: string;
  state: string;
  zip: string;
} {
  const [city, state, prefix] = random.pick(CITIES);
  return {
    city,
    state,
    zip: `${prefix}${String(random.int(1, 99)).padStart(2, '0')}`,
  };
}

/** A US phone number as people type it. */
export function phone(random: Random): string {
  return `(${random.pick(['512', '737', '214', '713', '918'])}) 555-${String(random.int(100, 9999)).padStart(4, '0')}`;
}

/** A supplier's name. */
export function supplierName(random: Random): string {
  return `${random.pick(SUPPLIERS)} ${random.pick(['Austin', 'Central', 'South', 'North'])}`;
}

/** A subcontractor's name. */
export function subcontractorName(random: Random): string {
  return `${random.pick(LAST)} ${random.pick(SUB_TRADES)} ${random.pick(['LLC', 'Inc', 'Co'])}`;
}
