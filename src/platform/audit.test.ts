import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, engines, type TestDb } from '../../test/db.ts';
import { verifyAuditChain, writeAudit } from './audit.ts';
import { platformMigrations } from './migrations.ts';

for (const engine of await engines()) {
  describe(`audit chain on ${engine}`, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(engine, [platformMigrations]);
    });
    after(() => t.drop());

    test('rows chain and verify; a tampered row is named', async () => {
      for (let i = 0; i < 5; i++) {
        await t.db.tx((tx) =>
          writeAudit(tx, { actor: { kind: 'system', label: 'test' }, action: 'test.write', objectId: String(i), data: { i, b: { z: 1, a: [2] } } }),
        );
      }
      assert.deepEqual(await verifyAuditChain(t.db), { ok: true, rows: 5 });

      await assert.rejects(t.db.query(`UPDATE platform.audit_log SET action = 'x' WHERE seq = 3`), /append-only/);
      await assert.rejects(t.db.query(`DELETE FROM platform.audit_log WHERE seq = 3`), /append-only/);

      // An attacker with table-owner rights can disable the trigger; the chain still tells.
      await t.db.exec(`ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only;
        UPDATE platform.audit_log SET data = '{"i": 99}' WHERE seq = 3;
        ALTER TABLE platform.audit_log ENABLE TRIGGER audit_log_append_only;`);
      const report = await verifyAuditChain(t.db);
      assert.equal(report.ok, false);
      assert.equal(report.brokenAt?.seq, 3);
      assert.match(report.brokenAt!.reason, /content/);
    });

    test('a rolled-back change leaves no audit row', async () => {
      const before = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM platform.audit_log'))[0]!.n;
      await assert.rejects(
        t.db.tx(async (tx) => {
          await writeAudit(tx, { actor: { kind: 'system' }, action: 'test.rollback' });
          throw new Error('boom');
        }),
      );
      const afterN = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM platform.audit_log'))[0]!.n;
      assert.equal(afterN, before);
    });
  });
}
