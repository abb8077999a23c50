import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

// The real server process on a PGlite data folder: a second process is refused while the first
// holds the folder, and SIGKILL in the middle of writes loses no acknowledged write.

const BIN = path.resolve('bin/yiwang.mjs');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-kill-'));
const env = { ...process.env, YIWANG_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', YIWANG_LOG_LEVEL: 'warn', DATABASE_URL: '' };

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 120_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!.replace('localhost', '127.0.0.1') });
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`server exited ${code}:\n${out}`)));
  });
}

async function signIn(url: string) {
  const r = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'yiwang-demo-2026' }) });
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  return { cookie, 'x-csrf-token': ((await r.json()) as { csrfToken: string }).csrfToken, 'content-type': 'application/json' };
}

describe('durability of the embedded database', () => {
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('a second process on the same data folder is refused; SIGKILL loses no acknowledged write', async () => {
    const first = await startServer();
    const second = spawnSync(process.execPath, [BIN, 'migrate'], { env, encoding: 'utf8' });
    assert.notEqual(second.status, 0);
    assert.match(second.stderr, /DATA_DIR_LOCKED.*in use by another yiwang process \(pid \d+\)/);

    const headers = await signIn(first.url);
    // Acknowledged writes: working-day overrides on distinct dates, four requests in flight at a time.
    const acked: string[] = [];
    const days = Array.from({ length: 300 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 86400_000).toISOString().slice(0, 10));
    let next = 0;
    let killed = false;
    const writer = async () => {
      while (!killed && next < days.length) {
        const day = days[next++]!;
        try {
          const r = await fetch(`${first.url}/api/calendar/overrides/${day}`, { method: 'PUT', headers, body: JSON.stringify({ isWorkingDay: false, reason: `kill test ${day}` }) });
          if (r.status === 200) acked.push(day);
        } catch {
          /* the server died mid-request: not acknowledged */
        }
        if (acked.length >= 60 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
    await new Promise((r) => (first.child.exitCode !== null || first.child.signalCode ? r(null) : first.child.once('exit', r)));
    assert.ok(acked.length >= 60, `acknowledged ${acked.length}`);

    // Restart on the same folder: the stale lock is taken over and every acknowledged write is there.
    const again = await startServer();
    try {
      const h = await signIn(again.url);
      const saved = new Set<string>();
      for (const year of [2026]) {
        const r = await fetch(`${again.url}/api/calendar/overrides/${year}`, { headers: h });
        for (const o of ((await r.json()) as { items: { date: string }[] }).items) saved.add(o.date);
      }
      const lost = acked.filter((d) => !saved.has(d));
      assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost of ${acked.length}`);
      const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { env, encoding: 'utf8' });
      assert.match(verify.stderr + verify.stdout, /DATA_DIR_LOCKED/, 'the CLI is refused while the server runs');
    } finally {
      again.child.kill('SIGTERM');
      await new Promise((r) => again.child.once('exit', r));
    }
    // After a graceful stop the folder is free again, and the audit chain survived the kill.
    const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { env, encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /audit chain intact: \d+ rows/);
  });
});
