// Platform costs, each against a baseline measured in the same run on the same engine:
//   - an audited write (change + hash-chained audit row + outbox event) vs the bare change;
//   - an authenticated request (session lookup + grants) vs /healthz;
//   - a deadline computation on the working-day calendar.
// Run: npm run bench -- platform   (figures only; nothing is asserted)
import { engines } from '../test/db.ts';
import { buildTestApp, login } from '../test/app.ts';
import { writeAudit } from '../src/platform/audit.ts';
import { emit } from '../src/platform/jobs/outbox.ts';
import { uuidv7 } from '../src/platform/ids.ts';

const N = Number(process.env.BENCH_N ?? 1000);

async function timed(label: string, n: number, fn: (i: number) => Promise<unknown>, concurrency = 1) {
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
  const ms = performance.now() - start;
  const perSec = (n / ms) * 1000;
  console.log(`  ${label.padEnd(46)} ${perSec.toFixed(0).padStart(7)} ops/s  ${(ms / n).toFixed(3)} ms/op`);
  return perSec;
}

for (const engine of await engines()) {
  const t = await buildTestApp(engine);
  const db = t.platform.db;
  await db.exec('CREATE TABLE IF NOT EXISTS platform.bench_row (id uuid PRIMARY KEY, body text NOT NULL)');
  console.log(`\n${engine} (N = ${N})`);

  const bare = await timed('bare insert in a transaction', N, () =>
    db.tx((tx) => tx.query('INSERT INTO platform.bench_row VALUES ($1, $2)', [uuidv7(), 'x'])),
  );
  const audited = await timed('insert + audit row + outbox event', N, () =>
    db.tx(async (tx) => {
      const id = uuidv7();
      await tx.query('INSERT INTO platform.bench_row VALUES ($1, $2)', [id, 'x']);
      await writeAudit(tx, { actor: { kind: 'system', label: 'bench' }, action: 'bench.row.create', objectType: 'bench_row', objectId: id });
      await emit(tx, { topic: 'bench.row.created', key: id, payload: { id } });
    }),
  );
  console.log(`  → audited write costs ${(bare / audited).toFixed(2)}× a bare write`);
  if (engine === 'postgres') {
    const bare8 = await timed('bare insert, 8 concurrent', N, () => db.tx((tx) => tx.query('INSERT INTO platform.bench_row VALUES ($1, $2)', [uuidv7(), 'x'])), 8);
    const audited8 = await timed('audited insert, 8 concurrent (chains picked at random)', N, () =>
      db.tx(async (tx) => {
        const id = uuidv7();
        await tx.query('INSERT INTO platform.bench_row VALUES ($1, $2)', [id, 'x']);
        await writeAudit(tx, { actor: { kind: 'system' }, action: 'bench.row.create', objectId: id });
      }), 8);
    console.log(`  → with 8 writers an audited write costs ${(bare8 / audited8).toFixed(2)}× bare`);
  }

  const health = await timed('GET /healthz (inject)', N, () => t.app.inject('/healthz'));
  const admin = await login(t.app, 'admin');
  const withSession = await timed('GET /healthz with a session cookie (inject)', N, () => t.app.inject({ url: '/healthz', headers: admin.cookieOnly }));
  console.log(`  → resolving the caller costs ${(health / withSession).toFixed(2)}× a bare request`);
  await timed('GET /api/auth/me (caller + account + grants)', N, () => t.app.inject({ url: '/api/auth/me', headers: admin.cookieOnly }));

  const cal = t.platform.calendar;
  await timed('calendar addWorkingDays(+20)', N, (i) => cal.addWorkingDays(`2026-0${1 + (i % 9)}-1${i % 10}`, 20));
  const snap = await cal.snapshot(2025, 2026);
  await timed('calendar snapshot addWorkingDays(+20)', N * 10, async (i) => snap.addWorkingDays(`2026-0${1 + (i % 9)}-1${i % 10}`, 20));
  await t.close();
}
