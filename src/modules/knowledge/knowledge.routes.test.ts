import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { login } from '../../../test/app.ts';
import { createTestDb, engines, type Engine } from '../../../test/db.ts';
import { buildApp, createPlatform, migrationSources, seedPlatform } from '../../app.ts';
import { fixedClock, type Clock } from '../../platform/clock.ts';
import { loadConfig } from '../../platform/config.ts';
import type { App } from '../../platform/http/server.ts';
import type { Platform } from '../../platform/module.ts';
import { orgModule } from '../org/index.ts';
import { knowledgeModule } from './index.ts';

type Session = Awaited<ReturnType<typeof login>>;

// The app with the modules this one needs (org for accounts and units), as test/app.ts builds the
// whole app: seeded with the reference district and the demo accounts.
async function buildKnowledgeApp(engine: Engine, clock: Clock) {
  const modules = [orgModule, knowledgeModule];
  const db = await createTestDb(engine, migrationSources(modules));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-knowledge-'));
  const config = { ...loadConfig({ YIWANG_LOG_LEVEL: 'silent' }), dataDir, piiKey: randomBytes(32).toString('base64'), webDir: path.resolve('web/dist') };
  const platform = await createPlatform({ config, db: db.db, clock, modules });
  await seedPlatform(platform, { demo: true, modules });
  const app = await buildApp(platform, modules);
  await app.ready();
  return {
    app,
    platform,
    close: async () => {
      await app.close();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

for (const engine of await engines()) {
  describe(`knowledge API on ${engine}`, () => {
    let t: { app: App; platform: Platform; close(): Promise<void> };
    let admin: Session;
    let supervisor: Session;
    let agent: Session;
    let citizen: Session;
    before(async () => {
      t = await buildKnowledgeApp(engine, fixedClock('2026-06-15T02:00:00Z'));
      [admin, supervisor, agent, citizen] = await Promise.all([login(t.app, 'admin'), login(t.app, 'supervisor'), login(t.app, 'agent'), login(t.app, '13800000001')]);
    });
    after(() => t.close());

    const inject = (s: Session | undefined, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      t.app.inject({ method, url, headers: s?.headers, ...(payload === undefined ? {} : { payload: payload as object }) });

    test('agents search the knowledge base; snippets are marked and escaped', async () => {
      const res = await inject(agent, 'GET', `/api/knowledge/articles?q=${encodeURIComponent('公积金怎么取出来')}&limit=3`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(body.terms, ['公积金', '取出']);
      assert.equal(body.items[0].title, '住房公积金提取');
      assert.match(body.items[0].snippet, /<mark>(住房)?公积金<\/mark>/);
      assert.ok(body.items.length <= 3);
      const detail = await inject(agent, 'GET', `/api/knowledge/articles/${body.items[0].id}`);
      assert.equal(detail.statusCode, 200);
      assert.equal(detail.json().current.version, 1);
      assert.equal(detail.json().draft, null);
      const v1 = await inject(agent, 'GET', `/api/knowledge/articles/${body.items[0].id}/versions/1`);
      assert.equal(v1.json().status, 'published');
    });

    test('access: anonymous 401, citizens and agents cannot write, public search needs no sign-in', async () => {
      assert.equal((await inject(undefined, 'GET', '/api/knowledge/articles?q=低保')).statusCode, 401);
      assert.equal((await inject(citizen, 'GET', '/api/knowledge/articles?q=低保')).statusCode, 403);
      const draft = { kind: 'faq', title: '测试', body: '正文' };
      const denied = await inject(agent, 'POST', '/api/knowledge/articles', draft);
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, 'FORBIDDEN');
      const pub = await t.app.inject({ method: 'GET', url: `/api/public/knowledge?q=${encodeURIComponent('低保怎么申请')}` });
      assert.equal(pub.statusCode, 200);
      assert.equal(pub.json().items[0].title, '最低生活保障申请');
      assert.ok(pub.json().items.every((i: { isPublic: boolean }) => i.isPublic));
      const one = await t.app.inject({ method: 'GET', url: `/api/public/knowledge/${pub.json().items[0].id}` });
      assert.equal(one.statusCode, 200);
      assert.equal(one.json().title, '最低生活保障申请');
      assert.equal(one.json().versions, undefined, 'no history on the portal');
    });

    test('editors: create, edit, publish, edit again, publish, retire — and the audit names each', async () => {
      const created = await inject(supervisor, 'POST', '/api/knowledge/articles', {
        kind: 'faq', title: '共享单车乱停放找谁', body: '共享单车占用<人行道>的，由区城管局处理。', tags: ['共享单车'],
        hotlineCategory: 'urban.bikes', issuingUnitCode: 'YX-CGJ', isPublic: true,
      });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().id;
      assert.equal(created.json().state, 'draft');
      // Agents do not see drafts; editors do.
      assert.equal((await inject(agent, 'GET', `/api/knowledge/articles/${id}`)).statusCode, 404);
      assert.equal((await inject(supervisor, 'GET', `/api/knowledge/articles/${id}`)).json().draft.version, 1);

      const unnamed = await inject(supervisor, 'POST', `/api/knowledge/articles/${id}/publish`);
      assert.equal(unnamed.statusCode, 400, 'the editor names the version reviewed');
      const published = await inject(supervisor, 'POST', `/api/knowledge/articles/${id}/publish`, { version: 1 });
      assert.equal(published.statusCode, 200, published.body);
      assert.equal(published.json().publishedVersion, 1);
      const search = await inject(agent, 'GET', `/api/knowledge/articles?q=${encodeURIComponent('共享单车占用人行道')}`);
      const hit = search.json().items[0];
      assert.equal(hit.id, id);
      assert.match(hit.snippet, /&lt;<mark>人行道<\/mark>&gt;/, 'text is escaped around the mark');

      const edit = await inject(admin, 'PUT', `/api/knowledge/articles/${id}`, {
        title: '共享单车乱停放找谁', body: '共享单车乱停放，由区城管局督促运营企业清理。', tags: ['共享单车'], hotlineCategory: 'urban.bikes',
        issuingUnitCode: 'YX-CGJ', isPublic: true, baseVersion: 1, changeNote: '改为督促企业',
      });
      assert.equal(edit.statusCode, 200, edit.body);
      assert.equal(edit.json().latestVersion, 2);
      const stale = await inject(admin, 'PUT', `/api/knowledge/articles/${id}`, { title: 'x', body: 'y', baseVersion: 1 });
      assert.equal(stale.statusCode, 409);
      assert.equal(stale.json().code, 'KNOWLEDGE_VERSION_CONFLICT');
      const second = await inject(admin, 'POST', `/api/knowledge/articles/${id}/publish`, { version: 2 });
      assert.equal(second.statusCode, 200, second.body);
      assert.deepEqual(second.json().versions.map((v: { status: string }) => v.status), ['published', 'superseded']);
      const again = await inject(admin, 'POST', `/api/knowledge/articles/${id}/publish`, { version: 2 });
      assert.equal(again.json().code, 'KNOWLEDGE_NO_DRAFT');
      const old = await inject(agent, 'GET', `/api/knowledge/articles/${id}/versions/1`);
      assert.equal(old.json().body, '共享单车占用<人行道>的，由区城管局处理。');

      const retired = await inject(supervisor, 'POST', `/api/knowledge/articles/${id}/retire`, { reason: '并入市容条目' });
      assert.equal(retired.statusCode, 200, retired.body);
      assert.equal(retired.json().state, 'retired');

      const audit = await t.platform.db.query<{ action: string; actor_label: string; request_id: string | null }>(
        'SELECT action, actor_label, request_id FROM platform.audit_log WHERE object_id = $1 ORDER BY id', [id]);
      assert.deepEqual(audit.map((a) => a.action), [
        'knowledge.article.create', 'knowledge.article.publish', 'knowledge.article.update', 'knowledge.article.publish', 'knowledge.article.retire',
      ]);
      assert.ok(audit.every((a) => a.request_id), 'each row names its request');
      assert.equal(audit[0]!.actor_label, '督办 赵刚');
    });

    test('bad input: schema errors, unknown ids and units, invalid dates', async () => {
      const cases: [string, 'GET' | 'POST' | 'PUT', string, unknown, number, string][] = [
        ['unknown field', 'POST', '/api/knowledge/articles', { kind: 'faq', title: 't', body: 'b', extra: 1 }, 400, 'VALIDATION_FAILED'],
        ['unknown kind', 'POST', '/api/knowledge/articles', { kind: 'rumour', title: 't', body: 'b' }, 400, 'VALIDATION_FAILED'],
        ['blank title', 'POST', '/api/knowledge/articles', { kind: 'faq', title: ' ', body: 'b' }, 400, 'VALIDATION_FAILED'],
        ['impossible date', 'POST', '/api/knowledge/articles', { kind: 'faq', title: 't', body: 'b', validFrom: '2026-13-01' }, 400, 'VALIDATION_FAILED'],
        ['dates reversed', 'POST', '/api/knowledge/articles', { kind: 'faq', title: 't', body: 'b', validFrom: '2026-05-01', validUntil: '2026-01-01' }, 400, 'KNOWLEDGE_VALIDITY_INVALID'],
        ['unknown unit', 'POST', '/api/knowledge/articles', { kind: 'faq', title: 't', body: 'b', issuingUnitCode: 'YX-NONE' }, 400, 'ORG_UNIT_UNKNOWN'],
        ['bad id', 'GET', '/api/knowledge/articles/not-a-uuid', undefined, 400, 'VALIDATION_FAILED'],
        ['unknown id', 'GET', '/api/knowledge/articles/0190e4f0-0000-7000-8000-000000000000', undefined, 404, 'KNOWLEDGE_ARTICLE_NOT_FOUND'],
        ['unknown version', 'GET', '/api/knowledge/articles/0190e4f0-0000-7000-8000-000000000000/versions/3', undefined, 404, 'KNOWLEDGE_VERSION_NOT_FOUND'],
        ['limit too large', 'GET', '/api/knowledge/articles?q=x&limit=500', undefined, 400, 'VALIDATION_FAILED'],
        ['retire without reason', 'POST', '/api/knowledge/articles/0190e4f0-0000-7000-8000-000000000000/retire', {}, 400, 'VALIDATION_FAILED'],
        ['unknown article to edit', 'PUT', '/api/knowledge/articles/0190e4f0-0000-7000-8000-000000000000', { title: 't', body: 'b' }, 404, 'KNOWLEDGE_ARTICLE_NOT_FOUND'],
      ];
      for (const [name, method, url, payload, status, code] of cases) {
        const res = await inject(admin, method, url, payload);
        assert.equal(res.statusCode, status, `${name}: ${res.body}`);
        assert.equal(res.json().code, code, name);
      }
      const pub = await t.app.inject({ method: 'GET', url: '/api/public/knowledge?includeExpired=true' });
      assert.equal(pub.statusCode, 400, 'the portal cannot ask for expired articles');
    });

    test('expired articles are hidden unless asked for', async () => {
      // The app's clock stands at 2026-06-15: the 2027 festival notice is not yet valid.
      const q = encodeURIComponent('春节期间政务中心放假吗');
      const plain = (await inject(agent, 'GET', `/api/knowledge/articles?q=${q}`)).json();
      assert.ok(!plain.items.some((i: { title: string }) => i.title.startsWith('2027年春节')));
      const all = (await inject(agent, 'GET', `/api/knowledge/articles?q=${q}&includeExpired=true`)).json();
      assert.equal(all.items[0].validity, 'not_yet_valid');
    });
  });
}
