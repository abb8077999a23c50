import path from 'node:path';
import { AppError } from './errors.ts';

// Configuration comes from the environment only, validated once at boot so that a typo fails loudly
// before anything listens.
export interface Config {
  port: number;
  host: string;
  /** PGlite data, the lock file, the PII key file and uploaded files live here. */
  dataDir: string;
  /** When set, a PostgreSQL server is used instead of embedded PGlite. */
  databaseUrl?: string;
  /** Base64 of 32 bytes; when absent a key file in dataDir is used (created on first start). */
  piiKey?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Mark session cookies Secure (set behind HTTPS). */
  secureCookies: boolean;
  /** Run the job worker inside the server process. */
  inProcessWorker: boolean;
  /** Serve the built web app from this folder when it exists. */
  webDir: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function bool(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new AppError('CONFIG_INVALID', `${name} must be true or false, got "${value}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AppError('CONFIG_INVALID', `PORT must be a port number, got "${env.PORT}"`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new AppError('CONFIG_INVALID', 'DATABASE_URL must start with postgres:// or postgresql://');
  }
  const logLevel = (env.YIWANG_LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new AppError('CONFIG_INVALID', `YIWANG_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(env.YIWANG_DATA_DIR ?? 'data'),
    databaseUrl,
    piiKey: env.YIWANG_PII_KEY || undefined,
    logLevel,
    secureCookies: bool('YIWANG_SECURE_COOKIES', env.YIWANG_SECURE_COOKIES, false),
    inProcessWorker: bool('YIWANG_WORKER', env.YIWANG_WORKER, true),
    webDir: path.resolve(env.YIWANG_WEB_DIR ?? 'web/dist'),
  };
}
