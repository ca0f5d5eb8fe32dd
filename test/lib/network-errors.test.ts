// What a failed network call means, found in the cause chains the real clients build: fetch
// (undici) and mssql/tedious; and a real HTTPS server with an untrusted certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BuildOpsClient } from '../../extract/buildops/api-client.ts';
import { UnreachableError } from '../../lib/errors.ts';
import { classifyNetworkCode, networkCodeText, networkErrorCode, unreachableAdvice } from '../../lib/network-errors.ts';

const coded = (code: string, message = code): Error => Object.assign(new Error(message), { code });

test('the telling code is found through cause, originalError and AggregateError, before a wrapper code', () => {
  // fetch: TypeError('fetch failed') { cause: Error { code: 'ENOTFOUND' } }
  expect(networkErrorCode(new TypeError('fetch failed', { cause: coded('ENOTFOUND') }))).toBe('ENOTFOUND');
  // mssql: ConnectionError { code: 'ESOCKET', originalError: ConnectionError { cause: AggregateError { errors: [ECONNREFUSED] } } }
  const tedious = Object.assign(new Error('Could not connect (sequence)'), { code: 'ESOCKET', cause: new AggregateError([coded('ECONNREFUSED')], 'sequence') });
  expect(networkErrorCode(Object.assign(new Error('Failed to connect'), { code: 'ESOCKET', originalError: tedious }))).toBe('ECONNREFUSED');
  // Only a wrapper code: it is what there is.
  expect(networkErrorCode(coded('ESOCKET'))).toBe('ESOCKET');
  expect(networkErrorCode(new Error('no code'))).toBeUndefined();
});

test('unreachable (DNS, refused, no route, certificate, TLS) versus broken (reset, timeout) versus neither', () => {
  for (const code of [
    'ENOTFOUND',
    'EAI_AGAIN',
    'ECONNREFUSED',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'UND_ERR_CONNECT_TIMEOUT',
    'CERT_HAS_EXPIRED',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'ERR_SSL_WRONG_VERSION_NUMBER',
  ])
    expect(classifyNetworkCode(code), code).toBe('unreachable');
  for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT']) expect(classifyNetworkCode(code), code).toBe('broken');
  for (const code of ['ESOCKET', 'EINVAL', undefined]) expect(classifyNetworkCode(code), String(code)).toBeUndefined();
  expect(networkCodeText('ECONNREFUSED')).toBe('the host refused the connection (nothing listens on that port)');
  expect(
    unreachableAdvice('CERT_HAS_EXPIRED', 'sql.example', { hostSetting: 'sources.spectrum.server', certificateSetting: 'trust_server_certificate: true' }),
  ).toBe(
    'Check the certificate of sql.example: it must be valid for that name and signed by an authority this machine trusts (or, for a server with a self-signed certificate you trust, set trust_server_certificate: true).',
  );
});

let dir: string;
let server: https.Server;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plumbline-tls-'));
  // A throwaway self-signed certificate, made for this test only.
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    {
      stdio: 'ignore',
    },
  );
  server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a BuildOps host whose certificate is not trusted: terminal for the source after one quick retry, naming the host and the certificate', async () => {
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new BuildOpsClient({ baseUrl: `https://${host}`, tenantId: 't', clientId: 'i', clientSecret: 's', retry: { quickRetryDelayMs: 10 } });
  const error = await client.get('/v1/jobs?page=0', { endpoint: 'jobs', page: 0 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnreachableError);
  expect((error as UnreachableError).message).toMatch(new RegExp(`^Cannot reach BuildOps at ${host}: its TLS certificate is not trusted \\(\\w+\\)$`));
  expect((error as UnreachableError).fix).toMatch(new RegExp(`^Check the certificate of ${host}: it must be valid for that name`));
  expect((error as UnreachableError).scope).toBe('source');
  // Remembered: the next call gets the same error without a request.
  await expect(client.get('/v1/customers?page=0', { endpoint: 'customers', page: 0 })).rejects.toBe(error);
});
