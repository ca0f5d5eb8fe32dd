/**
 * Secrets come only from the environment or from a secrets file named in the config
 * (KEY=VALUE lines); the environment wins. They are handed to the logger for masking and are
 * never written to the warehouse or reports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../lib/errors.ts';

/** The secrets plumbline knows, by environment variable name. */
export const SECRET_NAMES = [
  'BUILDOPS_CLIENT_ID',
  'BUILDOPS_CLIENT_SECRET',
  'SPECTRUM_SQL_USER',
  'SPECTRUM_SQL_PASSWORD',
  'SPECTRUM_DX_AUTHORIZATION_ID',
  'PLUMBLINE_WAREHOUSE_PASSWORD',
  'PLUMBLINE_SMTP_PASSWORD',
  'PLUMBLINE_WEBHOOK_SECRET',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export interface Secrets {
  get(name: SecretName): string | undefined;
  /** The value, or a UsageError saying where to set it. */
  require(name: SecretName, purpose: string): string;
  /** Every value present, for masking in logs. */
  values(): string[];
}

/** Reads the secrets from `env` and, when given, a secrets file. */
export function loadSecrets(env: NodeJS.ProcessEnv, secretsFile?: string): Secrets {
  const fromFile = secretsFile ? readSecretsFile(secretsFile) : {};
  const lookup = (name: SecretName): string | undefined => {
    const value = env[name] ?? fromFile[name];
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    get: lookup,
    require(name, purpose) {
      const value = lookup(name);
      if (value === undefined) {
        throw new UsageError(
          `${name} is not set; it is needed ${purpose}. Set it in the environment${secretsFile ? ` or in ${secretsFile}` : ' or in a secrets file named by secrets_file in the config'}.`,
        );
      }
      return value;
    },
    values: () => SECRET_NAMES.map(lookup).filter((v): v is string => v !== undefined),
  };
}

function readSecretsFile(path: string): Record<string, string> {
  if (!existsSync(path)) throw new UsageError(`The secrets file ${path} named in the config does not exist`);
  const values: Record<string, string> = {};
  for (const [index, line] of readFileSync(path, 'utf8').split('\n').entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Z0-9_]+)\s*=\s*(.*)$/.exec(trimmed);
    if (!match) throw new UsageError(`${path} line ${index + 1}: expected KEY=VALUE`);
    values[match[1]!] = match[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

/** The warehouse location with the password from PLUMBLINE_WAREHOUSE_PASSWORD filled into a Postgres URL. */
export function warehouseLocation(location: string, secrets: Secrets): string {
  if (!/^postgres(ql)?:\/\//i.test(location)) return location;
  const password = secrets.get('PLUMBLINE_WAREHOUSE_PASSWORD');
  if (!password) return location;
  const url = new URL(location);
  if (!url.password) url.password = password;
  return url.toString();
}
