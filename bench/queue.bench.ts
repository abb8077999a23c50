// The hall queue under concurrent load on the PostgreSQL server: issuing tickets, calling the next
// ticket from several windows at once, and both together. Prints operations per second and
// latency percentiles, then checks the ledger: no ticket called twice, and within every number
// range and day no number issued twice or skipped. Figures only; nothing is timed as a test.
// Run: npm run bench -- queue   (BENCH_N tickets, default 2000; BENCH_CONCURRENCY, default 5)
import { engines } from '../test/db.ts';
import { buildTestApp, login } from '../test/app.ts';
import { fixedClock } from '../src/platform/clock.ts';
import type { Ctx } from '../src/modules/queue/halls.service.ts';
import { callNext, issueTicket, openWindow, skipTicket } from '../src/modules/queue/tickets.service.ts';

const N = Number(process.env.BENCH_N ?? 2000);
// The test database pool holds 5 connections; more workers would only queue for one.
const C = Number(process.env.BENCH_CONCURRENCY ?? 5);

if (!(await engines()).includes('postgres')) {
  console.log('queue bench skipped: no PostgreSQL server (set DATABASE_URL or run one on 127.0.0.1:5432)');
  process.exit(0);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function run(label: string, workers: number, next: (worker: number) => Promise<boolean>) {
  const lat: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (;;) {
        const t0 = performance.now();
        const more = await next(w);
        if (!more) return;
        lat.push(performance.now() - t0);
      }
    }),
  );
  const ms = performance.now() - start;
  lat.sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(44)} ${String(lat.length).padStart(5)} ops  ${((lat.length / ms) * 1000).toFixed(0).padStart(5)} ops/s  ` +
      `p50 ${pct(lat, 50).toFixed(1)} ms  p99 ${pct(lat, 99).toFixed(1)} ms  max ${pct(lat, 100).toFixed(1)} ms`,
  );
}

// Wednesday 18 November 2026, 10:00 in China: a working day, the hall open.
const clock = fixedClock('2026-11-18T02:00:00Z');
const t = await buildTestApp('postgres', { clock });
const { platform } = t;
const hallId = (await t.app.inject('/api/queue/halls')).json().items[0].id as string;
const hall = (await t.app.inject(`/api/queue/halls/${hallId}`)).json();
const serviceIds = ['enquiry', 'social', 'residence', 'business'].map((code) => hall.services.find((s: { code: string }) => s.code === code).id as string);
const windowIds = [1, 2, 3, 4, 6].map((n) => hall.windows.find((w: { number: number }) => w.number === n).id as string);

// One clerk per window.
const admin = await login(t.app, 'admin');
const clerks: Ctx[] = [];
for (let i = 0; i < windowIds.length; i++) {
  const res = await t.app.inject({ method: 'POST', url: '/api/org/accounts', headers: admin.headers, payload: { username: `bench${i}`, displayName: `窗口 ${i + 1}`, password: 'yiwang-demo-2026', grants: [{ role: 'window_clerk', unitCode: 'YX-ZSJ' }] } });
  clerks.push({ actor: { kind: 'user', id: res.json().id, label: `窗口 ${i + 1}` } });
}
for (let i = 0; i < windowIds.length; i++) await openWindow(platform, windowIds[i]!, clerks[i]!);

const kioskCtx: Ctx = { actor: { kind: 'anonymous' } };
const called = new Map<string, number>();
let issued = 0;
let toIssue = N;
const issueOne = async () => {
  if (issued >= toIssue) return false;
  const i = issued++;
  await issueTicket(platform, { hallId, serviceId: serviceIds[i % serviceIds.length]!, channel: 'kiosk' }, kioskCtx);
  return true;
};
const callOne = (stopWhenEmpty: () => boolean) => async (w: number) => {
  for (;;) {
    const ticket = await callNext(platform, windowIds[w]!, clerks[w]!);
    if (ticket) {
      called.set(ticket.id, (called.get(ticket.id) ?? 0) + 1);
      await skipTicket(platform, ticket.id, clerks[w]!);
      return true;
    }
    if (stopWhenEmpty()) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
};

console.log(`\npostgres: ${N} tickets over ${serviceIds.length} services, ${C} concurrent kiosks, ${windowIds.length} windows (each op audited)`);
await run(`issue ticket (${C} concurrent)`, C, issueOne);
await run(`call next + skip (${windowIds.length} windows)`, windowIds.length, callOne(() => true));

// Both at once: kiosks keep issuing while the windows call.
// Half as many: the four ranges hold 799 numbers a day each.
issued = 0;
toIssue = Math.floor(N / 2);
const target = toIssue;
const before = called.size;
let issuing = true;
await Promise.all([
  run(`mixed: issue (${C} concurrent)`, C, issueOne).then(() => void (issuing = false)),
  run(`mixed: call next + skip (${windowIds.length} windows)`, windowIds.length, callOne(() => !issuing)),
]);
console.log(`  mixed phase called ${called.size - before} of ${target} tickets`);

// The proof: every ticket called at most once, and every range dense: first..last, no repeats.
const twice = [...called.values()].filter((n) => n > 1).length;
const ranges = await platform.db.query<{ prefix: string; day: string; first_number: number; last_number: number; tickets: number; distinct_numbers: number; min: number; max: number }>(
  `SELECT r.prefix, c.day, r.first_number, c.last_number, count(t.id)::int AS tickets, count(DISTINCT t.number)::int AS distinct_numbers,
          min(t.number) AS min, max(t.number) AS max
     FROM queue.number_counter c JOIN queue.number_range r ON r.id = c.range_id
     LEFT JOIN queue.ticket t ON t.range_id = c.range_id AND t.day = c.day
    GROUP BY r.prefix, c.day, r.first_number, c.last_number ORDER BY r.prefix`,
);
let isDense = true;
for (const r of ranges) {
  const expected = r.last_number - r.first_number + 1;
  const ok = r.tickets === expected && r.distinct_numbers === expected && r.min === r.first_number && r.max === r.last_number;
  isDense &&= ok;
  console.log(`  range ${r.prefix} ${r.day}: ${r.tickets} tickets, numbers ${r.min}..${r.max} of ${r.first_number}..${r.last_number}  ${ok ? 'dense, no repeats' : 'BROKEN'}`);
}
const doubleCalls = await platform.db.query(`SELECT ticket_id FROM queue.ticket_period WHERE state = 'called' GROUP BY ticket_id HAVING count(*) > 1`);
console.log(`  tickets called twice: ${twice} (ledger: ${doubleCalls.length}); ranges dense without repeats: ${isDense ? 'yes' : 'NO'}`);
await t.close();
if (twice || doubleCalls.length || !isDense) process.exitCode = 1;
