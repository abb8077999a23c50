import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, engines, type TestDb } from '../../../test/db.ts';
import { systemActor, verifyAuditChain } from '../audit.ts';
import { platformMigrations } from '../migrations.ts';
import { runCalendarCommand, type CalendarAdmin } from './calendar.cli.ts';
import { createCalendar, type WorkingCalendar } from './calendar.ts';

for (const engine of await engines()) {
  describe(`yiwang calendar on ${engine}`, () => {
    let t: TestDb;
    let cal: WorkingCalendar;
    let admin: CalendarAdmin;
    before(async () => {
      t = await createTestDb(engine, [platformMigrations]);
      cal = createCalendar(t.db);
      admin = { db: t.db, actor: systemActor('cli-test') };
    });
    after(() => t.drop());

    async function run(line: string, withAdmin = false): Promise<{ code: number; lines: string[] }> {
      const lines: string[] = [];
      const code = await runCalendarCommand(line.split(' ').filter(Boolean), cal, (l) => lines.push(l), withAdmin ? admin : undefined);
      return { code, lines };
    }

    test('read commands print plain answers', async () => {
      assert.deepEqual(await run('add-working-days 2026-09-28 5'), { code: 0, lines: ['2026-10-10'] });
      assert.deepEqual(await run('add-working-days 2026-10-10 -5'), { code: 0, lines: ['2026-09-28'] });
      assert.deepEqual(await run('is-working-day 2026-10-10'), { code: 0, lines: ['true'] });
      assert.deepEqual(await run('is-working-day 2026-10-17'), { code: 0, lines: ['false'] });
      assert.deepEqual(await run('working-days-between 2026-09-28 2026-10-10'), { code: 0, lines: ['5'] });
      const described = await run('describe 2026-10-01');
      assert.equal(described.code, 0);
      assert.deepEqual(JSON.parse(described.lines[0]!), {
        date: '2026-10-01', isWorkingDay: false, kind: 'holiday', name: '国庆节', source: 'statutory',
      });
      const month = await run('month 2026-10');
      assert.equal(month.lines.length, 31);
      assert.match(month.lines[0]!, /^2026-10-01 周四 off\s+holiday\s+国庆节$/);
      assert.match(month.lines[9]!, /^2026-10-10 周六 work makeup_workday\s+国庆节$/);
      assert.match((await run('years')).lines[0]!, /\b2025 2026\b/);
    });

    test('bad arguments exit 2 with usage; a year without data exits 1 with its message', async () => {
      for (const line of ['', 'frobnicate', 'add-working-days 2026-09-28', 'add-working-days 2026-09-28 x', 'month 2026-1', 'is-working-day 2026-02-30']) {
        const r = await run(line);
        assert.equal(r.code, 2, line);
        assert.ok(r.lines.some((l) => l.startsWith('Usage: yiwang calendar')) || /not a date/.test(r.lines[0]!), line);
      }
      const unknown = await run('is-working-day 2031-03-03');
      assert.equal(unknown.code, 1);
      assert.match(unknown.lines[0]!, /no holiday data for 2031; an administrator must publish/);
      assert.equal((await run('help')).code, 0);
    });

    test('administrators set, publish and unset through the CLI; each change is audited', async () => {
      assert.equal((await run('set 2026-11-02 holiday 停电')).code, 1); // no admin access given
      assert.deepEqual(await run('set 2026-11-02 holiday 全区停电 检修', true), { code: 0, lines: ['2026-11-02 is now a holiday (全区停电 检修)'] });
      assert.deepEqual(await run('is-working-day 2026-11-02'), { code: 0, lines: ['false'] });
      assert.match((await run('overrides 2026')).lines[0]!, /^2026-11-02 holiday 全区停电 检修 \(cli-test, /);
      assert.equal((await run('publish 2031 per notice', true)).code, 0);
      assert.deepEqual(await run('is-working-day 2031-03-03'), { code: 0, lines: ['true'] });
      assert.equal((await run('publish 2026', true)).code, 1); // covered by the package
      assert.equal((await run('unset 2026-11-02', true)).code, 0);
      assert.equal((await run('unset 2026-11-02', true)).code, 1);
      assert.deepEqual(await verifyAuditChain(t.db).then(({ ok, rows }) => ({ ok, rows })), { ok: true, rows: 3 });
    });
  });
}
