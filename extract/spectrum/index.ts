/** Spectrum extraction: Info-Link SQL or a file export, one resource per contract table. */
export { createSpectrumSqlResources } from './sql-resources.ts';
export type { SpectrumSqlOptions } from './sql-resources.ts';
export { createSpectrumFileResources, detectFileCompanies, spectrumFilePath } from './file-resources.ts';
export type { SpectrumFileOptions } from './file-resources.ts';
export { SPECTRUM_TABLE_NAMES, SPECTRUM_TABLES, rawTableName, daysTableName } from './tables.ts';
export type { SpectrumTableName, SpectrumTableDef, SpectrumColumnDef, SpectrumColumnKind, SpectrumTableStrategy } from './tables.ts';
export type { SpectrumCursorState } from './batches.ts';
