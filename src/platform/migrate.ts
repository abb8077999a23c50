import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db, Queryable } from './db.ts';
import { AppError } from './errors.ts';

// Forward-only SQL migrations. The platform and each module own a `migrations/` folder of files named
// NNNN_verb_noun.sql; they apply in order (platform first, then modules in registration order), each
// in its own transaction under an advisory lock, so several processes starting at once apply each
// file exactly once. A file changed after it was applied stops the start: history is not rewritten.

export interface MigrationSource {
  owner: string;
  dir: string;
}

export interface Migration {
  owner: string;
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const LOCK_KEY = 4_820_117; // arbitrary, constant: the advisory lock id for migrations

export function readMigrations(sources: MigrationSource[]): Migration[] {
  const all: Migration[] = [];
  for (const { owner, dir } of sources) {
    if (!fs.existsSync(dir)) continue;
    const seen = new Set<number>();
    for (const file of fs.readdirSync(dir).sort()) {
      if (!file.endsWith('.sql')) continue;
      const m = MIGRATION_FILE.exec(file);
      if (!m) throw new AppError('MIGRATION_NAME_INVALID', `${owner}: ${file} must be named NNNN_verb_noun.sql`);
      const version = Number(m[1]);
      if (seen.has(version)) throw new AppError('MIGRATION_DUPLICATE', `${owner}: two migrations numbered ${m[1]}`);
      seen.add(version);
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      all.push({ owner, version, name: m[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') });
    }
  }
  return all;
}

async function ensureLedger(q: Queryable) {
  await q.exec(`
    CREATE SCHEMA IF NOT EXISTS platform;
    CREATE TABLE IF NOT EXISTS platform.schema_migration (
      owner text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (owner, version)
    );`);
}

type Applied = { owner: string; version: number; checksum: string };

export async function pendingMigrations(db: Db, sources: MigrationSource[]): Promise<Migration[]> {
  const exists = await db.query<{ ok: boolean }>(`SELECT to_regclass('platform.schema_migration') IS NOT NULL AS ok`);
  const applied = exists[0]?.ok
    ? await db.query<Applied>('SELECT owner, version, checksum FROM platform.schema_migration')
    : [];
  const byKey = new Map(applied.map((a) => [`${a.owner}/${a.version}`, a]));
  const pending: Migration[] = [];
  for (const m of readMigrations(sources)) {
    const a = byKey.get(`${m.owner}/${m.version}`);
    if (!a) pending.push(m);
    else if (a.checksum !== m.checksum) {
      throw new AppError(
        'MIGRATION_CHANGED',
        `Migration ${m.owner}/${String(m.version).padStart(4, '0')}_${m.name}.sql was changed after it was applied. ` +
          'Migrations are forward-only: restore the file and add a new migration instead.',
      );
    }
  }
  return pending;
}

export async function migrate(db: Db, sources: MigrationSource[]): Promise<Migration[]> {
  await db.tx(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await ensureLedger(tx);
  });
  const done: Migration[] = [];
  for (const m of await pendingMigrations(db, sources)) {
    const applied = await db.tx(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const again = await tx.query('SELECT 1 FROM platform.schema_migration WHERE owner = $1 AND version = $2', [
        m.owner,
        m.version,
      ]);
      if (again.length) return false; // another process applied it while we waited
      await tx.exec(m.sql);
      await tx.query(
        'INSERT INTO platform.schema_migration (owner, version, name, checksum) VALUES ($1, $2, $3, $4)',
        [m.owner, m.version, m.name, m.checksum],
      );
      return true;
    });
    if (applied) done.push(m);
  }
  return done;
}
