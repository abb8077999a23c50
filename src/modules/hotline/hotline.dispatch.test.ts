import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { createPlatform } from '../../app.ts';
import { fixedClock } from '../../platform/clock.ts';
import { createWorker } from '../../platform/jobs/worker.ts';
import { clearDispatchAdvisor } from './hotline.reference.ts';
import { createWorkOrder, getWorkOrder, getWorkOrderForLearning, registerDispatchAdvisor, type DispatchAdvisor } from './index.ts';

// The dispatch plug-in point and the jobs: an advisor's suggestions are stored and corrections
// recorded for the learner; a sure suggestion dispatches from the outbox, also after a crash; the
// deadline job warns and marks on the working-day calendar across National Day 2026.

type Who = Awaited<ReturnType<typeof login>>;
const local = (s: string) => `${s}+08:00`;

/** A stand-in for the dispatch module: sure about blocked drains, unsure about noise. */
const advisor: DispatchAdvisor = {
  async suggest({ text }) {
    if (text.includes('井盖')) {
      return { units: [{ unitCode: 'YX-SWJ', score: 0.93, explanation: ['派单目录：井盖冒污水、排水管堵塞 → 区水务局'] }], streetCode: 'YX-YXJD', autoDispatch: true };
    }
    if (text.includes('噪声')) {
      return { units: [{ unitCode: 'YX-GAJ', score: 0.6, explanation: ['社会生活噪声'] }, { unitCode: 'YX-ZJJ', score: 0.3, explanation: ['施工噪声'] }], streetCode: null, autoDispatch: false };
    }
    return { units: [], streetCode: null, autoDispatch: false };
  },
};

for (const engine of await engines()) {
  describe(`hotline dispatch advisor and jobs (${engine})`, () => {
    let t: TestApp;
    const clock = fixedClock(local('2026-09-30T10:00:00')); // Wednesday before National Day
    const who: Record<string, Who> = {};
    const send = async (name: string, method: 'GET' | 'POST', url: string, payload?: object) => {
      const go = () => t.app.inject({ method, url, payload, headers: method === 'GET' ? who[name]!.cookieOnly : who[name]!.headers });
      let res = await go();
      if (res.statusCode === 401) {
        who[name] = await login(t.app, name);
        res = await go();
      }
      return res;
    };
    const act = async (name: string, id: string, action: string, payload?: object) => {
      const res = await send(name, 'POST', `/api/hotline/orders/${id}/${action}`, payload);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const intake = async (payload: object) => {
      const res = await send('agent', 'POST', '/api/hotline/orders', payload);
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    };
    const web = async (description: string) =>
      createWorkOrder(t.platform, { channel: 'web', kind: 'request', categoryCode: '2101', description, address: '云溪一横路', caller: { phone: '13733334444' } }, { actor: { kind: 'anonymous' } });
    const runJobs = () => createWorker({ queue: t.platform.jobs }).runUntilIdle();
    const eventTypes = async (id: string) => (await getWorkOrder(t.platform, id))!.events.map((e) => e.type);

    before(async () => {
      t = await buildTestApp(engine, { clock });
      clearDispatchAdvisor(t.platform); // the dispatch module's model is not under test here
      for (const name of ['agent', 'admin', 'supervisor']) who[name] = await login(t.app, name);
    });
    after(() => t.close());

    test('deadline warnings and marks come from the scheduled job, across the National Day holiday', async () => {
      const id = await intake({ kind: 'request', categoryCode: '2102', description: '桂香路暴雨后积水严重，车辆无法通行', address: '桂香路' });
      const o = await act('agent', id, 'dispatch', { leadUnitCode: 'YX-SWJ' });
      assert.equal(o.signDueAt, new Date(local('2026-09-30T23:59:59.999')).toISOString());
      assert.equal(o.finishDueOn, '2026-10-09', '2 working days: 09-30 not counted, the holiday skipped, 10-08 and 10-09');
      await runJobs();
      assert.deepEqual(await eventTypes(id), ['created', 'dispatched']);

      clock.set(local('2026-09-30T16:30:00'));
      await runJobs();
      assert.deepEqual((await eventTypes(id)).slice(2), ['sign_warned']);
      clock.set(local('2026-10-01T00:30:00'));
      await runJobs();
      await runJobs();
      assert.deepEqual((await eventTypes(id)).slice(2), ['sign_warned', 'sign_overdue'], 'each signal once');
      const topics = await t.platform.db.query<{ topic: string }>(`SELECT topic FROM platform.outbox WHERE key = $1 ORDER BY id`, [id]);
      assert.ok(topics.some((r) => r.topic === 'hotline.work_order.sign_overdue'));

      clock.set(local('2026-10-05T10:00:00'));
      await act('admin', id, 'sign');
      clock.set(local('2026-10-07T20:00:00')); // still the holiday: no finish warning yet
      await runJobs();
      assert.deepEqual((await eventTypes(id)).slice(5), []);
      clock.set(local('2026-10-08T09:00:00'));
      await runJobs();
      assert.deepEqual((await eventTypes(id)).slice(5), ['finish_warned']);
      const inbox = await send('admin', 'GET', '/api/hotline/inbox');
      assert.equal(inbox.json().items.find((i: { id: string }) => i.id === id).badges.finish, 'warning');
      clock.set(local('2026-10-10T00:30:00'));
      await runJobs();
      assert.deepEqual((await eventTypes(id)).slice(5), ['finish_warned', 'finish_overdue']);
      // Overdue: supervision needs no urging first.
      const supervised = await act('supervisor', id, 'supervise', { level: 1, note: '超期督办' });
      assert.equal(supervised.supervisionLevel, 1);
      assert.equal(supervised.badges.finish, 'overdue');
    });

    test('without an advisor there is no suggestion and nothing dispatches itself', async () => {
      clock.set(local('2026-11-23T09:00:00'));
      const r = await web('云溪一横路井盖往外冒污水');
      await runJobs();
      const o = await getWorkOrder(t.platform, r.id);
      assert.equal(o?.status, 'created');
      assert.equal(o?.suggestion, null);
    });

    test("a sure suggestion dispatches a citizen's order from the outbox, as the system", async () => {
      registerDispatchAdvisor(t.platform, advisor);
      const r = await web('云溪一横路井盖往外冒污水，很臭');
      let o = await getWorkOrder(t.platform, r.id);
      assert.equal(o?.status, 'created', 'accepted first, dispatched by a job');
      assert.equal(o?.suggestion?.units[0]?.unitCode, 'YX-SWJ');
      assert.equal(o?.streetCode, 'YX-YXJD');
      await runJobs();
      o = await getWorkOrder(t.platform, r.id);
      assert.equal(o?.status, 'dispatched');
      assert.equal(o?.leadUnitCode, 'YX-SWJ');
      const [row] = await t.platform.db.query<{ actor_kind: string; data: Record<string, unknown> }>(
        `SELECT actor_kind, data FROM hotline.work_order_event WHERE order_id = $1 AND type = 'dispatched'`,
        [r.id],
      );
      assert.equal(row!.actor_kind, 'system');
      assert.deepEqual([row!.data.suggested, row!.data.chosen, row!.data.auto], [['YX-SWJ'], 'YX-SWJ', true]);
      const [event] = await t.platform.db.query<{ payload: Record<string, unknown> }>(`SELECT payload FROM platform.outbox WHERE key = $1 AND topic = 'hotline.work_order.dispatched'`, [r.id]);
      assert.deepEqual([event!.payload.suggested, event!.payload.chosen, event!.payload.auto], [['YX-SWJ'], 'YX-SWJ', true]);
      assert.ok(!JSON.stringify(event!.payload).includes('井盖'), 'outbox events carry ids, not the text');
    });

    test('an agent confirms: a unit other than the first suggestion is a correction; returns and re-dispatches are recorded', async () => {
      const sure = await intake({ kind: 'request', categoryCode: '2101', description: '下塘东街井盖冒污水', address: '下塘东街' });
      const noise = await intake({ kind: 'complaint', categoryCode: '1401', description: '楼上装修噪声从早到晚', address: '荔湾新村5栋', caller: { name: '孙八', phone: '13744445555' } });
      await runJobs();
      assert.equal((await getWorkOrder(t.platform, sure))?.status, 'created', "an agent's own order waits for the agent");
      const hint = await send('agent', 'GET', `/api/hotline/intake/suggestions?text=${encodeURIComponent('楼上装修噪声从早到晚')}`);
      assert.deepEqual(hint.json().dispatch.units.map((u: { unitCode: string }) => u.unitCode), ['YX-GAJ', 'YX-ZJJ']);

      let o = await act('agent', noise, 'dispatch', { leadUnitCode: 'YX-ZJJ' });
      const dispatched = o.events.find((e: { type: string }) => e.type === 'dispatched');
      assert.deepEqual([dispatched.data.suggested, dispatched.data.chosen, dispatched.data.isCorrection, dispatched.data.auto], [['YX-GAJ', 'YX-ZJJ'], 'YX-ZJJ', true, false]);
      o = await act('admin', noise, 'return', { reason: '装修噪声扰民由公安分局负责', basis: { kind: 'duty', citation: '派单目录：装修噪声要求制止 → 公安分局' } });
      o = await act('agent', noise, 'redispatch', { leadUnitCode: 'YX-GAJ' });
      const payloads = await t.platform.db.query<{ topic: string; payload: Record<string, unknown> }>(
        `SELECT topic, payload FROM platform.outbox WHERE key = $1 AND topic IN ('hotline.work_order.returned', 'hotline.work_order.redispatched') ORDER BY id`,
        [noise],
      );
      assert.deepEqual(payloads.map((p) => p.topic), ['hotline.work_order.returned', 'hotline.work_order.redispatched']);
      assert.equal(payloads[0]!.payload.basisKind, 'duty');
      assert.deepEqual([payloads[1]!.payload.fromUnitCode, payloads[1]!.payload.toUnitCode, payloads[1]!.payload.isReturnUpheld], ['YX-ZJJ', 'YX-GAJ', true]);

      const learning = await getWorkOrderForLearning(t.platform, noise);
      assert.equal(learning?.text, '楼上装修噪声从早到晚');
      assert.equal(learning?.leadUnitCode, 'YX-GAJ');
      assert.deepEqual(learning?.dispatches.map((d) => [d.type, d.unitCode, d.fromUnitCode]), [['dispatched', 'YX-ZJJ', null], ['redispatched', 'YX-GAJ', 'YX-ZJJ']]);
      assert.deepEqual(learning?.returns.map((r) => [r.unitCode, r.state]), [['YX-ZJJ', 'approved']]);
      assert.ok(!JSON.stringify(learning).includes('13744445555') && !JSON.stringify(learning).includes('孙八'), 'no caller data for the learner');
    });

    test('a crash between accepting and dispatching loses nothing: a worker that comes back dispatches', async () => {
      registerDispatchAdvisor(t.platform, advisor);
      const r = await web('云溪大道井盖破损并冒污水');
      // The process dies here, before any worker ran. A new process starts on the same database.
      const restarted = await createPlatform({ config: t.platform.config, db: t.platform.db, clock });
      assert.equal((await getWorkOrder(restarted, r.id))?.status, 'created');
      await createWorker({ queue: restarted.jobs }).runUntilIdle();
      const o = await getWorkOrder(restarted, r.id);
      assert.equal(o?.status, 'dispatched');
      assert.equal(o?.leadUnitCode, 'YX-SWJ');
    });

    test('a failing or slow advisor leaves the choice to the agent', async () => {
      registerDispatchAdvisor(t.platform, { suggest: async () => { throw new Error('model not loaded'); } });
      const r = await web('云溪小学门口井盖缺失');
      const o = await getWorkOrder(t.platform, r.id);
      assert.equal(o?.status, 'created');
      assert.equal(o?.suggestion, null);
      registerDispatchAdvisor(t.platform, { suggest: async () => ({ units: [{ unitCode: 'YX-NOPE', score: 1, explanation: [] }], streetCode: 'YX-NOPE', autoDispatch: true }) });
      const unknownUnit = await web('桂香广场井盖松动');
      await runJobs();
      const left = await getWorkOrder(t.platform, unknownUnit.id);
      assert.equal(left?.status, 'created', 'an unknown unit is left for the agent, not retried');
      assert.equal(left?.streetCode, 'YX-YXJD', 'an unknown street from the advisor is ignored; the gazetteer locates 桂香广场');
    });
  });
}
