import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engines } from '../../../test/db.ts';
import { systemActor, verifyAuditChain } from '../../platform/audit.ts';
import type { Platform } from '../../platform/module.ts';
import { ITEM_TYPES } from './catalog.codes.ts';
import { exportCatalog, importCatalog } from './catalog-file.service.ts';
import {
  cancelItem,
  catalogStats,
  createDraftVersion,
  getBundleGuide,
  getGuide,
  getItemVersion,
  getPublishedItemVersion,
  listPowerList,
  listVersions,
  publishVersion,
  returnVersion,
  searchCatalog,
  submitVersion,
  updateDraft,
} from './catalog.service.ts';
import type { CatalogFile } from './catalog.schemas.ts';
import { BUNDLE_CODES, DEMO_ITEM_CODES, demoCatalog } from './fixtures/demo-catalog.ts';
import { catalogTestPlatform } from './fixtures/test-platform.ts';

const ctx = { actor: systemActor('test') };

/** Resolves with the AppError a call throws (code, status, details), or fails when it does not throw. */
async function failure(p: Promise<unknown>): Promise<{ code: string; status: number; details?: { path: string }[] }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; status: number; details?: { path: string }[] };
  }
  assert.fail('expected the call to fail');
}

const count = async (platform: Platform, table: string) => (await platform.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

/** Citizens' phrasings and what must come first (or among the first n). */
const PHRASINGS: { q: string; expect: string[]; within: number }[] = [
  { q: '开饭店', expect: ['开餐馆一件事', '食品经营许可'], within: 3 },
  { q: '我想开个饭店', expect: ['开餐馆一件事', '食品经营许可'], within: 3 },
  { q: '营业执照', expect: ['个体工商户设立登记'], within: 1 },
  { q: '生孩子', expect: ['出生一件事'], within: 1 },
  { q: '退休', expect: ['退休一件事', '企业职工养老保险待遇申领（退休待遇核准）'], within: 2 },
  { q: '低保', expect: ['最低生活保障审核确认'], within: 1 },
  { q: '小孩上学', expect: ['义务教育阶段入学（小学一年级、初中一年级）'], within: 1 },
  { q: '办狗证', expect: ['犬只登记（养犬登记证核发）'], within: 1 },
  { q: '居住证', expect: ['居住证申领'], within: 1 },
  { q: '提取公积金', expect: ['住房公积金提取（购房、租房、离退休）'], within: 1 },
  { q: '二手房过户', expect: ['不动产转移登记（二手房买卖）'], within: 1 },
  { q: '残疾证', expect: ['残疾人证申领'], within: 1 },
  { q: '领失业金', expect: ['失业保险金申领'], within: 1 },
  { q: '新生儿落户', expect: ['出生一件事', '出生登记（新生儿落户）'], within: 2 },
  { q: '食品经营许可', expect: ['食品经营许可'], within: 1 },
  { q: '身分证', expect: [], within: 0 },
];
const searchResults = new Map<string, string[][]>();

for (const engine of await engines()) {
  describe(`catalogue import on ${engine}`, () => {
    let t: Awaited<ReturnType<typeof catalogTestPlatform>>;
    before(async () => {
      t = await catalogTestPlatform(engine, { withCatalog: false });
    });
    after(() => t.close());

    test('a file with codes outside their lists is refused with the code and the path, and changes nothing', async () => {
      const bad: [string, (d: CatalogFile) => void, string, string][] = [
        ['A.1 type', (d) => void (d.items[0]!.versions[0]!.elements.typeCode = '13'), 'CATALOG_CODE_UNKNOWN', '/items/0/versions/0/elements/typeCode'],
        ['A.6 case type', (d) => void (d.items[3]!.versions[0]!.elements.caseTypeCode = '5'), 'CATALOG_CODE_UNKNOWN', '/items/3/versions/0/elements/caseTypeCode'],
        ['A.4 objects', (d) => void (d.items[2]!.versions[0]!.elements.objectCodes = ['8']), 'CATALOG_CODE_UNKNOWN', '/items/2/versions/0/elements/objectCodes/0'],
        ['A.1 in the power list', (d) => void (d.powerList[1]!.typeCode = '11'), 'CATALOG_CODE_UNKNOWN', '/powerList/1/typeCode'],
        ['a punishment offered as an item', (d) => void (d.items[0]!.versions[0]!.elements.typeCode = '02'), 'CATALOG_ITEM_NOT_APPLICATION_BASED', '/items/0/versions/0/elements/typeCode'],
        ['a USCC with a wrong check character', (d) => void (d.items[1]!.versions[0]!.elements.implementingBody.uscc = '11449917MB2C410178'), 'CATALOG_USCC_INVALID', '/items/1/versions/0/elements/implementingBody/uscc'],
        ['a material needed “sometimes” without saying when', (d) => void (d.items[0]!.versions[0]!.elements.materials[0]!.isRequired = false), 'CATALOG_MATERIAL_INVALID', '/items/0/versions/0/elements/materials/0'],
        ['a version without its effective date', (d) => void delete d.items[4]!.versions[0]!.effectiveFrom, 'CATALOG_VERSION_DATES_INVALID', '/items/4/versions/0'],
        ['a field the format does not have', (d) => void ((d.items[0] as unknown as Record<string, unknown>).colour = 'red'), 'CATALOG_FILE_INVALID', '/items/0'],
      ];
      for (const [what, mutate, code, path] of bad) {
        const doc = demoCatalog();
        mutate(doc);
        const err = await failure(importCatalog(t.platform, doc, ctx));
        assert.equal(err.code, code, what);
        assert.equal(err.status, 400, what);
        assert.ok(err.details?.some((d) => d.path === path), `${what}: ${JSON.stringify(err.details)}`);
      }
      // References the database checks: a unit, a power entry of another type, a bundle item.
      const noUnit = demoCatalog();
      noUnit.items[0]!.unitCode = 'YX-NOPE';
      assert.equal((await failure(importCatalog(t.platform, noUnit, ctx))).code, 'CATALOG_UNIT_UNKNOWN');
      const mismatch = demoCatalog();
      mismatch.powerList.find((p) => p.code === mismatch.items[0]!.powerCode)!.typeCode = '07';
      assert.equal((await failure(importCatalog(t.platform, mismatch, ctx))).code, 'CATALOG_TYPE_MISMATCH');
      const noItem = demoCatalog();
      noItem.bundles[0]!.versions[0]!.definition.items[4]!.itemCode = '0000000000';
      assert.equal((await failure(importCatalog(t.platform, noItem, ctx))).code, 'CATALOG_REFERENCE_UNKNOWN', 'a bundle item that is not in the catalogue');
      const outside = demoCatalog();
      outside.bundles[0]!.versions[0]!.definition.items[0]!.itemCode = '0000000000';
      assert.equal((await failure(importCatalog(t.platform, outside, ctx))).code, 'CATALOG_BUNDLE_INVALID', 'dependsOn now names an item outside the bundle');
      const missing = demoCatalog();
      missing.items = missing.items.filter((i) => i.implementationCode !== DEMO_ITEM_CODES.residencePermit);
      assert.equal((await failure(importCatalog(t.platform, missing, ctx))).code, 'CATALOG_REFERENCE_UNKNOWN', 'a material from an item that is not there');

      for (const table of ['catalog.item', 'catalog.item_version', 'catalog.power_entry', 'catalog.search_entry', 'catalog.import_log']) {
        assert.equal(await count(t.platform, table), 0, `${table} is untouched`);
      }
      assert.equal((await t.platform.db.query(`SELECT 1 FROM platform.audit_log WHERE action = 'catalog.import'`)).length, 0);
    });

    test('the demo catalogue: at least 30 items across departments and streets, 3 bundles, all eleven power categories', async () => {
      const summary = await importCatalog(t.platform, demoCatalog(), ctx);
      assert.ok(summary.items >= 30, `${summary.items} items`);
      assert.equal(summary.itemsCreated, summary.items);
      assert.ok(summary.bundles >= 3);
      const units = await t.platform.db.query<{ unit_code: string }>('SELECT DISTINCT unit_code FROM catalog.item');
      assert.ok(units.length >= 15, `${units.length} implementing units`);
      for (const street of ['YX-YXJD', 'YX-HPJD', 'YX-JSJD', 'YX-SGZ']) assert.ok(units.some((u) => u.unit_code === street), street);

      const powers = await listPowerList(t.platform);
      assert.deepEqual([...new Set(powers.map((p) => p.typeCode))].sort(), ITEM_TYPES.entries.map(([c]) => c).sort());
      for (const p of powers) assert.equal(p.acceptsApplications, ['01', '05', '07', '08', '09', '10', '20'].includes(p.typeCode), p.name);
      // Items hang only under powers that take applications; the others have none.
      for (const p of powers.filter((x) => !x.acceptsApplications)) assert.deepEqual(p.itemCodes, [], p.name);
      assert.ok(powers.find((p) => p.itemCodes.includes(DEMO_ITEM_CODES.individualBusiness))!.acceptsApplications);

      const events = await t.platform.db.query<{ topic: string }>(`SELECT topic FROM platform.outbox WHERE topic LIKE 'catalog.%'`);
      assert.deepEqual(events.map((e) => e.topic), ['catalog.import.completed']);
      assert.equal((await verifyAuditChain(t.platform.db)).ok, true);
    });

    test('importing the same file again changes nothing; a published version cannot be rewritten', async () => {
      const again = await importCatalog(t.platform, demoCatalog(), ctx);
      assert.equal(again.itemsCreated, 0);
      assert.equal(again.versionsCreated, 0);
      assert.equal(again.versionsUpdated, 0);

      const changed = demoCatalog();
      changed.items[0]!.versions[0]!.elements.promisedLimit = { value: 2, unit: 'working_days' };
      const err = await failure(importCatalog(t.platform, changed, ctx));
      assert.equal(err.code, 'CATALOG_VERSION_IMMUTABLE');
      assert.equal(err.status, 409);

      // The database refuses it too, whoever asks.
      await assert.rejects(
        t.platform.db.query(`UPDATE catalog.item_version SET elements = jsonb_set(elements, '{visits}', '3') WHERE status = 'published'`),
        /immutable/,
      );
      await assert.rejects(t.platform.db.query(`DELETE FROM catalog.item_version WHERE status = 'published'`), /cannot be deleted/);
    });

    test('export → import into an empty catalogue → export gives the same document', async () => {
      // Give the catalogue some history first: a second version and a cancelled item.
      const code = DEMO_ITEM_CODES.minimumLiving;
      const draft = await createDraftVersion(t.platform, code, undefined, ctx);
      await updateDraft(t.platform, draft.id, { ...draft.elements, promisedLimit: { value: 15, unit: 'working_days' } }, ctx);
      await submitVersion(t.platform, draft.id, ctx);
      await publishVersion(t.platform, draft.id, '2026-04-01', ctx);
      await cancelItem(t.platform, DEMO_ITEM_CODES.temporaryAssistance[3]!, { date: '2026-06-30', reason: '职能调整，由区民政局统一受理' }, ctx);
      const open = await createDraftVersion(t.platform, DEMO_ITEM_CODES.pension, undefined, ctx);

      const exported = await exportCatalog(t.platform);
      const other = await catalogTestPlatform(engine, { withCatalog: false });
      try {
        const summary = await importCatalog(other.platform, structuredClone(exported), ctx);
        assert.equal(summary.versionsCreated, exported.items.reduce((n, i) => n + i.versions.length, 0));
        assert.deepEqual(await exportCatalog(other.platform), exported);
        // The copy behaves the same: the draft is still open, the cancelled item has no guide after its date.
        assert.equal((await listVersions(other.platform, DEMO_ITEM_CODES.pension)).at(-1)!.status, 'draft');
        assert.equal(await getPublishedItemVersion(other.platform, DEMO_ITEM_CODES.temporaryAssistance[3]!, '2026-06-30'), undefined);
        assert.equal((await getPublishedItemVersion(other.platform, code, '2026-04-01'))!.version, 2);
      } finally {
        await other.close();
      }
      // Every version of the demo file is in the export, saying exactly what the file says.
      for (const item of demoCatalog().items) {
        const out = exported.items.find((i) => (i.handlingCode ?? i.implementationCode) === (item.handlingCode ?? item.implementationCode))!;
        for (const v of item.versions) assert.deepEqual(out.versions.find((x) => x.version === v.version)!.elements, v.elements);
      }
      assert.equal(open.version, 2);
    });
  });

  describe(`catalogue versions on ${engine}`, () => {
    let t: Awaited<ReturnType<typeof catalogTestPlatform>>;
    before(async () => {
      t = await catalogTestPlatform(engine);
    });
    after(() => t.close());

    test('draft → review → published; the old version stays readable by id and applies until the new one starts', async () => {
      const code = DEMO_ITEM_CODES.minimumLiving;
      const v1 = (await getPublishedItemVersion(t.platform, code))!;
      assert.equal(v1.version, 1);
      assert.equal(v1.acceptsApplications, true);

      const draft = await createDraftVersion(t.platform, code, undefined, ctx);
      assert.equal(draft.status, 'draft');
      assert.deepEqual(draft.elements, v1.elements, 'a new draft starts as a copy of the latest version');
      assert.equal((await failure(createDraftVersion(t.platform, code, undefined, ctx))).code, 'CATALOG_DRAFT_EXISTS');
      assert.equal((await failure(publishVersion(t.platform, draft.id, '2026-03-16', ctx))).code, 'CATALOG_VERSION_STATE', 'a draft is reviewed before it is published');

      const elements = { ...draft.elements, promisedLimit: { value: 15, unit: 'working_days' as const } };
      await updateDraft(t.platform, draft.id, elements, ctx);
      await submitVersion(t.platform, draft.id, ctx);
      assert.equal((await failure(updateDraft(t.platform, draft.id, elements, ctx))).code, 'CATALOG_VERSION_STATE', 'no edits while in review');
      const returned = await returnVersion(t.platform, draft.id, '请补充特殊情况的证明材料', ctx);
      assert.equal(returned.status, 'draft');
      assert.equal((await listVersions(t.platform, code)).at(-1)!.returnReason, '请补充特殊情况的证明材料');
      await submitVersion(t.platform, draft.id, ctx);

      assert.equal((await failure(publishVersion(t.platform, draft.id, '2026-03-01', ctx))).code, 'CATALOG_EFFECTIVE_DATE_INVALID', 'not retroactively');
      const v2 = await publishVersion(t.platform, draft.id, '2026-03-16', ctx);
      assert.equal(v2.status, 'published');
      assert.equal(v2.effectiveFrom, '2026-03-16');

      // Today and until the 15th, version 1 applies; from the 16th, version 2.
      assert.equal((await getPublishedItemVersion(t.platform, code))!.version, 1);
      assert.equal((await getPublishedItemVersion(t.platform, code, '2026-03-15'))!.version, 1);
      assert.equal((await getPublishedItemVersion(t.platform, code, '2026-03-16'))!.version, 2);
      assert.equal((await getPublishedItemVersion(t.platform, code, '2024-12-31')), undefined, 'before the first version took effect');
      // A case filed under version 1 keeps reading version 1, unchanged.
      const old = (await getItemVersion(t.platform, v1.id))!;
      assert.deepEqual(old.elements, v1.elements);
      assert.equal(old.effectiveUntil, '2026-03-16');
      assert.equal(old.elements.promisedLimit.value, 20);

      // The public guide and search follow the date.
      assert.equal((await getGuide(t.platform, code)).version, 1);
      const promisedNow = (await searchCatalog(t.platform, { q: '低保' })).items[0]!.promisedLimit;
      assert.equal(promisedNow!.value, 20);
      t.clock.set('2026-03-16T01:00:00Z');
      try {
        assert.equal((await getGuide(t.platform, code)).version, 2);
        assert.equal((await searchCatalog(t.platform, { q: '低保' })).items[0]!.promisedLimit!.value, 15);
      } finally {
        t.clock.set('2026-03-02T02:00:00Z');
      }

      const audit = await t.platform.db.query<{ action: string }>(`SELECT action FROM platform.audit_log WHERE action LIKE 'catalog.version.%' ORDER BY id`);
      assert.deepEqual(audit.map((a) => a.action), ['catalog.version.create', 'catalog.version.update', 'catalog.version.submit', 'catalog.version.return', 'catalog.version.submit', 'catalog.version.publish']);
      const events = await t.platform.db.query<{ topic: string; payload: { version: number; supersedes: string } }>(`SELECT topic, payload FROM platform.outbox WHERE topic = 'catalog.item_version.published'`);
      assert.equal(events.length, 1);
      assert.equal(events[0]!.payload.supersedes, v1.id);
    });

    test('a later version must start later than the current one', async () => {
      const code = DEMO_ITEM_CODES.minimumLiving;
      const draft = await createDraftVersion(t.platform, code, undefined, ctx);
      await submitVersion(t.platform, draft.id, ctx);
      assert.equal((await failure(publishVersion(t.platform, draft.id, '2026-03-16', ctx))).code, 'CATALOG_EFFECTIVE_DATE_INVALID');
      const v3 = await publishVersion(t.platform, draft.id, '2026-05-01', ctx);
      assert.equal(v3.version, 3);
      const versions = await listVersions(t.platform, code);
      assert.deepEqual(versions.map((v) => [v.version, v.effectiveFrom, v.effectiveUntil]), [[1, '2025-01-01', '2026-03-16'], [2, '2026-03-16', '2026-05-01'], [3, '2026-05-01', null]]);
    });

    test('cancelling an item: nothing applies from the date, scheduled versions are withdrawn, old versions stay readable', async () => {
      const code = DEMO_ITEM_CODES.minimumLiving;
      const before = (await getPublishedItemVersion(t.platform, code))!;
      await cancelItem(t.platform, code, { date: '2026-04-15', reason: '并入社会救助综合事项' }, ctx);
      const versions = await listVersions(t.platform, code);
      assert.deepEqual(versions.map((v) => [v.version, v.status, v.effectiveUntil]), [[1, 'published', '2026-03-16'], [2, 'published', '2026-04-15'], [3, 'withdrawn', null]]);
      assert.equal((await getPublishedItemVersion(t.platform, code, '2026-04-14'))!.version, 2);
      assert.equal(await getPublishedItemVersion(t.platform, code, '2026-04-15'), undefined);
      assert.deepEqual((await getItemVersion(t.platform, before.id))!.elements, before.elements);
      assert.equal((await failure(createDraftVersion(t.platform, code, undefined, ctx))).code, 'CATALOG_ITEM_CANCELLED');
      t.clock.set('2026-04-15T01:00:00Z');
      try {
        assert.equal((await failure(getGuide(t.platform, code))).code, 'CATALOG_ITEM_NOT_FOUND');
        assert.ok(!(await searchCatalog(t.platform, { q: '低保' })).items.some((i) => i.code === code));
      } finally {
        t.clock.set('2026-03-02T02:00:00Z');
      }
    });

    test('bundles pin the item versions in force and merge their materials', async () => {
      const guide = await getBundleGuide(t.platform, BUNDLE_CODES.restaurant);
      assert.equal(guide.items.length, 5);
      for (const it of guide.items) assert.equal(it.versionId, (await getPublishedItemVersion(t.platform, it.code))!.id);
      assert.ok(guide.materials.length < guide.materialsBeforeMerge);
      assert.equal(guide.limit.promised.value, 6);
      const birth = await getBundleGuide(t.platform, BUNDLE_CODES.birth);
      assert.deepEqual(birth.limit.promised, { value: 12, unit: 'working_days' });
      assert.equal((await failure(getBundleGuide(t.platform, 'YJS9999'))).code, 'CATALOG_BUNDLE_NOT_FOUND');
    });

    test('时限压缩率 and the counts of the catalogue in force', async () => {
      const stats = await catalogStats(t.platform);
      assert.ok(stats.items >= 30);
      assert.equal(stats.bundles, 3);
      // 20 items in force carry a legal limit (4 of them in natural days on both sides):
      // Σ legal = 261 working + 83 natural = 344, Σ promised = 99 + 33 = 132 → (344 − 132) / 344.
      assert.equal(stats.itemsWithLegalLimit, 20);
      assert.equal(stats.timeLimitCompressionRate, Math.round((212 / 344) * 10000) / 10000);
      assert.equal(stats.onTheSpotItems, 9);
    });

    test('search: citizens’ words find the right items first', async () => {
      const results: string[][] = [];
      for (const { q, expect, within } of PHRASINGS) {
        const r = await searchCatalog(t.platform, { q, limit: 10 });
        const names = r.items.map((i) => i.name);
        results.push(names);
        for (const name of expect) assert.ok(names.slice(0, within).includes(name), `${q} → ${names.slice(0, 5).join(' | ')} (expected ${name} in the first ${within})`);
        for (let i = 1; i < r.items.length; i++) assert.ok(r.items[i - 1]!.score >= r.items[i]!.score, 'ranked');
      }
      // 身分证 is a typo the normaliser fixes; no item is about identity cards, so only materials match.
      const typo = await searchCatalog(t.platform, { q: '身分证' });
      assert.ok(typo.items.length > 0, 'the typo still finds the items that ask for an identity card');
      searchResults.set(engine, results);
      const other = [...searchResults.entries()].find(([e]) => e !== engine);
      if (other) assert.deepEqual(results, other[1], 'the same ranking on PGlite and PostgreSQL');
    });

    test('search: browse without a query, page, and an empty query of punctuation', async () => {
      const all = await searchCatalog(t.platform, { limit: 100 });
      assert.ok(all.total >= 33);
      assert.deepEqual(all.items.slice(0, 3).map((i) => i.type), ['bundle', 'bundle', 'bundle']);
      const page = await searchCatalog(t.platform, { limit: 5, offset: 5 });
      assert.deepEqual(page.items.map((i) => i.code), all.items.slice(5, 10).map((i) => i.code));
      assert.equal((await searchCatalog(t.platform, { q: '？！。' })).total, 0);
    });
  });
}
