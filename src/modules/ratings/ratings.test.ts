import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { verifyAuditChain } from '../../platform/audit.ts';
import { fixedClock } from '../../platform/clock.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import { createWorker } from '../../platform/jobs/worker.ts';
import { DEMO_ITEM_CODES } from '../catalog/index.ts';
import { orgViews } from '../org/index.ts';
import { tally } from './ratings.formulas.ts';
import * as repo from './ratings.repository.ts';
import { LoggingSmsSender, smsSenderOf } from './ratings.sms.ts';

// Ratings through the API on every engine, on one moving clock: the hall's finished tickets and a
// completed case become rateable through their events, ratings come in from the tablet, links,
// accounts, the phone and the 12345 tracking page, bad reviews go round the whole loop (and the
// appeal path, and the deadline sweep), and the disclosed figures are checked against the formulas.

type Who = Awaited<ReturnType<typeof login>>;

for (const engine of await engines()) {
  describe(`ratings on ${engine}`, () => {
    let t: TestApp;
    // Wednesday 18 November 2026, 09:30 in China.
    const clock = fixedClock('2026-11-18T01:30:00Z');
    let hallId: string;
    const svc: Record<string, string> = {};
    const win: Record<number, string> = {};
    let admin: Who, clerk: Who, citizen: Who, supervisor: Who, agent: Who, handler: Who;
    let tabletKey: string;

    const req = async (method: string, url: string, who?: Who, payload?: unknown, headers: Record<string, string> = {}) => {
      const res = await t.app.inject({ method: method as 'GET', url, headers: { ...who?.headers, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    };
    const ok = async (method: string, url: string, who?: Who, payload?: unknown, headers?: Record<string, string>) => {
      const r = await req(method, url, who, payload, headers);
      assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const refused = async (status: number, code: string, method: string, url: string, who?: Who, payload?: unknown, headers?: Record<string, string>) => {
      const r = await req(method, url, who, payload, headers);
      assert.equal(r.status, status, `${method} ${url}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, `${method} ${url}: ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const runJobs = () => createWorker({ queue: t.platform.jobs }).runUntilIdle();
    const tablet = () => ({ 'x-tablet-key': tabletKey });
    const act = (who: Who, id: string, action: string, payload: object = {}) => ok('POST', `/api/ratings/reviews/${id}/${action}`, who, payload);

    /** A ticket served at a window from start to finish; the citizen's phone ticket when `who` is given. */
    async function serve(window: number, service: string, who?: Who) {
      const issued = who
        ? await ok('POST', `/api/queue/halls/${hallId}/my-tickets`, who, { serviceId: svc[service] })
        : await ok('POST', `/api/queue/halls/${hallId}/tickets`, undefined, { serviceId: svc[service] });
      // Windows close with the day: the clerk opens it again (a no-op while it is open).
      await req('POST', `/api/queue/windows/${win[window]}/open`, clerk);
      const called = (await ok('POST', `/api/queue/windows/${win[window]}/call`, clerk, { ticketId: issued.ticket.id })).ticket;
      await ok('POST', `/api/queue/tickets/${called.id}/start`, clerk);
      clock.advance(5 * 60_000);
      await ok('POST', `/api/queue/tickets/${called.id}/finish`, clerk, { services: [svc[service]] });
      await runJobs();
      return called.id as string;
    }

    // Sessions end after 8 idle hours: after the clock jumps a day, everyone signs in again.
    const signIn = async () => {
      [admin, clerk, citizen, supervisor, agent, handler] = (await Promise.all(['admin', 'clerk', '13800000001', 'supervisor', 'agent', 'handler'].map((u) => login(t.app, u)))) as [Who, Who, Who, Who, Who, Who];
    };

    before(async () => {
      t = await buildTestApp(engine, { clock });
      await signIn();
      hallId = (await ok('GET', '/api/queue/halls')).items[0].id;
      const hall = await ok('GET', `/api/queue/halls/${hallId}`);
      for (const s of hall.services) svc[s.code] = s.id;
      for (const w of hall.windows) win[w.number] = w.id;
      await ok('POST', `/api/queue/windows/${win[1]}/open`, clerk);
      tabletKey = (await ok('POST', '/api/ratings/tablets', admin, { windowId: win[1], label: '1号窗口评价器' })).key;
    });
    after(() => t.close());

    test('a finished ticket makes the window, the clerk, the item and the department rateable', async () => {
      assert.deepEqual((await ok('GET', '/api/ratings/mine', citizen)).items, []);
      // Nothing served yet: the tablet has no prompt, and rating a window of nobody's ticket is refused.
      assert.equal((await ok('GET', '/api/public/ratings/tablet/prompt', undefined, undefined, tablet())).occasion, null);
      await refused(409, 'RATING_NOT_RATEABLE', 'POST', `/api/ratings/mine/objects/window/${win[1]}/ratings`, citizen, { channel: 'web', level: 1 });

      const ticketId = await serve(1, 'social', citizen);
      const [occasion] = (await ok('GET', '/api/ratings/mine', citizen)).items;
      assert.match(occasion.label, /^C\d{3} · 1号 综合窗口一$/);
      assert.deepEqual(occasion.objects.map((o: { objectType: string; objectName: string }) => [o.objectType, o.objectName]), [
        ['window', '1号 综合窗口一'],
        ['staff', '窗口 王敏'],
        ['item', '社保医保'],
        ['department', '云溪区政务服务数据管理局'],
      ]);
      assert.equal(occasion.indicatorSet.kind, 'hall');
      assert.deepEqual(occasion.indicatorSet.indicators.map((i: { code: string }) => i.code), ['overall', 'efficiency', 'competence', 'attitude']);
      // The event is delivered again: nothing is added.
      const rows = await t.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ratings.rateable');
      await t.platform.db.tx((tx) => emit(tx, { topic: 'queue.ticket.finished', payload: { ticketId, number: 'C001', windowId: win[1], windowNumber: 1, windowName: '综合窗口一', staffAccountId: clerk.userId, accountId: null, servicesDelivered: [], finishedAt: clock.now().toISOString() } }));
      await runJobs();
      assert.deepEqual(await t.platform.db.query('SELECT count(*)::int AS n FROM ratings.rateable'), rows);
    });

    test('the tablet rates the window once per channel; follow-ups are numbered; links and accounts are other channels', async () => {
      const prompt = await ok('GET', '/api/public/ratings/tablet/prompt', undefined, undefined, tablet());
      const o = prompt.occasion;
      assert.ok(o.inviteCode, 'the tablet shows the QR link');
      const window = o.objects.find((x: { objectType: string }) => x.objectType === 'window');
      await refused(401, 'RATING_TABLET_KEY_INVALID', 'GET', '/api/public/ratings/tablet/prompt', undefined, undefined, { 'x-tablet-key': 'not-a-paired-tablet-key-000' });
      await refused(400, 'RATING_SCORES_INVALID', 'POST', '/api/public/ratings/tablet/ratings', undefined, { occasionId: o.id, rateableId: window.rateableId, level: 2, scores: { usability: 1 } }, tablet());

      const first = await ok('POST', '/api/public/ratings/tablet/ratings', undefined, { occasionId: o.id, rateableId: window.rateableId, level: 2, scores: { attitude: 1, efficiency: 2 } }, tablet());
      assert.deepEqual([first.channel, first.level, first.levelLabel, first.followUpNo, first.isBad, first.scores], ['tablet', 2, '满意', 0, false, { attitude: 1, efficiency: 2, overall: 2 }]);
      await refused(409, 'RATING_DUPLICATE', 'POST', '/api/public/ratings/tablet/ratings', undefined, { occasionId: o.id, rateableId: window.rateableId, level: 1 }, tablet());
      // The same window through the QR link is another channel.
      const byQr = await ok('POST', `/api/public/ratings/invitations/${o.inviteCode}/ratings`, undefined, { channel: 'qr', rateableId: window.rateableId, level: 1 });
      assert.equal(byQr.channel, 'qr');
      await refused(409, 'RATING_DUPLICATE', 'POST', `/api/public/ratings/invitations/${o.inviteCode}/ratings`, undefined, { channel: 'qr', rateableId: window.rateableId, level: 1 });
      const f1 = await ok('POST', `/api/ratings/mine/occasions/${o.id}/ratings`, citizen, { channel: 'mobile', rateableId: window.rateableId, level: 1, comment: '回家后又想起来，服务真好', isFollowUp: true });
      const f2 = await ok('POST', `/api/public/ratings/invitations/${o.inviteCode}/ratings`, undefined, { channel: 'qr', rateableId: window.rateableId, level: 2, isFollowUp: true });
      assert.deepEqual([f1.followUpNo, f2.followUpNo], [1, 2]);
      const item = o.objects.find((x: { objectType: string }) => x.objectType === 'item');
      await refused(409, 'RATING_FOLLOW_UP_FIRST', 'POST', `/api/public/ratings/invitations/${o.inviteCode}/ratings`, undefined, { channel: 'qr', rateableId: item.rateableId, level: 2, isFollowUp: true });
      await refused(404, 'RATING_INVITATION_NOT_FOUND', 'GET', '/api/public/ratings/invitations/no-such-code-000');
    });

    test('staff cannot rate their own work; another citizen cannot rate mine', async () => {
      const o = (await ok('GET', '/api/public/ratings/tablet/prompt', undefined, undefined, tablet())).occasion;
      const staff = o.objects.find((x: { objectType: string }) => x.objectType === 'staff');
      // The clerk opens the QR link signed in.
      await refused(403, 'RATING_OWN_WORK', 'POST', `/api/public/ratings/invitations/${o.inviteCode}/ratings`, clerk, { channel: 'qr', rateableId: staff.rateableId, level: 1 });
      await ok('POST', '/api/auth/register', undefined, { kind: 'citizen', phone: '13900000021', password: 'yiwang-demo-2026', displayName: '李四' });
      const other = await login(t.app, '13900000021');
      await refused(409, 'RATING_NOT_RATEABLE', 'POST', `/api/ratings/mine/occasions/${o.id}/ratings`, other, { channel: 'web', rateableId: staff.rateableId, level: 1 });
      // Once the prompt time has passed, the tablet stops asking.
      clock.advance(11 * 60_000);
      assert.equal((await ok('GET', '/api/public/ratings/tablet/prompt', undefined, undefined, tablet())).occasion, null);
    });

    let reviewId: string;

    test('a bad review goes round the loop: classify, verify by callback, rectify, feedback, rerate, close', async () => {
      await serve(1, 'social', citizen);
      const o = (await ok('GET', '/api/public/ratings/tablet/prompt', undefined, undefined, tablet())).occasion;
      const staff = o.objects.find((x: { objectType: string }) => x.objectType === 'staff');
      const bad = await ok('POST', '/api/public/ratings/tablet/ratings', undefined, { occasionId: o.id, rateableId: staff.rateableId, level: 5, scores: { attitude: 5 }, comment: '办事员态度生硬，材料讲了三遍', contactName: '张三', contactPhone: '13800000001' }, tablet());
      assert.equal(bad.isBad, true);
      assert.equal(bad.review.state, 'submitted');
      reviewId = bad.review.id;
      assert.match(bad.review.number, /^CP261118\d{4}$/);

      // Who sees it, and what each may do.
      let d = await ok('GET', `/api/ratings/reviews/${reviewId}`, supervisor);
      assert.deepEqual(d.raterContact, { nameMasked: '张*', phoneMasked: '138****0001', hasAccount: true });
      assert.equal(d.stepDueOn, '2026-11-19', 'classify within one working day');
      assert.deepEqual(d.allowedActions, ['classify']);
      const unitView = await ok('GET', `/api/ratings/reviews/${reviewId}`, clerk);
      assert.deepEqual(unitView.allowedActions, []);
      await refused(404, 'BAD_REVIEW_NOT_FOUND', 'GET', `/api/ratings/reviews/${reviewId}`, handler);
      await refused(403, 'FORBIDDEN', 'POST', `/api/ratings/reviews/${reviewId}/classify`, clerk, { category: 'attitude' });
      await refused(409, 'BAD_REVIEW_TRANSITION_INVALID', 'POST', `/api/ratings/reviews/${reviewId}/rectify`, clerk, { measures: '整改' });
      assert.ok((await ok('GET', '/api/ratings/reviews?state=open', clerk)).items.some((r: { id: string }) => r.id === reviewId));

      // The callback needs the rater's phone: supervisors only, audited.
      await refused(403, 'FORBIDDEN', 'POST', `/api/ratings/reviews/${reviewId}/reveal-rater`, clerk, { reason: '回访' });
      const who = await ok('POST', `/api/ratings/reviews/${reviewId}/reveal-rater`, supervisor, { reason: '差评回访' });
      assert.deepEqual([who.name, who.phone, who.accountName], ['张三', '13800000001', '张三']);

      await act(supervisor, reviewId, 'classify', { category: 'attitude', note: '服务态度' });
      d = await act(supervisor, reviewId, 'verify', { isReached: true, note: '已电话联系张三，情况属实' });
      assert.equal(d.state, 'rectifying');
      assert.equal(d.stepDueOn, '2026-11-25', 'five working days from Wednesday 18 November');
      assert.deepEqual(unitView.allowedActions, []);
      assert.deepEqual((await ok('GET', `/api/ratings/reviews/${reviewId}`, clerk)).allowedActions, ['rectify', 'explain', 'appeal']);
      await refused(409, 'BAD_REVIEW_TRANSITION_INVALID', 'POST', `/api/public/ratings/invitations/${o.inviteCode}/reviews/${reviewId}/rerate`, undefined, { level: 2 });
      d = await act(clerk, reviewId, 'rectify', { measures: '已组织窗口服务规范培训，一次性告知材料清单' });
      assert.equal(d.state, 'rectified');
      d = await act(supervisor, reviewId, 'feedback', { note: '已电话告知张三整改情况' });
      assert.equal(d.state, 'fed_back');
      await refused(400, 'BAD_REVIEW_CLOSE_NOTE_REQUIRED', 'POST', `/api/ratings/reviews/${reviewId}/close`, supervisor, {});

      // The rater sees the rectification on their page and rates it.
      const mine = (await ok('GET', '/api/ratings/mine', citizen)).items.find((x: { id: string }) => x.id === o.id);
      assert.deepEqual(mine.reviews.map((r: { measures: string; canRerate: boolean }) => [r.measures, r.canRerate]), [['已组织窗口服务规范培训，一次性告知材料清单', true]]);
      await refused(404, 'BAD_REVIEW_NOT_FOUND', 'POST', `/api/ratings/mine/reviews/${reviewId}/rerate`, await login(t.app, '13900000021'), { level: 1 });
      await ok('POST', `/api/ratings/mine/reviews/${reviewId}/rerate`, citizen, { level: 2, comment: '改进了' });
      await refused(409, 'BAD_REVIEW_REOPEN_NOT_NEEDED', 'POST', `/api/ratings/reviews/${reviewId}/reopen`, supervisor, { note: '再整改' });
      d = await act(supervisor, reviewId, 'close', {});
      assert.equal(d.state, 'closed');
      assert.deepEqual(d.events.map((e: { type: string }) => e.type), ['created', 'classified', 'verified', 'rectified', 'fed_back', 'rerated', 'closed']);
      assert.deepEqual(d.rerate, { level: 2, levelLabel: '满意', comment: '改进了', at: d.rerate.at });

      const ledger = (await ok('GET', '/api/ratings/ledger', supervisor)).items;
      assert.deepEqual(ledger.map((r: { number: string; state: string }) => [r.number, r.state]), [[d.number, 'closed']]);
      const audit = await t.platform.db.query<{ action: string }>(`SELECT action FROM platform.audit_log WHERE object_id = $1 ORDER BY at, seq`, [reviewId]);
      assert.ok(audit.some((a) => a.action === 'ratings.rater.reveal'), 'revealing the rater is audited');
    });

    test('a rerating still bad reopens the rectification with fresh working days', async () => {
      await serve(1, 'enquiry', citizen);
      const o = (await ok('GET', '/api/public/ratings/tablet/prompt', undefined, undefined, tablet())).occasion;
      const w = o.objects.find((x: { objectType: string }) => x.objectType === 'window');
      const { review } = await ok('POST', '/api/public/ratings/tablet/ratings', undefined, { occasionId: o.id, rateableId: w.rateableId, level: 4 }, tablet());
      await act(supervisor, review.id, 'classify', { category: 'efficiency' });
      await act(supervisor, review.id, 'verify', { isReached: false, note: '电话无人接听' });
      await act(clerk, review.id, 'explain', { explanation: '当日系统故障，已向市民说明' });
      await act(supervisor, review.id, 'feedback', { note: '短信告知' });
      await ok('POST', `/api/public/ratings/invitations/${o.inviteCode}/reviews/${review.id}/rerate`, undefined, { level: 5 });
      clock.advance(24 * 3600_000); // Thursday
      await signIn();
      const d = await act(supervisor, review.id, 'reopen', { note: '市民仍不满意，请再整改' });
      assert.deepEqual([d.state, d.reopenCount, d.stepDueOn], ['rectifying', 1, '2026-11-26']);
    });

    test('an appeal upheld takes the review out of every figure; a rejected one goes back', async () => {
      await serve(1, 'social');
      const o = (await ok('GET', '/api/public/ratings/tablet/prompt', undefined, undefined, tablet())).occasion;
      assert.equal(o.objects.length, 4);
      const w = o.objects.find((x: { objectType: string }) => x.objectType === 'window');
      const d0 = (await ok('POST', '/api/public/ratings/tablet/ratings', undefined, { occasionId: o.id, rateableId: w.rateableId, level: 5, comment: '随便点的' }, tablet())).review;
      const staff = o.objects.find((x: { objectType: string }) => x.objectType === 'staff');
      const d1 = (await ok('POST', `/api/public/ratings/invitations/${o.inviteCode}/ratings`, undefined, { channel: 'qr', rateableId: staff.rateableId, level: 4 })).review;
      for (const id of [d0.id, d1.id]) {
        await act(supervisor, id, 'classify', { category: 'other' });
        await act(clerk, id, 'appeal', { reason: 'mistaken', statement: '评价人表示误触' });
      }
      await refused(409, 'BAD_REVIEW_TRANSITION_INVALID', 'POST', `/api/ratings/reviews/${d0.id}/rectify`, clerk, { measures: 'x' });
      let d = await act(supervisor, d0.id, 'uphold-appeal', { note: '经回访核实为误评' });
      assert.equal(d.state, 'invalidated');
      const [rating] = await t.platform.db.query<{ is_valid: boolean }>('SELECT r.is_valid FROM ratings.rating r JOIN ratings.bad_review b ON b.rating_id = r.id WHERE b.id = $1', [d0.id]);
      assert.equal(rating!.is_valid, false);
      d = await act(supervisor, d1.id, 'reject-appeal', { note: '评价人确认不满意' });
      assert.equal(d.state, 'classified', 'back to where the appeal came from');
    });

    test('the deadline sweep warns on the due day and escalates once after it', async () => {
      await serve(1, 'residence');
      const o = (await ok('GET', '/api/public/ratings/tablet/prompt', undefined, undefined, tablet())).occasion;
      const w = o.objects.find((x: { objectType: string }) => x.objectType === 'window');
      const { review } = await ok('POST', '/api/public/ratings/tablet/ratings', undefined, { occasionId: o.id, rateableId: w.rateableId, level: 4 }, tablet());
      let d = await ok('GET', `/api/ratings/reviews/${review.id}`, supervisor);
      assert.equal(d.stepDueOn, '2026-11-20');
      await runJobs();
      assert.equal((await ok('GET', `/api/ratings/reviews/${review.id}`, supervisor)).stepSignal, 'none');
      clock.set('2026-11-20T01:00:00Z'); // Friday, the due day
      await runJobs();
      await signIn();
      d = await ok('GET', `/api/ratings/reviews/${review.id}`, supervisor);
      assert.deepEqual([d.stepSignal, d.escalationLevel], ['warned', 0]);
      clock.set('2026-11-23T01:00:00Z'); // Monday: overdue
      await runJobs();
      clock.advance(3600_000);
      await runJobs();
      await signIn();
      d = await ok('GET', `/api/ratings/reviews/${review.id}`, supervisor);
      assert.deepEqual([d.stepSignal, d.escalationLevel], ['overdue', 1]);
      assert.deepEqual(d.events.map((e: { type: string }) => e.type), ['created', 'warned', 'escalated']);
      const events = await t.platform.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM platform.outbox WHERE topic = 'ratings.bad_review.escalated' AND key = $1`, [review.id]);
      assert.equal(events[0]!.n, 1);
      // Classifying starts a new step: its signal is clear again.
      d = await act(supervisor, review.id, 'classify', { category: 'efficiency' });
      assert.deepEqual([d.stepSignal, d.stepDueOn], ['none', '2026-11-25']);
    });

    test('a completed case is rateable once its event arrives; a work order through the 12345 tracking page', async () => {
      const caseId = '01900000-0000-7000-8000-00000000c0de';
      await refused(409, 'RATING_NOT_RATEABLE', 'POST', `/api/ratings/mine/objects/case/${caseId}/ratings`, citizen, { channel: 'web', level: 1 });
      const unit = (await orgViews.findUnitByCode(t.platform.db, 'YX-SJJ'))!;
      const payload = { caseId, caseNumber: 'YX2611230001', itemCode: DEMO_ITEM_CODES.individualBusiness, unitId: unit.id, applicantAccountId: citizen.userId };
      await t.platform.db.tx((tx) => emit(tx, { topic: 'cases.case.completed', key: caseId, payload }));
      await runJobs();
      const r = await ok('POST', `/api/ratings/mine/objects/case/${caseId}/ratings`, citizen, { channel: 'web', level: 1, scores: { guide_accuracy: 2 } });
      assert.equal(r.objectType, 'case');
      const o = (await ok('GET', '/api/ratings/mine', citizen)).items.find((x: { kind: string }) => x.kind === 'case');
      assert.deepEqual(o.objects.map((x: { objectType: string; objectName: string }) => x.objectType), ['case', 'item', 'department']);
      assert.equal(o.objects.find((x: { objectType: string }) => x.objectType === 'department').objectName, '云溪区市场监督管理局');

      // Phone: the agent records what the applicant said; SMS: the link goes out through the adapter.
      const phone = await ok('POST', `/api/ratings/occasions/${o.id}/phone-ratings`, agent, { rateableId: o.objects[1].rateableId, level: 3 });
      assert.equal(phone.channel, 'phone');
      await refused(403, 'FORBIDDEN', 'POST', `/api/ratings/occasions/${o.id}/phone-ratings`, citizen, { level: 3 });
      const sent = await ok('POST', `/api/ratings/occasions/${o.id}/sms-invitation`, agent, { phone: '13800000001' });
      assert.equal(sent.sentTo, '138****0001');
      const sms = smsSenderOf(t.platform) as LoggingSmsSender;
      assert.match(sms.sent.at(-1)!.text, /\/rate\/[A-Za-z0-9_-]+\?via=sms$/);

      // 12345: created, dispatched, replied, called back and closed; the caller rates on the tracking page.
      const order = (await ok('POST', '/api/hotline/orders', agent, { kind: 'complaint', categoryCode: '1001', description: '云溪路垃圾三天没人清运', address: '云溪路12号', caller: { name: '王五', phone: '13912345678' } }, { 'idempotency-key': 'ratings-test-0001' }));
      await ok('POST', `/api/hotline/orders/${order.id}/dispatch`, agent, { leadUnitCode: 'YX-CGJ' });
      await ok('POST', `/api/hotline/orders/${order.id}/sign`, handler);
      await ok('POST', `/api/hotline/orders/${order.id}/reply`, handler, { reply: '已清运' });
      await ok('POST', `/api/hotline/orders/${order.id}/callback`, agent, { isReached: true, isResolved: true, satisfaction: 'basically_satisfied' });
      await ok('POST', `/api/hotline/orders/${order.id}/close`, agent, {});
      await ok('POST', '/api/hotline/public/orders/rate', undefined, { number: order.number, phone: '13912345678', level: 4 });
      await runJobs();
      const wo = await ok('GET', `/api/ratings/occasions/lookup?kind=work_order&source=${order.number}`, agent);
      assert.deepEqual(wo.ratings.map((x: { channel: string; level: number; objectType: string }) => [x.objectType, x.channel, x.level]), [['work_order', 'web', 4]]);
      assert.equal(wo.ratings[0].review.state, 'submitted');
      const imported = await ok('GET', `/api/ratings/reviews/${wo.ratings[0].review.id}`, supervisor);
      assert.equal(imported.responsibleUnitCode, 'YX-CGJ');
      assert.ok((await ok('GET', '/api/ratings/reviews', handler)).items.some((x: { id: string }) => x.id === imported.id), 'the handling unit sees its bad review');
    });

    test('the administrator versions the indicators and the time limits', async () => {
      const sets = (await ok('GET', '/api/ratings/indicator-sets', admin)).items;
      assert.deepEqual(sets.map((s: { kind: string; version: number; status: string }) => [s.kind, s.version, s.status]), [['hall', 1, 'active'], ['online', 1, 'active']]);
      await refused(403, 'FORBIDDEN', 'POST', '/api/ratings/indicator-sets', supervisor, { kind: 'hall', indicators: [{ code: 'overall', name: '总体' }] });
      await refused(400, 'RATING_INDICATORS_INVALID', 'POST', '/api/ratings/indicator-sets', admin, { kind: 'hall', indicators: [{ code: 'attitude', name: '服务态度' }] });
      const v2 = await ok('POST', '/api/ratings/indicator-sets', admin, { kind: 'hall', indicators: [{ code: 'overall', name: '总体评价' }, { code: 'attitude', name: '服务态度' }, { code: 'environment', name: '大厅环境' }], note: '增加大厅环境' });
      assert.deepEqual([v2.version, v2.status], [2, 'draft']);
      await ok('POST', `/api/ratings/indicator-sets/${v2.id}/activate`, admin);
      await refused(409, 'RATING_INDICATOR_SET_STATE', 'POST', `/api/ratings/indicator-sets/${v2.id}/activate`, admin);
      const settings = await ok('PATCH', '/api/ratings/settings', admin, { rectifyDays: 7 });
      assert.equal(settings.rectifyDays, 7);

      await serve(1, 'social');
      const o = (await ok('GET', '/api/public/ratings/tablet/prompt', undefined, undefined, tablet())).occasion;
      assert.equal(o.indicatorSet.version, 2);
      const w = o.objects.find((x: { objectType: string }) => x.objectType === 'window');
      await refused(400, 'RATING_SCORES_INVALID', 'POST', '/api/public/ratings/tablet/ratings', undefined, { occasionId: o.id, rateableId: w.rateableId, level: 4, scores: { competence: 3 } }, tablet());
      const { review } = await ok('POST', '/api/public/ratings/tablet/ratings', undefined, { occasionId: o.id, rateableId: w.rateableId, level: 4, scores: { environment: 5 } }, tablet());
      await act(supervisor, review.id, 'classify', { category: 'environment' });
      const d = await act(supervisor, review.id, 'verify', { isReached: true, note: '属实' });
      const today = clock.now().toISOString().slice(0, 10);
      assert.equal(d.stepDueOn, await t.platform.calendar.addWorkingDays(today, 7), 'seven working days now');
    });

    test('the disclosure figures follow the formulas, per window, department and item', async () => {
      const byWindow = await ok('GET', '/api/public/ratings/summary?by=window&from=2026-11-01&to=2026-11-30');
      const w1 = byWindow.items.find((i: { key: string }) => i.key === win[1]);
      assert.equal(w1.name, '1号 综合窗口一');
      // Cross-check the SQL counts with the pure tally over the same ratings.
      const counted = tally(await repo.countedRatings(t.platform.db, 'window', win[1]!));
      assert.deepEqual([w1.ratings, w1.goodCount, w1.badCount, w1.rectifiedCount, w1.calledBackCount], [counted.ratings, counted.good, counted.bad, counted.rectified, counted.calledBack]);
      // By hand: good window/staff/item first ratings: tablet 2, qr 1 (window) + the case is not at a window;
      // bad and valid: staff 5 (rectified, reached), window 4 (explained then reopened: not rectified now, not reached),
      // staff 4 (appeal rejected, untouched), window 4 (sweep test, untouched), window 4 (v2, reached).
      assert.deepEqual([w1.ratings, w1.goodCount, w1.badCount, w1.rectifiedCount, w1.calledBackCount], [7, 2, 5, 1, 2]);
      assert.equal(w1.goodRate, 0.2857);
      assert.equal(w1.rectificationRate, 0.2);
      assert.equal(w1.callbackRate, 0.4);

      const byDept = await ok('GET', '/api/public/ratings/summary?by=department&from=2026-11-01&to=2026-11-30');
      assert.deepEqual(byDept.items.map((i: { name: string }) => i.name).sort(), ['云溪区城市管理和综合执法局', '云溪区市场监督管理局', '云溪区政务服务数据管理局'].sort());
      assert.equal(byDept.total.ratings, byDept.items.reduce((n: number, i: { ratings: number }) => n + i.ratings, 0));
      const byItem = await ok('GET', '/api/public/ratings/summary?by=item&from=2026-11-01&to=2026-11-30');
      assert.ok(byItem.items.some((i: { name: string }) => i.name === '社保医保'));
      assert.ok(byDept.formulas.goodRate.includes('好评率'));
      await refused(400, 'RATING_PERIOD_INVALID', 'GET', '/api/public/ratings/summary?by=window&from=2026-11-30&to=2026-11-01');
      await refused(400, 'RATING_PERIOD_INVALID', 'GET', '/api/public/ratings/summary?by=window&from=2026-02-30&to=2026-03-01');
      await refused(400, 'VALIDATION_FAILED', 'GET', '/api/public/ratings/summary?by=street');
      const before = await ok('GET', '/api/public/ratings/summary?by=window&from=2026-10-01&to=2026-10-31');
      assert.deepEqual(before.items, []);
    });

    test('every change left an intact audit chain', async () => {
      const report = await verifyAuditChain(t.platform.db);
      assert.equal(report.ok, true, JSON.stringify(report));
    });
  });
}
