import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { fixedClock } from '../../platform/clock.ts';
import { verifyAuditChain } from '../../platform/audit.ts';
import { CALLER_CACHE_MS, LOCK_AFTER_FAILURES, LOCK_MS } from './accounts.service.ts';

for (const engine of await engines()) {
  describe(`accounts and sign-in on ${engine}`, () => {
    let t: TestApp;
    const clock = fixedClock('2026-11-20T02:00:00Z');
    before(async () => {
      t = await buildTestApp(engine, { clock });
    });
    after(() => t.close());

    test('every demo account signs in and sees its permissions', async () => {
      const admin = await login(t.app, 'admin');
      const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: admin.cookieOnly });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().user.roles[0].role, 'admin');
      assert.ok(me.json().user.permissions.includes('org:write'));
      const citizen = await login(t.app, '13800000001');
      const cme = (await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: citizen.cookieOnly })).json();
      assert.equal(cme.user.kind, 'citizen');
      assert.equal(cme.user.phoneMasked, '138****0001');
      assert.deepEqual(cme.user.permissions, ['portal:use']);
    });

    test('personal data is encrypted at rest and findable only through the keyed hash', async () => {
      const rows = await t.platform.db.query<{ phone_enc: string; id_number_enc: string; phone_hash: string }>(
        `SELECT phone_enc, id_number_enc, phone_hash FROM org.account WHERE kind = 'citizen'`,
      );
      assert.equal(rows.length, 1);
      const raw = JSON.stringify(rows);
      assert.ok(!raw.includes('13800000001') && !raw.includes('440106198001010019'), 'no clear text in the table');
      assert.equal(rows[0]!.phone_hash, t.platform.pii.blindIndex('phone', '13800000001'));
    });

    test('the masked view needs no special right; the full value needs pii:read and is audited', async () => {
      const admin = await login(t.app, 'admin');
      const citizen = await login(t.app, '13800000001');
      const summary = await t.app.inject({ method: 'GET', url: `/api/org/accounts/${citizen.userId}`, headers: admin.cookieOnly });
      assert.equal(summary.json().idNumberMasked, '440106********0019');
      const approver = await login(t.app, 'approver');
      const denied = await t.app.inject({ method: 'POST', url: `/api/org/accounts/${citizen.userId}/reveal`, headers: approver.headers, payload: { reason: '核实身份' } });
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, 'FORBIDDEN');
      const clerk = await login(t.app, 'clerk');
      const shown = await t.app.inject({ method: 'POST', url: `/api/org/accounts/${citizen.userId}/reveal`, headers: clerk.headers, payload: { reason: '窗口核实身份' } });
      assert.equal(shown.statusCode, 200);
      assert.equal(shown.json().idNumber, '440106198001010019');
      const audit = await t.platform.db.query<{ actor_id: string; data: { reason: string } }>(
        `SELECT actor_id, data FROM platform.audit_log WHERE action = 'org.account.pii.read' AND object_id = $1`,
        [citizen.userId],
      );
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor_id, clerk.userId);
      assert.equal(audit[0]!.data.reason, '窗口核实身份');
    });

    test('unsafe requests with a session need the CSRF token', async () => {
      const admin = await login(t.app, 'admin');
      const noToken = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: admin.cookieOnly });
      assert.equal(noToken.statusCode, 403);
      assert.equal(noToken.json().code, 'CSRF_TOKEN_INVALID');
      const ok = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: admin.headers });
      assert.equal(ok.statusCode, 204);
      const after = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: admin.cookieOnly });
      assert.equal(after.statusCode, 401);
      assert.equal(after.json().code, 'AUTH_REQUIRED');
    });

    test('a session ended by another process stops working within the caller cache time', async () => {
      const supervisor = await login(t.app, 'supervisor');
      const me = () => t.app.inject({ method: 'GET', url: '/api/auth/me', headers: supervisor.cookieOnly });
      assert.equal((await me()).statusCode, 200);
      await t.platform.db.query('UPDATE org.session SET revoked_at = $1 WHERE account_id = $2', [clock.now(), supervisor.userId]);
      clock.advance(CALLER_CACHE_MS + 1);
      assert.equal((await me()).statusCode, 401);
    });

    test('wrong passwords lock the account, and the lock lifts after its time', async () => {
      const attempt = (password: string) =>
        t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'approver', password }, remoteAddress: '10.9.9.9' });
      for (let i = 1; i < LOCK_AFTER_FAILURES; i++) {
        const r = await attempt('wrong-password-1');
        assert.equal(r.statusCode, 401);
        assert.equal(r.json().code, 'AUTH_INVALID_CREDENTIALS');
      }
      assert.equal((await attempt('wrong-password-1')).json().code, 'AUTH_LOCKED');
      const locked = await attempt('yiwang-demo-2026');
      assert.equal(locked.statusCode, 423, 'even the right password is refused while locked');
      clock.advance(LOCK_MS + 1000);
      assert.equal((await attempt('yiwang-demo-2026')).statusCode, 200);
      const failures = await t.platform.db.query(`SELECT 1 FROM platform.audit_log WHERE action = 'auth.login.failed'`);
      assert.equal(failures.length, LOCK_AFTER_FAILURES);
    });

    test('an unknown account answers exactly like a wrong password', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: 'x' } });
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().code, 'AUTH_INVALID_CREDENTIALS');
    });

    test('registration validates real-name fields and refuses a second account for one phone', async () => {
      const reg = (payload: object) => t.app.inject({ method: 'POST', url: '/api/auth/register', payload, remoteAddress: '10.1.1.1' });
      const base = { kind: 'citizen', phone: '13900000011', password: 'good-pass-2026', displayName: '李四' };
      assert.equal((await reg({ ...base, idNumber: '440106198001010018' })).json().code, 'ID_NUMBER_CHECKSUM');
      assert.equal((await reg({ ...base, phone: '12345' })).json().code, 'PHONE_INVALID');
      assert.equal((await reg({ ...base, password: 'short' })).json().code, 'PASSWORD_WEAK');
      assert.equal((await reg({ ...base, kind: 'enterprise', uscc: '91440106MA5CXYW8K8' })).json().code, 'USCC_CHECKSUM');
      assert.equal((await reg({ ...base, extra: 1 })).json().code, 'VALIDATION_FAILED');
      const ok = await reg({ ...base, idNumber: '44010619800101001X'.slice(0, 17) + '9' });
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal(ok.json().user.phoneMasked, '139****0011');
      const again = await reg({ ...base, phone: '+86 139-0000-0011' });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'ACCOUNT_EXISTS');
    });

    test('API tokens act with their grants, and stop when revoked', async () => {
      const admin = await login(t.app, 'admin');
      const created = await t.app.inject({ method: 'POST', url: '/api/org/tokens', headers: admin.headers, payload: { name: '区大数据中心同步', grants: [{ role: 'supervisor', unitCode: 'YX' }] } });
      assert.equal(created.statusCode, 201, created.body);
      const { token, id } = created.json();
      const bearer = { authorization: `Bearer ${token}` };
      const read = await t.app.inject({ method: 'GET', url: '/api/audit?limit=1', headers: bearer });
      assert.equal(read.statusCode, 200);
      const forbidden = await t.app.inject({ method: 'POST', url: '/api/org/tokens', headers: bearer, payload: { name: 'x', grants: [{ role: 'admin', unitCode: 'YX' }] } });
      assert.equal(forbidden.statusCode, 403);
      const tampered = await t.app.inject({ method: 'GET', url: '/api/audit?limit=1', headers: { authorization: `Bearer ${token.slice(0, -2)}xx` } });
      assert.equal(tampered.statusCode, 401);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/org/tokens/${id}`, headers: admin.headers })).statusCode, 204);
      const revoked = await t.app.inject({ method: 'GET', url: '/api/audit?limit=1', headers: bearer });
      assert.equal(revoked.statusCode, 401);
      assert.equal(revoked.json().code, 'AUTH_TOKEN_INVALID');
    });

    test('staff creation is scoped: an admin grants roles only inside the subtree it administers', async () => {
      const admin = await login(t.app, 'admin');
      const ok = await t.app.inject({ method: 'POST', url: '/api/org/accounts', headers: admin.headers, payload: { username: 'wangwu', displayName: '王五', password: 'good-pass-2026', grants: [{ role: 'handling_staff', unitCode: 'YX-HPJD' }] } });
      assert.equal(ok.statusCode, 201, ok.body);
      const dup = await t.app.inject({ method: 'POST', url: '/api/org/accounts', headers: admin.headers, payload: { username: 'wangwu', displayName: '王五', password: 'good-pass-2026', grants: [{ role: 'handling_staff', unitCode: 'YX-HPJD' }] } });
      assert.equal(dup.statusCode, 409);
      const unknownUnit = await t.app.inject({ method: 'POST', url: '/api/org/accounts', headers: admin.headers, payload: { username: 'zhaoliu', displayName: '赵六', password: 'good-pass-2026', grants: [{ role: 'approver', unitCode: 'NOPE' }] } });
      assert.equal(unknownUnit.json().code, 'ORG_UNIT_UNKNOWN');
      const handler = await login(t.app, 'handler');
      const denied = await t.app.inject({ method: 'POST', url: '/api/org/accounts', headers: handler.headers, payload: { username: 'sunqi', displayName: '孙七', password: 'good-pass-2026', grants: [{ role: 'admin', unitCode: 'YX' }] } });
      assert.equal(denied.statusCode, 403);
      assert.equal((await verifyAuditChain(t.platform.db)).ok, true);
    });
  });
}
