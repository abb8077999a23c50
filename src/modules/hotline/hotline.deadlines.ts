import type { WorkingCalendar } from '../../platform/calendar/calendar.ts';

// Time limits of a work order on the working-day calendar (DOMAIN §4). Days are the district's local
// days (China Standard Time, UTC+8 all year): an order dispatched at 23:30 UTC belongs to the next
// local day. Deadlines are kept as instants (end of the local day) so that comparisons are exact.
//   - sign (签收): within the working day of dispatch (当天启动); dispatched on a day off or after
//     office hours (from SIGN_CUTOFF_LOCAL_TIME), by the end of the next working day: a unit is not
//     marked late for an order sent at 23:00 that nobody was there to sign. Yellow from
//     SIGN_WARN_LOCAL_TIME on the sign day.
//   - finish (办结, i.e. the unit's reply): the category's limit in working days counted from the
//     dispatch day, which is not counted itself. Yellow from the start of the working day before.
//   - a return under review stops the clock; when the centre refuses the return, the finish day moves
//     on by the working days the review took. An approved extension moves it by the days granted.

export const UTC_OFFSET = '+08:00';
const OFFSET_MS = 8 * 3600_000;
export const DEFAULT_TIME_LIMIT_DAYS = 10;
/** 紧急件: an urgent order gets at most this many working days, whatever its category says. */
export const URGENT_TIME_LIMIT_DAYS = 3;
export const SIGN_WARN_LOCAL_TIME = '16:00';
/** Dispatched at or after this local time, an order counts as dispatched on the next working day for signing. */
export const SIGN_CUTOFF_LOCAL_TIME = '18:00';
/** An extension grants at most this many working days at once. */
export const MAX_EXTENSION_DAYS = 15;

/** The local calendar day (YYYY-MM-DD) of an instant. */
export const localDate = (at: Date): string => new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
export const startOfLocalDay = (date: string): Date => new Date(`${date}T00:00:00.000${UTC_OFFSET}`);
export const endOfLocalDay = (date: string): Date => new Date(`${date}T23:59:59.999${UTC_OFFSET}`);
const latest = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

export interface SignDeadline {
  signDueAt: Date;
  signWarnAt: Date;
}

export interface FinishDeadline {
  finishDueOn: string;
  finishDueAt: Date;
  finishWarnAt: Date;
}

export type Calendar = Pick<WorkingCalendar, 'isWorkingDay' | 'addWorkingDays' | 'workingDaysBetween'>;

/** Sign within the working day of `at`, or by the end of the next working day when `at` is a day off or after hours. */
export async function signDeadline(calendar: Calendar, at: Date): Promise<SignDeadline> {
  const day = localDate(at);
  const afterHours = at.getTime() >= new Date(`${day}T${SIGN_CUTOFF_LOCAL_TIME}:00.000${UTC_OFFSET}`).getTime();
  const signDay = (await calendar.isWorkingDay(day)) && !afterHours ? day : await calendar.addWorkingDays(day, 1);
  const signDueAt = endOfLocalDay(signDay);
  return { signDueAt, signWarnAt: latest(at, new Date(`${signDay}T${SIGN_WARN_LOCAL_TIME}:00.000${UTC_OFFSET}`)) };
}

/** The finish deadline for a given due day, with its warning from the start of the working day before. */
export async function finishDeadlineOn(calendar: Calendar, dueOn: string, at: Date): Promise<FinishDeadline> {
  const warnDay = await calendar.addWorkingDays(dueOn, -1);
  return { finishDueOn: dueOn, finishDueAt: endOfLocalDay(dueOn), finishWarnAt: latest(at, startOfLocalDay(warnDay)) };
}

/** `limitDays` working days after the local day of `at` (that day not counted). */
export async function finishDeadline(calendar: Calendar, at: Date, limitDays: number): Promise<FinishDeadline> {
  return finishDeadlineOn(calendar, await calendar.addWorkingDays(localDate(at), limitDays), at);
}

/** Both deadlines of a (re-)dispatch at `at`. */
export async function dispatchDeadlines(calendar: Calendar, at: Date, limitDays: number): Promise<SignDeadline & FinishDeadline> {
  return { ...(await signDeadline(calendar, at)), ...(await finishDeadline(calendar, at, limitDays)) };
}

/** Working days a pause from `from` to `to` took: working days after the first day up to the last. */
export async function pausedWorkingDays(calendar: Calendar, from: Date, to: Date): Promise<number> {
  return calendar.workingDaysBetween(localDate(from), localDate(to));
}

export type DeadlineBadge = 'none' | 'normal' | 'warning' | 'overdue' | 'paused';

/** 绿/黄/红: where an order stands against a deadline at `now`. */
export function badgeOf(now: Date, dueAt: Date | null, warnAt: Date | null, isPaused = false): DeadlineBadge {
  if (!dueAt) return 'none';
  if (isPaused) return 'paused';
  if (now.getTime() > dueAt.getTime()) return 'overdue';
  if (warnAt && now.getTime() >= warnAt.getTime()) return 'warning';
  return 'normal';
}

/** The limit that applies to an order: the category's, capped for urgent orders. */
export function timeLimitOf(categoryDays: number | null, priority: 'normal' | 'urgent'): number {
  const days = categoryDays ?? DEFAULT_TIME_LIMIT_DAYS;
  return priority === 'urgent' ? Math.min(days, URGENT_TIME_LIMIT_DAYS) : days;
}
