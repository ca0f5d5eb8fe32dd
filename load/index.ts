/** The warehouse: one interface, DuckDB and Postgres behind it. */
export { openWarehouse, DEFAULT_WAREHOUSE } from './open-warehouse.ts';
export { newLoadId } from './sql-warehouse.ts';
export { toColumnName, quoteIdent, qualified } from './identifiers.ts';
export type * from './types.ts';
export { WAREHOUSE_SCHEMAS } from './types.ts';
export { loadResource, RESOURCE_RETRY } from './load-resource.ts';
export type { LoadResourceOptions } from './load-resource.ts';
