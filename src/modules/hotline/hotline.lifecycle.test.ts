import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { systemActor, verifyAuditChain } from '../../platform/audit.ts';
import { fixedClock } from '../../platform/clock.ts';
import { createWorker } from '../../platform/jobs/worker.ts';
import { accountsOf } from '../org/index.ts';
import { clearDispatchAdvisor } from './hotline.reference.ts';
import { ACTIONS, TRANSITIONS } from './hotline.transitions.ts';

// Whole journeys through the HTTP API, on both engines: a citizen's web request and an agent's phone
// order each go through return and re-dispatch, extension, urging, an unsatisfied callback, redo, a
// satisfied callback, closing and archiving; then the centre's other actions. The last test checks
// that every action of the transition table ran and left its event, audit row and outbox event.

type Who = Awaited<ReturnType<typeof login>>;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

for (const engine of await engines()) {
  describe(`hotline work order lifecycle (${engine})`, () => {
    let t: TestApp;
    const clock = fixedClock('2026-11-23T01:00:00Z'); // Monday 09:00 in the district
    type Name = 'agent' | 'handler' | 'supervisor' | '13800000001' | 'zjj' | 'gaj' | 'swj' | 'yxjd' | 'hpjd';
    const who = {} as Record<Name, Who>;

    // Sessions end after 8 idle hours and the clock jumps days: sign in again when one has ended.
    const call = async (as: Who | undefined, method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) => {
      const send = (w: Who | undefined) =>
        t.app.inject({ method, url, headers: { ...(w ? (method === 'GET' ? w.cookieOnly : w.headers) : {}), ...headers }, payload });
      const res = await send(as);
      if (res.statusCode !== 401 || !as) return res;
      const name = (Object.keys(who) as Name[]).find((k) => who[k] === as)!;
      Object.assign(as, await login(t.app, name));
      return send(as);
    };
    const ok = async (as: Who | undefined, url: string, payload?: object, status = 200) => {
      const res = await call(as, 'POST', url, payload);
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      return res.json();
    };
    const get = async (as: Who, url: string) => {
      const res = await call(as, 'GET', url);
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return res.json();
    };
    const act = (as: Who, id: string, action: string, payload?: object) => ok(as, `/api/hotline/orders/${id}/${action}`, payload);
    const worker = () => createWorker({ queue: t.platform.jobs }).runUntilIdle();

    before(async () => {
      t = await buildTestApp(engine, { clock });
      clearDispatchAdvisor(t.platform); // the dispatch module's model is not under test here
      const accounts = accountsOf(t.platform);
      for (const [username, unitCode] of [['zjj', 'YX-ZJJ'], ['gaj', 'YX-GAJ'], ['swj', 'YX-SWJ'], ['yxjd', 'YX-YXJD'], ['hpjd', 'YX-HPJD']] as const) {
        await accounts.createStaff(
          { username, displayName: `承办 ${unitCode}`, password: 'yiwang-demo-2026', grants: [{ role: 'handling_staff', unitCode }] },
          { actor: systemActor('test') },
        );
      }
      for (const name of ['agent', 'handler', 'supervisor', '13800000001', 'zjj', 'gaj', 'swj', 'yxjd', 'hpjd'] as const) who[name] = await login(t.app, name);
    });
    after(() => t.close());

    test("a citizen's web request: wrong unit, return upheld, re-dispatch, extension, urging, redo, close, rating, archive", async () => {
      const { agent, supervisor, zjj, gaj, handler } = who;
      const citizen = who['13800000001'];
      const created = await ok(
        citizen,
        '/api/hotline/public/orders',
        {
          kind: 'complaint',
          categoryCode: '1401',
          description: '望湖小区楼下广场舞每晚十点后还在放音乐，噪声很大，影响休息',
          address: '湖畔路望湖小区3栋楼下',
          caller: { name: '张三', phone: '13800000001' },
          attributes: { noise_source: 'square_dance' },
        },
        201,
      );
      assert.match(created.number, /^YX261123\d{5}$/);
      assert.equal(created.status, 'created');
      const id: string = created.id;

      let o = await get(agent, `/api/hotline/orders/${id}`);
      assert.equal(o.channel, 'web');
      assert.equal(o.streetCode, 'YX-HPJD', 'located through the gazetteer (湖畔路, 望湖小区)');
      assert.equal(o.callerPhoneMasked, '138****0001');
      assert.equal(o.timeLimitDays, 3);

      // The agent picks the wrong unit; it returns the order citing its duties, and the clock stops.
      o = await act(agent, id, 'dispatch', { leadUnitCode: 'YX-ZJJ' });
      assert.equal(o.status, 'dispatched');
      assert.equal(o.signDueAt, '2026-11-23T15:59:59.999Z');
      assert.equal(o.finishDueOn, '2026-11-26');
      clock.advance(HOUR);
      o = await act(zjj, id, 'return', {
        reason: '广场舞噪声属社会生活噪声，不属住建局职责',
        basis: { kind: 'duty', citation: '派单目录：邻居噪声、广场舞噪声要求制止的，由公安分局负责' },
        suggestedUnitCode: 'YX-GAJ',
      });
      assert.equal(o.status, 'returned');
      assert.equal(o.isPaused, true);
      assert.equal(o.badges.finish, 'paused');
      let queue = await get(agent, '/api/hotline/review-queue');
      assert.deepEqual(queue.returns.map((r: { order: { id: string } }) => r.order.id), [id]);
      assert.equal((await call(handler, 'GET', `/api/hotline/orders/${id}`)).statusCode, 404, 'other units do not see it');

      clock.advance(HOUR);
      o = await act(agent, id, 'redispatch', { leadUnitCode: 'YX-GAJ', note: '退单理由成立，改派公安分局' });
      assert.equal(o.status, 'dispatched');
      assert.equal(o.leadUnitCode, 'YX-GAJ');
      assert.deepEqual(o.assignments.map((a: { unitCode: string; isActive: boolean }) => [a.unitCode, a.isActive]), [['YX-ZJJ', false], ['YX-GAJ', true]]);
      assert.equal(o.pendingRequests[0].state, 'approved');
      assert.equal(o.pauses.length, 1);
      assert.equal(o.pauses[0].workingDays, 0);
      assert.equal((await call(zjj, 'GET', `/api/hotline/orders/${id}`)).statusCode, 404, 'the returning unit no longer sees it');
      queue = await get(agent, '/api/hotline/review-queue');
      assert.equal(queue.returns.length, 0);

      o = await act(gaj, id, 'sign');
      assert.equal(o.status, 'signed');
      o = await act(gaj, id, 'start');
      assert.equal(o.status, 'in_progress');
      assert.equal(o.finishDueOn, '2026-11-26');

      // Extension: asked for 3 working days, granted 2.
      o = await act(gaj, id, 'request-extension', { days: 3, reason: '需联合社区在晚间现场劝导多次' });
      queue = await get(agent, '/api/hotline/review-queue');
      assert.equal(queue.extensions.length, 1);
      o = await act(agent, id, 'approve-extension', { days: 2, note: '同意延期两个工作日' });
      assert.equal(o.finishDueOn, '2026-11-30');
      assert.equal(o.extendedDays, 2);

      // Urging, then supervision (督办) by the supervisor.
      o = await act(supervisor, id, 'urge', { note: '市民再次来电' });
      assert.equal(o.urgeCount, 1);
      o = await act(supervisor, id, 'supervise', { level: 1, note: '请加快办理' });
      assert.equal(o.supervisionLevel, 1);

      clock.advance(DAY);
      o = await act(gaj, id, 'reply', { reply: '已联系广场舞队伍负责人，约定晚上九点半前结束并调低音量' });
      assert.equal(o.status, 'replied');

      // The citizen sees progress with the number and phone, and no personal data.
      const lookup = await t.app.inject({ method: 'POST', url: '/api/hotline/public/orders/lookup', payload: { number: created.number, phone: '138 0000 0001' } });
      assert.equal(lookup.statusCode, 200, lookup.body);
      assert.equal(lookup.json().status, 'replied');
      assert.match(lookup.json().reply, /九点半/);
      assert.ok(!lookup.body.includes('13800000001') && !lookup.body.includes('张三'), 'no personal data in the progress view');
      assert.ok(lookup.json().timeline.length >= 5);

      // Callback: unresolved and unsatisfied → the order reopens by itself as a redo to the same unit.
      o = await act(agent, id, 'callback', { isReached: true, isResolved: false, satisfaction: 'unsatisfied', note: '仍在十点后跳舞' });
      assert.equal(o.status, 'dispatched');
      assert.equal(o.redoCount, 1);
      assert.equal(o.leadUnitCode, 'YX-GAJ');
      assert.equal(o.reply, null);

      o = await act(gaj, id, 'sign');
      o = await act(gaj, id, 'reply', { reply: '已联合社区民警现场执法，队伍已移至公园广场' });
      o = await act(agent, id, 'callback', { isReached: true, isResolved: true, satisfaction: 'satisfied' });
      o = await act(agent, id, 'close', {});
      assert.equal(o.status, 'closed');

      // The citizen rates the closed order from the portal.
      const mine = await get(citizen, '/api/hotline/my/orders');
      assert.equal(mine.items[0].number, created.number);
      assert.equal(mine.items[0].canRate, true);
      const rated = await ok(citizen, `/api/hotline/my/orders/${id}/rate`, { level: 1, comment: '处理及时' });
      assert.equal(rated.rating.level, 1);
      const again = await call(undefined, 'POST', '/api/hotline/public/orders/rate', { number: created.number, phone: '13800000001', level: 5 });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'WORK_ORDER_ALREADY_RATED');

      o = await act(agent, id, 'archive');
      assert.equal(o.status, 'archived');
      assert.deepEqual(
        o.events.map((e: { type: string }) => e.type),
        ['created', 'dispatched', 'returned', 'redispatched', 'signed', 'started', 'extension_requested', 'extension_approved', 'urged', 'supervised',
          'replied', 'called_back', 'redone', 'signed', 'replied', 'called_back', 'closed', 'rated', 'archived'],
      );
      const redispatched = o.events.find((e: { type: string }) => e.type === 'redispatched');
      assert.equal(redispatched.data.fromUnitCode, 'YX-ZJJ');
      assert.equal(redispatched.data.isReturnUpheld, true);
    });

    test("an agent's phone order: caller history, idempotency, return refused then upheld, co-handling, extension, redo, close", async () => {
      const { agent, handler, swj, yxjd } = who;
      const history0 = await ok(agent, '/api/hotline/callers/lookup', { phone: '13912345678' });
      assert.deepEqual(history0.orders, []);
      const body = {
        kind: 'request',
        categoryCode: '2101',
        description: '云溪一横路路口井盖往外冒污水，排水管好像堵了，味道很臭',
        address: '云溪一横路与桂香路交叉口',
        caller: { name: '王五', phone: '13912345678' },
      };
      const first = await call(agent, 'POST', '/api/hotline/orders', body, { 'idempotency-key': 'call-20261123-0001' });
      assert.equal(first.statusCode, 201, first.body);
      const repeated = await call(agent, 'POST', '/api/hotline/orders', body, { 'idempotency-key': 'call-20261123-0001' });
      assert.equal(repeated.statusCode, 200);
      assert.deepEqual(repeated.json(), { ...first.json(), created: false });
      const id: string = first.json().id;

      let o = await get(agent, `/api/hotline/orders/${id}`);
      assert.equal(o.channel, 'phone');
      assert.equal(o.streetCode, 'YX-YXJD');

      o = await act(agent, id, 'dispatch', { leadUnitCode: 'YX-CGJ' });
      o = await act(handler, id, 'sign');
      // First return: refused by the centre a working day later; the finish day moves on by that day.
      const dueBefore = o.finishDueOn;
      o = await act(handler, id, 'return', { reason: '排水管网不属城管', basis: { kind: 'duty', citation: '三定方案' } });
      clock.advance(DAY);
      o = await act(agent, id, 'reject-return', { note: '井盖属市政设施，请先处置' });
      assert.equal(o.status, 'signed', 'back to where the return came from');
      assert.equal(o.pauses[0].workingDays, 1);
      assert.notEqual(o.finishDueOn, dueBefore);
      assert.equal(o.pendingRequests[0].state, 'refused');
      // Second return, citing the dispatch rule: upheld, re-dispatched with a street as co-handling unit.
      o = await act(handler, id, 'return', { reason: '井盖冒污水、排水管堵塞属水务局', basis: { kind: 'duty', citation: '派单目录补充说明：井盖冒污水、排水管堵塞 → 区水务局' } });
      o = await act(agent, id, 'redispatch', { leadUnitCode: 'YX-SWJ', coUnitCodes: ['YX-YXJD'] });
      assert.deepEqual(o.assignments.filter((a: { isActive: boolean }) => a.isActive).map((a: { unitCode: string; role: string }) => [a.unitCode, a.role]), [['YX-SWJ', 'lead'], ['YX-YXJD', 'co']]);

      // The co-handling street sees the order in its inbox and gives its part; it may not reply for the lead.
      const inbox = await get(yxjd, '/api/hotline/inbox');
      assert.equal(inbox.items.find((i: { id: string }) => i.id === id).myRole, 'co');
      o = await act(yxjd, id, 'co-reply', { opinion: '已安排社区网格员现场围挡，提醒行人绕行' });
      const notLead = await call(yxjd, 'POST', `/api/hotline/orders/${id}/reply`, { reply: '代为回复' });
      assert.equal(notLead.statusCode, 403);

      o = await act(swj, id, 'sign');
      o = await act(swj, id, 'request-extension', { days: 2, reason: '需调用疏通车' });
      o = await act(agent, id, 'approve-extension', {});
      assert.equal(o.extendedDays, 2);
      o = await act(agent, id, 'urge', {});
      o = await act(swj, id, 'reply', { reply: '已疏通排水管并更换井盖' });
      o = await act(agent, id, 'callback', { isReached: true, isResolved: true, satisfaction: 'unsatisfied', note: '疏通慢' });
      assert.equal(o.status, 'dispatched', 'resolved but unsatisfied is redone too');
      o = await act(swj, id, 'sign');
      o = await act(swj, id, 'start');
      o = await act(swj, id, 'reply', { reply: '已向市民说明并道歉，建立巡查机制' });
      o = await act(agent, id, 'callback', { isReached: true, isResolved: true, satisfaction: 'basically_satisfied' });
      o = await act(agent, id, 'close', { note: '市民基本满意' });
      o = await act(agent, id, 'archive');
      assert.equal(o.status, 'archived');

      const history = await ok(agent, '/api/hotline/callers/lookup', { phone: '139-1234-5678' });
      assert.equal(history.callerPhoneMasked, '139****5678');
      assert.deepEqual(history.orders.map((x: { id: string; satisfaction: string }) => [x.id, x.satisfaction]), [[id, 'basically_satisfied']]);
      const audit = await t.platform.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'hotline.caller.lookup'`);
      assert.equal(audit[0]!.n, 2, 'each caller look-up is audited');
    });

    test("the centre's other actions: direct answer, co-handling request, refused extension, report, merge, split, transfer", async () => {
      const { agent, gaj, hpjd } = who;
      const create = async (payload: object) => (await ok(agent, '/api/hotline/orders', payload, 201)).id as string;

      // A consultation answered from the knowledge base: the agent's side panel finds the article.
      const question = '请问办理居住证需要带什么材料？';
      const consultation = await create({ kind: 'consultation', categoryCode: '2401', description: question });
      const panel = await get(agent, `/api/hotline/intake/suggestions?text=${encodeURIComponent(question)}`);
      const article = panel.articles.find((a: { title: string }) => a.title.includes('居住证'));
      assert.ok(article, 'the knowledge base side panel offers the article');
      const badVersion = await call(agent, 'POST', `/api/hotline/orders/${consultation}/answer`, { answer: '见知识库', article: { id: article.id, version: 99 } });
      assert.equal(badVersion.json().code, 'KNOWLEDGE_VERSION_NOT_FOUND');
      let o = await act(agent, consultation, 'answer', { answer: '携带身份证、租赁合同和近期照片到社区服务站办理', article: { id: article.id, version: article.version } });
      assert.equal(o.status, 'closed');
      assert.deepEqual(o.article, { id: article.id, version: article.version });
      assert.match(o.events.at(-1).data.article.title, /居住证/);
      const notConsultation = await create({ kind: 'complaint', categoryCode: '1401', description: '湖畔公园晚上有人用大音响唱歌', address: '湖畔公园' });
      const refusedAnswer = await call(agent, 'POST', `/api/hotline/orders/${notConsultation}/answer`, { answer: '已知悉' });
      assert.equal(refusedAnswer.json().code, 'WORK_ORDER_NOT_CONSULTATION');

      o = await act(agent, notConsultation, 'dispatch', { leadUnitCode: 'YX-GAJ' });
      o = await act(gaj, notConsultation, 'sign');
      o = await act(gaj, notConsultation, 'request-co-handling', { unitCodes: ['YX-HPJD'], reason: '需街道协助劝导' });
      let queue = await get(agent, '/api/hotline/review-queue');
      assert.equal(queue.coHandling.length, 1);
      o = await act(agent, notConsultation, 'co-units', { unitCodes: ['YX-HPJD'] });
      assert.equal(o.pendingRequests.find((r: { kind: string }) => r.kind === 'co_handling').state, 'approved');
      assert.equal((await get(hpjd, `/api/hotline/orders/${notConsultation}`)).id, notConsultation, 'the co-handling unit sees the order');
      // A second request is refused, with the reason; refusing again finds nothing pending.
      o = await act(gaj, notConsultation, 'request-co-handling', { unitCodes: ['YX-CGJ'], reason: '还需城管协助' });
      o = await act(agent, notConsultation, 'refuse-co-handling', { note: '噪声属公安职责，无需城管协办' });
      const coRequests = o.pendingRequests.filter((r: { kind: string }) => r.kind === 'co_handling');
      assert.deepEqual(coRequests.map((r: { state: string }) => r.state), ['approved', 'refused']);
      assert.equal(o.events.at(-1).type, 'co_handling_refused');
      const nothingPending = await call(agent, 'POST', `/api/hotline/orders/${notConsultation}/refuse-co-handling`, { note: '再次拒绝' });
      assert.equal(nothingPending.json().code, 'WORK_ORDER_NO_PENDING_REQUEST');
      o = await act(gaj, notConsultation, 'request-extension', { days: 5, reason: '需多次夜间巡查' });
      o = await act(agent, notConsultation, 'refuse-extension', { note: '社会生活噪声应尽快处置' });
      assert.equal(o.pendingRequests.find((r: { kind: string }) => r.kind === 'extension').state, 'refused');
      o = await act(agent, notConsultation, 'report', { note: '多次投诉，呈报分管领导', to: '区政府办' });
      assert.equal(o.isReported, true);

      // Two reports of the same matter: the second gets the first as a merge suggestion, and is merged.
      const first = await create({ kind: 'complaint', categoryCode: '1002', description: '桂香市场门口的垃圾桶满了好几天没人清运，臭气熏天', address: '桂香市场门口' });
      const second = await create({ kind: 'complaint', categoryCode: '1002', description: '桂香市场门口垃圾桶满溢好几天无人清运，很臭', address: '桂香市场' });
      await createWorker({ queue: t.platform.jobs }).runUntilIdle();
      queue = await get(agent, '/api/hotline/review-queue');
      const suggestion = queue.merges.find((m: { order: { id: string } }) => m.order.id === second);
      assert.ok(suggestion, 'merge suggestion in the review queue');
      assert.equal(suggestion.candidates[0].id, first);
      o = await act(agent, second, 'merge', { intoId: first });
      assert.equal(o.status, 'merged');
      assert.equal(o.links.mergedInto, first);
      const target = await get(agent, `/api/hotline/orders/${first}`);
      assert.deepEqual(target.links.mergedFrom, [second]);
      assert.ok(target.events.some((e: { type: string }) => e.type === 'absorbed'));
      const mergeAgain = await call(agent, 'POST', `/api/hotline/orders/${first}/merge`, { intoId: second });
      assert.equal(mergeAgain.json().code, 'WORK_ORDER_MERGE_INVALID');

      // One call about two matters is split into two orders.
      const mixed = await create({ kind: 'complaint', categoryCode: '9901', description: '沙溪路路灯不亮，另外路边有车长期违停占道', address: '沙溪路' });
      const split = await ok(agent, `/api/hotline/orders/${mixed}/split`, {
        parts: [
          { description: '沙溪路路灯不亮', categoryCode: '1006' },
          { description: '沙溪路路边有车长期违停占道', categoryCode: '1501' },
        ],
      });
      assert.equal(split.items.length, 2);
      o = await get(agent, `/api/hotline/orders/${mixed}`);
      assert.equal(o.status, 'split');
      assert.deepEqual([...o.links.splitInto].sort(), split.items.map((c: { id: string }) => c.id).sort());
      const child = await get(agent, `/api/hotline/orders/${split.items[1].id}`);
      assert.equal(child.links.splitFrom, mixed);
      assert.equal(child.categoryCode, '1501');
      assert.equal(child.callerPhoneMasked, o.callerPhoneMasked);

      // An emergency goes to 120 and is recorded.
      const emergency = await create({ kind: 'request', categoryCode: '9901', description: '金沙广场有老人晕倒' });
      o = await act(agent, emergency, 'transfer', { to: '120', note: '已三方转接120' });
      assert.equal(o.status, 'transferred');
      assert.equal(o.transferTo, '120');
      for (const finished of [second, mixed, emergency]) assert.equal((await act(agent, finished, 'archive')).status, 'archived');
    });

    test('every action of the transition table ran, each with its event, audit row and outbox event in step', async () => {
      const events = await t.platform.db.query<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM hotline.work_order_event GROUP BY type');
      const audits = await t.platform.db.query<{ action: string; n: number }>(`SELECT action, count(*)::int AS n FROM platform.audit_log WHERE action LIKE 'hotline.work_order.%' GROUP BY action`);
      const topics = await t.platform.db.query<{ topic: string; n: number }>(`SELECT topic, count(*)::int AS n FROM platform.outbox WHERE topic LIKE 'hotline.work_order.%' GROUP BY topic`);
      const count = <R extends { n: number }>(rows: R[], key: keyof R, value: string) => rows.find((r) => r[key] === value)?.n ?? 0;
      for (const action of ACTIONS) {
        const { event } = TRANSITIONS[action];
        const n = count(events, 'type', event);
        assert.ok(n > 0, `${action} never ran`);
        assert.equal(count(audits, 'action', `hotline.work_order.${action}`), n, `audit rows of ${action}`);
        assert.equal(count(topics, 'topic', `hotline.work_order.${event}`), n, `outbox events of ${action}`);
      }
      const chain = await verifyAuditChain(t.platform.db);
      assert.equal(chain.ok, true);
    });
  });
}
