import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createTestDb, engines, type TestDb } from '../../../test/db.ts';
import { writeAudit } from '../audit.ts';
import { fixedClock } from '../clock.ts';
import { platformMigrations } from '../migrations.ts';
import { createJobQueue, listJobs } from './jobs.ts';
import { countOutbox, emit, listOutbox, topicMatcher, type OutboxEvent } from './outbox.ts';
import { createWorker } from './worker.ts';

describe('topic patterns', () => {
  test('* stands for one or more whole segments', () => {
    const m = (p: string, topic: string) => topicMatcher(p).test(topic);
    assert.equal(m('hotline.*', 'hotline.work_order.dispatched'), true);
    assert.equal(m('hotline.*', 'hotline.created'), true);
    assert.equal(m('hotline.*', 'hotlines.work_order.dispatched'), false);
    assert.equal(m('hotline.*', 'hotline'), false);
    assert.equal(m('*.work_order.dispatched', 'hotline.work_order.dispatched'), true);
    assert.equal(m('hotline.work_order.dispatched', 'hotline.work_order.dispatched'), true);
    assert.equal(m('hotline.work_order.dispatched', 'hotline.work_order.dispatched_late'), false);
    assert.throws(() => topicMatcher('hotline.wo*'), { code: 'OUTBOX_PATTERN_INVALID' });
  });
});

for (const engine of await engines()) {
  describe(`outbox on ${engine}`, () => {
    let t: TestDb;
    let clock: ReturnType<typeof fixedClock>;
    before(async () => {
      t = await createTestDb(engine, [platformMigrations]);
    });
    after(() => t.drop());
    beforeEach(async () => {
      await t.db.exec('DELETE FROM platform.job; DELETE FROM platform.outbox;');
      clock = fixedClock('2025-03-03T09:00:00+08:00');
    });

    /** A queue with three subscribers that record what they receive. */
    function setup(opts: { failNotify?: (attempt: number) => boolean } = {}) {
      const got: Record<string, OutboxEvent[]> = { notify: [], stats: [], cases: [] };
      const queue = createJobQueue({ db: t.db, clock })
        .subscribe('hotline.work_order.dispatched', 'hotline.notify-unit', async (e, ctx) => {
          got.notify!.push(e);
          if (opts.failNotify?.(ctx.attempt)) throw new Error('SMS gateway down');
        }, { retry: { limit: 3, backoffSeconds: 5 } })
        .subscribe('hotline.*', 'supervision.count-orders', async (e) => {
          got.stats!.push(e);
        })
        .subscribe('cases.*', 'supervision.count-cases', async (e) => {
          got.cases!.push(e);
        });
      return { queue, worker: createWorker({ queue }), got };
    }

    /** One service call: the change, its audit row and its event in one transaction. */
    const dispatchOrder = (orderNo: string, fail = false) =>
      t.db.tx(async (tx) => {
        await writeAudit(tx, { actor: { kind: 'system' }, action: 'hotline.work_order.dispatch', objectId: orderNo });
        await emit(tx, {
          topic: 'hotline.work_order.dispatched',
          key: orderNo,
          payload: { orderNo, unit: '区城管局' },
          at: clock.now(),
        });
        if (fail) throw new Error('dispatch rule missing');
      });

    test('an event from a committed transaction reaches each matching subscriber once', async () => {
      const { worker, got } = setup();
      await dispatchOrder('12345-20250303-0001');
      assert.deepEqual(await countOutbox(t.db), { unrelayed: 1, relayed: 0, oldestUnrelayedAt: clock.now() });

      assert.equal(await worker.runUntilIdle(), 2);
      assert.equal(got.notify!.length, 1);
      assert.equal(got.stats!.length, 1);
      assert.equal(got.cases!.length, 0);
      const e = got.notify![0]!;
      assert.equal(e.topic, 'hotline.work_order.dispatched');
      assert.equal(e.key, '12345-20250303-0001');
      assert.deepEqual(e.payload, { orderNo: '12345-20250303-0001', unit: '区城管局' });
      assert.ok(e.createdAt instanceof Date);

      const [row] = await listOutbox(t.db);
      assert.deepEqual(row!.relayedAt, clock.now());
      assert.equal(row!.deliveries, 2);
      assert.deepEqual(await countOutbox(t.db), { unrelayed: 0, relayed: 1, oldestUnrelayedAt: null });

      assert.equal(await worker.runUntilIdle(), 0, 'nothing is delivered twice');
    });

    test('an event from a rolled-back transaction reaches no one', async () => {
      const { worker, got } = setup();
      await assert.rejects(dispatchOrder('12345-20250303-0002', true), /dispatch rule missing/);
      assert.equal(await worker.runUntilIdle(), 0);
      assert.deepEqual(got, { notify: [], stats: [], cases: [] });
      assert.deepEqual(await listOutbox(t.db), []);
    });

    test('a failing subscriber retries on its own without re-running the others', async () => {
      const { worker, got } = setup({ failNotify: (attempt) => attempt === 1 });
      await dispatchOrder('12345-20250303-0003');
      assert.equal(await worker.runUntilIdle(), 2);
      assert.equal(got.notify!.length, 1);
      assert.equal(got.stats!.length, 1);
      const [failed] = await listJobs(t.db, { name: 'outbox:hotline.notify-unit' });
      assert.equal(failed!.state, 'failed');

      clock.advance(5_000);
      assert.equal(await worker.runUntilIdle(), 1);
      assert.equal(got.notify!.length, 2);
      assert.equal(got.stats!.length, 1);
      const states = (await listJobs(t.db)).map((j) => `${j.name}:${j.state}`).sort();
      assert.deepEqual(states, ['outbox:hotline.notify-unit:done', 'outbox:supervision.count-orders:done']);
    });

    test('events are delivered in the order they were written', async () => {
      const { worker, got } = setup();
      for (const n of ['0004', '0005', '0006']) await dispatchOrder(`12345-20250303-${n}`);
      await worker.runUntilIdle();
      assert.deepEqual(got.stats!.map((e) => e.key), ['12345-20250303-0004', '12345-20250303-0005', '12345-20250303-0006']);
    });

    test('relaying an event again creates no second delivery', async () => {
      const { queue, worker, got } = setup();
      await dispatchOrder('12345-20250303-0007');
      assert.equal(await queue.relay(), 1);
      await t.db.query('UPDATE platform.outbox SET relayed_at = NULL');
      assert.equal(await queue.relay(), 1);
      assert.equal((await listJobs(t.db)).length, 2);
      await worker.runUntilIdle();
      assert.equal(got.notify!.length, 1);
    });

    test('a process with no subscribers leaves events for the relay that has them', async () => {
      const bare = createJobQueue({ db: t.db, clock });
      await dispatchOrder('12345-20250303-0008');
      assert.equal(await bare.relay(), 0);
      assert.equal((await countOutbox(t.db)).unrelayed, 1);
    });

    test('bad topics and payloads are refused', async () => {
      await assert.rejects(
        t.db.tx((tx) => emit(tx, { topic: 'WorkOrderDispatched', payload: {} })),
        { code: 'OUTBOX_TOPIC_INVALID' },
      );
      await assert.rejects(
        t.db.tx((tx) => emit(tx, { topic: 'hotline.work_order.dispatched', payload: [1] })),
        { code: 'OUTBOX_PAYLOAD_INVALID' },
      );
    });

    test('housekeeping deletes relayed events after their retention', async () => {
      const { worker } = setup();
      const queue = createJobQueue({ db: t.db, clock, retention: { outboxSeconds: 60 } });
      await dispatchOrder('12345-20250303-0009');
      await worker.runUntilIdle();
      await t.db.tx((tx) => emit(tx, { topic: 'cases.case.accepted', payload: {}, at: clock.now() })); // not relayed
      clock.advance(61_000);
      assert.equal((await queue.housekeep()).outbox, 1);
      assert.deepEqual(await countOutbox(t.db), { unrelayed: 1, relayed: 0, oldestUnrelayedAt: new Date('2025-03-03T01:00:00Z') });
    });
  });
}
