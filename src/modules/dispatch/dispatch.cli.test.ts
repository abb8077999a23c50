import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_DISTRICT_FILE } from '../org/index.ts';

// `yiwang dispatch evaluate` as the issue defines it: no database, the summary as the last line,
// one JSON line per case before it with --details.

const BIN = path.resolve('bin/yiwang.mjs');
const HELD_OUT = fileURLToPath(new URL('./fixtures/heldout.jsonl', import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-dispatch-cli-'));
const run = (args: string[]) =>
  spawnSync(process.execPath, [BIN, 'dispatch', 'evaluate', ...args], {
    encoding: 'utf8',
    // No database is opened: a data folder that does not exist stays that way.
    env: { ...process.env, YIWANG_DATA_DIR: path.join(root, 'absent'), DATABASE_URL: '', YIWANG_LOG_LEVEL: 'silent' },
  });

describe('yiwang dispatch evaluate', () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('prints one summary line last, and one line per case with --details', () => {
    const cases = path.join(root, 'cases.jsonl');
    fs.writeFileSync(cases, ['{"text":"环湖北路的路灯坏了","unit":"YX-CGJ","street":"YX-HPJD"}', '', '{"text":"公司拖欠工资三个月"}'].join('\n'));
    const r = run(['--district', DEMO_DISTRICT_FILE, '--history', HELD_OUT, '--cases', cases, '--details']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 3);
    const summary = lines.at(-1);
    assert.deepEqual(Object.keys(summary), ['cases', 'top1', 'top3', 'street', 'autoPrecision', 'autoCoverage', 'msPerCase']);
    assert.equal(summary.cases, 2);
    assert.equal(summary.top1, 1, 'top1 counts the case with a unit only');
    assert.equal(summary.street, 1);
    assert.equal(typeof summary.msPerCase, 'number');
    assert.deepEqual(lines[0].predicted[0], 'YX-CGJ');
    assert.equal(lines[1].unit, null);
    assert.equal(lines[1].predicted[0], 'YX-RSJ');
    assert.equal(fs.existsSync(path.join(root, 'absent')), false);
  });

  test('without a history it evaluates the cold start; bad input exits 2 with a code', () => {
    const r = run(['--district', DEMO_DISTRICT_FILE, '--cases', HELD_OUT]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const summary = JSON.parse(lines[0]!);
    assert.equal(summary.autoCoverage, 0, 'the cold start does not auto-dispatch');
    assert.equal(summary.autoPrecision, null);

    const missing = run(['--district', path.join(root, 'nope.json'), '--cases', HELD_OUT]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /DISPATCH_FILE_UNREADABLE/);
    const bad = path.join(root, 'bad.jsonl');
    fs.writeFileSync(bad, '{"unit":"YX-CGJ"}\n');
    const noText = run(['--district', DEMO_DISTRICT_FILE, '--cases', bad]);
    assert.equal(noText.status, 2);
    assert.match(noText.stderr, /line 1 has no "text"/);
    assert.equal(run(['--cases', HELD_OUT]).status, 2, 'usage');
  });
});
