import { createCalendar, type CalendarSnapshot } from '../../platform/calendar/calendar.ts';
import type { Queryable } from '../../platform/db.ts';
import type { TimeLimit } from '../catalog/index.ts';

// The deadline engine of a case (行政许可法 Art. 32, 42, 44, 45, 82), on the platform's working-day
// calendar with 调休. Dates are the district's local dates (China Standard Time, UTC+8 all year).
//   - Periods start the day after acceptance: the acceptance day is not counted (Art. 82).
//   - Working-day limits count working days only (holidays skipped, make-up Saturdays counted).
//   - Natural-day limits count every day; a period that would end on a day off ends on the next
//     working day instead (期间届满日为节假日的顺延).
//   - A special procedure (Art. 45) stops the clock: its working days (natural days for natural-day
//     limits) from the day after it starts up to the day it ends are added; an open one runs to today.
//   - One extension (Art. 42) adds working days to both the legal and the promised date.
//   - 即办件 (limit 0) are due on the acceptance day itself.
// Every due date comes with the lines that explain it, shown to the applicant and the supervisor.

const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** The local calendar day (YYYY-MM-DD) of an instant. */
export const localDate = (at: Date): string => new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
export const endOfLocalDay = (date: string): Date => new Date(`${date}T23:59:59.999+08:00`);

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const formatDay = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
export const addNaturalDays = (date: string, n: number) => formatDay(dayNumber(date) + n);
export const naturalDaysBetween = (from: string, to: string) => Math.max(0, dayNumber(to) - dayNumber(from));

/** Correction notices are due within this many working days of receipt (Art. 32). */
export const CORRECTION_NOTICE_WORKING_DAYS = 5;
/** Results are issued and delivered within this many working days of the decision (Art. 44). */
export const DELIVERY_WORKING_DAYS = 10;
/** The legal extension when the item names none (Art. 42: ten days, once, by the head of the body). */
export const DEFAULT_EXTENSION_CAP = 10;
/** Yellow when this many working days or fewer are left before the promised date. */
export const YELLOW_WORKING_DAYS = 2;

export type SyncCalendar = Pick<CalendarSnapshot, 'addWorkingDays' | 'workingDaysBetween' | 'isWorkingDay' | 'describeDay'>;

export interface StopInterval {
  name: string;
  startedOn: string;
  /** null while the procedure is under way: counted up to `today`. */
  endedOn: string | null;
}

export interface DueDateInput {
  /** The acceptance day (受理日); not counted. */
  startOn: string;
  limit: TimeLimit | null;
  stops: StopInterval[];
  extensionDays: number;
  today: string;
}

export interface DueDate {
  dueOn: string | null;
  /** Days the special procedures stopped, in the limit's unit. */
  stoppedDays: number;
  lines: string[];
}

const unitName = (l: TimeLimit) => (l.unit === 'working_days' ? '个工作日' : '日（自然日）');

/** Holidays and make-up working days inside (from, to], as short phrases for the explanation. */
export function calendarNotes(cal: SyncCalendar, from: string, to: string): string[] {
  const holidays = new Map<string, string[]>();
  const makeups: string[] = [];
  for (let n = dayNumber(from) + 1; n <= dayNumber(to); n++) {
    const d = cal.describeDay(formatDay(n));
    if (d.kind === 'holiday') {
      const key = d.name ?? d.reason ?? '休息日';
      if (!holidays.has(key)) holidays.set(key, []);
      holidays.get(key)!.push(d.date);
    } else if (d.kind === 'makeup_workday') makeups.push(d.date);
  }
  const notes = [...holidays].map(([name, days]) => `${name}假期 ${days[0]}${days.length > 1 ? ` 至 ${days.at(-1)}` : ''} 共 ${days.length} 天不计入`);
  if (makeups.length) notes.push(`调休上班日 ${makeups.join('、')} 计入工作日`);
  return notes;
}

/** One due date (legal or promised) with the lines that explain it. */
export function computeDueDate(cal: SyncCalendar, input: DueDateInput, label: string): DueDate {
  const { startOn, limit, stops, extensionDays, today } = input;
  if (!limit) return { dueOn: null, stoppedDays: 0, lines: [`${label}：该事项无${label}`] };
  const lines: string[] = [];
  const isWorking = limit.unit === 'working_days';
  let stopped = 0;
  for (const s of stops) {
    const end = s.endedOn ?? today;
    const days = isWorking ? cal.workingDaysBetween(s.startedOn, end) : naturalDaysBetween(s.startedOn, end);
    stopped += days;
    lines.push(`特别程序「${s.name}」${s.startedOn} 至 ${s.endedOn ?? `今日（${today}，进行中）`}，停止计时 ${days}${unitName(limit)}`);
  }
  if (limit.value === 0 && stopped === 0 && extensionDays === 0) {
    return { dueOn: startOn, stoppedDays: 0, lines: [`${label} 0${unitName(limit)}（即办件）：受理当日 ${startOn} 办结`] };
  }
  let dueOn: string;
  if (isWorking) {
    const total = limit.value + stopped + extensionDays;
    dueOn = cal.addWorkingDays(startOn, total);
    lines.unshift(`${label} ${limit.value}${unitName(limit)}，自受理日 ${startOn} 的次日起算（受理当日不计入）`);
    if (extensionDays) lines.push(`经批准延长 ${extensionDays} 个工作日`);
    lines.push(`共计 ${total} 个工作日，届满日 ${dueOn}`);
  } else {
    const base = addNaturalDays(startOn, limit.value + stopped);
    lines.unshift(`${label} ${limit.value}${unitName(limit)}，自受理日 ${startOn} 的次日起算`);
    dueOn = base;
    if (!cal.isWorkingDay(base)) {
      dueOn = cal.addWorkingDays(base, 1);
      lines.push(`${base} 为非工作日，届满日顺延至其后第一个工作日 ${dueOn}`);
    }
    if (extensionDays) {
      dueOn = cal.addWorkingDays(dueOn, extensionDays);
      lines.push(`经批准延长 ${extensionDays} 个工作日，届满日 ${dueOn}`);
    } else lines.push(`届满日 ${dueOn}`);
  }
  const notes = calendarNotes(cal, startOn, dueOn);
  if (notes.length) lines.push(`期间内：${notes.join('；')}`);
  return { dueOn, stoppedDays: stopped, lines };
}

export interface CaseDeadlines {
  legalDueOn: string | null;
  promisedDueOn: string | null;
  explanation: string[];
}

/** Both due dates of an accepted case. */
export function computeCaseDeadlines(
  cal: SyncCalendar,
  input: { acceptedOn: string; legalLimit: TimeLimit | null; promisedLimit: TimeLimit | null; stops: StopInterval[]; extensionDays: number; today: string; isDeemed?: boolean },
): CaseDeadlines {
  const base = { startOn: input.acceptedOn, stops: input.stops, extensionDays: input.extensionDays, today: input.today };
  const legal = computeDueDate(cal, { ...base, limit: input.legalLimit }, '法定办结时限');
  const promised = computeDueDate(cal, { ...base, limit: input.promisedLimit }, '承诺办结时限');
  const head = input.isDeemed
    ? [`未在收到申请之日起 ${CORRECTION_NOTICE_WORKING_DAYS} 个工作日内一次性告知补正，自收到申请之日 ${input.acceptedOn} 起即为受理（行政许可法第三十二条）`]
    : [];
  return {
    legalDueOn: legal.dueOn,
    promisedDueOn: promised.dueOn,
    explanation: [...head, ...legal.lines.map((l) => `【法定】${l}`), ...promised.lines.map((l) => `【承诺】${l}`)],
  };
}

export type WarningLevel = 'none' | 'green' | 'yellow' | 'red' | 'paused';

/** Working days from `today` to `dueOn`: positive while time is left, 0 on the day, negative once late. */
export function remainingWorkingDays(cal: SyncCalendar, today: string, dueOn: string): number {
  return today <= dueOn ? cal.workingDaysBetween(today, dueOn) : -cal.workingDaysBetween(dueOn, today);
}

export interface Signal {
  level: WarningLevel;
  remainingWorkingDays: number | null;
  isOverdue: boolean;
  isLegalOverdue: boolean;
}

/**
 * 电子监察 marks against the promised date: green while more than YELLOW_WORKING_DAYS working days
 * are left, yellow (预警) with 1–2 left, red (临期/超期) on the due day and after; overdue (超期)
 * once the promised date has passed, legal-overdue once the legal date has. A stopped clock is
 * 'paused' (the due date moves on while it is stopped).
 */
export function signalOf(cal: SyncCalendar, input: { today: string; promisedDueOn: string | null; legalDueOn: string | null; isPaused: boolean }): Signal {
  const { today, promisedDueOn, legalDueOn, isPaused } = input;
  const isLegalOverdue = legalDueOn !== null && today > legalDueOn;
  if (!promisedDueOn) return { level: 'none', remainingWorkingDays: null, isOverdue: isLegalOverdue, isLegalOverdue };
  const remaining = remainingWorkingDays(cal, today, promisedDueOn);
  const isOverdue = today > promisedDueOn;
  let level: WarningLevel = remaining <= 0 ? 'red' : remaining <= YELLOW_WORKING_DAYS ? 'yellow' : 'green';
  if (isPaused) level = 'paused';
  return { level, remainingWorkingDays: remaining, isOverdue, isLegalOverdue };
}

/**
 * Loads the calendar years a computation from `from` spanning `workingDays` can reach, through `q`:
 * inside a transaction pass the transaction (on PGlite a query outside it would wait for it).
 */
export async function calendarFor(q: Queryable, from: string, workingDays: number): Promise<CalendarSnapshot> {
  const fromYear = Number(from.slice(0, 4));
  const reach = addNaturalDays(from, Math.ceil(workingDays * 1.6) + 60);
  return createCalendar(q).snapshot(fromYear - 1, Math.max(fromYear, Number(reach.slice(0, 4))));
}
