import type { Actor } from '../audit.ts';
import type { Db } from '../db.ts';
import { AppError } from '../errors.ts';
import type { DayInfo, WorkingCalendar } from './calendar.ts';

// `yiwang calendar …`: deadline arithmetic for staff and scripts, and the administrator's tools for
// correcting days and publishing years. Exit codes: 0 done, 1 refused (e.g. a year without data),
// 2 bad arguments. Writes need `admin` (a database and the acting administrator).

export const CALENDAR_USAGE = `Usage: yiwang calendar <command>
  add-working-days DATE N          the date N working days after DATE (DATE not counted; N < 0 counts back)
  is-working-day DATE              true or false
  working-days-between FROM TO     working days after FROM up to and including TO
  describe DATE                    the day as JSON: kind, holiday name, source
  month YYYY-MM                    every day of a month
  years                            years with holiday data (package and published)
  overrides YEAR                   administrator overrides in a year
  set DATE workday|holiday REASON  override one day
  unset DATE                       remove a day's override
  publish YEAR [NOTE]              declare a year the holiday package does not cover as published
Dates are YYYY-MM-DD.`;

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const INTEGER = /^-?\d+$/;

export interface CalendarAdmin {
  db: Db;
  actor: Actor;
}

function monthLine(d: DayInfo): string {
  const weekday = WEEKDAYS[new Date(`${d.date}T00:00:00Z`).getUTCDay()];
  const note = d.source === 'override' ? `override: ${d.reason}` : (d.name ?? '');
  return `${d.date} ${weekday} ${d.isWorkingDay ? 'work' : 'off '} ${d.kind.padEnd(14)} ${note}`.trimEnd();
}

export async function runCalendarCommand(
  args: string[],
  cal: WorkingCalendar,
  out: (line: string) => void,
  admin?: CalendarAdmin,
): Promise<number> {
  const [command, ...rest] = args;
  const usage = (problem?: string) => {
    if (problem) out(problem);
    out(CALENDAR_USAGE);
    return 2;
  };
  const needs = (count: number) => rest.length === count;
  const asAdmin = async <T>(fn: (a: CalendarAdmin) => Promise<T>): Promise<T | undefined> => {
    if (admin) return fn(admin);
    out(`calendar ${command} changes the calendar and needs database access as an administrator`);
    return undefined;
  };

  try {
    switch (command) {
      case 'add-working-days': {
        const [date, n] = rest;
        if (!needs(2) || !INTEGER.test(n!)) return usage('add-working-days takes a date and a whole number');
        out(await cal.addWorkingDays(date!, Number(n)));
        return 0;
      }
      case 'is-working-day':
        if (!needs(1)) return usage('is-working-day takes one date');
        out(String(await cal.isWorkingDay(rest[0]!)));
        return 0;
      case 'working-days-between':
        if (!needs(2)) return usage('working-days-between takes two dates');
        out(String(await cal.workingDaysBetween(rest[0]!, rest[1]!)));
        return 0;
      case 'describe':
        if (!needs(1)) return usage('describe takes one date');
        out(JSON.stringify(await cal.describeDay(rest[0]!)));
        return 0;
      case 'month': {
        const m = needs(1) ? /^(\d{4})-(\d{2})$/.exec(rest[0]!) : null;
        if (!m) return usage('month takes YYYY-MM, e.g. 2026-10');
        for (const day of await cal.listMonth(Number(m[1]), Number(m[2]))) out(monthLine(day));
        return 0;
      }
      case 'years':
        if (!needs(0)) return usage('years takes no arguments');
        out((await cal.supportedYears()).join(' '));
        return 0;
      case 'overrides': {
        if (!needs(1) || !/^\d{4}$/.test(rest[0]!)) return usage('overrides takes a year, e.g. 2026');
        for (const o of await cal.listOverrides(Number(rest[0]))) {
          out(`${o.date} ${o.isWorkingDay ? 'workday' : 'holiday'} ${o.reason} (${o.setBy ?? '?'}, ${o.setAt.toISOString()})`);
        }
        return 0;
      }
      case 'set': {
        const [date, kind, ...reason] = rest;
        if (!date || (kind !== 'workday' && kind !== 'holiday') || reason.length === 0) {
          return usage('set takes a date, workday or holiday, and a reason');
        }
        const done = await asAdmin((a) =>
          a.db.tx((tx) => cal.setOverride(tx, { date, isWorkingDay: kind === 'workday', reason: reason.join(' ') }, a.actor)),
        );
        if (!done) return 1;
        out(`${done.date} is now a ${kind} (${done.reason})`);
        return 0;
      }
      case 'unset': {
        if (!needs(1)) return usage('unset takes one date');
        const done = await asAdmin((a) => a.db.tx((tx) => cal.removeOverride(tx, rest[0]!, a.actor)));
        if (!done) return 1;
        out(`${done.date} follows the statutory calendar again`);
        return 0;
      }
      case 'publish': {
        const [year, ...note] = rest;
        if (!year || !/^\d{4}$/.test(year)) return usage('publish takes a year, e.g. 2027, and an optional note');
        const done = await asAdmin((a) => a.db.tx((tx) => cal.publishYear(tx, Number(year), a.actor, note.join(' '))));
        if (!done) return 1;
        out(`${done.year} is published: its days follow Monday–Friday plus its overrides`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
        out(CALENDAR_USAGE);
        return command === undefined ? 2 : 0;
      default:
        return usage(`unknown calendar command: ${command}`);
    }
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    out(err.message);
    // Malformed input is a usage problem; a refusal (unknown year, missing override) is not.
    return err.status === 400 ? 2 : 1;
  }
}
