// Runs every *.test.ts under src/, test/ and web/src with Node's test runner (through tsx).
// Arguments narrow the run: `npm test -- calendar` runs files whose path contains "calendar".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const roots = ['src', 'test', 'web/src'];
const files = [];
function walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') walk(p);
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(p);
  }
}
roots.forEach(walk);
const filters = process.argv.slice(2);
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.YIWANG_TEST_CONCURRENCY ?? '2';
// A file whose tests are done exits even if a failed test left a handle open (a server, a timer):
// a failure must be reported, never turn into a hang. No single test may run past ten minutes.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-force-exit', `--test-concurrency=${concurrency}`, '--test-timeout=600000', ...selected],
  { stdio: 'inherit', env: { ...process.env, YIWANG_LOG_LEVEL: process.env.YIWANG_LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
