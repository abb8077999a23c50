// Runs bench/*.bench.ts (all, or those whose name contains an argument) through tsx.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const filters = process.argv.slice(2);
const files = fs.readdirSync('bench').filter((f) => f.endsWith('.bench.ts') && (!filters.length || filters.some((x) => f.includes(x))));
let status = 0;
for (const f of files) {
  console.log(`# ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { stdio: 'inherit', env: { ...process.env, YIWANG_LOG_LEVEL: 'silent' } });
  status ||= r.status ?? 1;
}
process.exit(status);
