import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engines } from '../../../test/db.ts';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { fixedClock } from '../../platform/clock.ts';
import { BUNDLE_CODES, DEMO_ITEM_CODES, demoCatalog } from './fixtures/demo-catalog.ts';
import { TEST_NOW } from './fixtures/test-platform.ts';

// The catalogue's HTTP API on the whole app: the public guide and search routes anyone may call,
// and the staff routes behind catalog:write / catalog:review.

for (const engine of await engines()) {
  describe(`catalogue API on ${engine}`, () => {
    let t: TestApp;
    let admin: Awaited<ReturnType<typeof login>>;
    let supervisor: Awaited<ReturnType<typeof login>>;
    let clerk: Awaited<ReturnType<typeof login>>;
    before(async () => {
      t = await buildTestApp(engine, { clock: fixedClock(TEST_NOW) });
      admin = await login(t.app, 'admin');
      supervisor = await login(t.app, 'supervisor');
      clerk = await login(t.app, 'clerk');
    });
    after(() => t.close());

    const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

    test('GET /api/public/items?q= ranks guides, each with code, name, unit, visits, online depth and promised limit', async () => {
      const res = await get(`/api/public/items?q=${encodeURIComponent('开饭店')}&limit=3`);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.query, '开饭店');
      assert.ok(body.total >= 3);
      assert.equal(body.items.length, 3);
      assert.deepEqual(Object.keys(body.items[0]).sort(), ['code', 'name', 'onlineDepth', 'onlineDepthCode', 'promisedLimit', 'score', 'type', 'unitName', 'visits']);
      assert.deepEqual(body.items.map((i: { name: string }) => i.name).slice(0, 2), ['开餐馆一件事', '食品经营许可']);
      const food = body.items[1];
      assert.deepEqual(food, {
        type: 'item',
        code: DEMO_ITEM_CODES.foodLicence,
        name: '食品经营许可',
        unitName: '云溪区市场监督管理局',
        visits: 1,
        onlineDepthCode: '3',
        onlineDepth: '三级：网上受理、网上办理，窗口领取结果',
        promisedLimit: { value: 5, unit: 'working_days' },
        score: food.score,
      });
      assert.equal((await get('/api/public/items?limit=500')).statusCode, 400, 'limit is capped');
      assert.equal((await get('/api/public/items?colour=red')).statusCode, 400, 'unknown parameters are refused');
    });

    test('GET /api/public/items/{code}: the whole guide of the version in force, codes named', async () => {
      const res = await get(`/api/public/items/${DEMO_ITEM_CODES.foodLicence}`);
      assert.equal(res.statusCode, 200);
      const g = res.json();
      assert.equal(g.code, DEMO_ITEM_CODES.foodLicence);
      assert.equal(g.elements.name, '食品经营许可');
      assert.equal(g.acceptsApplications, true);
      assert.equal(g.names.type, '行政许可');
      assert.equal(g.names.level, '县级');
      assert.equal(g.names.caseType, '承诺件');
      assert.deepEqual(g.names.objects, ['企业法人', '其他组织']);
      assert.deepEqual(g.elements.legalLimit, { value: 10, unit: 'working_days', note: '自受理之日起 10 个工作日内作出决定；需要现场核查的，现场核查时间不计入' });
      assert.equal(g.elements.implementingBody.uscc, '11449917MB2C410252');
      assert.deepEqual(g.handlingItems.map((h: { name: string }) => h.name), ['食品经营许可（新办）', '食品经营许可（注销）']);
      assert.equal(g.effectiveFrom, '2025-01-01');
      for (const m of g.elements.materials) assert.ok(m.acceptanceStandard && m.source.kind && m.copies, m.name);

      const child = (await get(`/api/public/items/${DEMO_ITEM_CODES.foodLicenceNew}`)).json();
      assert.equal(child.kind, 'handling');
      assert.deepEqual(child.parent, { code: DEMO_ITEM_CODES.foodLicence, name: '食品经营许可' });
      assert.deepEqual(child.variant, { action: 'new', object: '餐饮服务经营者' });
      assert.deepEqual(child.bundles, [{ code: BUNDLE_CODES.restaurant, name: '开餐馆一件事' }]);

      // 居住证 has two versions; on 2 March 2026 the second applies.
      const permit = (await get(`/api/public/items/${DEMO_ITEM_CODES.residencePermit}`)).json();
      assert.equal(permit.version, 2);
      assert.equal(permit.elements.promisedLimit.value, 7);

      const missing = await get('/api/public/items/0000000000');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'CATALOG_ITEM_NOT_FOUND');
      assert.equal((await get('/api/public/items/not-a-code')).statusCode, 400);
    });

    test('bundles, the power list, code lists and figures are public', async () => {
      const list = (await get('/api/public/bundles')).json();
      assert.deepEqual(list.items.map((b: { code: string }) => b.code), Object.values(BUNDLE_CODES));
      const birth = (await get(`/api/public/bundles/${BUNDLE_CODES.birth}`)).json();
      assert.equal(birth.definition.name, '出生一件事');
      assert.equal(birth.items.length, 5);
      assert.deepEqual(birth.limit.promised, { value: 12, unit: 'working_days' });
      const keys = birth.materials.map((m: { key: string }) => m.key);
      assert.equal(new Set(keys).size, keys.length, 'each material once');
      assert.ok(!keys.includes('birth-certificate'), 'the 出生医学证明 is the first item’s result, not asked of the parents');
      assert.equal((await get('/api/public/bundles/YJS9999')).statusCode, 404);

      const powers = (await get('/api/public/power-list?typeCode=02')).json().items;
      assert.ok(powers.length >= 2);
      for (const p of powers) assert.equal(p.acceptsApplications, false);

      const codes = (await get('/api/public/catalog/codes')).json().lists;
      assert.deepEqual(codes.slice(0, 8).map((l: { id: string }) => l.id), ['A.1', 'A.2', 'A.3', 'A.4', 'A.5', 'A.6', 'A.7', 'A.8']);
      assert.deepEqual(codes[0].codes[0], { code: '01', name: '行政许可' });

      const stats = (await get('/api/public/catalog/stats')).json();
      assert.equal(stats.timeLimitCompressionRate, 0.6163);
    });

    test('staff routes need catalog:write; publishing needs catalog:review; every change is audited', async () => {
      assert.equal((await get('/api/catalog/items')).statusCode, 401);
      assert.equal((await get('/api/catalog/items', clerk.cookieOnly)).statusCode, 403);
      const items = (await get('/api/catalog/items', admin.cookieOnly)).json().items;
      assert.ok(items.length >= 30);
      const code = DEMO_ITEM_CODES.hygieneLicence;
      assert.deepEqual(items.find((i: { code: string }) => i.code === code), { code, kind: 'implementation', unitCode: 'YX-WJJ', name: '公共场所卫生许可', cancelledOn: null, latestVersion: 1, latestStatus: 'published', currentVersion: 1 });

      const post = (url: string, who: { headers: Record<string, string> }, payload: unknown = {}) => t.app.inject({ method: 'POST', url, headers: who.headers, payload: payload as object });
      const created = await post(`/api/catalog/items/${code}/versions`, admin);
      assert.equal(created.statusCode, 201);
      const draft = created.json();
      const elements = { ...draft.elements, promisedLimit: { value: 2, unit: 'working_days' } };
      const put = await t.app.inject({ method: 'PUT', url: `/api/catalog/versions/${draft.id}`, headers: admin.headers, payload: { elements } });
      assert.equal(put.statusCode, 200);
      assert.equal(put.json().elements.promisedLimit.value, 2);
      const bad = await t.app.inject({ method: 'PUT', url: `/api/catalog/versions/${draft.id}`, headers: admin.headers, payload: { elements: { ...elements, caseTypeCode: '7' } } });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'CATALOG_CODE_UNKNOWN');

      assert.equal((await post(`/api/catalog/versions/${draft.id}/submit`, admin)).statusCode, 200);
      assert.equal((await post(`/api/catalog/versions/${draft.id}/publish`, clerk, { effectiveFrom: '2026-03-09' })).statusCode, 403);
      assert.equal((await post(`/api/catalog/versions/${draft.id}/return`, supervisor, { reason: '请核实现场核查时间' })).json().status, 'draft');
      assert.equal((await post(`/api/catalog/versions/${draft.id}/submit`, admin)).statusCode, 200);
      const published = await post(`/api/catalog/versions/${draft.id}/publish`, supervisor, { effectiveFrom: '2026-03-09' });
      assert.equal(published.statusCode, 200);
      assert.equal(published.json().effectiveFrom, '2026-03-09');

      const versions = (await get(`/api/catalog/items/${code}/versions`, admin.cookieOnly)).json().items;
      assert.deepEqual(versions.map((v: { version: number; status: string; effectiveUntil: string | null }) => [v.version, v.status, v.effectiveUntil]), [[1, 'published', '2026-03-09'], [2, 'published', null]]);
      const v1 = (await get(`/api/catalog/versions/${versions[0].id}`, admin.cookieOnly)).json();
      assert.equal(v1.elements.promisedLimit.value, 3, 'version 1 is unchanged');

      const audit = await t.platform.db.query<{ action: string; actor_label: string }>(
        `SELECT action, actor_label FROM platform.audit_log WHERE action LIKE 'catalog.version.%' ORDER BY id`,
      );
      assert.deepEqual(audit.map((a) => a.action), ['catalog.version.create', 'catalog.version.update', 'catalog.version.submit', 'catalog.version.return', 'catalog.version.submit', 'catalog.version.publish']);
      assert.equal(audit.at(-1)!.actor_label, (await t.platform.db.query<{ display_name: string }>(`SELECT display_name FROM org.account WHERE username = 'supervisor'`))[0]!.display_name);
    });

    test('reviewers read the items and versions they publish, under catalog:review', async () => {
      assert.equal((await get('/api/catalog/items', supervisor.cookieOnly)).statusCode, 403, 'the editors’ list needs catalog:write');
      assert.equal((await get('/api/catalog/review/items', clerk.cookieOnly)).statusCode, 403);
      assert.equal((await get('/api/catalog/review/items')).statusCode, 401);
      const items = (await get('/api/catalog/review/items', supervisor.cookieOnly)).json().items;
      assert.deepEqual(items, (await get('/api/catalog/items', admin.cookieOnly)).json().items);
      const code = DEMO_ITEM_CODES.residencePermit;
      const versions = (await get(`/api/catalog/review/items/${code}/versions`, supervisor.cookieOnly)).json().items;
      assert.deepEqual(versions.map((v: { version: number }) => v.version), [1, 2]);
      const v2 = await get(`/api/catalog/review/versions/${versions[1].id}`, supervisor.cookieOnly);
      assert.equal(v2.statusCode, 200);
      assert.equal(v2.json().elements.promisedLimit.value, 7);
      const missing = await get('/api/catalog/review/versions/00000000-0000-7000-8000-000000000000', supervisor.cookieOnly);
      assert.equal(missing.json().code, 'CATALOG_VERSION_NOT_FOUND');
      assert.equal((await get('/api/catalog/review/items/0000000000/versions', supervisor.cookieOnly)).json().code, 'CATALOG_ITEM_NOT_FOUND');
    });

    test('creating an item, cancelling one', async () => {
      const base = demoCatalog().items.find((i) => i.implementationCode === DEMO_ITEM_CODES.hygieneLicence)!;
      const body = {
        kind: 'implementation',
        basicCode: base.basicCode,
        implementationCode: `${base.basicCode}4499170140000`.padEnd(24, '4'),
        unitCode: 'YX-YXJD',
        powerCode: base.powerCode,
        elements: { ...base.versions[0]!.elements, name: '公共场所卫生许可（街道受理点）', levelCode: '5' },
      };
      const res = await t.app.inject({ method: 'POST', url: '/api/catalog/items', headers: admin.headers, payload: body });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().status, 'draft');
      const dup = await t.app.inject({ method: 'POST', url: '/api/catalog/items', headers: admin.headers, payload: body });
      assert.equal(dup.json().code, 'CATALOG_ITEM_EXISTS');

      const cancel = await t.app.inject({ method: 'POST', url: `/api/catalog/items/${DEMO_ITEM_CODES.shopSign}/cancel`, headers: supervisor.headers, payload: { date: '2026-03-02', reason: '户外招牌改为免备案' } });
      assert.equal(cancel.statusCode, 200, cancel.body);
      assert.equal((await get(`/api/public/items/${DEMO_ITEM_CODES.shopSign}`)).statusCode, 404);
      // The restaurant bundle names it: its guide now says the bundle is incomplete until it is revised.
      const bundle = await get(`/api/public/bundles/${BUNDLE_CODES.restaurant}`);
      assert.equal(bundle.statusCode, 409);
      assert.equal(bundle.json().code, 'CATALOG_BUNDLE_INCOMPLETE');
    });

    test('export and import over HTTP', async () => {
      assert.equal((await get('/api/catalog/export', clerk.cookieOnly)).statusCode, 403);
      const exported = await get('/api/catalog/export', admin.cookieOnly);
      assert.equal(exported.statusCode, 200);
      const doc = exported.json();
      assert.equal(doc.format, 'yiwang.catalog/1');
      const again = await t.app.inject({ method: 'POST', url: '/api/catalog/import', headers: admin.headers, payload: doc });
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual([again.json().itemsCreated, again.json().versionsCreated, again.json().versionsUpdated], [0, 0, 0]);

      doc.items[0].versions[0].elements.levelCode = '9';
      const bad = await t.app.inject({ method: 'POST', url: '/api/catalog/import', headers: admin.headers, payload: doc });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'CATALOG_CODE_UNKNOWN');
      assert.equal(bad.json().details[0].path, '/items/0/versions/0/elements/levelCode');
    });
  });
}
