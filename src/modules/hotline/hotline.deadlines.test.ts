import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, engines, type TestDb } from '../../../test/db.ts';
import { createCalendar, type WorkingCalendar } from '../../platform/calendar/calendar.ts';
import { platformMigrations } from '../../platform/migrations.ts';
import {
  badgeOf,
  dispatchDeadlines,
  finishDeadlineOn,
  localDate,
  pausedWorkingDays,
  signDeadline,
  timeLimitOf,
} from './hotline.deadlines.ts';

// Time limits on the real working-day calendar, around 2026's 中秋 (09-25…27) and 国庆 (10-01…07,
// make-up working day Saturday 10-10). Times are written in local time (+08:00).

const local = (s: string) => new Date(`${s}+08:00`);
const endOf = (day: string) => local(`${day}T23:59:59.999`).toISOString();

describe('pure deadline helpers', () => {
  test('the local day of an instant is the +08:00 day', () => {
    assert.equal(localDate(new Date('2026-09-30T15:59:59Z')), '2026-09-30');
    assert.equal(localDate(new Date('2026-09-30T16:00:00Z')), '2026-10-01');
  });

  test('urgent orders are capped at 3 working days; no category limit means 10', () => {
    assert.equal(timeLimitOf(null, 'normal'), 10);
    assert.equal(timeLimitOf(10, 'urgent'), 3);
    assert.equal(timeLimitOf(2, 'urgent'), 2);
  });

  test('badges: normal, yellow from the warning, red after the deadline, paused during review', () => {
    const due = local('2026-11-23T23:59:59.999');
    const warn = local('2026-11-23T16:00:00');
    assert.equal(badgeOf(local('2026-11-23T10:00:00'), due, warn), 'normal');
    assert.equal(badgeOf(local('2026-11-23T16:00:00'), due, warn), 'warning');
    assert.equal(badgeOf(local('2026-11-24T00:00:00'), due, warn), 'overdue');
    assert.equal(badgeOf(local('2026-11-24T00:00:00'), due, warn, true), 'paused');
    assert.equal(badgeOf(local('2026-11-24T00:00:00'), null, null), 'none');
  });
});

for (const engine of await engines()) {
  describe(`work order deadlines on the working-day calendar (${engine})`, () => {
    let t: TestDb;
    let calendar: WorkingCalendar;
    before(async () => {
      t = await createTestDb(engine, [platformMigrations]);
      calendar = createCalendar(t.db);
    });
    after(() => t.drop());

    test('dispatched on a working morning: sign that day (yellow from 16:00), finish 10 working days later', async () => {
      const d = await dispatchDeadlines(calendar, local('2026-11-23T10:00:00'), 10);
      assert.equal(d.signDueAt.toISOString(), endOf('2026-11-23'));
      assert.equal(d.signWarnAt.toISOString(), local('2026-11-23T16:00:00').toISOString());
      assert.equal(d.finishDueOn, '2026-12-07');
      assert.equal(d.finishDueAt.toISOString(), endOf('2026-12-07'));
      // yellow from the start of the working day before: Friday 12-04
      assert.equal(d.finishWarnAt.toISOString(), local('2026-12-04T00:00:00').toISOString());
    });

    test('dispatched the day before National Day: the holiday does not count, the make-up Saturday does', async () => {
      const d = await dispatchDeadlines(calendar, local('2026-09-30T10:00:00'), 10);
      assert.equal(d.signDueAt.toISOString(), endOf('2026-09-30'));
      // 10-08, 10-09, 10-10 (make-up Saturday), 10-12 … 10-16, 10-19, 10-20
      assert.equal(d.finishDueOn, '2026-10-20');
    });

    test('dispatched during the holiday: sign by the end of the next working day', async () => {
      const d = await dispatchDeadlines(calendar, local('2026-10-03T10:00:00'), 10);
      assert.equal(d.signDueAt.toISOString(), endOf('2026-10-08'));
      assert.equal(d.signWarnAt.toISOString(), local('2026-10-08T16:00:00').toISOString());
      assert.equal(d.finishDueOn, '2026-10-20');
    });

    test('late evening UTC is already the next local day', async () => {
      // 2026-09-30T16:30Z is 10-01 00:30 in the district: a holiday
      const s = await signDeadline(calendar, new Date('2026-09-30T16:30:00Z'));
      assert.equal(s.signDueAt.toISOString(), endOf('2026-10-08'));
    });

    test('dispatched after 16:00: the sign warning starts at once', async () => {
      const at = local('2026-11-23T17:30:00');
      const s = await signDeadline(calendar, at);
      assert.equal(s.signWarnAt.toISOString(), at.toISOString());
    });

    test('dispatched after office hours: sign by the end of the next working day', async () => {
      const friday = await signDeadline(calendar, local('2026-11-27T18:00:00'));
      assert.equal(friday.signDueAt.toISOString(), endOf('2026-11-30'), 'Friday evening → Monday');
      assert.equal(friday.signWarnAt.toISOString(), local('2026-11-30T16:00:00').toISOString());
      const beforeHoliday = await signDeadline(calendar, local('2026-09-30T23:00:00'));
      assert.equal(beforeHoliday.signDueAt.toISOString(), endOf('2026-10-08'));
      const justBefore = await signDeadline(calendar, local('2026-11-27T17:59:59'));
      assert.equal(justBefore.signDueAt.toISOString(), endOf('2026-11-27'));
    });

    test('a short limit across the holiday: the warning starts on the last working day before it', async () => {
      const d = await dispatchDeadlines(calendar, local('2026-09-29T10:00:00'), 2);
      // 09-30, then the holiday, then 10-08
      assert.equal(d.finishDueOn, '2026-10-08');
      assert.equal(d.finishWarnAt.toISOString(), local('2026-09-30T00:00:00').toISOString());
    });

    test('a pause across the holiday takes only its working days', async () => {
      assert.equal(await pausedWorkingDays(calendar, local('2026-09-30T10:00:00'), local('2026-10-09T10:00:00')), 2);
      assert.equal(await pausedWorkingDays(calendar, local('2026-11-23T09:00:00'), local('2026-11-23T17:00:00')), 0);
      // the finish day moves on by those days: 10-20 + 2 working days
      const moved = await calendar.addWorkingDays('2026-10-20', 2);
      assert.equal(moved, '2026-10-22');
      const d = await finishDeadlineOn(calendar, moved, local('2026-10-09T10:00:00'));
      assert.equal(d.finishDueAt.toISOString(), endOf('2026-10-22'));
    });

    test('a deadline in a year without holiday data is refused, not guessed', async () => {
      await assert.rejects(dispatchDeadlines(calendar, local('2027-03-01T10:00:00'), 10), { code: 'CALENDAR_YEAR_UNKNOWN' });
    });
  });
}
