import { createRequire } from 'node:module';
import { writeAudit, type Actor } from '../audit.ts';
import { systemClock, type Clock } from '../clock.ts';
import { maybeOne, one, type Queryable, type Tx } from '../db.ts';
import { AppError, badRequest, conflict, notFound } from '../errors.ts';

// The working-day calendar (工作日历) behind every statutory deadline. 行政许可法 Art. 82 counts
// periods in working days without statutory holidays, and 调休 moves work onto some weekends, so a
// day is decided in this order: an administrator's override, then the package's statutory data,
// then the Monday–Friday rule. A year with neither package data nor an administrator's publication
// is refused: silently treating it as "weekends only" would produce wrong legal deadlines.

export type DayKind = 'workday' | 'weekend' | 'holiday' | 'makeup_workday';
export type DaySource = 'statutory' | 'override' | 'weekend-rule';

export interface DayInfo {
  date: string;
  isWorkingDay: boolean;
  kind: DayKind;
  /** The statutory holiday a day belongs to (国庆节 …), for package data. */
  name?: string;
  source: DaySource;
  /** Why an administrator overrode the day. */
  reason?: string;
}

export interface CalendarOverride {
  date: string;
  isWorkingDay: boolean;
  reason: string;
  setBy: string | null;
  setAt: Date;
}

export interface CalendarYear {
  year: number;
  publishedBy: string | null;
  publishedAt: Date | null;
  note: string | null;
}

export interface SetOverrideInput {
  date: string;
  isWorkingDay: boolean;
  reason: string;
}

// ---------- dates: whole days since 1970-01-01, computed in UTC so time zones never shift them ----------

const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** Larger |n| is no legal period; the bound keeps a typo from walking centuries. */
const MAX_WORKING_DAYS = 10_000;

function parseDate(value: unknown): number {
  if (typeof value === 'string' && DATE_RE.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    // The round trip rejects dates like 2025-02-29 that Date would roll over.
    if (!Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value) return ms / DAY_MS;
  }
  throw badRequest('CALENDAR_DATE_INVALID', `${JSON.stringify(value)} is not a date: write YYYY-MM-DD, e.g. 2026-10-08`);
}

const formatDay = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
const yearOfDay = (n: number) => new Date(n * DAY_MS).getUTCFullYear();
/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
const weekdayOf = (n: number) => (((n + 4) % 7) + 7) % 7;

function checkYear(year: unknown, min = 1000, max = 9999): number {
  if (typeof year !== 'number' || !Number.isInteger(year) || year < min || year > max) {
    throw badRequest('CALENDAR_YEAR_INVALID', `${JSON.stringify(year)} is not a year between ${min} and ${max}`);
  }
  return year;
}

// ---------- statutory base data from `chinese-days` ----------

interface StatutoryDay {
  isWorkingDay: boolean;
  name: string;
}

// The package's own data file (documented in its README): date → "English,中文,n". Loaded through
// require because it is a CommonJS package; a changed shape stops the start instead of guessing.
function loadStatutory(): { days: Map<string, StatutoryDay>; years: number[] } {
  const data = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as {
    holidays?: Record<string, string>;
    workdays?: Record<string, string>;
  };
  if (!data?.holidays || !data.workdays) throw new Error('chinese-days: dist/chinese-days.json has an unexpected shape');
  const days = new Map<string, StatutoryDay>();
  const namesByYear = new Map<number, Set<string>>();
  const add = (date: string, label: string, isWorkingDay: boolean) => {
    parseDate(date);
    if (days.has(date)) throw new Error(`chinese-days: ${date} is both a holiday and a make-up working day`);
    const name = label.split(',')[1] ?? label;
    days.set(date, { isWorkingDay, name });
    if (!isWorkingDay) {
      const year = Number(date.slice(0, 4));
      if (!namesByYear.has(year)) namesByYear.set(year, new Set());
      namesByYear.get(year)!.add(name);
    }
  };
  for (const [date, label] of Object.entries(data.holidays)) add(date, label, false);
  for (const [date, label] of Object.entries(data.workdays)) add(date, label, true);
  // A year counts as covered only when its own arrangement is present (Spring Festival and National
  // Day fall inside the year); a stray entry spilling over from a neighbouring year's notice is not
  // enough. Caveat: the next year's notice can still move the last days of December (2018-12-29
  // became a working day by the 2019 notice); administrators correct those with overrides.
  const years = [...namesByYear]
    .filter(([, names]) => names.has('春节') && names.has('国庆节'))
    .map(([year]) => year)
    .sort((a, b) => a - b);
  return { days, years };
}

const statutory = loadStatutory();

/** Years whose statutory holidays and make-up days come from the package. */
export const SUPPORTED_YEARS: readonly number[] = Object.freeze(statutory.years);
const supportedSet = new Set(SUPPORTED_YEARS);

function yearUnknown(year: number): AppError {
  return new AppError(
    'CALENDAR_YEAR_UNKNOWN',
    `The working-day calendar has no holiday data for ${year}; an administrator must publish that year's calendar ` +
      `(yiwang calendar set DATE holiday|workday REASON for each statutory holiday and make-up day, then ` +
      `yiwang calendar publish ${year}) before deadlines in ${year} can be computed.`,
    422,
    { year },
  );
}

// ---------- a loaded span of years, with synchronous day arithmetic ----------

interface YearData {
  isKnown: boolean;
  overrides: Map<string, { isWorkingDay: boolean; reason: string }>;
}

/** Thrown when a walk leaves the loaded years; the async calendar catches it and loads more. */
class YearNotLoaded extends Error {
  constructor(readonly year: number) {
    super(`${year} is outside the loaded calendar years`);
  }
}

function kindOf(isWorkingDay: boolean, isWeekend: boolean, isStatutoryHoliday: boolean): DayKind {
  if (isWorkingDay) return isWeekend ? 'makeup_workday' : 'workday';
  return isWeekend && !isStatutoryHoliday ? 'weekend' : 'holiday';
}

/**
 * The calendar for a fixed span of years, held in memory. Its methods are synchronous, so a batch
 * (every open case's deadline, say) costs one query in all. Same rules as WorkingCalendar.
 */
export class CalendarSnapshot {
  constructor(private readonly years: ReadonlyMap<number, YearData>) {}

  private yearData(year: number): YearData {
    const data = this.years.get(year);
    if (!data) throw new YearNotLoaded(year);
    if (!data.isKnown) throw yearUnknown(year);
    return data;
  }

  private isWorkingAt(n: number): boolean {
    const date = formatDay(n);
    const override = this.yearData(yearOfDay(n)).overrides.get(date);
    if (override) return override.isWorkingDay;
    const day = statutory.days.get(date);
    if (day) return day.isWorkingDay;
    const wd = weekdayOf(n);
    return wd !== 0 && wd !== 6;
  }

  private describeAt(n: number): DayInfo {
    const date = formatDay(n);
    const override = this.yearData(yearOfDay(n)).overrides.get(date);
    const day = statutory.days.get(date);
    const wd = weekdayOf(n);
    const isWeekend = wd === 0 || wd === 6;
    const isStatutoryHoliday = day?.isWorkingDay === false;
    if (override) {
      const { isWorkingDay, reason } = override;
      return { date, isWorkingDay, kind: kindOf(isWorkingDay, isWeekend, isStatutoryHoliday), source: 'override', reason };
    }
    if (day) {
      const { isWorkingDay, name } = day;
      return { date, isWorkingDay, kind: kindOf(isWorkingDay, isWeekend, isStatutoryHoliday), name, source: 'statutory' };
    }
    return { date, isWorkingDay: !isWeekend, kind: isWeekend ? 'weekend' : 'workday', source: 'weekend-rule' };
  }

  isWorkingDay(date: string): boolean {
    return this.isWorkingAt(parseDate(date));
  }

  describeDay(date: string): DayInfo {
    return this.describeAt(parseDate(date));
  }

  /** The start day is not counted: day 1 is the first working day after start (Art. 82). */
  addWorkingDays(start: string, n: number): string {
    let day = parseDate(start);
    checkCount(n);
    const step = Math.sign(n);
    for (let left = Math.abs(n); left > 0; ) {
      day += step;
      if (this.isWorkingAt(day)) left -= 1;
    }
    return formatDay(day);
  }

  /** Working days after `from` up to and including `to`; 0 when to <= from. */
  workingDaysBetween(from: string, to: string): number {
    const a = parseDate(from);
    const b = parseDate(to);
    let count = 0;
    for (let day = a + 1; day <= b; day++) if (this.isWorkingAt(day)) count += 1;
    return count;
  }

  listMonth(year: number, month: number): DayInfo[] {
    const first = monthStart(year, month);
    const next = Date.UTC(year, month, 1) / DAY_MS; // month 12 rolls over to January
    const days: DayInfo[] = [];
    for (let n = first; n < next; n++) days.push(this.describeAt(n));
    return days;
  }
}

function checkCount(n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || Math.abs(n) > MAX_WORKING_DAYS) {
    throw badRequest('CALENDAR_DAYS_INVALID', `${JSON.stringify(n)} is not a whole number of working days (at most ${MAX_WORKING_DAYS})`);
  }
}

function monthStart(year: number, month: number): number {
  checkYear(year);
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw badRequest('CALENDAR_MONTH_INVALID', `${JSON.stringify(month)} is not a month from 1 to 12`);
  }
  return Date.UTC(year, month - 1, 1) / DAY_MS;
}

// ---------- SQL ----------

interface SpanRow {
  year: number;
  is_published: boolean;
  day: string | null;
  is_working_day: boolean | null;
  reason: string | null;
}

/** One query for a whole span of years: each year's published flag and its overrides. */
async function loadYears(q: Queryable, into: Map<number, YearData>, fromYear: number, toYear: number): Promise<void> {
  const rows = await q.query<SpanRow>(
    `SELECT y.year, (c.year IS NOT NULL) AS is_published, o.day, o.is_working_day, o.reason
       FROM generate_series($1::int, $2::int) AS y(year)
       LEFT JOIN platform.calendar_year c ON c.year = y.year
       LEFT JOIN platform.calendar_override o
         ON o.day >= make_date(y.year, 1, 1) AND o.day < make_date(y.year + 1, 1, 1)
      ORDER BY y.year, o.day`,
    [fromYear, toYear],
  );
  const fresh = new Map<number, YearData>();
  for (const row of rows) {
    let data = fresh.get(row.year);
    if (!data) {
      data = { isKnown: supportedSet.has(row.year) || row.is_published, overrides: new Map() };
      fresh.set(row.year, data);
    }
    if (row.day) data.overrides.set(row.day, { isWorkingDay: row.is_working_day!, reason: row.reason! });
  }
  for (const [year, data] of fresh) into.set(year, data);
}

interface OverrideRow {
  day: string;
  is_working_day: boolean;
  reason: string;
  set_by: string | null;
  set_at: Date;
}

const OVERRIDE_COLUMNS = 'day, is_working_day, reason, set_by, set_at';

const toOverride = (r: OverrideRow): CalendarOverride => ({
  date: r.day,
  isWorkingDay: r.is_working_day,
  reason: r.reason,
  setBy: r.set_by,
  setAt: new Date(r.set_at),
});

const actorName = (actor: Actor) => actor.label ?? actor.id ?? actor.kind;

// ---------- the calendar ----------

export interface WorkingCalendar {
  isWorkingDay(date: string): Promise<boolean>;
  /** n working days after start, the start day not counted; n = 0 returns start; n < 0 counts back. */
  addWorkingDays(start: string, n: number): Promise<string>;
  /** Working days after `from` up to and including `to`; 0 when to <= from. */
  workingDaysBetween(from: string, to: string): Promise<number>;
  describeDay(date: string): Promise<DayInfo>;
  listMonth(year: number, month: number): Promise<DayInfo[]>;
  listOverrides(year: number): Promise<CalendarOverride[]>;
  setOverride(tx: Tx, input: SetOverrideInput, actor: Actor): Promise<CalendarOverride>;
  removeOverride(tx: Tx, date: string, actor: Actor): Promise<CalendarOverride>;
  publishYear(tx: Tx, year: number, actor: Actor, note?: string): Promise<CalendarYear>;
  /** Package years and published years, ascending. */
  supportedYears(): Promise<number[]>;
  /** Loads fromYear..toYear once for synchronous batch use. */
  snapshot(fromYear: number, toYear: number): Promise<CalendarSnapshot>;
}

/**
 * Reads go through `db`; nothing is cached between calls, so overrides set by another process or
 * rolled back in this one are never served stale. Each call loads the years it needs in one query.
 */
export function createCalendar(db: Queryable, opts: { clock?: Clock } = {}): WorkingCalendar {
  const clock = opts.clock ?? systemClock;

  async function withYears<T>(fromYear: number, toYear: number, fn: (s: CalendarSnapshot) => T): Promise<T> {
    const years = new Map<number, YearData>();
    await loadYears(db, years, fromYear, toYear);
    for (;;) {
      try {
        return fn(new CalendarSnapshot(years));
      } catch (err) {
        if (!(err instanceof YearNotLoaded)) throw err;
        // The walk outran the estimate (a long run of holidays or overrides): load on and walk again.
        await loadYears(db, years, err.year - 1, err.year + 1);
      }
    }
  }

  async function inYearOf<T>(date: string, fn: (s: CalendarSnapshot) => T): Promise<T> {
    const year = yearOfDay(parseDate(date));
    return withYears(year, year, fn);
  }

  // Every method is async, so bad input rejects the promise rather than throwing synchronously.
  return {
    isWorkingDay: async (date) => inYearOf(date, (s) => s.isWorkingDay(date)),
    describeDay: async (date) => inYearOf(date, (s) => s.describeDay(date)),

    async addWorkingDays(start, n) {
      const first = parseDate(start);
      checkCount(n);
      // Five working days per week plus room for a Golden Week covers nearly every walk in one query.
      const last = first + Math.sign(n) * (Math.ceil((Math.abs(n) * 7) / 5) + 21);
      const [a, b] = [yearOfDay(Math.min(first, last)), yearOfDay(Math.max(first, last))];
      return withYears(a, b, (s) => s.addWorkingDays(start, n));
    },

    async workingDaysBetween(from, to) {
      const a = parseDate(from);
      const b = parseDate(to);
      if (b <= a) return 0;
      return withYears(yearOfDay(a + 1), yearOfDay(b), (s) => s.workingDaysBetween(from, to));
    },

    async listMonth(year, month) {
      monthStart(year, month);
      return withYears(year, year, (s) => s.listMonth(year, month));
    },

    async snapshot(fromYear, toYear) {
      checkYear(fromYear);
      checkYear(toYear);
      if (toYear < fromYear || toYear - fromYear > 100) {
        throw badRequest('CALENDAR_YEAR_INVALID', `${fromYear}–${toYear} is not a span of at most 100 years`);
      }
      return withYears(fromYear, toYear, (s) => s);
    },

    async listOverrides(year) {
      checkYear(year);
      const rows = await db.query<OverrideRow>(
        `SELECT ${OVERRIDE_COLUMNS} FROM platform.calendar_override
          WHERE day >= make_date($1::int, 1, 1) AND day < make_date($1::int + 1, 1, 1) ORDER BY day`,
        [year],
      );
      return rows.map(toOverride);
    },

    async setOverride(tx, input, actor) {
      const date = formatDay(parseDate(input?.date));
      if (typeof input.isWorkingDay !== 'boolean') {
        throw badRequest('CALENDAR_OVERRIDE_INVALID', 'isWorkingDay must be true (working day) or false (day off)');
      }
      const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
      if (!reason) throw badRequest('CALENDAR_REASON_REQUIRED', `Say why ${date} is overridden (e.g. the notice that moved it)`);
      const now = clock.now();
      const previous = await maybeOne<OverrideRow>(
        tx,
        `SELECT ${OVERRIDE_COLUMNS} FROM platform.calendar_override WHERE day = $1 FOR UPDATE`,
        [date],
      );
      const row = await one<OverrideRow>(
        tx,
        `INSERT INTO platform.calendar_override (day, is_working_day, reason, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (day) DO UPDATE SET is_working_day = EXCLUDED.is_working_day, reason = EXCLUDED.reason,
           set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at
         RETURNING ${OVERRIDE_COLUMNS}`,
        [date, input.isWorkingDay, reason, actorName(actor), now],
      );
      await writeAudit(tx, {
        actor,
        action: 'calendar.override.set',
        objectType: 'calendar_day',
        objectId: date,
        at: now,
        data: {
          isWorkingDay: input.isWorkingDay,
          reason,
          previous: previous ? { isWorkingDay: previous.is_working_day, reason: previous.reason } : null,
        },
      });
      return toOverride(row);
    },

    async removeOverride(tx, date, actor) {
      const day = formatDay(parseDate(date));
      const row = await maybeOne<OverrideRow>(
        tx,
        `DELETE FROM platform.calendar_override WHERE day = $1 RETURNING ${OVERRIDE_COLUMNS}`,
        [day],
      );
      if (!row) throw notFound('CALENDAR_OVERRIDE_NOT_FOUND', `No override is set for ${day}`);
      await writeAudit(tx, {
        actor,
        action: 'calendar.override.remove',
        objectType: 'calendar_day',
        objectId: day,
        at: clock.now(),
        data: { isWorkingDay: row.is_working_day, reason: row.reason },
      });
      return toOverride(row);
    },

    async publishYear(tx, year, actor, note) {
      checkYear(year, 1900, 2999);
      if (supportedSet.has(year)) {
        throw conflict(
          'CALENDAR_YEAR_COVERED',
          `${year} already has statutory holiday data; correct single days with yiwang calendar set instead`,
        );
      }
      const now = clock.now();
      const previous = await maybeOne(tx, 'SELECT year FROM platform.calendar_year WHERE year = $1 FOR UPDATE', [year]);
      const row = await one<{ year: number; published_by: string | null; published_at: Date | null; note: string | null }>(
        tx,
        `INSERT INTO platform.calendar_year (year, published_by, published_at, note) VALUES ($1, $2, $3, $4)
         ON CONFLICT (year) DO UPDATE SET published_by = EXCLUDED.published_by,
           published_at = EXCLUDED.published_at, note = EXCLUDED.note
         RETURNING year, published_by, published_at, note`,
        [year, actorName(actor), now, note?.trim() || null],
      );
      await writeAudit(tx, {
        actor,
        action: 'calendar.year.publish',
        objectType: 'calendar_year',
        objectId: String(year),
        at: now,
        data: { note: row.note, isRepublished: previous !== undefined },
      });
      return {
        year: row.year,
        publishedBy: row.published_by,
        publishedAt: row.published_at && new Date(row.published_at),
        note: row.note,
      };
    },

    async supportedYears() {
      const rows = await db.query<{ year: number }>('SELECT year FROM platform.calendar_year');
      return [...new Set([...SUPPORTED_YEARS, ...rows.map((r) => r.year)])].sort((a, b) => a - b);
    },
  };
}
