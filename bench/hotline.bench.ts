// Work order intake through the HTTP API, against a baseline measured in the same run:
//   - concurrent clients (in a worker thread, hotline.load.mjs) POST /api/hotline/orders (agent session, Idempotency-Key, caller phone) to a
//     real listening server for a fixed time; each order writes its idempotency key, the daily number,
//     the order, its event, its hash-chained audit row and its outbox event in one transaction;
//   - pgbench single-row inserts (8 clients) on the same PostgreSQL server;
//   - the ratio orders/s ÷ pgbench tps, and the same order figures on embedded PGlite.
// The app is the whole app: the dispatch module's advisor classifies each new order; the server run
// is repeated without it to show what intake itself costs. No job worker runs meanwhile.
// Run: npm run bench -- hotline   (figures only; nothing is asserted)
// Env: BENCH_SECONDS (10), BENCH_CLIENTS (16), BENCH_POOL (10 server connections), DATABASE_URL.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { buildApp, createPlatform, seedPlatform } from '../src/app.ts';
import { loadConfig } from '../src/platform/config.ts';
import { writeAudit } from '../src/platform/audit.ts';
import { openPglite, openPostgres, type Db } from '../src/platform/db.ts';
import { clearDispatchAdvisor } from '../src/modules/hotline/hotline.reference.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const POOL = Number(process.env.BENCH_POOL ?? 10);
const SERVER_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 2000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function serverAnswers(): Promise<boolean> {
  try {
    await admin(async (c) => c.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}

/** A scratch database on the server, dropped by the returned function. */
async function scratchDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return { url: withDatabase(SERVER_URL, name), drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}) };
}

/** The whole app on `db`, seeded with the reference district and demo accounts, listening on a free port. */
async function startServer(db: Db) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-bench-'));
  const config = { ...loadConfig({ YIWANG_LOG_LEVEL: 'silent' }), dataDir, piiKey: randomBytes(32).toString('base64') };
  const platform = await createPlatform({ config, db });
  await seedPlatform(platform, { demo: true });
  const app = await buildApp(platform);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    platform,
    close: async () => {
      await app.close();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function loginAgent(url: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'agent', password: 'yiwang-demo-2026' }) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** CLIENTS loops (in a worker thread) creating orders for SECONDS; returns orders/s and latency percentiles. */
let runs = 0;
async function createOrders(url: string) {
  const run = ++runs;
  const headers = await loginAgent(url);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const machine0 = machineTicks();
  const worker = new Worker(new URL('./hotline.load.mjs', import.meta.url), { workerData: { url, headers, seconds: SECONDS, clients: CLIENTS, run } });
  const result = await new Promise<{ latencies: number[]; failures: number; firstFailure: string | null }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const machine1 = machineTicks();
  const latencies = result.latencies.sort((a, b) => a - b);
  if (result.firstFailure) console.log(`  first failure: ${result.firstFailure}`);
  return {
    perSec: latencies.length / elapsed,
    count: latencies.length,
    failures: result.failures,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    // Server and load share this process (on two threads): its CPU, and the whole machine's busy share.
    processCpu: (cpu.user + cpu.system) / 1e6 / elapsed,
    machineBusy: machine0 && machine1 ? 1 - (machine1.idle - machine0.idle) / (machine1.total - machine0.total) : NaN,
  };
}

/** Idle and total jiffies of all cores, from /proc/stat (Linux). */
function machineTicks(): { idle: number; total: number } | null {
  try {
    const cols = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: cols[3]! + (cols[4] ?? 0), total: cols.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

function report(label: string, r: Awaited<ReturnType<typeof createOrders>>) {
  console.log(
    `  ${label.padEnd(34)} ${r.perSec.toFixed(0).padStart(6)} orders/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  (${r.count} orders, ${r.failures} failed, ${CLIENTS} clients, ${SECONDS} s; this process ${(r.processCpu * 100).toFixed(0)}% of a core, machine ${(r.machineBusy * 100).toFixed(0)}% busy of ${os.cpus().length} cores)`,
  );
}

/**
 * Empty transactions that write one audit row each, CLIENTS at once: every audited change in the
 * platform waits for the single hash chain's lock until the previous one has committed, so this is
 * the ceiling for orders/s on this server, whatever the hotline does.
 */
async function auditCeiling(url: string): Promise<number> {
  const db = await openPostgres(url, POOL);
  let n = 0;
  const until = performance.now() + (SECONDS / 2) * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        await db.tx((tx) => writeAudit(tx, { actor: { kind: 'system', label: 'bench' }, action: 'bench.audit.write' }));
        n += 1;
      }
    }),
  );
  await db.close();
  const perSec = n / ((performance.now() - started) / 1000);
  console.log(`  ${'audited empty transaction'.padEnd(34)} ${perSec.toFixed(0).padStart(6)} tx/s  (${CLIENTS} clients)`);
  return perSec;
}

/** pgbench: 8 clients, one single-row INSERT per transaction, on a scratch table. */
async function pgbenchTps(): Promise<number | null> {
  const bin = ['/usr/lib/postgresql/15/bin/pgbench', 'pgbench'].find((b) => {
    try {
      execFileSync(b, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!bin) {
    console.log('  pgbench not found: no baseline');
    return null;
  }
  const scratch = await scratchDatabase('yiwang_pgbench');
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-pgbench-')), 'insert.sql');
  try {
    const db = await openPostgres(scratch.url, 1);
    await db.exec('CREATE TABLE bench_insert (id bigserial PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
    await db.close();
    fs.writeFileSync(script, "INSERT INTO bench_insert (body) VALUES ('x');\n");
    const out = execFileSync(bin, ['-n', '-c', '8', '-j', '2', '-T', String(SECONDS), '-f', script, scratch.url], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
    console.log(`  ${'pgbench single-row INSERT, 8 clients'.padEnd(34)} ${tps.toFixed(0).padStart(6)} tps`);
    return tps;
  } finally {
    fs.rmSync(path.dirname(script), { recursive: true, force: true });
    await scratch.drop();
  }
}

if (await serverAnswers()) {
  console.log(`\npostgres (${new URL(SERVER_URL).host}, pool ${POOL})`);
  const scratch = await scratchDatabase('yiwang_bench');
  try {
    const server = await startServer(await openPostgres(scratch.url, POOL));
    let orders;
    let bare;
    try {
      orders = await createOrders(server.url);
      report('POST /api/hotline/orders', orders);
      // The same without the dispatch module's advisor: what intake itself costs.
      clearDispatchAdvisor(server.platform);
      bare = await createOrders(server.url);
      report('  … without the dispatch advisor', bare);
    } finally {
      await server.close();
    }
    const chain = await auditCeiling(scratch.url);
    const tps = await pgbenchTps();
    if (tps) {
      console.log(`  → orders/s ÷ pgbench tps = ${(orders.perSec / tps).toFixed(3)} (target ≥ 0.3); without the advisor ${(bare.perSec / tps).toFixed(3)}`);
      console.log(`  → the audit chain alone ÷ pgbench tps = ${(chain / tps).toFixed(3)}: the ceiling for any audited write`);
    }
  } finally {
    await scratch.drop();
  }
} else {
  console.log(`\npostgres: no server answers at ${new URL(SERVER_URL).host}; skipping the server figures and pgbench`);
}

console.log('\npglite (in-process, in memory)');
const embedded = await startServer(await openPglite());
try {
  report('POST /api/hotline/orders', await createOrders(embedded.url));
} finally {
  await embedded.close();
}
