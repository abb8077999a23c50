import { AppError } from '../../platform/errors.ts';

// The hall's rules as pure functions: local time, the ticket state machine, priorities, number
// formatting and the wait estimate. No database here, so each rule is tested on its own.

// ---------- local time: halls keep China time (UTC+8, no daylight saving) ----------

const CHINA_OFFSET_MS = 8 * 3600_000;

/** The calendar day in China at `at`, 'YYYY-MM-DD'. */
export const chinaDay = (at: Date): string => new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);

/** Minutes since local midnight at `at`. */
export function chinaMinutes(at: Date): number {
  const local = new Date(at.getTime() + CHINA_OFFSET_MS);
  return local.getUTCHours() * 60 + local.getUTCMinutes();
}

/** The instant of a local day and 'HH:MM'. */
export const chinaTime = (day: string, hhmm: string): Date => new Date(`${day}T${hhmm}:00+08:00`);

export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

export interface OpeningPeriod {
  from: string;
  to: string;
}

/** Opening hours must be 'HH:MM' pairs in order, each ending after it starts, none overlapping. */
export function checkOpeningHours(hours: OpeningPeriod[]): void {
  let last = -1;
  for (const h of hours) {
    const from = minutesOf(h.from);
    const to = minutesOf(h.to);
    if (!(from < to) || from < last) {
      throw new AppError('HALL_HOURS_INVALID', `opening hours ${h.from}–${h.to} are out of order or overlap`, 400);
    }
    last = to;
  }
}

/** Tickets may be taken from an hour before opening until closing time. */
export const ISSUE_OPENS_EARLY_MINUTES = 60;

export function isIssuingOpen(hours: OpeningPeriod[], at: Date): boolean {
  if (hours.length === 0) return false;
  const m = chinaMinutes(at);
  return m >= minutesOf(hours[0]!.from) - ISSUE_OPENS_EARLY_MINUTES && m < minutesOf(hours[hours.length - 1]!.to);
}

/** Slot start times of one day: each opening period cut into whole slots of `slotMinutes`. */
export function slotTimes(hours: OpeningPeriod[], slotMinutes: number): { from: string; to: string }[] {
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const out: { from: string; to: string }[] = [];
  for (const h of hours) {
    for (let m = minutesOf(h.from); m + slotMinutes <= minutesOf(h.to); m += slotMinutes) {
      out.push({ from: hhmm(m), to: hhmm(m + slotMinutes) });
    }
  }
  return out;
}

// ---------- the ticket state machine ----------

export const TICKET_STATES = ['waiting', 'called', 'serving', 'held', 'finished', 'no_show', 'cancelled'] as const;
export type TicketState = (typeof TICKET_STATES)[number];
/** States that are a phase of the ticket's life and get a timed period; the others end it. */
export const OPEN_STATES: readonly TicketState[] = ['waiting', 'called', 'serving', 'held'];

export type TicketAction = 'call' | 'recall' | 'start' | 'skip' | 'hold' | 'resume' | 'transfer' | 'finish' | 'cancel' | 'close_day';

/**
 *   waiting ──call──▶ called ──start──▶ serving ──finish──▶ finished
 *      ▲                │ ▲recall          │ ▲
 *      │                skip               hold resume
 *      │                ▼                  ▼ │
 *      │             no_show              held
 *      └──transfer── called | serving | held
 *   waiting ──cancel──▶ cancelled;  any open state ──close_day──▶ cancelled
 */
export const TRANSITIONS: Readonly<Record<TicketAction, { from: readonly TicketState[]; to: TicketState }>> = {
  call: { from: ['waiting'], to: 'called' },
  recall: { from: ['called'], to: 'called' },
  start: { from: ['called'], to: 'serving' },
  skip: { from: ['called'], to: 'no_show' },
  hold: { from: ['serving'], to: 'held' },
  resume: { from: ['held'], to: 'serving' },
  transfer: { from: ['called', 'serving', 'held'], to: 'waiting' },
  finish: { from: ['serving'], to: 'finished' },
  cancel: { from: ['waiting'], to: 'cancelled' },
  close_day: { from: ['waiting', 'called', 'serving', 'held'], to: 'cancelled' },
};

const STATE_NAMES: Record<TicketState, string> = {
  waiting: '等候中', called: '已叫号', serving: '办理中', held: '已挂起', finished: '已办结', no_show: '过号', cancelled: '已取消',
};
const ACTION_NAMES: Record<TicketAction, string> = {
  call: '叫号', recall: '重呼', start: '开始办理', skip: '过号', hold: '挂起', resume: '恢复办理', transfer: '转移', finish: '办结', cancel: '取消', close_day: '日终关闭',
};

/** The state after `action`, or TICKET_STATE_INVALID (409) naming what the ticket is. */
export function nextState(state: TicketState, action: TicketAction, number = 'the ticket'): TicketState {
  const t = TRANSITIONS[action];
  if (!t.from.includes(state)) {
    throw new AppError(
      'TICKET_STATE_INVALID',
      `${number} 当前为“${STATE_NAMES[state]}”，不能${ACTION_NAMES[action]} (cannot ${action} a ticket that is ${state})`,
      409,
      { state, action },
    );
  }
  return t.to;
}

// ---------- priority ----------

export type PriorityReason = 'appointment' | 'elderly' | 'disabled' | 'key_project';
export const PRIORITY = { normal: 0, appointment: 10, greenChannel: 20 } as const;

export function priorityOf(reason: PriorityReason | null): number {
  if (reason === null) return PRIORITY.normal;
  return reason === 'appointment' ? PRIORITY.appointment : PRIORITY.greenChannel;
}

/** The stronger of two reasons (green channel beats an appointment). */
export function strongerReason(a: PriorityReason | null, b: PriorityReason | null): PriorityReason | null {
  return priorityOf(b) > priorityOf(a) ? b : a;
}

/** Whole years of age on `day` for a birth date, both 'YYYY-MM-DD'. */
export function ageOn(birthDate: string, day: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/**
 * Whether an appointment checked in at `at` keeps its priority: up to `latenessMinutes` after the
 * slot starts it does; later it joins the queue as a walk-in.
 */
export const isOnTime = (startsAt: Date, at: Date, latenessMinutes: number): boolean =>
  at.getTime() <= startsAt.getTime() + latenessMinutes * 60_000;

// ---------- numbers ----------

/** 'A' + 12 in a range ending at 999 → 'A012': as many digits as the range's last number has. */
export function formatNumber(prefix: string, n: number, lastNumber: number): string {
  return prefix + String(n).padStart(Math.max(3, String(lastNumber).length), '0');
}

/** Whether two ranges with the same prefix would print the same number. */
export const rangesOverlap = (a: { prefix: string; first: number; last: number }, b: { prefix: string; first: number; last: number }) =>
  a.prefix === b.prefix && a.first <= b.last && b.first <= a.last;

// ---------- wait estimate ----------

/**
 * Minutes a new ticket can expect to wait: the tickets ahead of it, shared among the open windows
 * serving its service, each taking the recent average handling time (or the service's default until
 * there are at least `minSamples` recent services). Rounded up; 0 when nobody is ahead.
 */
export function estimateWaitMinutes(input: {
  ahead: number;
  openWindows: number;
  recentHandlingSeconds: number[];
  defaultHandlingMinutes: number;
  minSamples?: number;
}): number {
  if (input.ahead <= 0) return 0;
  const samples = input.recentHandlingSeconds;
  const perTicket =
    samples.length >= (input.minSamples ?? 3)
      ? samples.reduce((a, b) => a + b, 0) / samples.length / 60
      : input.defaultHandlingMinutes;
  // Closed windows still come back; assume at least one serves.
  return Math.ceil((input.ahead * perTicket) / Math.max(1, input.openWindows));
}
