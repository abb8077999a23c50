import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { openPglite } from '../src/platform/db.ts';
import { shouldSeedDemo } from '../src/main.ts';

// The `yiwang` command as an operator runs it, on an embedded data folder.

const BIN = path.resolve('bin/yiwang.mjs');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-cli-'));
const dataDir = path.join(root, 'data');
const env = { ...process.env, YIWANG_DATA_DIR: dataDir, YIWANG_LOG_LEVEL: 'silent', DATABASE_URL: '' };
const run = (args: string[], extraEnv: Record<string, string> = {}, input?: string) =>
  spawnSync(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', input });

describe('yiwang CLI', () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('calendar commands print plain answers', () => {
    const add = run(['calendar', 'add-working-days', '2026-09-28', '5']);
    assert.equal(add.status, 0, add.stderr);
    assert.equal(add.stdout.trim(), '2026-10-10');
    assert.equal(run(['calendar', 'is-working-day', '2026-10-10']).stdout.trim(), 'true');
    assert.equal(run(['calendar', 'is-working-day', '2026-10-01']).stdout.trim(), 'false');
    const unknown = run(['calendar', 'is-working-day', '2031-05-06']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr + unknown.stdout, /2031/);
    assert.equal(run(['calendar', 'add-working-days', '2026-02-30', '1']).status, 2);
  });

  test('migrate, seed, org import and create-admin', () => {
    assert.equal(run(['migrate']).status, 0);
    const seed = run(['seed']);
    assert.equal(seed.status, 0, seed.stderr);
    assert.match(seed.stdout, /imported 云溪区/);
    const file = path.join(root, 'district.json');
    const doc = JSON.parse(fs.readFileSync('src/modules/org/fixtures/yunxi-district.json', 'utf8'));
    doc.units.push({ code: 'YX-TEST', kind: 'department', name: '云溪区测试局', duties: ['测试'] });
    fs.writeFileSync(file, JSON.stringify(doc));
    const imp = run(['org', 'import', file]);
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stdout, /26 units \(1 new, 25 updated\)/);
    fs.writeFileSync(file, '{"district": 1}');
    const bad = run(['org', 'import', file]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /DISTRICT_FILE_INVALID/);
    const admin = run(['user', 'create-admin', '--username', 'ops'], {}, 'a-strong-pass-2026\n');
    assert.equal(admin.status, 0, admin.stderr);
    assert.match(admin.stdout, /created administrator ops/);
    const weak = run(['user', 'create-admin', '--username', 'ops2'], { YIWANG_ADMIN_PASSWORD: '123' });
    assert.equal(weak.status, 2);
    assert.match(weak.stderr, /PASSWORD_WEAK/);
  });

  test('catalog export writes the shipped catalogue; import of the same file changes nothing', () => {
    const file = path.join(root, 'catalog.json');
    const exp = run(['catalog', 'export', file]);
    assert.equal(exp.status, 0, exp.stderr);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.ok(doc.items.length >= 30, `${doc.items.length} items`);
    const imp = run(['catalog', 'import', file]);
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stdout, /"versionsCreated":0/);
  });

  test('audit verify passes, then names the first tampered row and exits 1', async () => {
    const ok = run(['audit', 'verify']);
    assert.equal(ok.status, 0, ok.stderr);
    const rows = Number(/intact: (\d+) rows/.exec(ok.stdout)![1]);
    assert.ok(rows >= 3);
    const db = await openPglite(dataDir);
    const [victim] = await db.query<{ chain: number; seq: number; id: string }>('SELECT chain, seq, id FROM platform.audit_log ORDER BY id LIMIT 1 OFFSET 1');
    await db.exec(`ALTER TABLE platform.audit_log DISABLE TRIGGER audit_log_append_only;
      UPDATE platform.audit_log SET actor_label = 'someone else' WHERE id = '${victim!.id}';
      ALTER TABLE platform.audit_log ENABLE TRIGGER audit_log_append_only;`);
    await db.close();
    const broken = run(['audit', 'verify']);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, new RegExp(`BROKEN at chain ${victim!.chain} row seq=${victim!.seq} id=${victim!.id}`));
  });

  test('backup and restore into a fresh folder give the same data', () => {
    const file = path.join(root, 'yiwang.backup');
    const b = run(['backup', file]);
    assert.equal(b.status, 0, b.stderr);
    const fresh = path.join(root, 'restored');
    const r = run(['restore', file], { YIWANG_DATA_DIR: fresh });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /checksums match/);
    const again = run(['restore', file], { YIWANG_DATA_DIR: fresh });
    assert.notEqual(again.status, 0, 'restoring over data is refused');
    assert.match(again.stderr, /RESTORE_TARGET_NOT_EMPTY/);
  });

  test('demo accounts are seeded on an embedded database only, or with --demo', () => {
    assert.equal(shouldSeedDemo({}, {}), true);
    assert.equal(shouldSeedDemo({}, { 'no-demo': true }), false);
    assert.equal(shouldSeedDemo({ databaseUrl: 'postgres://x/y' }, {}), false);
    assert.equal(shouldSeedDemo({ databaseUrl: 'postgres://x/y' }, { demo: true }), true);
  });

  test('seed without --demo on the embedded folder creates no demo account', async () => {
    const fresh = path.join(root, 'no-demo');
    assert.equal(run(['seed'], { YIWANG_DATA_DIR: fresh }).status, 0);
    const db = await openPglite(fresh);
    const rows = await db.query('SELECT 1 FROM org.account');
    await db.close();
    assert.equal(rows.length, 0);
  });

  test('unknown commands print usage and exit 2', () => {
    const r = run(['frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Usage: yiwang/);
  });
});
