// The sandbox's public entry: open a store, generate a contractor into it, export it as files,
// read a ground truth back. The sandbox imports nothing from the product.

export { openStore, type Store } from './store/open-store.ts';
export { generateContractor, type GenerateOptions } from './generate/generate-contractor.ts';
export { exportContractor, exportMappings } from './export.ts';
export { readGroundTruth, writeGroundTruth, type GroundTruth } from './ground-truth.ts';
export type { Scale } from './generate/model.ts';
export { SCALE_NAMES } from './generate/scales.ts';
export { DEFAULT_AS_OF, COMPANY, OTHER_COMPANY } from './generate/catalog.ts';
export { changeRecords, type ChangedRecords } from './change-records.ts';
