import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import chineseDays from 'chinese-days';
import { createTestDb, engines, type TestDb } from '../../../test/db.ts';
import { systemActor, verifyAuditChain } from '../audit.ts';
import { fixedClock } from '../clock.ts';
import type { Queryable } from '../db.ts';
import { AppError } from '../errors.ts';
import { platformMigrations } from '../migrations.ts';
import { SUPPORTED_YEARS, createCalendar, type WorkingCalendar } from './calendar.ts';

// Independent oracle: the State Council notices for 2025 (国办发明电〔2024〕12号) and 2026, typed in
// by hand as [first, last] day-off spans and make-up working days, plus the plain weekday rule.
const NOTICES: Record<number, { off: [string, string][]; makeup: string[] }> = {
  2025: {
    off: [['01-01', '01-01'], ['01-28', '02-04'], ['04-04', '04-06'], ['05-01', '05-05'], ['05-31', '06-02'], ['10-01', '10-08']],
    makeup: ['01-26', '02-08', '04-27', '09-28', '10-11'],
  },
  2026: {
    off: [['01-01', '01-03'], ['02-15', '02-23'], ['04-04', '04-06'], ['05-01', '05-05'], ['06-19', '06-21'], ['09-25', '09-27'], ['10-01', '10-07']],
    makeup: ['01-04', '02-14', '02-28', '05-09', '09-20', '10-10'],
  },
};

const DAY = 86_400_000;
const shift = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

function oracleDays(): Map<string, { isWorking: boolean; kind: string }> {
  const days = new Map<string, { isWorking: boolean; kind: string }>();
  for (const [year, { off, makeup }] of Object.entries(NOTICES)) {
    const holidays = new Set<string>();
    for (const [a, b] of off) for (let d = `${year}-${a}`; d <= `${year}-${b}`; d = shift(d, 1)) holidays.add(d);
    const makeups = new Set(makeup.map((d) => `${year}-${d}`));
    for (let d = `${year}-01-01`; d <= `${year}-12-31`; d = shift(d, 1)) {
      const weekend = [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());
      if (makeups.has(d)) days.set(d, { isWorking: true, kind: 'makeup_workday' });
      else if (holidays.has(d)) days.set(d, { isWorking: false, kind: 'holiday' });
      else days.set(d, { isWorking: !weekend, kind: weekend ? 'weekend' : 'workday' });
    }
  }
  return days;
}
const ORACLE = oracleDays();

/** Steps day by day; undefined when the walk leaves the years the oracle knows. */
function oracleAdd(start: string, n: number): string | undefined {
  let d = start;
  for (let left = Math.abs(n); left > 0; ) {
    d = shift(d, Math.sign(n));
    const day = ORACLE.get(d);
    if (!day) return undefined;
    if (day.isWorking) left -= 1;
  }
  return d;
}

const admin = systemActor('test-admin');

async function rejectsWith(p: Promise<unknown>, code: string, status: number, message?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AppError, `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('package data', () => {
  test('covered years are derived from the package and include 2025 and 2026', () => {
    assert.ok(SUPPORTED_YEARS.includes(2025));
    assert.ok(SUPPORTED_YEARS.includes(2026));
    assert.ok(!SUPPORTED_YEARS.includes(2031));
    assert.deepEqual([...SUPPORTED_YEARS], [...SUPPORTED_YEARS].sort((a, b) => a - b));
  });
});

for (const engine of await engines()) {
  describe(`working-day calendar on ${engine}`, () => {
    let t: TestDb;
    let cal: WorkingCalendar;
    before(async () => {
      t = await createTestDb(engine, [platformMigrations]);
      cal = createCalendar(t.db, { clock: fixedClock('2026-09-01T02:00:00Z') });
    });
    after(() => t.drop());

    test('2025 and 2026 match the State Council notices day by day', async () => {
      for (const year of [2025, 2026]) {
        for (let month = 1; month <= 12; month++) {
          for (const day of await cal.listMonth(year, month)) {
            const expected = ORACLE.get(day.date)!;
            assert.equal(day.isWorkingDay, expected.isWorking, day.date);
            assert.equal(day.kind, expected.kind, day.date);
          }
        }
      }
    });

    test('deadline arithmetic matches a day-by-day oracle for every start in 2025–2026', async () => {
      const s = await cal.snapshot(2025, 2026);
      let checked = 0;
      for (const start of ORACLE.keys()) {
        for (const n of [1, 5, 20, -5, -20]) {
          const expected = oracleAdd(start, n);
          if (!expected) continue;
          assert.equal(s.addWorkingDays(start, n), expected, `${start} ${n}`);
          if (n > 0) assert.equal(s.workingDaysBetween(start, expected), n, `${start}..${expected}`);
          checked += 1;
        }
      }
      assert.ok(checked > 3000);
    });

    test("every covered year agrees with the package's own isWorkday", async () => {
      const first = SUPPORTED_YEARS[0]!;
      const last = SUPPORTED_YEARS.at(-1)!;
      const s = await cal.snapshot(first, last);
      for (let d = `${first}-01-01`; d <= `${last}-12-31`; d = shift(d, 1)) {
        assert.equal(s.isWorkingDay(d), chineseDays.isWorkday(d), d);
      }
    });

    test('Art. 82: 5 working days from 2026-09-28 end on the make-up Saturday 2026-10-10', async () => {
      assert.equal(await cal.addWorkingDays('2026-09-28', 5), '2026-10-10');
      assert.equal(await cal.workingDaysBetween('2026-09-28', '2026-10-10'), 5);
    });

    test('Spring Festival 2026 and 2025', async () => {
      assert.equal(await cal.isWorkingDay('2026-02-14'), true); // Saturday make-up day
      for (let d = '2026-02-15'; d <= '2026-02-23'; d = shift(d, 1)) assert.equal(await cal.isWorkingDay(d), false, d);
      assert.equal(await cal.isWorkingDay('2026-02-24'), true);
      assert.equal(await cal.addWorkingDays('2026-02-13', 2), '2026-02-24');
      assert.equal(await cal.workingDaysBetween('2026-02-14', '2026-02-28'), 5); // 24–27 and the Saturday 28th

      assert.equal(await cal.isWorkingDay('2025-01-26'), true); // Sunday make-up day
      for (let d = '2025-01-28'; d <= '2025-02-04'; d = shift(d, 1)) assert.equal(await cal.isWorkingDay(d), false, d);
      assert.equal(await cal.addWorkingDays('2025-01-27', 1), '2025-02-05');
      assert.equal(await cal.addWorkingDays('2025-02-07', 1), '2025-02-08'); // Saturday make-up day
    });

    test('make-up Saturdays work, ordinary Saturdays do not', async () => {
      assert.deepEqual(await cal.describeDay('2026-10-10'), {
        date: '2026-10-10', isWorkingDay: true, kind: 'makeup_workday', name: '国庆节', source: 'statutory',
      });
      assert.deepEqual(await cal.describeDay('2026-10-17'), {
        date: '2026-10-17', isWorkingDay: false, kind: 'weekend', source: 'weekend-rule',
      });
      assert.deepEqual(await cal.describeDay('2026-10-02'), {
        date: '2026-10-02', isWorkingDay: false, kind: 'holiday', name: '国庆节', source: 'statutory',
      });
      assert.equal((await cal.describeDay('2026-10-04')).kind, 'holiday'); // a Sunday inside the holiday
      assert.deepEqual(await cal.describeDay('2026-10-08'), {
        date: '2026-10-08', isWorkingDay: true, kind: 'workday', source: 'weekend-rule',
      });
    });

    test('the start day is not counted, even when it is a holiday; n = 0 returns start', async () => {
      assert.equal(await cal.addWorkingDays('2026-10-09', 1), '2026-10-10');
      assert.equal(await cal.addWorkingDays('2026-10-01', 1), '2026-10-08');
      assert.equal(await cal.addWorkingDays('2026-10-03', 0), '2026-10-03');
      assert.equal(await cal.addWorkingDays('2026-10-08', 0), '2026-10-08');
    });

    test('negative n counts back; workingDaysBetween is 0 for to <= from', async () => {
      assert.equal(await cal.addWorkingDays('2026-10-10', -5), '2026-09-28');
      assert.equal(await cal.addWorkingDays('2026-10-08', -1), '2026-09-30');
      assert.equal(await cal.addWorkingDays('2026-01-05', -2), '2025-12-31'); // 2026-01-04 is a make-up Sunday
      assert.equal(await cal.workingDaysBetween('2026-10-10', '2026-09-28'), 0);
      assert.equal(await cal.workingDaysBetween('2026-10-10', '2026-10-10'), 0);
      assert.equal(await cal.workingDaysBetween('2025-12-31', '2026-01-05'), 2);
    });

    test('an override that closes a working day shifts the deadline, is audited, and can be removed', async () => {
      const o = await t.db.tx((tx) =>
        cal.setOverride(tx, { date: '2026-10-09', isWorkingDay: false, reason: '台风红色预警停工' }, admin),
      );
      assert.deepEqual(o, { date: '2026-10-09', isWorkingDay: false, reason: '台风红色预警停工', setBy: 'test-admin', setAt: new Date('2026-09-01T02:00:00Z') });
      assert.equal(await cal.addWorkingDays('2026-09-28', 5), '2026-10-12');
      assert.deepEqual(await cal.describeDay('2026-10-09'), {
        date: '2026-10-09', isWorkingDay: false, kind: 'holiday', source: 'override', reason: '台风红色预警停工',
      });
      assert.deepEqual((await cal.listOverrides(2026)).map((x) => x.date), ['2026-10-09']);

      // Overrides win over package data both ways: a statutory holiday can be opened too.
      await t.db.tx((tx) => cal.setOverride(tx, { date: '2026-10-07', isWorkingDay: true, reason: '补正材料集中受理' }, admin));
      assert.equal((await cal.describeDay('2026-10-07')).kind, 'workday');
      assert.equal(await cal.addWorkingDays('2026-09-30', 1), '2026-10-07');

      await t.db.tx((tx) => cal.removeOverride(tx, '2026-10-07', admin));
      await t.db.tx((tx) => cal.removeOverride(tx, '2026-10-09', admin));
      assert.equal(await cal.addWorkingDays('2026-09-28', 5), '2026-10-10');
      assert.deepEqual(await cal.listOverrides(2026), []);
      await rejectsWith(t.db.tx((tx) => cal.removeOverride(tx, '2026-10-09', admin)), 'CALENDAR_OVERRIDE_NOT_FOUND', 404);

      const actions = await t.db.query<{ action: string; object_id: string }>(
        `SELECT action, object_id FROM platform.audit_log WHERE action LIKE 'calendar.%' ORDER BY id`,
      );
      assert.deepEqual(actions, [
        { action: 'calendar.override.set', object_id: '2026-10-09' },
        { action: 'calendar.override.set', object_id: '2026-10-07' },
        { action: 'calendar.override.remove', object_id: '2026-10-07' },
        { action: 'calendar.override.remove', object_id: '2026-10-09' },
      ]);
      assert.deepEqual(await verifyAuditChain(t.db).then(({ ok, rows }) => ({ ok, rows })), { ok: true, rows: 4 });
    });

    test('a rolled-back override leaves neither the override nor an audit row', async () => {
      await assert.rejects(
        t.db.tx(async (tx) => {
          await cal.setOverride(tx, { date: '2026-11-02', isWorkingDay: false, reason: 'x' }, admin);
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.equal(await cal.isWorkingDay('2026-11-02'), true);
      assert.equal((await verifyAuditChain(t.db)).rows, 4);
    });

    test('override input is checked', async () => {
      await rejectsWith(t.db.tx((tx) => cal.setOverride(tx, { date: '2026-11-02', isWorkingDay: false, reason: '  ' }, admin)), 'CALENDAR_REASON_REQUIRED', 400);
      await rejectsWith(t.db.tx((tx) => cal.setOverride(tx, { date: '2026-11-31', isWorkingDay: false, reason: 'x' }, admin)), 'CALENDAR_DATE_INVALID', 400);
    });

    test('a year without data is refused, never guessed', async () => {
      await rejectsWith(cal.isWorkingDay('2031-03-03'), 'CALENDAR_YEAR_UNKNOWN', 422, /no holiday data for 2031.*publish/);
      await rejectsWith(cal.addWorkingDays('2026-12-20', 20), 'CALENDAR_YEAR_UNKNOWN', 422, /2027/);
      await rejectsWith(cal.workingDaysBetween('2026-12-01', '2027-01-15'), 'CALENDAR_YEAR_UNKNOWN', 422, /2027/);
      await rejectsWith(cal.listMonth(2031, 1), 'CALENDAR_YEAR_UNKNOWN', 422);
      // Within a covered year the walk never touches the unknown one.
      assert.equal(await cal.addWorkingDays('2026-12-20', 5), '2026-12-25');
    });

    test('publishing a year makes it usable with weekends and its overrides', async () => {
      await t.db.tx((tx) => cal.setOverride(tx, { date: '2031-01-01', isWorkingDay: false, reason: '元旦 (2031 notice)' }, admin));
      await rejectsWith(cal.isWorkingDay('2031-01-02'), 'CALENDAR_YEAR_UNKNOWN', 422);
      const y = await t.db.tx((tx) => cal.publishYear(tx, 2031, admin, 'per 国办发明电 2030'));
      assert.deepEqual(y, { year: 2031, publishedBy: 'test-admin', publishedAt: new Date('2026-09-01T02:00:00Z'), note: 'per 国办发明电 2030' });
      assert.equal(await cal.isWorkingDay('2031-03-03'), true);
      assert.equal(await cal.isWorkingDay('2031-03-01'), false);
      // Only counted days are examined: the start may lie in a year still unknown (2030), the walk may not.
      assert.equal(await cal.addWorkingDays('2030-12-31', 1), '2031-01-02');
      await rejectsWith(cal.addWorkingDays('2031-01-01', -1), 'CALENDAR_YEAR_UNKNOWN', 422, /2030/);
      assert.equal(await cal.addWorkingDays('2031-01-01', 1), '2031-01-02');
      assert.equal((await cal.describeDay('2031-01-01')).source, 'override');
      assert.ok((await cal.supportedYears()).includes(2031));

      await rejectsWith(t.db.tx((tx) => cal.publishYear(tx, 2026, admin)), 'CALENDAR_YEAR_COVERED', 409);
      await rejectsWith(t.db.tx((tx) => cal.publishYear(tx, 31, admin)), 'CALENDAR_YEAR_INVALID', 400);
      const audited = await t.db.query(`SELECT 1 FROM platform.audit_log WHERE action = 'calendar.year.publish' AND object_id = '2031'`);
      assert.equal(audited.length, 1);
      assert.equal((await verifyAuditChain(t.db)).ok, true);
    });

    test('invalid dates and counts are rejected', async () => {
      for (const bad of ['2026-02-29', '2025-02-29', '2026-13-01', '2026-00-10', '2026-2-3', '20260203', '2026-02-03T00:00', '', 'tomorrow']) {
        await rejectsWith(cal.isWorkingDay(bad), 'CALENDAR_DATE_INVALID', 400);
      }
      await rejectsWith(cal.addWorkingDays('2026-09-28', 1.5), 'CALENDAR_DAYS_INVALID', 400);
      await rejectsWith(cal.addWorkingDays('2026-09-28', Number.NaN), 'CALENDAR_DAYS_INVALID', 400);
      await rejectsWith(cal.workingDaysBetween('2026-09-28', '2026-09-31'), 'CALENDAR_DATE_INVALID', 400);
      await rejectsWith(cal.listMonth(2026, 13), 'CALENDAR_MONTH_INVALID', 400);
      assert.equal(await cal.isWorkingDay('2024-02-29'), true);
    });

    test('a long walk costs one query, and a walk past its estimate one more', async () => {
      let queries = 0;
      const counting: Queryable = {
        query: <T>(sql: string, params?: unknown[]) => {
          queries += 1;
          return t.db.query<T>(sql, params);
        },
        exec: (sql) => t.db.exec(sql),
      };
      const counted = createCalendar(counting);
      const due = await counted.addWorkingDays('2025-06-02', 200);
      assert.equal(due, oracleAdd('2025-06-02', 200));
      assert.equal(queries, 1);
      queries = 0;
      const expected = [...ORACLE].filter(([d, day]) => d > '2025-01-01' && day.isWorking).length;
      assert.equal(await counted.workingDaysBetween('2025-01-01', '2026-12-31'), expected);
      assert.equal(queries, 1);

      // Close every working day of December 2025: the walk outruns its 23-day estimate into 2026.
      const closed: string[] = [];
      for (let d = '2025-12-02'; d <= '2025-12-31'; d = shift(d, 1)) if (ORACLE.get(d)!.isWorking) closed.push(d);
      await t.db.tx(async (tx) => {
        for (const date of closed) await cal.setOverride(tx, { date, isWorkingDay: false, reason: '系统迁移停办' }, admin);
      });
      queries = 0;
      assert.equal(await counted.addWorkingDays('2025-12-01', 1), '2026-01-04');
      assert.equal(queries, 2);
      await t.db.tx(async (tx) => {
        for (const date of closed) await cal.removeOverride(tx, date, admin);
      });
    });
  });
}
