import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { fixedClock } from '../../platform/clock.ts';
import { createWorker } from '../../platform/jobs/worker.ts';
import { systemActor } from '../../platform/audit.ts';
import { BUNDLE_CODES, DEMO_ITEM_CODES, demoCatalog, importCatalog } from '../catalog/index.ts';
import { accountsOf } from '../org/index.ts';
import { sweepDeadlines } from './index.ts';
import { TEST_ITEMS, testCatalog } from './fixtures/test-catalog.ts';

// The cases API end to end on both engines: every path (online, window, mail) for single items and
// each demo bundle, the lifecycle with its refusals, materials and their limits, idempotency,
// deadlines on the 2026 calendar, notices, metrics and the exchange export.

type Session = { userId: string; headers: Record<string, string>; cookieOnly: Record<string, string> };
type Json = Record<string, any>;

const pdf = (label = randomBytes(6).toString('hex')) => Buffer.from(`%PDF-1.7\n% ${label}\n1 0 obj <<>> endobj\n%%EOF\n`);
const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(32)]);

const codeByName = (name: string) => {
  const it = demoCatalog().items.find((i) => i.versions.at(-1)!.elements.name === name)!;
  return it.handlingCode ?? it.implementationCode;
};

const forms: Record<string, Json> = {
  [DEMO_ITEM_CODES.individualBusiness]: { 'business-name': '云溪张记小吃店', 'applicant-name': '张三', 'applicant-id-number': '440106198001010019', 'contact-phone': '13800000001', 'premises-address': '云溪街道桂香路 12 号', 'business-scope': '小吃服务', capital: 5 },
  [DEMO_ITEM_CODES.foodLicenceNew]: { 'business-name': '云溪张记小吃店', 'applicant-name': '张三', 'applicant-id-number': '440106198001010019', 'contact-phone': '13800000001', 'premises-address': '云溪街道桂香路 12 号', 'food-business-kind': '热食类食品制售' },
  [DEMO_ITEM_CODES.pension]: { 'applicant-name': '张三', 'applicant-id-number': '440106198001010019', 'contact-phone': '13800000001', 'retirement-date': '2026-03-01' },
};

for (const engine of await engines()) {
  describe(`cases API (${engine})`, () => {
    let t: TestApp;
    const clock = fixedClock('2026-03-02T01:30:00Z'); // Monday 09:30 in Yunxi
    const s: Record<string, Session> = {};

    const call = async (who: Session | undefined, method: string, url: string, payload?: unknown, headers: Json = {}) => {
      const res = await t.app.inject({ method: method as 'GET', url, headers: { ...(who?.headers ?? {}), ...headers }, ...(payload === undefined ? {} : { payload: payload as Json }) });
      return { status: res.statusCode, body: res.body ? (res.headers['content-type']?.toString().startsWith('application/json') ? res.json() : res.body) : null, raw: res };
    };
    const ok = async (who: Session, method: string, url: string, payload?: unknown, headers?: Json) => {
      const r = await call(who, method, url, payload, headers);
      assert.ok(r.status < 300, `${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as Json;
    };
    const upload = (who: Session, id: string, key: string, bytes: Buffer, type = 'application/pdf', name = `${key}.pdf`) =>
      t.app.inject({ method: 'POST', url: `/api/cases/${id}/materials/${key}/files`, headers: { ...who.headers, 'content-type': type, 'x-file-name': encodeURIComponent(name) }, payload: bytes });

    /** Supplies every material the applicant must bring: uploads online, paper originals at the window. */
    const supply = async (who: Session, c: Json, how: 'upload' | 'paper') => {
      for (const m of c.materials as Json[]) {
        if (!m.isRequired || m.isSatisfied || m.sourceKind !== 'applicant') continue;
        if (how === 'upload') {
          const r = await upload(who, c.id, m.key, pdf());
          assert.equal(r.statusCode, 201, r.body);
        } else await ok(who, 'POST', `/api/cases/${c.id}/materials/${m.key}`, { source: 'paper', note: '原件已核验' });
      }
    };

    /** Review steps, decision and completion by whoever the step names; returns the completed case. */
    const review = async (id: string, reviewerFor: (role: string) => Session, decision: 'granted' | 'refused' = 'granted') => {
      for (let guard = 0; guard < 10; guard++) {
        const c = await ok(s.admin!, 'GET', `/api/cases/${id}`);
        if (c.state !== 'in_review') break;
        const step = c.steps[c.currentStep];
        const who = reviewerFor(step.role);
        if (c.currentStep < c.steps.length - 1) await ok(who, 'POST', `/api/cases/${id}/steps/pass`, { opinion: `${step.name}通过` });
        else await ok(who, 'POST', `/api/cases/${id}/decide`, decision === 'granted' ? { decision, summary: '符合条件' } : { decision, reasons: ['经营场所不符合要求'] });
      }
      const c = await ok(s.admin!, 'GET', `/api/cases/${id}`);
      assert.equal(c.state, 'decided');
      const who = reviewerFor(c.steps.at(-1).role);
      return ok(who, 'POST', `/api/cases/${id}/complete`, { result: { summary: '办结', licenceName: '证照', licenceNumber: `YX-${c.number}` } });
    };

    // Each sign-in comes from its own address: the per-address throttle (30 per 5 minutes) is not what is tested here.
    let signIns = 0;
    const login = async (app: TestApp['app'], username: string) => {
      signIns += 1;
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'yiwang-demo-2026' }, remoteAddress: `10.9.${signIns >> 8}.${signIns & 255}` });
      assert.equal(res.statusCode, 200, res.body);
      const cookie = res.cookies.find((c) => c.name === 'yw_session')!;
      return { userId: res.json().user.id as string, headers: { cookie: `yw_session=${cookie.value}`, 'x-csrf-token': res.json().csrfToken as string }, cookieOnly: { cookie: `yw_session=${cookie.value}` } };
    };

    /** Moves the clock; sessions idle for eight hours expire, so everyone signs in again. */
    const at = async (iso: string) => {
      clock.set(iso);
      for (const u of ['admin', 'clerk', 'approver', 'supervisor']) s[u] = await login(t.app, u);
      s.citizen = await login(t.app, '13800000001');
      s.enterprise = await login(t.app, '13800000002');
      s['YX-SJJ:approver'] = s.approver!;
    };

    const reviewers = (unit: string) => (role: string) => s[`${unit}:${role}`] ?? s.admin!;

    /** One single item through a path, from draft to delivery. */
    const applyAndComplete = async (itemCode: string, path: 'online' | 'window' | 'mail', unit: string) => {
      const applicantSession = s.citizen!;
      const creator = path === 'online' ? applicantSession : s.clerk!;
      const body: Json = { itemCode, channel: path, form: forms[itemCode] ?? {} };
      if (path !== 'online') body.applicant = { type: 'person', name: '李四', idType: 'id_card', idNumber: '440106198001010019', phone: '13900000009' };
      if (path === 'mail') body.mailTracking = 'SF1234567890';
      let c = await ok(creator, 'POST', '/api/cases', body, { 'idempotency-key': `create-${path}-${itemCode}-${randomBytes(3).toString('hex')}` });
      await supply(creator, c, path === 'window' ? 'paper' : 'upload');
      c = await ok(creator, 'POST', `/api/cases/${c.id}/submit`, {});
      assert.equal(c.state, 'submitted');
      assert.match(c.number, /^YXBJ\d{6}\d{5}$/);
      if (path === 'online') await ok(s.clerk!, 'POST', `/api/cases/${c.id}/pre-review`, {});
      c = await ok(s.clerk!, 'POST', `/api/cases/${c.id}/accept`, {});
      assert.equal(c.state, 'in_review');
      assert.ok(c.deadlines.promisedDueOn, 'a promised due date once accepted');
      c = await review(c.id, reviewers(unit));
      assert.equal(c.state, 'completed');
      const method = path === 'mail' && c.deadlines ? 'post' : 'window';
      const canPost = demoCatalog().items.find((i) => (i.handlingCode ?? i.implementationCode) === itemCode)!.versions.at(-1)!.elements.isMailSupported;
      c = await ok(s.clerk!, 'POST', `/api/cases/${c.id}/deliver`, method === 'post' && canPost ? { method: 'post', trackingNumber: 'EMS0001' } : { method: 'window', recipient: '本人' });
      assert.equal(c.state, 'delivered');
      return c;
    };

    before(async () => {
      t = await buildTestApp(engine, { clock });
      await importCatalog(t.platform, testCatalog(), { actor: systemActor('test') });
      const accounts = accountsOf(t.platform);
      const staff: [string, string, string][] = [
        ['gaj-approver', 'approver', 'YX-GAJ'],
        ['gaj-clerk', 'window_clerk', 'YX-GAJ'],
        ['mzj-staff', 'handling_staff', 'YX-MZJ'],
        ['mzj-approver', 'approver', 'YX-MZJ'],
        ['yxjd-staff', 'handling_staff', 'YX-YXJD'],
        ['yxjd-approver', 'approver', 'YX-YXJD'],
        ['rsj-approver', 'approver', 'YX-RSJ'],
        ['rsj-clerk', 'window_clerk', 'YX-RSJ'],
        ['hpjd-clerk', 'window_clerk', 'YX-HPJD'],
      ];
      for (const [username, role, unitCode] of staff) {
        await accounts.createStaff({ username, displayName: username, password: 'yiwang-demo-2026', grants: [{ role: role as 'approver', unitCode }] }, { actor: systemActor('test') });
      }
      for (const u of ['admin', 'clerk', 'approver', 'supervisor', ...staff.map((x) => x[0])]) s[u] = await login(t.app, u);
      s.citizen = await login(t.app, '13800000001');
      s.enterprise = await login(t.app, '13800000002');
      for (const [u, role, unit] of staff) {
        s[`${unit}:${role}`] = s[u]!;
      }
      s['YX-SJJ:approver'] = s.approver!;
    });
    after(() => t.close());

    test('five items, each through every path (online, window, mail), from draft to delivery', async () => {
      const items: [string, string][] = [
        [DEMO_ITEM_CODES.individualBusiness, 'YX-SJJ'],
        [DEMO_ITEM_CODES.foodLicenceNew, 'YX-SJJ'],
        [DEMO_ITEM_CODES.minimumLiving, 'YX-MZJ'],
        [DEMO_ITEM_CODES.temporaryAssistance[0]!, 'YX-YXJD'],
        [DEMO_ITEM_CODES.pension, 'YX-RSJ'],
        [codeByName('犬只登记（养犬登记证核发）'), 'YX-GAJ'],
      ];
      const numbers = new Set<string>();
      for (const [code, unit] of items) {
        for (const path of ['online', 'window', 'mail'] as const) {
          const c = await applyAndComplete(code, path, unit);
          numbers.add(c.number);
          assert.equal(c.channel, path);
          assert.ok(c.timeline.some((e: Json) => e.action === 'accept') && c.timeline.some((e: Json) => e.action === 'decide'));
        }
      }
      assert.equal(numbers.size, items.length * 3, 'case numbers are unique');
    });

    test('each demo bundle through every path: one application, child cases in parallel, dependencies respected, one delivery', async () => {
      const paths = ['online', 'window', 'mail'] as const;
      for (const [bundle, path] of Object.values(BUNDLE_CODES).flatMap((b) => paths.map((p) => [b, p] as const))) {
        // Opening a restaurant is an enterprise's matter; a birth or a retirement a person's.
        const creator = path !== 'online' ? s.clerk! : bundle === BUNDLE_CODES.restaurant ? s.enterprise! : s.citizen!;
        const optional = bundle === BUNDLE_CODES.restaurant ? [DEMO_ITEM_CODES.shopSign] : bundle === BUNDLE_CODES.retirement ? [DEMO_ITEM_CODES.housingFund] : [];
        const body: Json = { bundleCode: bundle, channel: path, optionalItems: optional, form: {} };
        if (path !== 'online') body.applicant = { type: 'person', name: '王五', idType: 'id_card', idNumber: '440106198001010019', phone: '13900000008' };
        if (path === 'mail') body.mailTracking = `SF-${bundle}`;
        let c = await ok(creator, 'POST', '/api/cases', body);
        assert.equal(c.channel, path);
        assert.equal(c.kind, 'bundle');
        const fields = (await ok(s.admin!, 'GET', `/api/cases/${c.id}`)).materials;
        assert.ok(fields.length > 0);
        // Fill the combined form with plausible values for whatever it asks.
        const fill: Json = {};
        const known: Json = { ...forms[DEMO_ITEM_CODES.individualBusiness], ...forms[DEMO_ITEM_CODES.pension], 'baby-name': '王小宝', 'birth-date': '2026-02-20', 'food-business-kind': '热食类食品制售', 'public-place-kind': '茶座、咖啡馆', seats: 20 };
        const draftErr = await call(creator, 'POST', `/api/cases/${c.id}/submit`, {});
        if (draftErr.status === 422 && (draftErr.body as Json).code === 'CASE_FORM_INVALID') {
          for (const p of (draftErr.body as Json).details as Json[]) {
            const key = p.path.replace('/form/', '');
            fill[key] = known[key] ?? '云溪';
          }
          c = await ok(creator, 'PATCH', `/api/cases/${c.id}`, { form: fill });
        }
        await supply(creator, c, path === 'window' ? 'paper' : 'upload');
        c = await ok(creator, 'POST', `/api/cases/${c.id}/submit`, {});
        assert.equal(c.state, 'submitted');
        assert.ok(c.children.length >= 3, `${bundle} has child cases`);
        assert.ok(c.children.every((ch: Json) => ch.number.startsWith(`${c.number}-`)));
        c = await ok(s.clerk!, 'POST', `/api/cases/${c.id}/accept`, {});
        assert.equal(c.state, 'in_review');
        assert.ok(c.deadlines.promisedDueOn);
        // Items without upstream run in parallel; the others wait for them.
        const first = c.children.filter((ch: Json) => ch.state === 'in_review');
        const waiting = c.children.filter((ch: Json) => ch.state === 'waiting');
        assert.ok(first.length >= 1 && waiting.length >= 1, JSON.stringify(c.children.map((x: Json) => x.state)));
        // A child is handled by its own unit's steps; the bundle parent refuses step actions.
        assert.equal((await call(s.admin!, 'POST', `/api/cases/${c.id}/steps/pass`, { opinion: 'x' })).body.code, 'CASE_BUNDLE_PARENT');
        assert.equal((await call(s.clerk!, 'POST', `/api/cases/${first[0].id}/accept`, {})).body.code, 'CASE_BUNDLE_ITEM');
        for (let round = 0; round < 5; round++) {
          const parent = await ok(s.admin!, 'GET', `/api/cases/${c.id}`);
          const ready = parent.children.filter((ch: Json) => ch.state === 'in_review');
          if (ready.length === 0) break;
          for (const ch of ready) await review(ch.id, () => s.admin!);
        }
        c = await ok(s.admin!, 'GET', `/api/cases/${c.id}`);
        assert.equal(c.state, 'completed', JSON.stringify(c.children.map((x: Json) => [x.title, x.state])));
        assert.equal(c.decision, 'granted');
        c = await ok(s.clerk!, 'POST', `/api/cases/${c.id}/deliver`, path === 'window' ? { method: 'window' } : { method: 'post', trackingNumber: `EMS-${bundle}-${path}` });
        assert.equal(c.state, 'delivered');
        assert.ok(c.children.every((ch: Json) => ch.state === 'delivered'), 'one pickup delivers every item');
      }
    });

    test('bad input: unpublished, cancelled, non-applicable items; wrong channel; missing materials and form fields', async () => {
      const refuse = async (who: Session, body: Json, code: string, status: number) => {
        const r = await call(who, 'POST', '/api/cases', body);
        assert.equal(r.status, status, JSON.stringify(r.body));
        assert.equal((r.body as Json).code, code);
      };
      await refuse(s.citizen!, { itemCode: TEST_ITEMS.cancelled, channel: 'online' }, 'CASE_ITEM_UNAVAILABLE', 422);
      await refuse(s.citizen!, { itemCode: TEST_ITEMS.draftOnly, channel: 'online' }, 'CASE_ITEM_UNAVAILABLE', 422);
      await refuse(s.citizen!, { itemCode: '9999999999', channel: 'online' }, 'CASE_ITEM_UNAVAILABLE', 422);
      await refuse(s.citizen!, { itemCode: codeByName('内地居民结婚登记'), channel: 'online' }, 'CASE_CHANNEL_UNSUPPORTED', 422);
      await refuse(s.citizen!, { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'window' }, 'CASE_CHANNEL_FORBIDDEN', 403);
      await refuse(s.clerk!, { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'window' }, 'CASE_APPLICANT_REQUIRED', 400);
      await refuse(s.clerk!, { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'window', applicant: { type: 'person', name: '李四', idType: 'id_card', idNumber: '440106198001010018' } }, 'CASE_APPLICANT_INVALID', 400);
      await refuse(s['hpjd-clerk']!, { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'window', receivingUnitCode: 'YX-ZSJ', applicant: { type: 'person', name: '李四' } }, 'CASE_UNIT_FORBIDDEN', 403);
      await refuse(s.citizen!, { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'online', form: { 'no-such-field': 'x' } }, 'CASE_FORM_INVALID', 422);
      await refuse(s.citizen!, { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'online', extra: 1 }, 'VALIDATION_FAILED', 400);

      const c = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'online', form: forms[DEMO_ITEM_CODES.individualBusiness] });
      const missing = await call(s.citizen!, 'POST', `/api/cases/${c.id}/submit`, {});
      assert.equal(missing.status, 422);
      assert.equal(missing.body.code, 'CASE_MATERIALS_MISSING');
      assert.deepEqual(missing.body.details.map((d: Json) => d.key).sort(), ['individual-business-application', 'premises-proof']);
      // Files: over the limit, a forbidden type (by content, whatever the name says), empty.
      const big = Buffer.concat([pdf(), Buffer.alloc(21 * 1024 * 1024)]);
      const tooBig = await upload(s.citizen!, c.id, 'premises-proof', big);
      assert.equal(tooBig.statusCode, 413);
      assert.match(tooBig.json().code, /FILE_TOO_LARGE|BODY_TOO_LARGE/);
      const exe = await upload(s.citizen!, c.id, 'premises-proof', Buffer.concat([Buffer.from('MZ'), randomBytes(64)]), 'application/pdf', 'lease.pdf');
      assert.equal(exe.statusCode, 415);
      assert.equal(exe.json().code, 'FILE_TYPE_FORBIDDEN');
      const html = await upload(s.citizen!, c.id, 'premises-proof', Buffer.from('<html><script>alert(1)</script></html>'), 'application/pdf', 'lease.pdf');
      assert.equal(html.json().code, 'FILE_TYPE_FORBIDDEN');
      const empty = await upload(s.citizen!, c.id, 'premises-proof', Buffer.alloc(0));
      assert.ok(empty.statusCode === 400 || empty.statusCode === 415, empty.body);
      const unknownKey = await upload(s.citizen!, c.id, 'no-such-material', pdf());
      assert.equal(unknownKey.json().code, 'CASE_MATERIAL_UNKNOWN');
      // Nothing refused was recorded.
      const after = await ok(s.citizen!, 'GET', `/api/cases/${c.id}`);
      assert.equal(after.materials.find((m: Json) => m.key === 'premises-proof').files.length, 0);
      // Someone else's case is not found, not forbidden.
      assert.equal((await call(s.enterprise!, 'GET', `/api/cases/${c.id}`)).status, 404);
      assert.equal((await call(s.enterprise!, 'POST', `/api/cases/${c.id}/submit`, {})).status, 404);
    });

    test('idempotency: a retried creation or submission never makes a second case; a reused key with another body is refused', async () => {
      const body = { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'online', form: forms[DEMO_ITEM_CODES.individualBusiness] };
      const key = { 'idempotency-key': 'apply-ib-20260302-0001' };
      const [a, b] = await Promise.all([call(s.citizen!, 'POST', '/api/cases', body, key), call(s.citizen!, 'POST', '/api/cases', body, key)]);
      assert.deepEqual([a.status, b.status].sort(), [200, 201]);
      assert.equal(a.body.id, b.body.id);
      const other = await call(s.citizen!, 'POST', '/api/cases', { ...body, form: {} }, key);
      assert.equal(other.status, 409);
      assert.equal(other.body.code, 'IDEMPOTENCY_KEY_REUSED');
      await supply(s.citizen!, a.body, 'upload');
      const submitKey = { 'idempotency-key': 'submit-ib-20260302-0001' };
      const first = await ok(s.citizen!, 'POST', `/api/cases/${a.body.id}/submit`, {}, submitKey);
      const again = await ok(s.citizen!, 'POST', `/api/cases/${a.body.id}/submit`, {}, submitKey);
      assert.equal(again.number, first.number);
      const noKey = await call(s.citizen!, 'POST', `/api/cases/${a.body.id}/submit`, {});
      assert.equal(noKey.status, 409);
      assert.equal(noKey.body.code, 'CASE_TRANSITION_INVALID');
      const mine = await ok(s.citizen!, 'GET', `/api/cases?queue=mine&q=${first.number}`);
      assert.equal(mine.total, 1);
    });

    test('materials: content-addressed, reused across cases (材料复用), e-licence and shared data marked as sources', async () => {
      const c1 = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'online', form: forms[DEMO_ITEM_CODES.individualBusiness] });
      const lease = pdf('lease-2026');
      const up = await upload(s.citizen!, c1.id, 'premises-proof', lease, 'application/octet-stream', '租赁合同.pdf');
      assert.equal(up.statusCode, 201);
      const f = up.json();
      assert.equal(f.mediaType, 'application/pdf');
      assert.equal(f.fileName, '租赁合同.pdf');
      assert.equal(f.sha256, (await import('node:crypto')).createHash('sha256').update(lease).digest('hex'));
      const dl = await call(s.citizen!, 'GET', `/api/cases/${c1.id}/materials/${f.id}/file`);
      assert.equal(dl.status, 200);
      assert.deepEqual(dl.raw.rawPayload, lease);
      await upload(s.citizen!, c1.id, 'individual-business-application', png(), 'image/png', 'form.png');
      await ok(s.citizen!, 'POST', `/api/cases/${c1.id}/submit`, {});
      const idCard = (await ok(s.citizen!, 'GET', `/api/cases/${c1.id}`)).materials.find((m: Json) => m.key === 'applicant-id-card');
      assert.equal(idCard.sourceKind, 'licence');
      assert.equal(idCard.files[0].source, 'licence');

      const c2 = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: DEMO_ITEM_CODES.foodLicenceNew, channel: 'online', form: forms[DEMO_ITEM_CODES.foodLicenceNew] });
      const reusable = await ok(s.citizen!, 'GET', `/api/cases/reusable-materials?key=premises-proof&caseId=${c2.id}`);
      const earlier = reusable.items.find((m: Json) => m.sha256 === f.sha256);
      assert.ok(earlier, 'the lease submitted before is offered for reuse');
      const reused = await ok(s.citizen!, 'POST', `/api/cases/${c2.id}/materials/premises-proof`, { source: 'reuse', materialId: earlier.id });
      assert.equal(reused.sha256, f.sha256);
      assert.equal(reused.source, 'reuse');
      // Another person's file is never reusable.
      const theirs = await call(s.enterprise!, 'POST', '/api/cases', { itemCode: DEMO_ITEM_CODES.foodLicenceNew, channel: 'online' });
      const steal = await call(s.enterprise!, 'POST', `/api/cases/${theirs.body.id}/materials/premises-proof`, { source: 'reuse', materialId: earlier.id });
      assert.equal(steal.status, 404);
      assert.equal(steal.body.code, 'CASE_MATERIAL_NOT_REUSABLE');
      // Paper originals are a clerk's record, not an applicant's claim.
      assert.equal((await call(s.citizen!, 'POST', `/api/cases/${c2.id}/materials/food-layout`, { source: 'paper' })).body.code, 'CASE_ACTION_FORBIDDEN');
      // The business licence is the result of another item: supplied, not uploaded.
      assert.equal(c2.materials.find((m: Json) => m.key === 'business-licence').sourceKind, 'item_result');
      // Attachments outside a case (the hotline's photos) go through the same checks and store.
      const photo = png();
      const att = await t.app.inject({ method: 'POST', url: '/api/cases/attachments?purpose=hotline.photo', headers: { ...s.citizen!.headers, 'content-type': 'image/png', 'x-file-name': 'pothole.png' }, payload: photo });
      assert.equal(att.statusCode, 201, att.body);
      assert.equal(att.json().mediaType, 'image/png');
      assert.deepEqual((await call(s.citizen!, 'GET', `/api/cases/attachments/${att.json().id}`)).raw.rawPayload, photo);
      assert.equal((await call(s.enterprise!, 'GET', `/api/cases/attachments/${att.json().id}`)).status, 404);
      const badAtt = await t.app.inject({ method: 'POST', url: '/api/cases/attachments?purpose=hotline.photo', headers: { ...s.citizen!.headers, 'content-type': 'image/png' }, payload: Buffer.from('GIF89a....') });
      assert.equal(badAtt.json().code, 'FILE_TYPE_FORBIDDEN');
      const shared = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: DEMO_ITEM_CODES.residencePermit, channel: 'online' });
      assert.equal(shared.materials.find((m: Json) => m.key === 'residence-proof').files[0].source, 'shared_data');
    });

    test('lifecycle: one-time correction, resubmission, refusals with reasons and rights, out-of-order and out-of-unit refusals', async () => {
      const c = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: DEMO_ITEM_CODES.foodLicenceNew, channel: 'online', form: forms[DEMO_ITEM_CODES.foodLicenceNew] });
      await supply(s.citizen!, c, 'upload');
      await ok(s.citizen!, 'POST', `/api/cases/${c.id}/submit`, {});
      // Out of order: no decision before acceptance; not by the applicant; not by a clerk elsewhere.
      assert.equal((await call(s.approver!, 'POST', `/api/cases/${c.id}/decide`, { decision: 'granted' })).body.code, 'CASE_UNIT_FORBIDDEN');
      assert.equal((await call(s.citizen!, 'POST', `/api/cases/${c.id}/accept`, {})).body.code, 'CASE_ACTION_FORBIDDEN');
      const outside = await call(s['hpjd-clerk']!, 'POST', `/api/cases/${c.id}/accept`, {});
      assert.equal(outside.status, 404, 'a clerk of another unit does not even see it');
      assert.equal((await call(s.clerk!, 'POST', `/api/cases/${c.id}/correction`, { items: [] })).body.code, 'CASE_CORRECTION_EMPTY');
      let v = await ok(s.clerk!, 'POST', `/api/cases/${c.id}/correction`, { items: [{ materialKey: 'food-layout', note: '平面图未标明各功能区面积' }, { note: '健康证明须在有效期内' }] });
      assert.equal(v.state, 'correcting');
      assert.equal((await call(s.clerk!, 'POST', `/api/cases/${c.id}/correction`, { items: [{ note: '再补一项' }] })).body.code, 'CASE_TRANSITION_INVALID');
      assert.equal((await call(s.clerk!, 'POST', `/api/cases/${c.id}/accept`, {})).status, 409);
      const fix = await upload(s.citizen!, c.id, 'food-layout', pdf('layout-v2'));
      assert.equal(fix.statusCode, 201);
      v = await ok(s.citizen!, 'POST', `/api/cases/${c.id}/resubmit`, {});
      assert.equal(v.state, 'pre_review');
      const second = await call(s.clerk!, 'POST', `/api/cases/${c.id}/correction`, { items: [{ note: '又发现一处' }] });
      assert.equal(second.body.code, 'CASE_CORRECTION_ALREADY_SENT', 'everything to correct is told at once, once');
      // Materials are closed once the application is back in pre-review.
      assert.equal((await upload(s.citizen!, c.id, 'food-layout', pdf())).json().code, 'CASE_MATERIALS_LOCKED');
      v = await ok(s.clerk!, 'POST', `/api/cases/${c.id}/accept`, {});
      // Return and pass the review steps; decide only at the last one.
      assert.equal((await call(s.approver!, 'POST', `/api/cases/${c.id}/steps/return`, { opinion: 'x' })).body.code, 'CASE_STEP_FIRST');
      assert.equal((await call(s.approver!, 'POST', `/api/cases/${c.id}/decide`, { decision: 'granted' })).body.code, 'CASE_STEPS_PENDING');
      await ok(s.approver!, 'POST', `/api/cases/${c.id}/steps/pass`, { opinion: '现场核查合格' });
      assert.equal((await call(s.approver!, 'POST', `/api/cases/${c.id}/steps/pass`, { opinion: 'x' })).body.code, 'CASE_STEP_FINAL');
      v = await ok(s.approver!, 'POST', `/api/cases/${c.id}/steps/return`, { opinion: '核查记录不全，退回' });
      assert.equal(v.currentStep, 0);
      await ok(s.approver!, 'POST', `/api/cases/${c.id}/steps/pass`, { opinion: '补全核查记录' });
      assert.equal((await call(s.approver!, 'POST', `/api/cases/${c.id}/decide`, { decision: 'refused' })).body.code, 'CASE_REASONS_REQUIRED');
      v = await ok(s.approver!, 'POST', `/api/cases/${c.id}/decide`, { decision: 'refused', reasons: ['加工区与就餐区未分隔'] });
      assert.equal(v.decision, 'refused');
      const decided = v.timeline.find((e: Json) => e.action === 'decide');
      assert.match(decided.data.notice.body, /行政复议/);
      assert.match(decided.data.notice.body, /行政诉讼/);
      v = await ok(s.approver!, 'POST', `/api/cases/${c.id}/complete`, {});
      assert.equal((await call(s.citizen!, 'POST', `/api/cases/${c.id}/withdraw`, {})).body.code, 'CASE_TRANSITION_INVALID');

      // 不予受理 with reasons; withdrawal; termination.
      const r = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'online', form: forms[DEMO_ITEM_CODES.individualBusiness] });
      await supply(s.citizen!, r, 'upload');
      await ok(s.citizen!, 'POST', `/api/cases/${r.id}/submit`, {});
      assert.equal((await call(s.clerk!, 'POST', `/api/cases/${r.id}/refuse`, { reasons: [] })).body.code, 'CASE_REASONS_REQUIRED');
      v = await ok(s.clerk!, 'POST', `/api/cases/${r.id}/refuse`, { reasons: ['经营场所位于禁止经营区域，不属于本机关职权范围'] });
      assert.equal(v.state, 'not_accepted');
      assert.match(v.timeline.at(-1).data.notice.body, /行政复议/);
      const w = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'online', form: forms[DEMO_ITEM_CODES.individualBusiness] });
      await supply(s.citizen!, w, 'upload');
      await ok(s.citizen!, 'POST', `/api/cases/${w.id}/submit`, {});
      assert.equal((await ok(s.citizen!, 'POST', `/api/cases/${w.id}/withdraw`, { reason: '不再开店' })).state, 'withdrawn');
      const d = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'online' });
      assert.equal((await call(s.citizen!, 'DELETE', `/api/cases/${d.id}`)).status, 204);
      assert.equal((await call(s.citizen!, 'GET', `/api/cases/${d.id}`)).status, 404);
    });

    test('deadlines: 容缺受理, special procedure stops the clock, one capped extension, across National Day 2026 (调休)', async () => {
      await at('2026-09-24T02:00:00+08:00'); // Thursday before 中秋 (9/25–27) and 国庆 (10/1–7); 9/20 and 10/10 are make-up working days
      const c = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: TEST_ITEMS.deferrable, channel: 'online' });
      for (const m of c.materials as Json[]) if (m.isRequired && m.sourceKind === 'applicant' && m.key !== 'premises-proof') await upload(s.citizen!, c.id, m.key, pdf());
      const sub = await ok(s.citizen!, 'POST', `/api/cases/${c.id}/submit`, {});
      assert.equal(sub.correctionNoticeDueOn, '2026-10-09', '5 working days after 9/24: 9/28, 9/29, 9/30, 10/9 (wait: 10/8), 10/9');
      const plain = await call(s.clerk!, 'POST', `/api/cases/${c.id}/accept`, {});
      assert.equal(plain.body.code, 'CASE_MATERIALS_MISSING');
      assert.equal(plain.body.details[0].isDeferrable, true);
      assert.equal((await call(s.clerk!, 'POST', `/api/cases/${c.id}/accept-deferred`, { materials: ['food-licence-application'], commitmentDueOn: '2026-10-15', commitment: 'x' })).body.code, 'CASE_MATERIAL_NOT_DEFERRABLE');
      let v = await ok(s.clerk!, 'POST', `/api/cases/${c.id}/accept-deferred`, { materials: ['premises-proof'], commitmentDueOn: '2026-10-15', commitment: '承诺 10 月 15 日前补交租赁合同' });
      assert.equal(v.acceptedOn, '2026-09-24');
      // 20 working days from 9/24 (not counted): 9/28–9/30 (3), 10/8–10/10 (3, 10/10 is a Saturday make-up day), 10/12–10/16 (5), 10/19–10/23 (5), 10/26–10/29 (4)
      assert.equal(v.deadlines.legalDueOn, '2026-10-29');
      assert.equal(v.deadlines.promisedDueOn, '2026-10-15');
      assert.ok(v.deadlines.explanation.some((l: string) => l.includes('国庆节') && l.includes('调休上班日 2026-10-10')), v.deadlines.explanation.join('\n'));
      assert.deepEqual(v.deferredMaterials, ['premises-proof']);

      await at('2026-10-12T02:00:00+08:00'); // Monday
      v = await ok(s.approver!, 'POST', `/api/cases/${c.id}/suspend`, { procedureCode: '2', procedureName: '现场核查', reason: '需现场核查加工场所' });
      assert.equal(v.state, 'suspended');
      assert.equal(v.deadlines.warningLevel, 'paused');
      assert.equal((await call(s.approver!, 'POST', `/api/cases/${c.id}/steps/pass`, { opinion: 'x' })).body.code, 'CASE_TRANSITION_INVALID');
      await at('2026-10-15T02:00:00+08:00'); // Thursday: 3 working days stopped (13, 14, 15)
      v = await ok(s.approver!, 'POST', `/api/cases/${c.id}/resume`, { outcome: '核查合格' });
      assert.equal(v.deadlines.promisedDueOn, '2026-10-20');
      assert.equal(v.deadlines.legalDueOn, '2026-11-03');
      assert.ok(v.deadlines.explanation.some((l: string) => l.includes('现场核查') && l.includes('停止计时 3个工作日')));
      // The deferred material arrives: the commitment is fulfilled.
      assert.equal((await upload(s.citizen!, c.id, 'premises-proof', pdf())).statusCode, 201);
      v = await ok(s.citizen!, 'GET', `/api/cases/${c.id}`);
      assert.deepEqual(v.deferredMaterials, []);
      assert.equal((await call(s.approver!, 'POST', `/api/cases/${c.id}/extend`, { days: 11, reason: '情况复杂', approvedBy: '局长' })).body.code, 'CASE_EXTENSION_TOO_LONG');
      v = await ok(s.approver!, 'POST', `/api/cases/${c.id}/extend`, { days: 10, reason: '需征求消防意见', approvedBy: '区市场监管局局长' });
      assert.equal(v.deadlines.legalDueOn, '2026-11-17');
      assert.equal(v.deadlines.extensionDays, 10);
      assert.equal((await call(s.approver!, 'POST', `/api/cases/${c.id}/extend`, { days: 1, reason: '再延', approvedBy: '局长' })).body.code, 'CASE_EXTENSION_ALREADY_USED');
      assert.equal(v.deadlines.promisedDueOn, '2026-11-03');
      // Yellow with two working days left before the promised date, red on it, overdue after it.
      await at('2026-10-29T02:00:00+08:00');
      await sweepDeadlines(t.platform);
      v = await ok(s.approver!, 'GET', `/api/cases/${c.id}`);
      assert.equal(v.deadlines.warningLevel, 'green');
      assert.equal(v.deadlines.remainingWorkingDays, 3);
      await at('2026-10-30T02:00:00+08:00');
      await sweepDeadlines(t.platform);
      v = await ok(s.approver!, 'GET', `/api/cases/${c.id}`);
      assert.equal(v.deadlines.warningLevel, 'yellow');
      assert.equal(v.deadlines.remainingWorkingDays, 2);
      await at('2026-11-03T02:00:00+08:00');
      await sweepDeadlines(t.platform);
      v = await ok(s.approver!, 'GET', `/api/cases/${c.id}`);
      assert.equal(v.deadlines.warningLevel, 'red');
      assert.equal(v.deadlines.isOverdue, false);
      await at('2026-11-04T02:00:00+08:00');
      await sweepDeadlines(t.platform);
      v = await ok(s.approver!, 'GET', `/api/cases/${c.id}`);
      assert.equal(v.deadlines.warningLevel, 'red');
      assert.equal(v.deadlines.isOverdue, true);
      assert.equal(v.deadlines.isLegalOverdue, false);
      assert.equal(v.deadlines.remainingWorkingDays, -1);
      assert.ok(v.timeline.some((e: Json) => e.action === 'warned') && v.timeline.some((e: Json) => e.action === 'overdue'));
      const overdue = await ok(s.supervisor!, 'GET', '/api/cases?queue=all&overdue=true');
      assert.ok(overdue.items.some((x: Json) => x.id === c.id));
      await at('2026-03-02T01:30:00Z');
    });

    test('Art. 32: no correction notice within five working days across the Spring Festival → accepted on receipt (a job)', async () => {
      await at('2026-02-12T03:00:00+08:00'); // Thursday; 2/14 (Sat) is a make-up working day, 2/15–2/23 the holiday
      const c = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: DEMO_ITEM_CODES.individualBusiness, channel: 'online', form: forms[DEMO_ITEM_CODES.individualBusiness] });
      await supply(s.citizen!, c, 'upload');
      const sub = await ok(s.citizen!, 'POST', `/api/cases/${c.id}/submit`, {});
      assert.equal(sub.correctionNoticeDueOn, '2026-02-26', '2/13, 2/14 (调休), 2/24, 2/25, 2/26');
      await at('2026-02-26T09:00:00+08:00');
      await sweepDeadlines(t.platform);
      assert.equal((await ok(s.clerk!, 'GET', `/api/cases/${c.id}`)).state, 'submitted');
      await at('2026-02-27T09:00:00+08:00');
      await sweepDeadlines(t.platform);
      const v = await ok(s.clerk!, 'GET', `/api/cases/${c.id}`);
      assert.equal(v.state, 'in_review');
      assert.equal(v.isDeemedAccepted, true);
      assert.equal(v.acceptedOn, '2026-02-12');
      assert.equal(v.deadlines.legalDueOn, '2026-02-24', '3 working days after 2/12: 2/13, 2/14 (调休), 2/24');
      assert.match(v.deadlines.explanation[0], /即为受理/);
      assert.equal((await call(s.clerk!, 'POST', `/api/cases/${c.id}/correction`, { items: [{ note: '晚了' }] })).body.code, 'CASE_TRANSITION_INVALID');
      await at('2026-03-02T01:30:00Z');
    });

    test('notices reach the inbox (once per event) and completion emits cases.case.completed for ratings', async () => {
      const c = await applyAndComplete(DEMO_ITEM_CODES.individualBusiness, 'online', 'YX-SJJ');
      const events = await t.platform.db.query<{ topic: string; payload: Json }>(`SELECT topic, payload FROM platform.outbox WHERE topic = 'cases.case.completed' AND key = $1`, [c.id]);
      assert.equal(events.length, 1);
      const unit = await t.platform.db.query<{ id: string }>(`SELECT id FROM org.unit WHERE code = 'YX-SJJ'`);
      assert.deepEqual(
        { caseId: events[0]!.payload.caseId, caseNumber: events[0]!.payload.caseNumber, itemCode: events[0]!.payload.itemCode, unitId: events[0]!.payload.unitId, applicantAccountId: events[0]!.payload.applicantAccountId },
        { caseId: c.id, caseNumber: c.number, itemCode: DEMO_ITEM_CODES.individualBusiness, unitId: unit[0]!.id, applicantAccountId: s.citizen!.userId },
      );
      await createWorker({ queue: t.platform.jobs }).runUntilIdle();
      await createWorker({ queue: t.platform.jobs }).runUntilIdle();
      const inbox = await ok(s.citizen!, 'GET', '/api/cases/inbox?limit=200');
      const mine = inbox.items.filter((n: Json) => n.caseId === c.id);
      assert.deepEqual(mine.map((n: Json) => n.kind).sort(), ['accepted', 'completed', 'decided', 'delivered', 'submitted']);
      assert.equal((await call(s.citizen!, 'POST', `/api/cases/inbox/${mine[0].id}/read`, {})).status, 204);
      assert.equal((await call(s.enterprise!, 'POST', `/api/cases/inbox/${mine[0].id}/read`, {})).status, 404);
    });

    test('metrics and the GB/T 39046 exchange export; staff see masked personal data, the reveal route is audited', async (ctx) => {
      const m = await ok(s.supervisor!, 'GET', '/api/cases/metrics');
      ctx.diagnostic(`metrics after this file's cases: ${JSON.stringify(m)}`);
      assert.ok(m.catalogue.items >= 30);
      for (const r of [m.catalogue.onlineAvailability, m.catalogue.zeroVisit, m.catalogue.atMostOneVisit, m.catalogue.onTheSpot, m.catalogue.timeLimitCompression]) assert.ok(r.rate > 0 && r.rate < 1);
      assert.ok(m.cases.completed >= 18);
      assert.ok(m.cases.onTimeCompletion.rate !== null);
      assert.ok(m.cases.averageWorkingDaysToCompletion.counted >= 18);
      assert.equal((await call(s.citizen!, 'GET', '/api/cases/metrics')).status, 403);
      const items = await ok(s.citizen!, 'GET', '/api/cases/export/items');
      const ib = items.items.find((i: Json) => i.TASK_CODE === DEMO_ITEM_CODES.individualBusiness && i.TASK_STATE === '1');
      assert.equal(ib.PROMISE_DAY, 1);
      assert.equal(ib.LIMIT_SCENE_NUM, 0);
      const cases = await ok(s.supervisor!, 'GET', '/api/cases/export/cases');
      const one = cases.cases.find((x: Json) => x.PRO_RESULT?.RESULT_TYPE === '1' && x.PRO_ACCEPT.APPLY_TYPE === '4');
      assert.ok(one, 'a granted mail case');
      assert.match(one.PRO_ACCEPT.APPLYER_PAGE_CODE, /^440106\*+0019$/);
      assert.ok(one.PRO_PROCESS.length >= 4);
      const windowCase = (await ok(s.clerk!, 'GET', '/api/cases?queue=all&limit=200')).items.find((x: Json) => x.channel === 'window' && x.kind === 'single');
      const seen = await ok(s.clerk!, 'GET', `/api/cases/${windowCase.id}`);
      assert.equal(seen.applicant.name, '李*');
      const revealed = await ok(s.clerk!, 'POST', `/api/cases/${windowCase.id}/reveal`, { reason: '核对申请人身份' });
      assert.equal(revealed.applicant.idNumber, '440106198001010019');
      const audit = await t.platform.db.query(`SELECT 1 FROM platform.audit_log WHERE action = 'cases.case.reveal' AND object_id = $1`, [windowCase.id]);
      assert.equal(audit.length, 1);
    });

    test('a new catalogue version changes new cases only: a case under way keeps its version, materials and limits', async () => {
      // Last in this file: the item's new version would change what the tests above expect of it.
      await at('2026-11-02T01:30:00Z'); // Monday 09:30
      const code = DEMO_ITEM_CODES.individualBusiness;
      const first = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: code, channel: 'online', form: forms[code] });
      await supply(s.citizen!, first, 'upload');
      const running = await ok(s.citizen!, 'POST', `/api/cases/${first.id}/submit`, {});
      // The editor asks for one more material and promises three days instead of one; the reviewer publishes it from today.
      const draft = await ok(s.admin!, 'POST', `/api/catalog/items/${code}/versions`, {});
      const template = (draft.elements.materials as Json[]).find((m) => m.key === 'individual-business-application')!;
      const elements = {
        ...draft.elements,
        promisedLimit: { value: 3, unit: 'working_days', note: '材料齐全的，3 个工作日内办结' },
        materials: [...draft.elements.materials, { ...template, key: 'health-commitment', name: '从业人员健康承诺书', blankForm: undefined, sample: undefined }],
      };
      await ok(s.admin!, 'PUT', `/api/catalog/versions/${draft.id}`, { elements: JSON.parse(JSON.stringify(elements)) });
      await ok(s.admin!, 'POST', `/api/catalog/versions/${draft.id}/submit`, {});
      const today = new Date(clock.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
      await ok(s.supervisor!, 'POST', `/api/catalog/versions/${draft.id}/publish`, { effectiveFrom: today });

      const later = await ok(s.citizen!, 'POST', '/api/cases', { itemCode: code, channel: 'online', form: forms[code] });
      assert.equal(later.itemVersionId, draft.id, 'a new application follows the version now in force');
      assert.ok((later.materials as Json[]).some((m) => m.key === 'health-commitment'));
      const still = await ok(s.admin!, 'GET', `/api/cases/${running.id}`);
      assert.equal(still.itemVersionId, running.itemVersionId);
      assert.notEqual(still.itemVersionId, draft.id);
      assert.deepEqual((still.materials as Json[]).map((m) => m.key), (running.materials as Json[]).map((m) => m.key));
      // Accepted after the change, it is still promised within the one day it was submitted under.
      const accepted = await ok(s.clerk!, 'POST', `/api/cases/${running.id}/accept`, {});
      assert.equal(accepted.deadlines.promisedDueOn, await t.platform.calendar.addWorkingDays(accepted.acceptedOn, 1));
    });
  });
}
