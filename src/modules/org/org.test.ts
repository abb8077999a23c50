import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createTestDb, engines, type TestDb } from '../../../test/db.ts';
import { migrationSources } from '../../app.ts';
import { systemClock } from '../../platform/clock.ts';
import { systemActor, verifyAuditChain } from '../../platform/audit.ts';
import { importDistrict, listOrgUnits } from './org.service.ts';
import { DEMO_DISTRICT_FILE } from './index.ts';
import * as repo from './org.repository.ts';

const SHARED_DISTRICT = new URL('../../../../shared/fixtures/district.json', import.meta.url);
const districtDoc = () =>
  JSON.parse(fs.readFileSync(fs.existsSync(SHARED_DISTRICT) ? SHARED_DISTRICT : DEMO_DISTRICT_FILE, 'utf8'));
const ctx = { actor: systemActor('test') };

for (const engine of await engines()) {
  describe(`org import on ${engine}`, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(engine, migrationSources());
    });
    after(() => t.drop());

    test('imports every unit, duty, gazetteer entry and dispatch rule of the reference district', async () => {
      const doc = districtDoc();
      const summary = await importDistrict(t.db, systemClock, doc, ctx);
      assert.equal(summary.units, doc.units.length + 1);
      assert.equal(summary.created, doc.units.length + 1);
      const units = await listOrgUnits(t.db);
      assert.equal(units[0]!.code, doc.district.code);
      assert.equal(units[0]!.kind, 'district');
      for (const u of doc.units) {
        const got = units.find((x) => x.code === u.code)!;
        assert.equal(got.name, u.name);
        assert.deepEqual(got.duties, u.duties ?? []);
        assert.equal(got.parentId, units[0]!.id);
      }
      // 石岗镇人民政府 is a town, the 街道办事处 are streets.
      assert.equal(units.find((u) => u.code === 'YX-SGZ')!.kind, 'town');
      assert.equal(units.find((u) => u.code === 'YX-YXJD')!.kind, 'street');

      const gaz = await repo.listGazetteer(t.db);
      const expectedGaz = Object.values(doc.gazetteer as Record<string, Record<string, string[]>>).flatMap((g) => Object.values(g).flat());
      assert.equal(gaz.length, expectedGaz.length);
      assert.ok(gaz.some((g) => g.unit_code === 'YX-JSJD' && g.kind === 'community' && g.name === '沙溪村'));

      const rules = await repo.listDispatchRules(t.db);
      assert.equal(rules.length, doc.dispatchRules.rules.length);
      assert.deepEqual(rules.map((r) => [r.matter, r.unit_code]), doc.dispatchRules.rules.map((r: { matter: string; unit: string }) => [r.matter, r.unit]));

      const events = await t.db.query<{ topic: string; key: string }>('SELECT topic, key FROM platform.outbox');
      assert.deepEqual(events, [{ topic: 'org.district.imported', key: doc.district.code }], 'the event commits with the change');

      const stored = await repo.latestDistrictImport(t.db);
      assert.deepEqual(stored!.document, doc, 'the document is kept verbatim');
      assert.equal((await verifyAuditChain(t.db)).ok, true);
    });

    test('re-import updates in place, keeps ids, and is audited again', async () => {
      const before = await listOrgUnits(t.db);
      const doc = districtDoc();
      doc.units[0].duties = [...doc.units[0].duties, '新增职责：测试'];
      const summary = await importDistrict(t.db, systemClock, doc, ctx);
      assert.equal(summary.created, 0);
      assert.equal(summary.updated, doc.units.length + 1);
      const afterUnits = await listOrgUnits(t.db);
      assert.deepEqual(afterUnits.map((u) => u.id), before.map((u) => u.id));
      assert.ok(afterUnits.find((u) => u.code === doc.units[0].code)!.duties.includes('新增职责：测试'));
      const audits = await t.db.query(`SELECT 1 FROM platform.audit_log WHERE action = 'org.district.import'`);
      assert.equal(audits.length, 2);
    });

    test('a bad file is refused with a code and changes nothing', async () => {
      const count = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM org.unit'))[0]!.n;
      const n = await count();
      const cases: [unknown, RegExp][] = [
        [{ district: { code: 'YX' } }, /district file is invalid/],
        [{ ...districtDoc(), units: [...districtDoc().units, districtDoc().units[0]] }, /appears twice/],
        [{ ...districtDoc(), dispatchRules: { rules: [{ matter: 'x', unit: 'NOPE' }] } }, /unknown unit NOPE/],
        [{ ...districtDoc(), gazetteer: { 'YX-CGJ': { roads: ['某路'] } } }, /not a street or town/],
      ];
      for (const [doc, message] of cases) {
        await assert.rejects(importDistrict(t.db, systemClock, doc, ctx), (e: { code: string; message: string }) => {
          assert.equal(e.code, 'DISTRICT_FILE_INVALID');
          assert.match(e.message, message);
          return true;
        });
      }
      assert.equal(await count(), n);
      const events = await t.db.query('SELECT 1 FROM platform.outbox');
      assert.equal(events.length, 2, 'refused imports emit nothing');
    });
  });
}
