import fs from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { AppError } from './errors.ts';

// One small interface over two engines: embedded PGlite (PostgreSQL compiled to WASM) and a
// PostgreSQL server through `pg`. Repositories write plain SQL with $1 parameters against it.
// Values are normalised so both engines return the same JS types: int8 → number, numeric → string,
// date → 'YYYY-MM-DD' string, timestamptz → Date, json/jsonb → parsed.

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs several ;-separated statements without parameters (migrations, scripts). */
  exec(sql: string): Promise<void>;
}

/** A connection inside a transaction. Services pass it explicitly to repositories. */
export type Tx = Queryable & { readonly inTransaction: true };

export interface Db extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function one<T>(q: Queryable, sql: string, params?: unknown[]): Promise<T> {
  const rows = await q.query<T>(sql, params);
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${sql.slice(0, 80)}`);
  return rows[0]!;
}

export async function maybeOne<T>(q: Queryable, sql: string, params?: unknown[]): Promise<T | undefined> {
  const rows = await q.query<T>(sql, params);
  return rows[0];
}

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;

function toSafeInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} exceeds JavaScript's safe range`);
  return n;
}

// ---------- PGlite ----------

class PgliteDb implements Db {
  readonly engine = 'pglite' as const;
  constructor(
    private readonly pg: PGlite,
    private readonly release: () => void,
  ) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.pg.query<T>(sql, params);
    return res.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (t) => {
      const tx: Tx = {
        inTransaction: true,
        query: async <R>(sql: string, params: unknown[] = []) => (await t.query<R>(sql, params)).rows,
        exec: async (sql: string) => {
          await t.exec(sql);
        },
      };
      return fn(tx);
    });
  }

  /** The raw PGlite handle, for backup of the data folder. */
  get raw(): PGlite {
    return this.pg;
  }

  async close(): Promise<void> {
    try {
      if (!this.pg.closed) await this.pg.close();
    } finally {
      this.release();
    }
  }
}

const pgliteParsers = {
  [INT8]: (v: string) => toSafeInt(v),
  [NUMERIC]: (v: string) => v,
  [DATE]: (v: string) => v,
};

/**
 * Opens embedded PostgreSQL. `dataDir` undefined means in memory (tests). A data folder is guarded
 * by a lock file: PGlite itself does not lock, and two processes on one folder lose writes.
 */
export async function openPglite(dataDir?: string, opts: { loadDataDir?: Blob | File } = {}): Promise<Db> {
  let release = () => {};
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    release = acquireLock(path.join(dataDir, 'yiwang.lock'));
  }
  try {
    const pgl = await PGlite.create(dataDir ? path.join(dataDir, 'pgdata') : undefined, {
      parsers: pgliteParsers,
      ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    });
    return new PgliteDb(pgl, release);
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * Exclusive lock file holding our pid. A lock left by a killed process (its pid no longer runs) is
 * taken over; a live holder makes us refuse with a message that says what to do.
 */
export function acquireLock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          if (fs.readFileSync(lockPath, 'utf8').trim() === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new AppError(
          'DATA_DIR_LOCKED',
          `The data folder ${path.dirname(lockPath)} is in use by another yiwang process (pid ${holder}). ` +
            'Stop that process, or set YIWANG_DATA_DIR to another folder, or use DATABASE_URL with a ' +
            'PostgreSQL server to run several processes.',
          409,
        );
      }
      fs.rmSync(lockPath, { force: true }); // stale: its process is gone
    }
  }
  throw new AppError('DATA_DIR_LOCKED', `Could not take the lock ${lockPath}`, 409);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------- PostgreSQL server ----------

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return toSafeInt;
    if (oid === NUMERIC || oid === DATE) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * Statements with parameters run as named prepared statements, so the server parses and plans each
 * once per connection rather than on every call (most of the server's work for a short insert). A
 * plan must not outlive a schema change (a `SELECT *` whose table gained a column is refused), and
 * schema changes go through `exec`, so every `exec` starts a new generation of names.
 */
class StatementNames {
  private generation = 0;
  private names = new Map<string, string>();

  of(sql: string): string {
    let name = this.names.get(sql);
    if (!name) {
      name = `y${this.generation}_${createHash('sha1').update(sql).digest('base64url').slice(0, 20)}`;
      this.names.set(sql, name);
    }
    return name;
  }

  schemaMayHaveChanged(): void {
    this.generation += 1;
    this.names.clear();
  }
}

class PostgresDb implements Db {
  readonly engine = 'postgres' as const;
  private readonly statements = new StatementNames();
  constructor(readonly pool: pg.Pool) {}

  private run(client: pg.Pool | pg.PoolClient, sql: string, params: unknown[]) {
    return params.length === 0 ? client.query(sql) : client.query({ name: this.statements.of(sql), text: sql, values: params });
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.run(this.pool, sql, params);
    return res.rows as T[];
  }

  async exec(sql: string): Promise<void> {
    this.statements.schemaMayHaveChanged();
    await this.pool.query(sql);
  }

  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx: Tx = {
        inTransaction: true,
        query: async <R>(sql: string, params: unknown[] = []) => (await this.run(client, sql, params)).rows as R[],
        exec: async (sql: string) => {
          this.statements.schemaMayHaveChanged();
          await client.query(sql);
        },
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export async function openPostgres(url: string, max = 10): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max, types: pgTypes });
  pool.on('error', () => {}); // idle client errors surface on the next query instead
  const db = new PostgresDb(pool);
  try {
    await db.query('select 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new AppError('DATABASE_UNREACHABLE', `Cannot connect to DATABASE_URL: ${(err as Error).message}`, 503);
  }
  return db;
}

export function openDb(cfg: { databaseUrl?: string; dataDir: string }): Promise<Db> {
  return cfg.databaseUrl ? openPostgres(cfg.databaseUrl) : openPglite(cfg.dataDir);
}
