import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { createPlatform } from '../../app.ts';
import { fixedClock } from '../../platform/clock.ts';
import { createWorker } from '../../platform/jobs/worker.ts';
import { getWorkOrder } from '../hotline/index.ts';
import { dispatcherOf } from './index.ts';

// The dispatch module in the running system: the suggestion API and its audit, the administrators'
// status, examples taught by hand, retraining into a new model version that every process picks up,
// and learning from the hotline's corrections without a restart.

type Who = Awaited<ReturnType<typeof login>>;

for (const engine of await engines()) {
  describe(`dispatch (${engine})`, () => {
    let t: TestApp;
    const clock = fixedClock('2026-06-01T09:00:00+08:00');
    const who: Record<string, Who> = {};
    const send = (name: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      t.app.inject({ method, url, payload, headers: method === 'GET' ? who[name]!.cookieOnly : who[name]!.headers });
    const suggest = async (text: string) => {
      const res = await send('agent', 'POST', '/api/dispatch/suggest', { text });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { units: { unitCode: string; score: number; explanation: string[] }[]; streetCode: string | null; autoDispatch: boolean; modelVersion: number | null };
    };
    const runJobs = () => createWorker({ queue: t.platform.jobs }).runUntilIdle();

    before(async () => {
      t = await buildTestApp(engine, { clock });
      for (const name of ['agent', 'admin', 'handler']) who[name] = await login(t.app, name);
    });
    after(() => t.close());

    test('administrators see the model in use; others may not', async () => {
      const res = await send('admin', 'GET', '/api/dispatch/status');
      assert.equal(res.statusCode, 200, res.body);
      const s = res.json();
      assert.equal(s.model.kind, 'cold_start');
      assert.equal(s.model.version, null);
      assert.equal(s.model.threshold, null, 'no history: no auto-dispatch threshold');
      assert.equal((await send('agent', 'GET', '/api/dispatch/status')).statusCode, 403);
    });

    test('an agent gets ranked, explained suggestions; each request is audited', async () => {
      const s = await suggest('环湖北路的路灯坏了一个星期，晚上黑漆漆的');
      assert.equal(s.units[0]!.unitCode, 'YX-CGJ');
      assert.equal(s.streetCode, 'YX-HPJD');
      assert.equal(s.autoDispatch, false);
      assert.ok(s.units[0]!.explanation.length > 0);
      const [audit] = await t.platform.db.query<{ data: { units: [string, number][] } }>(
        `SELECT data FROM platform.audit_log WHERE action = 'dispatch.suggest' ORDER BY id DESC LIMIT 1`,
      );
      assert.equal(audit!.data.units[0]![0], 'YX-CGJ');
      assert.ok(!JSON.stringify(audit).includes('路灯'), 'the audit row keeps the result, not the citizen’s words');
      assert.equal((await send('handler', 'POST', '/api/dispatch/suggest', { text: '路灯不亮' })).statusCode, 403);
      assert.equal((await send('agent', 'POST', '/api/dispatch/suggest', { text: '路灯', extra: 1 })).statusCode, 400);
    });

    test('the hotline category is a hint: it re-ranks, an unknown code is ignored', async () => {
      const text = '桂香路那个井盖一直在响，车一压就哐当一声';
      const withCategory = async (categoryCode: string) => {
        const res = await send('agent', 'POST', '/api/dispatch/suggest', { text, categoryCode });
        assert.equal(res.statusCode, 200, res.body);
        return res.json() as { units: { unitCode: string; score: number }[]; autoDispatch: boolean };
      };
      const plain = await suggest(text);
      const drains = await withCategory('2101');
      const swj = (units: { unitCode: string }[]) => {
        const i = units.findIndex((u) => u.unitCode === 'YX-SWJ');
        return i < 0 ? Infinity : i;
      };
      assert.ok(swj(drains.units) < Infinity && swj(drains.units) <= swj(plain.units), 'the category’s usual unit ranks no lower');
      assert.deepEqual((await withCategory('NO-SUCH')).units, plain.units);
    });

    test('an example taught by an administrator is used by the very next suggestion', async () => {
      const text = '小区门口那家店天天用大喇叭循环播放促销广告';
      const before = (await suggest(text)).units[0]!.unitCode;
      const unitCode = before === 'YX-SJJ' ? 'YX-CGJ' : 'YX-SJJ';
      const res = await send('admin', 'POST', '/api/dispatch/examples', { text: `${text}，联系我13812345678`, unitCode });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().isNew, true);
      assert.equal((await suggest(text)).units[0]!.unitCode, unitCode);
      const [row] = await t.platform.db.query<{ text: string }>('SELECT text FROM dispatch.training_example WHERE id = $1', [res.json().id]);
      assert.ok(!row!.text.includes('13812345678'), 'phone numbers never reach the training data');
      const unknown = await send('admin', 'POST', '/api/dispatch/examples', { text, unitCode: 'YX-NOPE' });
      assert.equal(unknown.statusCode, 400);
      assert.equal(unknown.json().code, 'DISPATCH_UNIT_UNKNOWN');
    });

    test('the hotline’s corrections teach it: an agent’s choice changes the next suggestion', async () => {
      const text = '下塘东街有家店把冰柜和货架摆到门外，晚上还开着音响招揽客人';
      const intake = await send('agent', 'POST', '/api/hotline/orders', { kind: 'complaint', categoryCode: '2101', description: text, address: '下塘东街' });
      assert.equal(intake.statusCode, 201, intake.body);
      const id = intake.json().id as string;
      const order = await getWorkOrder(t.platform, id);
      const suggested = order!.suggestion!.units[0]!.unitCode;
      assert.ok(suggested, 'the hotline stored our suggestion at intake');
      const chosen = suggested === 'YX-CGJ' ? 'YX-SJJ' : 'YX-CGJ';
      const dispatched = await send('agent', 'POST', `/api/hotline/orders/${id}/dispatch`, { leadUnitCode: chosen });
      assert.equal(dispatched.statusCode, 200, dispatched.body);
      await runJobs();
      const [example] = await t.platform.db.query<{ unit_code: string; source: string }>('SELECT unit_code, source FROM dispatch.training_example WHERE work_order_id = $1', [id]);
      assert.deepEqual([example!.unit_code, example!.source], [chosen, 'correction']);
      assert.equal((await suggest(text)).units[0]!.unitCode, chosen, 'learned without a restart');
      const status = (await send('admin', 'GET', '/api/dispatch/status')).json();
      assert.equal(status.production.dispatched, 1);
      assert.equal(status.production.suggestionFollowed, 0);
    });

    test('retraining stores the next model version, which another process picks up', async () => {
      // The seed's district import already queued one training (run with the jobs above).
      const was = (await send('admin', 'GET', '/api/dispatch/status')).json().model.version as number | null;
      assert.equal(was, 1);
      const res = await send('admin', 'POST', '/api/dispatch/retrain', { reason: 'test' });
      assert.equal(res.statusCode, 202, res.body);
      assert.ok(res.json().jobId);
      await runJobs();
      const status = (await send('admin', 'GET', '/api/dispatch/status')).json();
      assert.equal(status.model.kind, 'trained');
      assert.equal(status.model.version, 2);
      assert.equal(status.model.trainedOn, 2, 'the taught example and the correction');
      assert.equal(status.versions[0].reason, 'test');
      const audits = await t.platform.db.query<{ data: { version: number; reason: string } }>(`SELECT data FROM platform.audit_log WHERE action = 'dispatch.model.train' ORDER BY (data->>'version')::int`);
      assert.deepEqual(audits.map((a) => [a.data.version, a.data.reason]), [[1, 'dispatch catalogue imported'], [2, 'test']]);
      // Another process on the same database: loads version 2 and the remembered examples.
      const other = await createPlatform({ config: t.platform.config, db: t.platform.db, clock });
      const s = await dispatcherOf(other).suggest({ text: '下塘东街有家店把冰柜和货架摆到门外，晚上还开着音响招揽客人' });
      assert.equal(s.modelVersion, 2);
      assert.equal(s.units[0]!.unitCode, (await suggest('下塘东街有家店把冰柜和货架摆到门外，晚上还开着音响招揽客人')).units[0]!.unitCode);
    });
  });
}
