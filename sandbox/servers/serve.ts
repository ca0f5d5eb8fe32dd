// Run the sandbox servers over a store file until interrupted, printing where they listen:
//   npx tsx sandbox/servers/serve.ts contractor.duckdb [--buildops-port 8080] [--sql-port 1433] [--dx-port 8482] [--faults plan.json] [--deny-select T1,T2]
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openStore } from '../store/open-store.ts';
import { parseFaultPlan } from './faults.ts';
import { startSandboxServers } from './start.ts';

/** Parse the command line, start the servers, and stop them on SIGINT/SIGTERM. */
export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'buildops-port': { type: 'string', default: '0' },
      'sql-port': { type: 'string', default: '0' },
      'dx-port': { type: 'string', default: '0' },
      faults: { type: 'string' },
      'deny-select': { type: 'string' },
    },
  });
  const path = positionals[0];
  if (!path) throw new Error('usage: serve.ts <store.duckdb> [--buildops-port n] [--sql-port n] [--dx-port n] [--faults plan.json] [--deny-select T1,T2]');
  const store = await openStore(path);
  const faults = values.faults ? parseFaultPlan(JSON.parse(await readFile(values.faults, 'utf8'))) : [];
  const sandbox = await startSandboxServers(store, {
    ports: { buildops: Number(values['buildops-port']), spectrumSql: Number(values['sql-port']), dataExchange: Number(values['dx-port']) },
    faults,
    deniedTables: values['deny-select']
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  });
  const { buildops, spectrumSql, dataExchange } = sandbox;
  console.log(JSON.stringify({ buildops, spectrumSql, dataExchange }, null, 2));
  const stop = (): void => {
    void sandbox.close().then(() => {
      store.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
