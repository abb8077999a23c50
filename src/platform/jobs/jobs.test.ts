import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import Type from 'typebox';
import { createTestDb, engines, type TestDb } from '../../../test/db.ts';
import { fixedClock } from '../clock.ts';
import { uuidv7 } from '../ids.ts';
import { platformMigrations } from '../migrations.ts';
import { createJobQueue, defineJob, getJob, listJobs, type Job } from './jobs.ts';
import { createWorker } from './worker.ts';

const Notice = Type.Object({ caseNo: Type.String({ minLength: 1 }), days: Type.Integer({ minimum: 0 }) });

for (const engine of await engines()) {
  describe(`job queue on ${engine}`, () => {
    let t: TestDb;
    let clock: ReturnType<typeof fixedClock>;
    before(async () => {
      t = await createTestDb(engine, [platformMigrations]);
    });
    after(() => t.drop());
    beforeEach(async () => {
      await t.db.exec('DELETE FROM platform.job; DELETE FROM platform.job_schedule;');
      clock = fixedClock('2025-03-03T09:00:00+08:00');
    });

    /** A queue with one job that records what it ran; `fail` decides per attempt whether to throw. */
    function setup(opts: Partial<Parameters<typeof defineJob<typeof Notice>>[0]> & { fail?: (attempt: number) => boolean } = {}) {
      const ran: { caseNo: string; attempt: number }[] = [];
      const job = defineJob({
        name: 'cases.warn-deadline',
        payload: Notice,
        handler: async (p, ctx) => {
          ran.push({ caseNo: p.caseNo, attempt: ctx.attempt });
          if (opts.fail?.(ctx.attempt)) throw new Error(`SMS gateway refused, attempt ${ctx.attempt}`);
        },
        ...opts,
      });
      const queue = createJobQueue({ db: t.db, clock, retention: { doneSeconds: 3600 } }).register(job);
      const worker = createWorker({ queue, concurrency: 4 });
      return { job, queue, worker, ran };
    }

    const jobsNamed = (name: string) => listJobs(t.db, { name, limit: 1000 });

    test('a job enqueued in a rolled-back transaction never exists', async () => {
      const { job, queue, worker, ran } = setup();
      await assert.rejects(
        t.db.tx(async (tx) => {
          await queue.enqueue(tx, job, { caseNo: 'SQ-2025-0001', days: 3 });
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      assert.equal(await worker.runUntilIdle(), 0);
      assert.deepEqual(ran, []);
      assert.deepEqual(await jobsNamed(job.name), []);
    });

    test('a job enqueued with its change runs once and is kept as done', async () => {
      const { job, queue, worker, ran } = setup();
      const id = await t.db.tx((tx) => queue.enqueue(tx, job, { caseNo: 'SQ-2025-0002', days: 3 }));
      await queue.enqueue(t.db, 'cases.warn-deadline', { caseNo: 'SQ-2025-0003', days: 1 });
      assert.equal(await worker.runUntilIdle(), 2);
      assert.deepEqual(ran, [
        { caseNo: 'SQ-2025-0002', attempt: 1 },
        { caseNo: 'SQ-2025-0003', attempt: 1 },
      ]);
      const row = (await getJob(t.db, id!))!;
      assert.equal(row.state, 'done');
      assert.equal(row.attempts, 1);
      assert.deepEqual(row.finishedAt, clock.now());
      assert.equal(await worker.runUntilIdle(), 0);
    });

    test('the payload is checked at enqueue and again before it runs', async () => {
      const { job, queue, worker, ran } = setup();
      await assert.rejects(queue.enqueue(t.db, job, { caseNo: '', days: -1 }), (err: { code?: string; message: string }) => {
        assert.equal(err.code, 'JOB_PAYLOAD_INVALID');
        assert.match(err.message, /caseNo/);
        return true;
      });
      await assert.rejects(queue.enqueue(t.db, 'cases.no-such-job', {}), { code: 'JOB_UNKNOWN' });
      assert.deepEqual(await jobsNamed(job.name), []);

      // A row written before the schema changed: it can never succeed, so it dies without retries.
      const id = uuidv7();
      await t.db.query(
        `INSERT INTO platform.job (id, name, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $4)`,
        [id, job.name, JSON.stringify({ caseNo: 'SQ-1', days: 'three' }), clock.now()],
      );
      assert.equal(await worker.runUntilIdle(), 1);
      assert.deepEqual(ran, []);
      const row = (await getJob(t.db, id))!;
      assert.equal(row.state, 'dead');
      assert.match(row.lastError!, /payload is not valid: \/days/);
    });

    test('a failing job retries with doubling backoff, then is dead with its last error', async () => {
      const { job, queue, worker, ran } = setup({ retry: { limit: 2, backoffSeconds: 10 }, fail: () => true });
      const id = (await queue.enqueue(t.db, job, { caseNo: 'SQ-2025-0004', days: 2 }))!;
      const state = () => getJob(t.db, id) as Promise<Job>;

      assert.equal(await worker.runUntilIdle(), 1);
      let row = await state();
      assert.equal(row.state, 'failed');
      assert.deepEqual(row.runAt, new Date(clock.now().getTime() + 10_000));
      assert.match(row.lastError!, /attempt 1/);

      clock.advance(9_999);
      assert.equal(await worker.runUntilIdle(), 0, 'not before the backoff has passed');
      clock.advance(1);
      assert.equal(await worker.runUntilIdle(), 1);
      row = await state();
      assert.equal(row.state, 'failed');
      assert.deepEqual(row.runAt, new Date(clock.now().getTime() + 20_000), 'the second wait doubles');

      clock.advance(20_000);
      assert.equal(await worker.runUntilIdle(), 1);
      row = await state();
      assert.equal(row.state, 'dead');
      assert.equal(row.attempts, 3);
      assert.match(row.lastError!, /SMS gateway refused, attempt 3/);
      assert.deepEqual(row.finishedAt, clock.now());

      clock.advance(86_400_000);
      assert.equal(await worker.runUntilIdle(), 0);
      assert.deepEqual(ran.map((r) => r.attempt), [1, 2, 3]);
    });

    test('a job that fails once succeeds on its retry', async () => {
      const { job, queue, worker, ran } = setup({ retry: { limit: 3, backoffSeconds: 0 }, fail: (a) => a === 1 });
      const id = (await queue.enqueue(t.db, job, { caseNo: 'SQ-2025-0005', days: 2 }))!;
      assert.equal(await worker.runUntilIdle(), 2, 'no backoff: the retry is due at once');
      const row = (await getJob(t.db, id))!;
      assert.equal(row.state, 'done');
      assert.equal(row.attempts, 2);
      assert.deepEqual(ran.map((r) => r.attempt), [1, 2]);
    });

    test('a singleton key dedupes while a job with it is pending', async () => {
      const { job, queue, worker, ran } = setup();
      const first = await queue.enqueue(t.db, job, { caseNo: 'SQ-7', days: 1 }, { singletonKey: 'SQ-7' });
      assert.ok(first);
      assert.equal(await queue.enqueue(t.db, job, { caseNo: 'SQ-7', days: 2 }, { singletonKey: 'SQ-7' }), null);
      assert.ok(await queue.enqueue(t.db, job, { caseNo: 'SQ-8', days: 1 }, { singletonKey: 'SQ-8' }));
      assert.ok(await queue.enqueue(t.db, job, { caseNo: 'SQ-7', days: 3 }), 'no key: no dedupe');

      // A job defined as a singleton dedupes by name.
      const sweep = defineJob({ name: 'cases.sweep-deadlines', payload: Type.Object({}), singleton: true, handler: async () => {} });
      queue.register(sweep);
      assert.ok(await queue.enqueue(t.db, sweep, {}));
      assert.equal(await queue.enqueue(t.db, sweep, {}), null);

      assert.equal(await worker.runUntilIdle(), 4);
      assert.deepEqual(ran.map((r) => `${r.caseNo}/`), ['SQ-7/', 'SQ-8/', 'SQ-7/']);
      assert.ok(await queue.enqueue(t.db, job, { caseNo: 'SQ-7', days: 4 }, { singletonKey: 'SQ-7' }), 'done jobs no longer block');
    });

    test('a delayed job does not run before it is due', async () => {
      const { job, queue, worker, ran } = setup();
      await queue.enqueue(t.db, job, { caseNo: 'SQ-9', days: 1 }, { delaySeconds: 60 });
      await queue.enqueue(t.db, job, { caseNo: 'SQ-10', days: 1 }, { runAt: new Date(clock.now().getTime() + 3_600_000) });
      assert.equal(await worker.runUntilIdle(), 0);
      clock.advance(59_999);
      assert.equal(await worker.runUntilIdle(), 0);
      clock.advance(1);
      assert.equal(await worker.runUntilIdle(), 1);
      assert.deepEqual(ran.map((r) => r.caseNo), ['SQ-9']);
      clock.advance(3_600_000);
      assert.equal(await worker.runUntilIdle(), 1);
      assert.deepEqual(ran.map((r) => r.caseNo), ['SQ-9', 'SQ-10']);
    });

    test('higher priority runs first', async () => {
      const { job, queue, worker, ran } = setup();
      await queue.enqueue(t.db, job, { caseNo: 'low', days: 1 });
      await queue.enqueue(t.db, job, { caseNo: 'high', days: 1 }, { priority: 10 });
      await worker.runUntilIdle();
      assert.deepEqual(ran.map((r) => r.caseNo), ['high', 'low']);
    });

    test('a running job whose worker died is claimed again after its lock expires', async () => {
      const { job, queue, worker, ran } = setup({ timeoutSeconds: 60 });
      const id = (await queue.enqueue(t.db, job, { caseNo: 'SQ-11', days: 1 }))!;
      const [stale] = await queue.claim(1, 'host-that-died');
      assert.equal(stale?.id, id);
      assert.equal((await getJob(t.db, id))!.lockedBy, 'host-that-died');

      clock.advance(89_999); // the lock holds for the timeout plus a grace period of 30 s
      assert.equal(await worker.runUntilIdle(), 0);
      clock.advance(1);
      assert.equal(await worker.runUntilIdle(), 1);
      let row = (await getJob(t.db, id))!;
      assert.equal(row.state, 'done');
      assert.equal(row.attempts, 2);
      assert.match(row.lastError!, /lock expired/);

      // The first worker comes back late: its result must not overwrite the second run's.
      assert.equal(await queue.runJob(stale!), 'lost');
      row = (await getJob(t.db, id))!;
      assert.equal(row.state, 'done');
      assert.equal(row.attempts, 2);
      assert.equal(ran.length, 2);
    });

    test('a job whose worker keeps dying is dead once its attempts are used up', async () => {
      const { job, queue, worker, ran } = setup({ timeoutSeconds: 10, retry: { limit: 0, backoffSeconds: 0 } });
      const id = (await queue.enqueue(t.db, job, { caseNo: 'SQ-12', days: 1 }))!;
      await queue.claim(1, 'host-that-died');
      clock.advance(41_000);
      assert.equal(await worker.runUntilIdle(), 1);
      const row = (await getJob(t.db, id))!;
      assert.equal(row.state, 'dead');
      assert.match(row.lastError!, /lock expired/);
      assert.deepEqual(ran, []);
    });

    test('a handler past its timeout fails and its signal is aborted', async () => {
      let isAborted = false;
      const job = defineJob({
        name: 'cases.fetch-register',
        payload: Type.Object({}),
        timeoutSeconds: 0.05,
        retry: { limit: 0 },
        handler: (_p, ctx) =>
          new Promise<void>((resolve) =>
            ctx.signal.addEventListener('abort', () => {
              isAborted = true;
              resolve();
            }),
          ),
      });
      const queue = createJobQueue({ db: t.db, clock }).register(job);
      const id = (await queue.enqueue(t.db, job, {}))!;
      assert.equal(await createWorker({ queue }).runUntilIdle(), 1);
      assert.equal(isAborted, true);
      const row = (await getJob(t.db, id))!;
      assert.equal(row.state, 'dead');
      assert.match(row.lastError!, /timed out after 0.05 s/);
    });

    test('housekeeping deletes done jobs after their retention and keeps the rest', async () => {
      const { job, queue, worker } = setup({ retry: { limit: 0 }, fail: () => true });
      await queue.enqueue(t.db, job, { caseNo: 'SQ-13', days: 1 });
      await worker.runUntilIdle(); // dead
      const ok = defineJob({ name: 'cases.send-receipt', payload: Type.Object({}), handler: async () => {} });
      queue.register(ok);
      await queue.enqueue(t.db, ok, {});
      await queue.enqueue(t.db, ok, {}, { delaySeconds: 7200 });
      await worker.runUntilIdle();

      assert.deepEqual(await queue.housekeep(), { done: 0, dead: 0, outbox: 0 });
      clock.advance(3_600_001);
      assert.deepEqual(await queue.housekeep(), { done: 1, dead: 0, outbox: 0 });
      const left = await listJobs(t.db);
      assert.deepEqual(left.map((j) => j.state).sort(), ['dead', 'pending']);
    });

    test('definitions are checked when they are made and registered', () => {
      assert.throws(() => defineJob({ name: 'NoModule', payload: Type.Object({}), handler: async () => {} }), {
        code: 'JOB_DEFINITION_INVALID',
      });
      const a = defineJob({ name: 'cases.a', payload: Type.Object({}), handler: async () => {} });
      const b = defineJob({ name: 'cases.a', payload: Type.Object({}), handler: async () => {} });
      const queue = createJobQueue({ db: t.db }).register(a).register(a);
      assert.throws(() => queue.register(b), { code: 'JOB_ALREADY_REGISTERED' });
    });
  });
}
