import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import Type from 'typebox';
import { createTestDb, engines, type TestDb } from '../../../test/db.ts';
import { fixedClock } from '../clock.ts';
import { openPostgres, type Db } from '../db.ts';
import { platformMigrations } from '../migrations.ts';
import { countJobs, createJobQueue, defineJob, listJobs, type JobDefinition, type JobQueue } from './jobs.ts';
import { createWorker } from './worker.ts';

/** Polls until `check` holds; fails with `what` after `ms`. */
async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

for (const engine of await engines()) {
  describe(`worker on ${engine}`, () => {
    let t: TestDb;
    // A second connection pool stands for a second process on the server; PGlite has one connection.
    let other: Db;
    let clock: ReturnType<typeof fixedClock>;
    before(async () => {
      t = await createTestDb(engine, [platformMigrations]);
      other = engine === 'postgres' ? await openPostgres(t.url!, 5) : t.db;
    });
    after(async () => {
      if (other !== t.db) await other.close();
      await t.drop();
    });
    beforeEach(async () => {
      await t.db.exec('DELETE FROM platform.job; DELETE FROM platform.job_schedule;');
      clock = fixedClock('2025-03-03T09:00:00+08:00');
    });

    test('a schedule enqueues once per period, even with two workers running', async () => {
      const runs: string[] = [];
      const sweep = defineJob({
        name: 'supervision.sweep-deadlines',
        payload: Type.Object({ scope: Type.String() }),
        handler: async (p, ctx) => {
          runs.push(`${p.scope}@${ctx.clock.now().toISOString()}`);
        },
      });
      const queues = [t.db, other].map((db) => createJobQueue({ db, clock }).schedule(sweep, 60, { scope: 'district' }));
      const workers = queues.map((queue) => createWorker({ queue, pollMs: 2, concurrency: 2 }));
      workers.forEach((w) => w.start());
      try {
        for (let period = 1; period <= 3; period++) {
          await waitFor(`run ${period}`, () => runs.length >= period);
          await delay(100); // both workers keep ticking while the period lasts
          assert.equal(runs.length, period);
          if (period < 3) clock.advance(60_000);
        }
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      assert.deepEqual(runs, [
        'district@2025-03-03T01:00:00.000Z',
        'district@2025-03-03T01:01:00.000Z',
        'district@2025-03-03T01:02:00.000Z',
      ]);

      // Many ticks at the same instant, from both connections at once, still enqueue one job;
      // ten missed periods are caught up with one run, not ten.
      clock.advance(660_000); // 01:13, ten periods after the last run at 01:02
      const enqueued = await Promise.all(Array.from({ length: 12 }, (_, i) => queues[i % 2]!.runSchedules()));
      assert.equal(enqueued.reduce((a, b) => a + b, 0), 1);
      const pending = await listJobs(t.db, { name: sweep.name, state: 'pending' });
      assert.equal(pending.length, 1);
      const [row] = await t.db.query<{ next: Date }>(`SELECT next_run_at AS next FROM platform.job_schedule`);
      assert.deepEqual(row!.next, new Date('2025-03-03T01:14:00.000Z'));
    });

    test('two workers never run the same job twice', async () => {
      const seen = new Map<number, number>();
      const byQueue = new Map<JobQueue, number>();
      const notify = defineJob({
        name: 'hotline.send-callback',
        payload: Type.Object({ n: Type.Integer() }),
        handler: async (p, ctx) => {
          seen.set(p.n, (seen.get(p.n) ?? 0) + 1);
          byQueue.set(ctx.queue, (byQueue.get(ctx.queue) ?? 0) + 1);
          await delay(1);
        },
      });
      const queues = [t.db, other].map((db) => createJobQueue({ db, clock }).register(notify));
      const total = 300;
      await t.db.tx(async (tx) => {
        for (let n = 0; n < total; n++) await queues[0]!.enqueue(tx, notify, { n });
      });

      // Claims racing from both connections never hand out one job twice.
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => queues[i % 2]!.claim(7, `w${i}`)));
      const claimed = claims.flat().map((j) => j.id);
      assert.equal(claimed.length, 70);
      assert.equal(new Set(claimed).size, 70);
      await t.db.query(`UPDATE platform.job SET state = 'pending', attempts = 0 WHERE state = 'running'`);

      const workers = queues.map((queue) => createWorker({ queue, pollMs: 2, concurrency: 4 }));
      workers.forEach((w) => w.start());
      try {
        await waitFor('all jobs done', async () => {
          const counts = await countJobs(t.db);
          return counts.length === 1 && counts[0]!.state === 'done' && counts[0]!.count === total;
        });
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      assert.equal(seen.size, total);
      assert.deepEqual([...seen.values()].filter((c) => c !== 1), [], 'each job ran exactly once');
      if (engine === 'postgres') assert.equal(byQueue.size, 2, 'both workers took a share');
    });

    test('stop() stops claiming and waits for running handlers', async () => {
      let isFinished = false;
      let hasStarted = false;
      const slow = defineJob({
        name: 'licences.render-pdf',
        payload: Type.Object({}),
        handler: async () => {
          hasStarted = true;
          await delay(150);
          isFinished = true;
        },
      });
      const queue = createJobQueue({ db: t.db, clock }).register(slow);
      const worker = createWorker({ queue, pollMs: 2, concurrency: 1 });
      await queue.enqueue(t.db, slow, {});
      await queue.enqueue(t.db, slow, {});
      worker.start();
      await waitFor('the first job to start', () => hasStarted);
      await worker.stop();
      assert.equal(isFinished, true);
      assert.equal(worker.isRunning, false);
      const states = (await listJobs(t.db)).map((j) => j.state).sort();
      assert.deepEqual(states, ['done', 'pending'], 'the second job was not claimed');
    });

    test('stop() gives up after its timeout and aborts the handlers still running', async () => {
      let reason: unknown;
      const stuck = defineJob({
        name: 'datashare.pull-register',
        payload: Type.Object({}),
        retry: { limit: 0 },
        handler: (_p, ctx) =>
          new Promise<void>((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              reject(ctx.signal.reason);
            }),
          ),
      });
      const queue = createJobQueue({ db: t.db, clock }).register(stuck);
      const worker = createWorker({ queue, pollMs: 2, stopTimeoutMs: 50 });
      await queue.enqueue(t.db, stuck, {});
      worker.start();
      await waitFor('the job to be claimed', async () => (await listJobs(t.db, { state: 'running' })).length === 1);
      await worker.stop();
      assert.match(String(reason), /worker stopped/);
      await waitFor('the aborted run to be recorded', async () => (await listJobs(t.db, { state: 'dead' })).length === 1);
    });

    test('runUntilIdle refuses to loop for ever', async () => {
      const Empty = Type.Object({});
      const again: JobDefinition<typeof Empty> = defineJob({
        name: 'cases.repeat-itself',
        payload: Empty,
        handler: async (_p, ctx) => {
          await ctx.queue.enqueue(ctx.db, again, {});
        },
      });
      const queue = createJobQueue({ db: t.db, clock }).register(again);
      await queue.enqueue(t.db, again, {});
      await assert.rejects(createWorker({ queue }).runUntilIdle({ maxRounds: 5 }), { code: 'WORKER_NOT_IDLE' });
    });
  });
}
