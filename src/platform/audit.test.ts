import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, engines, type TestDb } from '../../test/db.ts';
import { AUDIT_CHAINS, verifyAuditChain, writeAudit } from './audit.ts';
import { platformMigrations } from './migrations.ts';

const write = (t: TestDb, i: number) =>
  t.db.tx((tx) => writeAudit(tx, { actor: { kind: 'system', label: 'test' }, action: 'test.write', objectId: String(i), data: { i, b: { z: 1, a: [2] } } }));

for (const engine of await engines()) {
  describe(`audit chain on ${engine}`, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(engine, [platformMigrations]);
    });
    after(() => t.drop());

    test('rows chain and verify; a tampered row is named', async () => {
      const written: { chain: number; seq: number; id: string }[] = [];
      for (let i = 0; i < 24; i++) written.push(await write(t, i));
      const report = await verifyAuditChain(t.db);
      assert.equal(report.ok, true);
      assert.equal(report.rows, 24);
      // Transactions spread over the chains (24 rows on one chain would be a 1 in 16^23 chance).
      assert.ok(report.chains > 1 && report.chains <= AUDIT_CHAINS, `chains: ${report.chains}`);

      // A row followed by another on its chain (24 rows on 16 chains: there is one), so that its
      // removal leaves a gap rather than a shorter chain.
      const victim = written.find((r, i) => written.slice(i + 1).some((later) => later.chain === r.chain))!;
      const where = `WHERE chain = ${victim.chain} AND seq = ${victim.seq}`;
      await assert.rejects(t.db.query(`UPDATE platform.audit_log SET action = 'x' ${where}`), /append-only/);
      await assert.rejects(t.db.query(`DELETE FROM platform.audit_log ${where}`), /append-only/);

      // An attacker with table-owner rights can disable the trigger; the chain still tells.
      await t.db.exec(`ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only;
        UPDATE platform.audit_log SET data = '{"i": 99}' ${where};
        ALTER TABLE platform.audit_log ENABLE TRIGGER audit_log_append_only;`);
      const broken = await verifyAuditChain(t.db);
      assert.equal(broken.ok, false);
      assert.deepEqual(broken.brokenAt && { chain: broken.brokenAt.chain, id: broken.brokenAt.id }, { chain: victim.chain, id: victim.id });
      assert.match(broken.brokenAt!.reason, /content/);

      // Put it back, then remove a row: the gap in its chain is named.
      await t.db.exec(`ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only;
        UPDATE platform.audit_log SET data = '{"i": ${written.indexOf(victim)}, "b": {"z": 1, "a": [2]}}' ${where};
        ALTER TABLE platform.audit_log ENABLE TRIGGER audit_log_append_only;`);
      assert.equal((await verifyAuditChain(t.db)).ok, true);
      await t.db.exec(`ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only;
        DELETE FROM platform.audit_log ${where};
        ALTER TABLE platform.audit_log ENABLE TRIGGER audit_log_append_only;`);
      const gap = await verifyAuditChain(t.db);
      assert.equal(gap.ok, false);
      assert.equal(gap.brokenAt?.chain, victim.chain);
      assert.equal(gap.brokenAt?.seq, victim.seq);
      assert.match(gap.brokenAt!.reason, /missing/);
    });

    test('the rows of one transaction stay on one chain, in order', async () => {
      const rows = await t.db.tx(async (tx) => [
        await writeAudit(tx, { actor: { kind: 'system' }, action: 'test.one' }),
        await writeAudit(tx, { actor: { kind: 'system' }, action: 'test.two' }),
        await writeAudit(tx, { actor: { kind: 'system' }, action: 'test.three' }),
      ]);
      assert.equal(new Set(rows.map((r) => r.chain)).size, 1);
      assert.deepEqual(rows.map((r) => r.seq - rows[0]!.seq), [0, 1, 2]);
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

// Concurrent writers on a server: every commit lands on some chain and every chain stays intact.
for (const engine of (await engines()).filter((e) => e === 'postgres')) {
  describe(`audit chains under concurrent writers on ${engine}`, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(engine, [platformMigrations]);
    });
    after(() => t.drop());

    test('32 writers × 10 transactions of two rows each give 640 rows and intact chains', async () => {
      await Promise.all(
        Array.from({ length: 32 }, async (_, w) => {
          for (let i = 0; i < 10; i++) {
            await t.db.tx(async (tx) => {
              await writeAudit(tx, { actor: { kind: 'system' }, action: 'test.first', objectId: `${w}-${i}` });
              await writeAudit(tx, { actor: { kind: 'system' }, action: 'test.second', objectId: `${w}-${i}` });
            });
          }
        }),
      );
      const report = await verifyAuditChain(t.db);
      assert.deepEqual({ ok: report.ok, rows: report.rows }, { ok: true, rows: 640 });
    });
  });
}
