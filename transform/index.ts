/** The model runner. */
export { runModels } from './run-models.ts';
export type { ModelResult, ModelStatus, RunModelsOptions, FailedCheck } from './run-models.ts';
export { discoverModels, modelsReading, orderModels } from './model-graph.ts';
export type { Model, CheckSpec, Layer } from './model-file.ts';
export { sqlDate, sqlString, sqlTimestamp, renderSql } from './render-sql.ts';
export { FRESHNESS_SOURCES, SOURCE_FRESHNESS_SQL } from './source-freshness.ts';
