/**
 * The sandbox's BuildOps API and Spectrum SQL (TDS) over a cached store file, in a process of
 * its own (so the product's stages are measured without it): prints one `SANDBOX_URLS {json}`
 * line, serves until SIGTERM.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { startSandboxServers } from '../sandbox/servers/start.ts';
import type { SandboxUrls } from './stage.ts';

const instance = await DuckDBInstance.create(process.argv[2]!, { access_mode: 'READ_ONLY' });
// The bench measures the product, not the sandbox's fault injection: no short pages, no 429s.
const servers = await startSandboxServers({ instance }, { shortPageEvery: 0, maxConcurrentRequests: 0 });
const urls: SandboxUrls = {
  buildopsUrl: servers.buildops.url,
  tenantId: servers.buildops.tenantId,
  clientId: servers.buildops.clientId,
  clientSecret: servers.buildops.clientSecret,
  sqlHost: servers.spectrumSql.host,
  sqlPort: servers.spectrumSql.port,
  database: servers.spectrumSql.database,
  user: servers.spectrumSql.user,
  password: servers.spectrumSql.password,
};
process.stdout.write(`SANDBOX_URLS ${JSON.stringify(urls)}\n`);
process.once('SIGTERM', () => {
  void servers.close().then(() => {
    instance.closeSync();
    process.exit(0);
  });
});
