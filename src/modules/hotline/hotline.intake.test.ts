import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { systemActor, verifyAuditChain } from '../../platform/audit.ts';
import { fixedClock } from '../../platform/clock.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { createWorker } from '../../platform/jobs/worker.ts';
import { accountsOf } from '../org/index.ts';
import { clearDispatchAdvisor } from './hotline.reference.ts';
import { createWorkOrder, listCategories, listWorkOrders, getWorkOrder } from './index.ts';

// Intake from the channels, idempotency and numbering, privacy of the caller, clear codes for bad
// input and wrong transitions, duplicates and repeats, the unit inbox, citizens' look-ups, metrics.

type Who = Awaited<ReturnType<typeof login>>;
const DAY = 86_400_000;

for (const engine of await engines()) {
  describe(`hotline intake, privacy and bad input (${engine})`, () => {
    let t: TestApp;
    const clock = fixedClock('2026-11-24T01:30:00Z'); // Tuesday 09:30 in the district
    const who: Record<string, Who> = {};
    let ip = 0;
    const send = async (as: Who | undefined, method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) => {
      const res = await t.app.inject({ method, url, payload, remoteAddress: `10.0.0.${++ip % 250}`, headers: { ...(as ? (method === 'GET' ? as.cookieOnly : as.headers) : {}), ...headers } });
      if (res.statusCode !== 401 || !as) return res;
      const name = Object.keys(who).find((k) => who[k] === as)!;
      Object.assign(as, await login(t.app, name));
      return t.app.inject({ method, url, payload, headers: { ...(method === 'GET' ? as.cookieOnly : as.headers), ...headers } });
    };
    const expect = async (as: Who | undefined, method: 'GET' | 'POST', url: string, payload: object | undefined, status: number, code?: string) => {
      const res = await send(as, method, url, payload);
      assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
      if (code) assert.equal(res.json().code, code, res.body);
      return res.json();
    };
    const act = (as: Who, id: string, action: string, payload?: object) => expect(as, 'POST', `/api/hotline/orders/${id}/${action}`, payload, 200);
    const intake = (payload: object) => expect(who.agent, 'POST', '/api/hotline/orders', payload, 201) as Promise<{ id: string; number: string }>;
    const runJobs = () => createWorker({ queue: t.platform.jobs }).runUntilIdle();

    before(async () => {
      t = await buildTestApp(engine, { clock });
      clearDispatchAdvisor(t.platform); // the dispatch module's model is not under test here
      await accountsOf(t.platform).createStaff(
        { username: 'zjj', displayName: '承办 住建', password: 'yiwang-demo-2026', grants: [{ role: 'handling_staff', unitCode: 'YX-ZJJ' }] },
        { actor: systemActor('test') },
      );
      for (const name of ['agent', 'handler', 'supervisor', 'admin', 'zjj', '13800000001']) who[name] = await login(t.app, name);
    });
    after(() => t.close());

    test('photos: uploaded before the request, JPEG or PNG within the limit, seen only by those who see the order', async () => {
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]);
      const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]);
      const upload = (payload: Buffer | string, type = 'image/png', as?: Who) =>
        t.app.inject({
          method: 'POST', url: '/api/hotline/public/photos', remoteAddress: `10.0.1.${++ip % 250}`,
          headers: { 'content-type': type, 'x-file-name': encodeURIComponent('井盖.png'), ...(as?.headers ?? {}) }, payload,
        });
      const first = await upload(png);
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.json().mediaType, 'image/png');
      assert.equal(first.json().fileName, '井盖.png');
      const second = await upload(jpeg, 'image/jpeg');
      assert.equal(second.json().mediaType, 'image/jpeg');
      // By content, whatever the header says: a PDF is no photo here, though cases take PDFs.
      const pdf = await upload(Buffer.from('%PDF-1.7 not a photo'), 'application/pdf');
      assert.equal(pdf.statusCode, 415);
      assert.equal(pdf.json().code, 'FILE_TYPE_FORBIDDEN');
      assert.match(pdf.json().message, /只接受 JPEG、PNG 文件/);
      const tooBig = await upload(Buffer.concat([png, Buffer.alloc(21 * 1024 * 1024)]));
      assert.equal(tooBig.statusCode, 413);
      assert.match(tooBig.json().code, /FILE_TOO_LARGE|BODY_TOO_LARGE/);
      const asJson = await upload(JSON.stringify({ photo: 'base64…' }), 'application/json');
      assert.equal(asJson.statusCode, 415);
      assert.equal(asJson.json().code, 'MEDIA_TYPE_UNSUPPORTED');

      const request = { kind: 'complaint', categoryCode: '1001', description: '云溪路井盖缺失，夜里很危险', address: '云溪路', caller: { phone: '13822224444' } };
      const photoIds = [first.json().id, second.json().id];
      const order = await expect(undefined, 'POST', '/api/hotline/public/orders', { ...request, attachmentIds: photoIds }, 201);
      await expect(undefined, 'POST', '/api/hotline/public/orders', { ...request, attachmentIds: [uuidv7()] }, 400, 'WORK_ORDER_PHOTO_UNKNOWN');
      // A photo a signed-in citizen uploaded is theirs: an anonymous request cannot name it.
      const citizens = await upload(png, 'image/png', who['13800000001']);
      assert.equal(citizens.statusCode, 201, citizens.body);
      assert.equal((await t.platform.db.query<{ owner: string }>('SELECT owner_account_id AS owner FROM cases.attachment WHERE id = $1', [citizens.json().id]))[0]?.owner, who['13800000001']!.userId);
      await expect(undefined, 'POST', '/api/hotline/public/orders', { ...request, attachmentIds: [citizens.json().id] }, 400, 'WORK_ORDER_PHOTO_UNKNOWN');

      const detail = await expect(who.agent, 'GET', `/api/hotline/orders/${order.id}`, undefined, 200);
      assert.deepEqual(detail.attachmentIds, photoIds);
      const shown = await send(who.agent, 'GET', `/api/hotline/orders/${order.id}/photos/${photoIds[0]}`);
      assert.equal(shown.statusCode, 200);
      assert.equal(shown.headers['content-type'], 'image/png');
      assert.deepEqual(shown.rawPayload, png);
      await expect(who.agent, 'GET', `/api/hotline/orders/${order.id}/photos/${citizens.json().id}`, undefined, 404, 'WORK_ORDER_PHOTO_NOT_FOUND');
      await expect(undefined, 'GET', `/api/hotline/orders/${order.id}/photos/${photoIds[0]}`, undefined, 401);
      // The unit sees the photos once the order is its own.
      await expect(who.handler, 'GET', `/api/hotline/orders/${order.id}/photos/${photoIds[0]}`, undefined, 404, 'WORK_ORDER_NOT_FOUND');
      await act(who.agent!, order.id, 'dispatch', { leadUnitCode: 'YX-CGJ' });
      assert.deepEqual((await send(who.handler, 'GET', `/api/hotline/orders/${order.id}/photos/${photoIds[1]}`)).rawPayload, jpeg);
    });

    test('categories: a public tree with inherited time limits and Open311 attributes', async () => {
      const res = await send(undefined, 'GET', '/api/hotline/categories');
      assert.equal(res.statusCode, 200);
      const items = res.json().items as { code: string; parentCode: string | null; timeLimitDays: number; openService: boolean; attributes: { code: string; datatype: string }[] }[];
      const bins = items.find((c) => c.code === '1002')!;
      assert.equal(bins.parentCode, '10');
      assert.equal(bins.timeLimitDays, 3);
      assert.equal(bins.openService, true);
      assert.deepEqual(bins.attributes.map((a) => [a.code, a.datatype]), [['bin_type', 'singlevaluelist']]);
      assert.equal(items.find((c) => c.code === '1101')!.timeLimitDays, 10, 'no limit of its own: the default');
      assert.deepEqual((await listCategories(t.platform)).map((c) => c.code), items.map((c) => c.code));
      const datatypes = new Set(items.flatMap((c) => c.attributes.map((a) => a.datatype)));
      for (const d of ['string', 'number', 'datetime', 'singlevaluelist', 'multivaluelist']) assert.ok(datatypes.has(d), d);
    });

    test('numbers: district code, local date, a daily sequence that restarts each day', async () => {
      const a = await intake({ kind: 'consultation', categoryCode: '2401', description: '社保卡在哪里补办？' });
      const b = await intake({ kind: 'consultation', categoryCode: '2401', description: '公积金怎么提取？' });
      assert.match(a.number, /^YX261124\d{5}$/);
      assert.equal(Number(b.number.slice(-5)), Number(a.number.slice(-5)) + 1);
      clock.advance(DAY);
      const c = await intake({ kind: 'consultation', categoryCode: '2401', description: '不动产登记要预约吗？' });
      assert.equal(c.number, 'YX26112500001');
      const byNumber = await getWorkOrder(t.platform, c.number);
      assert.equal(byNumber?.id, c.id);
    });

    test('intakes at once are written together: every order whole, numbered without gaps, its event, outbox row and audit row', async () => {
      const ctx = { actor: systemActor('intake-burst') };
      const marker = `同时受理${randomBytes(3).toString('hex')}`;
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          // A keyed submission repeats the content of the first one with its key.
          const n = i % 2 ? i % 10 : i;
          return createWorkOrder(t.platform, { channel: 'web', kind: 'complaint', categoryCode: '1002', description: `${marker}：桂香路${n}号垃圾桶满溢`, address: `桂香路${n}号`, ...(i % 2 ? { idempotencyKey: `burst-${marker}-${n}`, idempotencySource: 'burst' } : {}) }, ctx);
        }),
      );
      // Keyed submissions 1, 3, …: keys repeat every ten, so twenty keyed submissions make five orders.
      const created = results.filter((r) => r.created);
      assert.equal(created.length, 20 + 5);
      const numbers = created.map((r) => Number(r.number.slice(-5))).sort((a, b) => a - b);
      assert.equal(new Set(numbers).size, created.length);
      const ids = created.map((r) => r.id);
      const [counts] = await t.platform.db.query<{ orders: number; events: number; outbox: number; audit: number }>(
        `SELECT (SELECT count(*)::int FROM hotline.work_order WHERE id = ANY($1::uuid[])) AS orders,
                (SELECT count(*)::int FROM hotline.work_order_event WHERE order_id = ANY($1::uuid[]) AND type = 'created') AS events,
                (SELECT count(*)::int FROM platform.outbox WHERE topic = 'hotline.work_order.created' AND key = ANY($2::text[])) AS outbox,
                (SELECT count(*)::int FROM platform.audit_log WHERE action = 'hotline.work_order.create' AND object_id = ANY($2::text[])) AS audit`,
        [ids, ids],
      );
      assert.deepEqual(counts, { orders: 25, events: 25, outbox: 25, audit: 25 });
      // Replays answer with the order their key made.
      for (let i = 1; i < 40; i += 2) assert.equal(results[i]!.id, results[i % 10]!.id);
      assert.equal((await verifyAuditChain(t.platform.db)).ok, true);
    });

    test('idempotency: the same key never creates two orders, even when sent at once; another body is refused', async () => {
      const input = { channel: 'open311' as const, kind: 'report' as const, categoryCode: '1003', description: '金沙大道夜市流动摊贩占道经营', address: '金沙大道', idempotencyKey: 'k-001', idempotencySource: 'open311:demo-client' };
      const ctx = { actor: { kind: 'token' as const, id: uuidv7(), label: 'open311 demo client' } };
      const results = await Promise.all(Array.from({ length: 6 }, () => createWorkOrder(t.platform, input, ctx)));
      assert.equal(new Set(results.map((r) => r.id)).size, 1);
      assert.equal(results.filter((r) => r.created).length, 1);
      const rows = await t.platform.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM hotline.work_order WHERE description = $1`, [input.description]);
      assert.equal(rows[0]!.n, 1);
      await assert.rejects(createWorkOrder(t.platform, { ...input, description: '另一件事' }, ctx), { code: 'IDEMPOTENCY_KEY_REUSED', status: 409 });
      // the same key from another source is another submission
      const other = await createWorkOrder(t.platform, { ...input, idempotencySource: 'open311:other-client' }, ctx);
      assert.equal(other.created, true);
      // over HTTP, the key is a header
      const body = { kind: 'suggestion', categoryCode: '1503', description: '建议增加公交线路班次', caller: { phone: '13700000000' } };
      const h = { 'idempotency-key': 'web-form-7d1e' };
      const r1 = await send(undefined, 'POST', '/api/hotline/public/orders', body, h);
      const r2 = await send(undefined, 'POST', '/api/hotline/public/orders', body, h);
      assert.deepEqual([r1.statusCode, r2.statusCode], [201, 200]);
      assert.equal(r1.json().id, r2.json().id);
    });

    test('bad input: clear 4xx codes', async () => {
      const agent = who.agent!;
      const base = { kind: 'complaint', categoryCode: '1002', description: '垃圾桶满溢', address: '桂香路' };
      await expect(agent, 'POST', '/api/hotline/orders', { ...base, categoryCode: 'X9' }, 400, 'HOTLINE_CATEGORY_UNKNOWN');
      const { description: _, ...noDescription } = base;
      await expect(agent, 'POST', '/api/hotline/orders', noDescription, 400, 'VALIDATION_FAILED');
      await expect(agent, 'POST', '/api/hotline/orders', { ...base, description: '   ' }, 400, 'WORK_ORDER_DESCRIPTION_REQUIRED');
      const { address: __, ...noPlace } = base;
      await expect(agent, 'POST', '/api/hotline/orders', noPlace, 400, 'WORK_ORDER_LOCATION_REQUIRED');
      await expect(agent, 'POST', '/api/hotline/orders', { ...noPlace, latitude: 23.1 }, 400, 'WORK_ORDER_LOCATION_INVALID');
      await expect(agent, 'POST', '/api/hotline/orders', { ...noPlace, latitude: 23.1, longitude: 113.3 }, 201);
      await expect(agent, 'POST', '/api/hotline/orders', { ...base, attributes: { bin_type: 'golden' } }, 400, 'WORK_ORDER_ATTRIBUTE_INVALID');
      await expect(agent, 'POST', '/api/hotline/orders', { ...base, attributes: { colour: 'red' } }, 400, 'WORK_ORDER_ATTRIBUTE_INVALID');
      await expect(agent, 'POST', '/api/hotline/orders', { ...base, categoryCode: '1005', description: '小区楼顶加建' }, 400, 'WORK_ORDER_ATTRIBUTE_INVALID');
      await expect(agent, 'POST', '/api/hotline/orders', { ...base, caller: { phone: '12345' } }, 400, 'PHONE_INVALID');
      await expect(agent, 'POST', '/api/hotline/orders', { ...base, unknownField: 1 }, 400, 'VALIDATION_FAILED');
      await expect(undefined, 'POST', '/api/hotline/public/orders', base, 400, 'VALIDATION_FAILED'); // the web form needs a phone
      await assert.rejects(createWorkOrder(t.platform, { ...base, channel: 'fax' } as never, { actor: systemActor('test') }), { code: 'WORK_ORDER_INVALID' });

      const { id } = await intake(base);
      await expect(agent, 'POST', `/api/hotline/orders/${id}/dispatch`, { leadUnitCode: 'YX-NOPE' }, 400, 'ORG_UNIT_UNKNOWN');
      await expect(who.handler, 'POST', `/api/hotline/orders/${id}/dispatch`, { leadUnitCode: 'YX-CGJ' }, 403, 'FORBIDDEN');
      await act(agent, id, 'dispatch', { leadUnitCode: 'YX-CGJ' });
      const refused = await expect(who.handler, 'POST', `/api/hotline/orders/${id}/reply`, { reply: '已处理' }, 409, 'WORK_ORDER_TRANSITION_INVALID');
      assert.deepEqual(refused.details.allowedFrom, ['signed', 'in_progress']);
      await expect(who.zjj, 'POST', `/api/hotline/orders/${id}/sign`, undefined, 404, 'WORK_ORDER_NOT_FOUND');
      await expect(agent, 'POST', `/api/hotline/orders/${id}/sign`, undefined, 403, 'FORBIDDEN');
      await expect(who['13800000001'], 'GET', `/api/hotline/orders/${id}`, undefined, 403, 'FORBIDDEN');
      await expect(undefined, 'GET', `/api/hotline/orders/${id}`, undefined, 401, 'AUTH_REQUIRED');
      await expect(agent, 'POST', `/api/hotline/orders/${id}/redispatch`, { leadUnitCode: 'YX-CGJ' }, 400, 'WORK_ORDER_SAME_UNIT');
      await expect(who.supervisor, 'POST', `/api/hotline/orders/${id}/supervise`, { level: 1, note: '督办' }, 409, 'WORK_ORDER_URGE_FIRST');
      await act(who.supervisor!, id, 'urge', {});
      await act(who.supervisor!, id, 'supervise', { level: 2, note: '重点督办' });
      await expect(who.supervisor, 'POST', `/api/hotline/orders/${id}/supervise`, { level: 1, note: '降级' }, 409, 'WORK_ORDER_SUPERVISION_LEVEL');
      await act(who.handler!, id, 'sign');
      await expect(agent, 'POST', `/api/hotline/orders/${id}/approve-extension`, {}, 409, 'WORK_ORDER_NO_PENDING_REQUEST');
      await act(who.handler!, id, 'request-extension', { days: 2, reason: '等待清运车' });
      await expect(who.handler, 'POST', `/api/hotline/orders/${id}/request-extension`, { days: 1, reason: '再次申请' }, 409, 'WORK_ORDER_REQUEST_PENDING');
      await expect(agent, 'POST', `/api/hotline/orders/${id}/approve-extension`, { days: 3 }, 400, 'WORK_ORDER_EXTENSION_INVALID');
      await act(who.handler!, id, 'reply', { reply: '已清运' });
      await expect(agent, 'POST', `/api/hotline/orders/${id}/callback`, { isReached: true }, 400, 'WORK_ORDER_CALLBACK_RESULT_REQUIRED');
      await act(agent, id, 'callback', { isReached: true, isResolved: true, satisfaction: 'satisfied' });
      await expect(agent, 'POST', `/api/hotline/orders/${id}/redo`, { note: '重办' }, 409, 'WORK_ORDER_REDO_NOT_NEEDED');
      await expect(who.handler, 'POST', `/api/hotline/orders/nope/sign`, undefined, 404, 'WORK_ORDER_NOT_FOUND');
    });

    test('privacy: encrypted at rest, masked for units, hidden when confidential, every reveal audited', async () => {
      const open = await intake({ kind: 'complaint', categoryCode: '1003', description: '新市路有人占道卖水果', address: '新市路', caller: { name: '赵六', phone: '13655556666' } });
      const secret = await intake({ kind: 'report', categoryCode: '1003', description: '下塘东街店铺长期占道经营', address: '下塘东街', caller: { name: '钱七', phone: '13677778888', isConfidential: true } });
      const raw = JSON.stringify(await t.platform.db.query('SELECT * FROM hotline.work_order WHERE id = ANY($1::uuid[])', [[open.id, secret.id]]));
      for (const clear of ['13655556666', '赵六', '13677778888', '钱七']) assert.ok(!raw.includes(clear), `${clear} stored in clear`);
      for (const o of [open, secret]) await act(who.agent!, o.id, 'dispatch', { leadUnitCode: 'YX-CGJ' });

      const seen = await expect(who.handler, 'GET', `/api/hotline/orders/${open.id}`, undefined, 200);
      assert.equal(seen.callerPhoneMasked, '136****6666');
      assert.equal(seen.callerNameMasked, '赵*');
      assert.ok(seen.events.every((e: { actorLabel: string | null }) => e.actorLabel === null), 'units do not see the centre staff names');
      const hidden = await expect(who.handler, 'GET', `/api/hotline/orders/${secret.id}`, undefined, 200);
      assert.equal(hidden.callerPhoneMasked, null);
      assert.equal(hidden.isConfidential, true);
      const list = await expect(who.handler, 'GET', '/api/hotline/orders?status=open', undefined, 200);
      assert.ok(!JSON.stringify(list).includes('13655556666'));
      assert.ok(list.items.length >= 2 && list.items.every((i: { leadUnitCode: string }) => i.leadUnitCode === 'YX-CGJ'), 'a unit lists only its own orders');
      const all = await expect(who.agent, 'GET', '/api/hotline/orders?status=open', undefined, 200);
      assert.ok(all.total > list.total, 'the centre lists every order');

      // Search: every word must appear (description or address); an order number's start finds it.
      const found = await expect(who.agent, 'GET', `/api/hotline/orders?q=${encodeURIComponent('占道 新市路')}`, undefined, 200);
      assert.deepEqual(found.items.map((i: { id: string }) => i.id), [open.id]);
      const both = await expect(who.agent, 'GET', `/api/hotline/orders?q=${encodeURIComponent('占道')}`, undefined, 200);
      const bothIds = both.items.map((i: { id: string }) => i.id);
      assert.ok(bothIds.includes(open.id) && bothIds.includes(secret.id));
      assert.ok(both.items.every((i: { description: string; address: string | null }) => `${i.description}${i.address ?? ''}`.includes('占道')));
      const byNumber = await expect(who.agent, 'GET', `/api/hotline/orders?q=${encodeURIComponent(open.number.toLowerCase())}`, undefined, 200);
      assert.deepEqual(byNumber.items.map((i: { id: string }) => i.id), [open.id]);
      const none = await expect(who.agent, 'GET', `/api/hotline/orders?q=${encodeURIComponent('占道 桂香路')}`, undefined, 200);
      assert.equal(none.total, 0);

      // The detail says how the caller sees the order and what they may do now.
      assert.equal(seen.viewer, 'unit');
      assert.ok(seen.allowedActions.includes('sign') && !seen.allowedActions.includes('dispatch'), seen.allowedActions.join());
      const centreView = await expect(who.agent, 'GET', `/api/hotline/orders/${open.id}`, undefined, 200);
      assert.equal(centreView.viewer, 'centre');
      assert.ok(centreView.allowedActions.includes('redispatch') && !centreView.allowedActions.includes('sign'), centreView.allowedActions.join());

      const revealed = await expect(who.handler, 'POST', `/api/hotline/orders/${open.id}/caller/reveal`, { reason: '需联系市民确认摊位位置' }, 200);
      assert.deepEqual(revealed, { name: '赵六', phone: '13655556666' });
      await expect(who.handler, 'POST', `/api/hotline/orders/${secret.id}/caller/reveal`, { reason: '核实' }, 403, 'WORK_ORDER_CONFIDENTIAL');
      await expect(who.zjj, 'POST', `/api/hotline/orders/${open.id}/caller/reveal`, { reason: '核实' }, 404, 'WORK_ORDER_NOT_FOUND');
      const agentView = await expect(who.agent, 'POST', `/api/hotline/orders/${secret.id}/caller/reveal`, { reason: '回访' }, 200);
      assert.equal(agentView.phone, '13677778888');
      const audit = await t.platform.db.query<{ actor_id: string; object_id: string; data: { reason: string } }>(
        `SELECT actor_id, object_id, data FROM platform.audit_log WHERE action = 'hotline.work_order.caller.read' ORDER BY id`,
      );
      assert.deepEqual(audit.map((a) => [a.actor_id, a.object_id, a.data.reason]), [
        [who.handler!.userId, open.id, '需联系市民确认摊位位置'],
        [who.agent!.userId, secret.id, '回访'],
      ]);
      // What other modules get is masked too.
      const listed = await listWorkOrders(t.platform, { ids: [open.id], limit: 10 });
      assert.equal(listed[0]!.callerPhoneMasked, '136****6666');
    });

    test('the unit inbox: only its subtree, most urgent first, with deadline badges', async () => {
      const a = await intake({ kind: 'complaint', categoryCode: '1007', description: '湖畔路行道树倒伏', address: '湖畔路' });
      const b = await intake({ kind: 'complaint', categoryCode: '1101', description: '翠湖苑物业不处理漏水', address: '翠湖苑' });
      await act(who.agent!, a.id, 'dispatch', { leadUnitCode: 'YX-CGJ' });
      await act(who.agent!, b.id, 'dispatch', { leadUnitCode: 'YX-ZJJ' });
      const cgj = await expect(who.handler, 'GET', '/api/hotline/inbox', undefined, 200);
      assert.ok(cgj.items.some((i: { id: string }) => i.id === a.id));
      assert.ok(!cgj.items.some((i: { id: string }) => i.id === b.id));
      const zjj = await expect(who.zjj, 'GET', '/api/hotline/inbox', undefined, 200);
      assert.deepEqual(zjj.items.map((i: { id: string }) => i.id), [b.id]);
      assert.deepEqual(zjj.items[0].badges, { sign: 'normal', finish: 'normal' });
      clock.advance(8 * 3600_000); // 17:30: past the 16:00 sign warning
      const later = await expect(who.zjj, 'GET', '/api/hotline/inbox', undefined, 200);
      assert.equal(later.items[0].badges.sign, 'warning');
      clock.advance(7 * 3600_000); // past midnight: the sign deadline has passed
      const overdue = await expect(who.zjj, 'GET', '/api/hotline/inbox', undefined, 200);
      assert.equal(overdue.items[0].badges.sign, 'overdue');
      await expect(who.agent, 'GET', '/api/hotline/inbox', undefined, 403, 'FORBIDDEN');
    });

    test('duplicates at intake, and repeats after closure linked within 30 days', async () => {
      const agent = who.agent!;
      const first = await intake({ kind: 'complaint', categoryCode: '1304', description: '沙溪路川菜馆厨房油烟直排，整栋楼都是油烟味', address: '沙溪路18号', caller: { phone: '13511112222' } });
      const hint = await expect(agent, 'GET', `/api/hotline/intake/suggestions?text=${encodeURIComponent('沙溪路那家川菜馆油烟直排很呛')}&address=${encodeURIComponent('沙溪路18号')}`, undefined, 200);
      assert.equal(hint.duplicates[0]?.id, first.id);
      assert.equal(hint.streetCode, 'YX-JSJD');
      assert.deepEqual(hint.dispatch, { units: [], streetCode: null, autoDispatch: false }, 'no advisor registered: the agent picks');
      assert.equal(hint.categoryDefaultUnitCode, null);
      const unrelated = await expect(agent, 'GET', `/api/hotline/intake/suggestions?text=${encodeURIComponent('幼儿园学位申请什么时候开始')}`, undefined, 200);
      assert.deepEqual(unrelated.duplicates, []);

      // Close the first order satisfied, then the same caller complains again about the same restaurant.
      await act(agent, first.id, 'dispatch', { leadUnitCode: 'YX-STJ' });
      await act(who.admin!, first.id, 'sign'); // the administrator holds hotline:handle over the whole district
      await act(who.admin!, first.id, 'reply', { reply: '已责令安装油烟净化器' });
      await act(agent, first.id, 'callback', { isReached: true, isResolved: true, satisfaction: 'satisfied' });
      await act(agent, first.id, 'close', {});
      clock.advance(3 * DAY);
      const again = await intake({ kind: 'complaint', categoryCode: '1304', description: '沙溪路川菜馆又开始油烟直排了', address: '沙溪路18号', caller: { phone: '135-1111-2222' } });
      const sameStreetOtherCaller = await intake({ kind: 'complaint', categoryCode: '1304', description: '沙溪路18号川菜馆油烟直排', address: '沙溪路', caller: { phone: '13599990000' } });
      const otherMatter = await intake({ kind: 'consultation', categoryCode: '2401', description: '怎么办理营业执照', caller: { phone: '13511112222' } });
      await runJobs();
      const linked = await getWorkOrder(t.platform, again.id);
      assert.equal(linked?.links.repeatOf, first.id);
      assert.ok(linked?.events.some((e) => e.type === 'repeat_linked' && e.data.repeatOfUnitCode === 'YX-STJ'));
      assert.equal((await getWorkOrder(t.platform, sameStreetOtherCaller.id))?.links.repeatOf, first.id, 'same place, same matter');
      assert.equal((await getWorkOrder(t.platform, otherMatter.id))?.links.repeatOf, null, 'same caller, another matter');
      clock.advance(31 * DAY);
      const late = await intake({ kind: 'complaint', categoryCode: '1304', description: '沙溪路川菜馆油烟直排', address: '沙溪路18号', caller: { phone: '13511112222' } });
      await runJobs();
      assert.equal((await getWorkOrder(t.platform, late.id))?.links.repeatOf, null, 'more than 30 days after closing');
    });

    test('citizens: look-up by number and phone, one answer for wrong phone and unknown number, rate-limited', async () => {
      const citizenOrder = await expect(undefined, 'POST', '/api/hotline/public/orders', { kind: 'request', categoryCode: '2301', description: '金碧雅苑停水一天了', address: '金碧雅苑', caller: { phone: '13822223333' } }, 201);
      const found = await expect(undefined, 'POST', '/api/hotline/public/orders/lookup', { number: citizenOrder.number.toLowerCase(), phone: '13822223333' }, 200);
      assert.equal(found.status, 'created');
      const wrongPhone = await expect(undefined, 'POST', '/api/hotline/public/orders/lookup', { number: citizenOrder.number, phone: '13822229999' }, 404, 'WORK_ORDER_NOT_FOUND');
      const unknown = await expect(undefined, 'POST', '/api/hotline/public/orders/lookup', { number: 'YX26010100001', phone: '13822223333' }, 404, 'WORK_ORDER_NOT_FOUND');
      assert.equal(wrongPhone.message, unknown.message);
      for (let i = 0; i < 4; i++) await expect(undefined, 'POST', '/api/hotline/public/orders/lookup', { number: citizenOrder.number, phone: `1382222000${i}` }, 404);
      await expect(undefined, 'POST', '/api/hotline/public/orders/lookup', { number: citizenOrder.number, phone: '13822223333' }, 429, 'HOTLINE_RATE_LIMITED');
      const audits = await t.platform.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'hotline.work_order.lookup'`);
      assert.ok(audits[0]!.n >= 7, 'look-ups are audited, found or not');
      await expect(undefined, 'POST', '/api/hotline/public/orders/rate', { number: citizenOrder.number, phone: '13822223333', level: 2 }, 429, 'HOTLINE_RATE_LIMITED');

      // Web submissions from one address are limited too.
      const submit = (i: number) =>
        t.app.inject({ method: 'POST', url: '/api/hotline/public/orders', remoteAddress: '10.9.9.9', payload: { kind: 'suggestion', categoryCode: '9901', description: `建议${i}`, caller: { phone: '13811110000' } } });
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await submit(i)).statusCode);
      assert.deepEqual([statuses.slice(0, 20).every((s) => s === 201), statuses[20]], [true, 429]);
    });

    test('metrics and scorecards: supervisors see every unit, a unit only its own', async () => {
      const m = await expect(who.supervisor, 'GET', '/api/hotline/metrics?from=2026-11-01T00:00:00Z', undefined, 200);
      assert.ok(m.metrics.counts.created > 10);
      assert.ok(m.metrics.counts.assignments > 0);
      assert.equal(typeof m.metrics.dispatchAccuracy.rate, 'number');
      const cards = await expect(who.supervisor, 'GET', '/api/hotline/scorecards?from=2026-11-01T00:00:00Z', undefined, 200);
      assert.ok(cards.items.some((c: { unitCode: string; unitName: string }) => c.unitCode === 'YX-CGJ' && c.unitName === '区城管局'));
      await expect(who.handler, 'GET', '/api/hotline/metrics', undefined, 403, 'FORBIDDEN');
      const own = await expect(who.handler, 'GET', '/api/hotline/scorecards/YX-CGJ?from=2026-11-01T00:00:00Z', undefined, 200);
      assert.deepEqual(own.items.map((c: { unitCode: string }) => c.unitCode), ['YX-CGJ']);
      await expect(who.handler, 'GET', '/api/hotline/scorecards/YX-ZJJ', undefined, 403, 'FORBIDDEN');
      await expect(who.supervisor, 'GET', '/api/hotline/metrics?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z', undefined, 400, 'HOTLINE_PERIOD_INVALID');
    });
  });
}
