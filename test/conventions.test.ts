import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrationSources } from '../src/app.ts';
import { MIGRATION_FILE } from '../src/platform/migrate.ts';
import { buildTestApp, type TestApp } from './app.ts';

// The house rules a reviewer would otherwise have to remember.

function filesUnder(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, ext));
    else if (ext.test(e.name)) out.push(p);
  }
  return out;
}

describe('conventions', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp('pglite', { demo: false });
  });
  after(() => t.close());

  test('every route declares a scope and an audit action; writes name a real action', async () => {
    const { routeTable } = await import('../src/platform/http/server.ts');
    const routes = routeTable(t.app);
    assert.ok(routes.length > 10, `routes found: ${routes.length}`);
    for (const r of routes) {
      assert.ok(r.scope, `${r.method} ${r.url} has no scope`);
      if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)) {
        assert.equal(typeof r.audit, 'string', `${r.method} ${r.url} changes state but declares audit: false`);
      } else {
        assert.ok(r.audit === false || typeof r.audit === 'string', `${r.method} ${r.url}`);
      }
    }
  });

  test('a route without a scope or audit action stops the server from starting', async () => {
    const { createServer } = await import('../src/platform/http/server.ts');
    const app = await createServer({ logLevel: 'silent', version: 'test', authenticate: async () => undefined, csrfTokenOf: () => undefined });
    assert.throws(() => app.get('/x', async () => 'x'), /declares no valid scope/);
    assert.throws(() => app.post('/y', { config: { scope: 'public' } }, async () => 'y'), /declares no audit action/);
    await app.close();
  });

  test('modules import each other only through index.ts, and platform imports no module', () => {
    const src = path.resolve('src');
    for (const file of filesUnder(src, /\.ts$/)) {
      const rel = path.relative(src, file);
      const own = rel.startsWith('modules/') ? rel.split('/')[1] : undefined;
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = path.relative(src, path.resolve(path.dirname(file), m[1]!));
        if (rel.startsWith('platform/')) assert.ok(!target.startsWith('modules/'), `${rel} imports ${target}: platform imports no module`);
        if (target.startsWith('modules/')) {
          const [, mod, ...restPath] = target.split('/');
          if (mod !== own) assert.equal(restPath.join('/'), 'index.ts', `${rel} reaches into ${target}; import modules/${mod}/index.ts`);
        }
      }
    }
  });

  test('migrations are numbered, forward-only files in SQL that PostgreSQL 15 runs', () => {
    for (const source of migrationSources()) {
      const files = fs.readdirSync(source.dir).filter((f) => f.endsWith('.sql')).sort();
      files.forEach((f, i) => {
        assert.match(f, MIGRATION_FILE, `${source.owner}/${f}`);
        assert.equal(Number(f.slice(0, 4)), i + 1, `${source.owner}: migrations numbered 0001, 0002 … without gaps`);
        const sql = fs.readFileSync(path.join(source.dir, f), 'utf8');
        // PGlite is PostgreSQL 18; the server target is 15. These exist only in newer versions.
        for (const [pattern, why] of [
          [/\buuidv7\s*\(/i, 'uuidv7() is PostgreSQL 18+: make ids in the app'],
          [/\bJSON_TABLE\b/i, 'JSON_TABLE is PostgreSQL 17+'],
          [/\bVIRTUAL\b/i, 'virtual generated columns are PostgreSQL 18+'],
          [/\bMERGE\b[\s\S]*\bRETURNING\b/i, 'MERGE … RETURNING is PostgreSQL 17+'],
          [/\bCONCURRENTLY\b/i, 'migrations run in a transaction'],
        ] as const) {
          assert.ok(!pattern.test(sql), `${source.owner}/${f}: ${why}`);
        }
      });
    }
  });

  test('every module index.ts opens with a comment saying what it is for', () => {
    for (const dir of fs.readdirSync('src/modules')) {
      const index = fs.readFileSync(path.join('src/modules', dir, 'index.ts'), 'utf8');
      assert.match(index, /^\/\/ \w+/, `src/modules/${dir}/index.ts`);
    }
  });
});

describe('documentation', () => {
  test('every error code raised in src/ is documented in docs/error-codes.md', () => {
    const doc = fs.readFileSync('docs/error-codes.md', 'utf8');
    const missing = new Set<string>();
    for (const file of filesUnder(path.resolve('src'), /(?<!\.test)\.ts$/)) {
      const text = fs.readFileSync(file, 'utf8');
      // Codes appear as the first argument of AppError and its helpers, or as `code:` literals.
      const pattern = /(?:AppError\(|badRequest\(|unauthorized\(|forbidden\(|notFound\(|conflict\(|code: )\s*'([A-Z][A-Z0-9_]+)'/g;
      for (const m of text.matchAll(pattern)) if (!doc.includes(`\`${m[1]}\``)) missing.add(`${m[1]} (${path.relative('.', file)})`);
    }
    assert.deepEqual([...missing], []);
  });
});
