import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, login, type TestApp } from './app.ts';

// The HTTP edge: bad input always gets a 4xx with a stable code, never a 500 or a stack trace.

describe('http edge', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp('pglite');
  });
  after(() => t.close());

  const post = (url: string, payload: string | object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', ...headers } });

  test('malformed JSON', async () => {
    const r = await post('/api/auth/login', '{"username": "admin", ');
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().code, 'JSON_MALFORMED');
  });

  test('wrong types are not coerced', async () => {
    const r = await post('/api/auth/login', { username: 12345, password: 'x' });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().code, 'VALIDATION_FAILED');
    assert.equal(r.json().details[0].path, '/username');
  });

  test('unknown fields are refused, not dropped', async () => {
    const r = await post('/api/auth/login', { username: 'admin', password: 'x', isAdmin: true });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().code, 'VALIDATION_FAILED');
  });

  test('oversized bodies', async () => {
    const r = await post('/api/auth/login', { username: 'admin', password: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().code, 'BODY_TOO_LARGE');
  });

  test('unsupported media type', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: 'username=admin', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.statusCode, 415);
    assert.equal(r.json().code, 'MEDIA_TYPE_UNSUPPORTED');
  });

  test('invalid ID number at registration', async () => {
    const r = await post('/api/auth/register', { kind: 'citizen', phone: '13900000077', password: 'good-pass-2026', displayName: '王五', idNumber: '110105194912310021' });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().code, 'ID_NUMBER_CHECKSUM');
  });

  test('bad query and path parameters', async () => {
    const admin = await login(t.app, 'admin');
    const q = await t.app.inject({ method: 'GET', url: '/api/audit?limit=abc', headers: admin.cookieOnly });
    assert.equal(q.statusCode, 400);
    assert.equal(q.json().code, 'VALIDATION_FAILED');
    const p = await t.app.inject({ method: 'GET', url: '/api/org/accounts/not-a-uuid', headers: admin.cookieOnly });
    assert.equal(p.statusCode, 400);
    const missing = await t.app.inject({ method: 'GET', url: '/api/org/accounts/0190a0b0-0000-7000-8000-000000000000', headers: admin.cookieOnly });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'ACCOUNT_NOT_FOUND');
  });

  test('unknown API routes answer 404 JSON; the web app answers client routes', async () => {
    const api = await t.app.inject({ method: 'GET', url: '/api/nope' });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().code, 'NOT_FOUND');
    const del = await t.app.inject({ method: 'DELETE', url: '/nope' });
    assert.equal(del.statusCode, 404);
  });

  test('anonymous and unprivileged callers are refused with codes', async () => {
    const anon = await t.app.inject({ method: 'GET', url: '/api/audit' });
    assert.equal(anon.statusCode, 401);
    assert.equal(anon.json().code, 'AUTH_REQUIRED');
    const citizen = await login(t.app, '13800000001');
    const r = await t.app.inject({ method: 'GET', url: '/api/audit', headers: citizen.cookieOnly });
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().code, 'FORBIDDEN');
  });

  test('health, readiness, OpenAPI and docs', async () => {
    assert.deepEqual((await t.app.inject('/healthz')).json(), { status: 'ok' });
    const ready = await t.app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().pendingMigrations, 0);
    const spec = (await t.app.inject('/openapi.json')).json();
    assert.equal(spec.openapi, '3.0.3');
    assert.ok(spec.paths['/api/auth/login'].post.requestBody);
    assert.ok(spec.paths['/api/auth/login'].post.responses['401']);
    const docs = await t.app.inject('/docs/');
    assert.equal(docs.statusCode, 200);
    assert.match(docs.headers['content-type'] as string, /html/);
  });

  test('administrators see the job queue and the outbox backlog', async () => {
    const admin = await login(t.app, 'admin');
    const r = await t.app.inject({ method: 'GET', url: '/api/admin/jobs', headers: admin.cookieOnly });
    assert.equal(r.statusCode, 200, r.body);
    assert.ok(r.json().outbox.unrelayed >= 1, 'the seed import emitted an event');
    const clerk = await login(t.app, 'clerk');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/admin/jobs', headers: clerk.cookieOnly })).statusCode, 403);
  });

  test('the request id is echoed in logs and accepted from the caller', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-123' } });
    assert.equal(r.statusCode, 200);
  });

  test('the calendar API computes deadlines and refuses unknown years with a code', async () => {
    const r = await t.app.inject('/api/calendar/add-working-days?start=2026-09-28&days=5');
    assert.equal(r.json().date, '2026-10-10');
    const unknown = await t.app.inject('/api/calendar/add-working-days?start=2031-03-02&days=5');
    assert.equal(unknown.statusCode, 422);
    assert.equal(unknown.json().code, 'CALENDAR_YEAR_UNKNOWN');
    const admin = await login(t.app, 'admin');
    const set = await t.app.inject({ method: 'PUT', url: '/api/calendar/overrides/2026-11-23', headers: admin.headers, payload: { isWorkingDay: false, reason: '台风停工' } });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal((await t.app.inject('/api/calendar/add-working-days?start=2026-11-20&days=1')).json().date, '2026-11-24');
  });
});
