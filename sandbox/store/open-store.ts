import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { schemaStatements } from './schema.ts';

/** An open sandbox store: the DuckDB instance, one connection, and a way to close both. */
export interface Store {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

/** Open (or create) the sandbox store at `path` (default in-memory) with its schema created. */
export async function openStore(path: string = ':memory:'): Promise<Store> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  for (const statement of schemaStatements()) await connection.run(statement);
  return {
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
