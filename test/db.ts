import { openPglite, openPostgres, type Db } from '../src/platform/db.ts';
import { migrate, type MigrationSource } from '../src/platform/migrate.ts';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

// Every database test runs on embedded PGlite and, when a server is reachable, on PostgreSQL too.
// Each test database is new (in-memory PGlite, or CREATE DATABASE on the server) and dropped after,
// so runs never see each other's data.

export type Engine = 'pglite' | 'postgres';

const SERVER_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
let serverReachable: Promise<boolean> | undefined;

async function probeServer(): Promise<boolean> {
  if (process.env.YIWANG_TEST_ENGINES === 'pglite') return false;
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    if (process.env.DATABASE_URL) throw new Error(`DATABASE_URL is set but unreachable: ${SERVER_URL}`);
    return false;
  }
}

/** The engines this run tests against: always PGlite, plus PostgreSQL when a server answers. */
export async function engines(): Promise<Engine[]> {
  serverReachable ??= probeServer();
  return (await serverReachable) ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDb {
  db: Db;
  /** Connection URL of the throw-away server database (postgres engine only). */
  url?: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

// A new in-memory PGlite runs initdb, which takes seconds. Tests start from a dump of a freshly
// initialised cluster instead, kept in the temp folder per PGlite version and shared by test files.
let pgliteTemplate: Promise<Blob> | undefined;
async function freshClusterDump(): Promise<Blob> {
  const version = JSON.parse(fs.readFileSync(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')).version;
  const file = path.join(os.tmpdir(), `yiwang-pglite-template-${version}.tar`);
  if (fs.existsSync(file)) return new Blob([fs.readFileSync(file)]);
  const pgl = await PGlite.create();
  const dump = await pgl.dumpDataDir('none');
  await pgl.close();
  const tmp = `${file}.${process.pid}.partial`;
  fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(tmp, file); // atomic: concurrent test files never read half a template
  return dump;
}

export async function createTestDb(engine: Engine, sources: MigrationSource[] = []): Promise<TestDb> {
  if (engine === 'pglite') {
    pgliteTemplate ??= freshClusterDump();
    const db = await openPglite(undefined, { loadDataDir: await pgliteTemplate });
    await migrate(db, sources);
    return { db, drop: () => db.close() };
  }
  const name = `yiwang_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(SERVER_URL, name);
  const db = await openPostgres(url, 5);
  await migrate(db, sources);
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      const a = new pg.Client({ connectionString: SERVER_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
