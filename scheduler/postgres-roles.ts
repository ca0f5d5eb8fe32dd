/**
 * `plumbline init --postgres`: the SQL that gives a shared Postgres warehouse two roles — a
 * writer that owns the layers the runs write, and a reader for `plumbline sql` and the report
 * tools that can only SELECT the marts (no raw rows, no meta tables such as the write-back
 * outbox, no server files).
 */
import { quoteIdent } from '../load/identifiers.ts';

const WRITER_SCHEMAS = ['raw', 'staging', 'intermediate', 'marts', 'meta'] as const;

/** The SQL to run once, as a superuser, on the warehouse database `database`. */
export function postgresRolesSql(database: string): string {
  const db = quoteIdent(database);
  const lines = [
    `-- plumbline roles for the Postgres warehouse database ${database}.`,
    `-- Run once as a superuser (psql -d ${database} -f roles.sql), then set the passwords:`,
    `--   ALTER ROLE plumbline_writer PASSWORD '...';  ALTER ROLE plumbline_reader PASSWORD '...';`,
    `-- The nightly run uses plumbline_writer (warehouse: postgres://plumbline_writer@host/${database});`,
    `-- plumbline sql and report tools use plumbline_reader (reader_warehouse: postgres://plumbline_reader@host/${database}).`,
    `-- plumbline status reads the run records in meta, which plumbline_reader cannot: it reads as plumbline_writer (read-only queries).`,
    `DO $$ BEGIN`,
    `  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'plumbline_writer') THEN CREATE ROLE plumbline_writer LOGIN; END IF;`,
    `  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'plumbline_reader') THEN CREATE ROLE plumbline_reader LOGIN; END IF;`,
    `END $$;`,
    `-- Neither role is a superuser or a member of pg_read_server_files, pg_write_server_files,`,
    `-- pg_execute_server_program or pg_signal_backend: no server files, no programs, no other sessions.`,
    `ALTER ROLE plumbline_writer NOSUPERUSER NOCREATEROLE NOCREATEDB;`,
    `ALTER ROLE plumbline_reader NOSUPERUSER NOCREATEROLE NOCREATEDB;`,
    `ALTER ROLE plumbline_reader SET default_transaction_read_only = on;`,
    `REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`,
    `GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ${db} TO plumbline_writer;`,
    `GRANT CONNECT ON DATABASE ${db} TO plumbline_reader;`,
    `REVOKE CREATE ON SCHEMA public FROM PUBLIC;`,
  ];
  for (const schema of WRITER_SCHEMAS) {
    lines.push(`CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION plumbline_writer;`);
    lines.push(`ALTER SCHEMA ${schema} OWNER TO plumbline_writer;`);
    lines.push(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC;`);
  }
  lines.push(
    `-- The reader sees the marts, now and as the runs rebuild them (marts are rebuilt as new tables).`,
    `GRANT USAGE ON SCHEMA marts TO plumbline_reader;`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA marts TO plumbline_reader;`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE plumbline_writer IN SCHEMA marts GRANT SELECT ON TABLES TO plumbline_reader;`,
    `-- Tables an earlier role created in these schemas: hand them over with`,
    `--   REASSIGN OWNED BY <old role> TO plumbline_writer;`,
  );
  return `${lines.join('\n')}\n`;
}
