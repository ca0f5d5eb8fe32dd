/**
 * Applies the numbered `meta` migrations (load/meta-tables.ts) a warehouse has not had yet, in
 * order, each in one transaction with its row in meta.schema_migrations. Forward only: a
 * warehouse migrated by a newer plumbline is refused rather than written with an older schema.
 */
import { PlumblineError } from '../lib/errors.ts';
import type { Backend, BackendConnection } from './backend.ts';
import { qualified, quoteIdent } from './identifiers.ts';
import { META_MIGRATIONS, META_TABLES } from './meta-tables.ts';
import type { MetaMigration, MetaTable } from './meta-tables.ts';
import { PLUMBLINE_VERSION } from '../lib/version.ts';

// Any constant will do: it names the lock two Postgres sessions take to migrate one at a time.
const MIGRATION_LOCK = 7_431_201;

/** One change of a migration: a table it creates, or a column it adds to a table that exists. */
export type MigrationStep = { kind: 'create'; table: string; sql: string } | { kind: 'add'; table: string; column: string; sql: string };

/** The DDL of migration `id`: the tables it creates, then the columns it adds to older tables. */
export function migrationSteps(backend: Pick<Backend, 'sqlType'>, id: number): MigrationStep[] {
  const steps: MigrationStep[] = [];
  for (const table of META_TABLES) {
    const tableSince = table.since ?? 1;
    const columns = table.columns.filter(([, , o]) => (o?.since ?? tableSince) <= id);
    const add = ([column, type]: MetaTable['columns'][number]): MigrationStep => ({
      kind: 'add',
      table: table.name,
      column,
      sql: addColumn(backend, table, column, type),
    });
    if (tableSince === id) {
      steps.push({ kind: 'create', table: table.name, sql: createTable(backend, table, columns) });
      // A table an older release made without the registry (0.1.0) gets any column it lacks.
      steps.push(...columns.map(add));
    } else if (tableSince < id) {
      steps.push(...table.columns.filter(([, , o]) => o?.since === id).map(add));
    }
  }
  return steps;
}

/** The newest migration this version knows. */
export const LATEST_MIGRATION = Math.max(...META_MIGRATIONS.map((m) => m.id));

/** Brings the warehouse's meta schema up to date; returns the ids of the migrations applied now. */
export async function migrateMeta(backend: Backend, conn: BackendConnection): Promise<number[]> {
  const registry = META_TABLES.find((t) => t.name === 'schema_migrations')!;
  await conn.query(createTable(backend, registry, registry.columns));
  let applied = await appliedMigrations(conn);
  const newer = [...applied].filter((id) => id > LATEST_MIGRATION);
  if (newer.length > 0) {
    throw new PlumblineError(
      `The warehouse ${backend.displayName} was migrated by a newer plumbline (meta migration ${Math.max(...newer)}; this version knows up to ${LATEST_MIGRATION})`,
      { fix: 'Upgrade plumbline to the version that last wrote this warehouse, or newer.', scope: 'run' },
    );
  }
  const done: number[] = [];
  for (const migration of [...META_MIGRATIONS].sort((a, b) => a.id - b.id)) {
    if (applied.has(migration.id)) continue;
    await conn.query('BEGIN');
    try {
      if (backend.kind === 'postgres') {
        // Two processes opening one Postgres warehouse at once: the second waits, then finds it done.
        await conn.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
        applied = await appliedMigrations(conn);
        if (applied.has(migration.id)) {
          await conn.query('COMMIT');
          continue;
        }
      }
      await applyMigration(backend, conn, migration);
      await conn.query('COMMIT');
      done.push(migration.id);
    } catch (error) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw new PlumblineError(`Meta migration ${migration.id} (${migration.description}) failed and was rolled back: ${String(error)}`, {
        cause: error,
        scope: 'run',
      });
    }
  }
  return done;
}

async function applyMigration(backend: Backend, conn: BackendConnection, migration: MetaMigration): Promise<void> {
  for (const step of migrationSteps(backend, migration.id)) {
    // Only a missing column is added: the column a 0.1.0 table already has is left as it is.
    if (step.kind === 'add' && (await hasColumn(conn, step.table, step.column))) continue;
    await conn.query(step.sql);
  }
  if (migration.up) await migration.up((s, p) => conn.query(s, p ?? []), backend.kind);
  await conn.query(`INSERT INTO meta.schema_migrations (id, description, plumbline_version, applied_at) VALUES ($1, $2, $3, $4)`, [
    migration.id,
    migration.description,
    PLUMBLINE_VERSION,
    new Date(),
  ]);
}

async function appliedMigrations(conn: BackendConnection): Promise<Set<number>> {
  const rows = await conn.query<{ id: number | string }>('SELECT id FROM meta.schema_migrations');
  return new Set(rows.map((r) => Number(r.id)));
}

async function hasColumn(conn: BackendConnection, table: string, column: string): Promise<boolean> {
  const rows = await conn.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = 'meta' AND table_name = $1 AND column_name = $2`, [
    table,
    column,
  ]);
  return rows.length > 0;
}

function createTable(backend: Pick<Backend, 'sqlType'>, table: MetaTable, columns: MetaTable['columns']): string {
  const defs = columns.map(([name, type, o]) => `${quoteIdent(name)} ${backend.sqlType(type)}${o?.notNull ? ' NOT NULL' : ''}`);
  if (table.primaryKey) defs.push(`PRIMARY KEY (${table.primaryKey.map(quoteIdent).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${qualified('meta', table.name)} (${defs.join(', ')})`;
}

function addColumn(backend: Pick<Backend, 'sqlType'>, table: MetaTable, name: string, type: MetaTable['columns'][number][1]): string {
  return `ALTER TABLE ${qualified('meta', table.name)} ADD COLUMN ${quoteIdent(name)} ${backend.sqlType(type)}`;
}
