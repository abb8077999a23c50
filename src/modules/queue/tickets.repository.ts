import type { Queryable } from '../../platform/db.ts';
import type { PriorityReason, TicketState } from './queue.rules.ts';

// Every SQL statement about numbers, tickets, their timed periods and the hall's display events.

export interface TicketRow {
  id: string;
  hall_id: string;
  day: string;
  service_id: string;
  first_service_id: string;
  range_id: string;
  number: number;
  display_number: string;
  channel: 'kiosk' | 'phone' | 'appointment' | 'counter';
  appointment_id: string | null;
  account_id: string | null;
  priority: number;
  priority_reason: PriorityReason | null;
  state: TicketState;
  window_id: string | null;
  target_window_id: string | null;
  staff_account_id: string | null;
  call_count: number;
  issued_at: Date;
  queued_at: Date;
  first_called_at: Date | null;
  finished_at: Date | null;
  services_delivered: unknown;
  end_reason: string | null;
}

/** A ticket with the names a reply shows. */
export interface TicketView extends TicketRow {
  service_name: string;
  window_number: number | null;
}

const VIEW = `SELECT t.*, s.name AS service_name, w.number AS window_number
                FROM queue.ticket t JOIN queue.service s ON s.id = t.service_id
                LEFT JOIN queue.hall_window w ON w.id = t.window_id`;

// ---------- numbers ----------

/**
 * The next number of a range for a day, or null when the range is used up. The counter row is
 * created or advanced in the caller's transaction and stays locked until it commits, so concurrent
 * issues queue on it: no number twice, none skipped.
 */
export async function allocateNumber(q: Queryable, range: { id: string; first_number: number; last_number: number }, day: string): Promise<number | null> {
  const rows = await q.query<{ last_number: number }>(
    `INSERT INTO queue.number_counter AS c (range_id, day, last_number) VALUES ($1, $2, $3)
     ON CONFLICT (range_id, day) DO UPDATE SET last_number = c.last_number + 1
       WHERE c.last_number < $4
     RETURNING c.last_number`,
    [range.id, day, range.first_number, range.last_number],
  );
  return rows[0]?.last_number ?? null;
}

// ---------- tickets ----------

export const insertTicket = (q: Queryable, t: Omit<TicketRow, 'call_count' | 'first_called_at' | 'finished_at' | 'services_delivered' | 'end_reason' | 'staff_account_id'>) =>
  q.query(
    `INSERT INTO queue.ticket (id, hall_id, day, service_id, first_service_id, range_id, number, display_number, channel,
       appointment_id, account_id, priority, priority_reason, state, window_id, target_window_id, issued_at, queued_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
    [t.id, t.hall_id, t.day, t.service_id, t.first_service_id, t.range_id, t.number, t.display_number, t.channel,
      t.appointment_id, t.account_id, t.priority, t.priority_reason, t.state, t.window_id, t.target_window_id, t.issued_at, t.queued_at],
  );

export const findTicket = async (q: Queryable, id: string) => (await q.query<TicketView>(`${VIEW} WHERE t.id = $1`, [id]))[0];

export const lockTicket = async (q: Queryable, id: string) =>
  (await q.query<TicketRow>('SELECT * FROM queue.ticket WHERE id = $1 FOR UPDATE', [id]))[0];

/**
 * The next ticket for a window, locked. Order: the ticket's priority (green channel, then
 * appointments on time), then the window's work profile, then the time the ticket joined the queue.
 * SKIP LOCKED: a ticket another window is calling right now is passed over, never called twice.
 */
export const lockNextTicket = async (q: Queryable, windowId: string, hallId: string, day: string) =>
  (
    await q.query<TicketRow>(
      `SELECT t.* FROM queue.ticket t
         JOIN queue.work_profile p ON p.service_id = t.service_id AND p.window_id = $1
        WHERE t.hall_id = $2 AND t.day = $3 AND t.state = 'waiting'
          AND (t.target_window_id IS NULL OR t.target_window_id = $1)
        ORDER BY t.priority DESC, p.priority, t.queued_at, t.number
        LIMIT 1
        FOR UPDATE OF t SKIP LOCKED`,
      [windowId, hallId, day],
    )
  )[0];

/** Tickets a window holds right now: the one called or being served, and those on hold. */
export const ticketsAtWindow = (q: Queryable, windowId: string) =>
  q.query<TicketView>(`${VIEW} WHERE t.window_id = $1 AND t.state IN ('called', 'serving', 'held') ORDER BY t.queued_at`, [windowId]);

export async function updateTicket(q: Queryable, id: string, set: Partial<Omit<TicketRow, 'id'>>) {
  const cols = Object.keys(set) as (keyof typeof set)[];
  if (cols.length === 0) return;
  // Column names come from the TicketRow type, never from input.
  const values = cols.map((c) => (c === 'services_delivered' ? JSON.stringify(set[c]) : set[c]));
  await q.query(`UPDATE queue.ticket SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`, [id, ...values]);
}

/** Waiting tickets a window could call, in the order it would call them. */
export const listWaitingForWindow = (q: Queryable, windowId: string, hallId: string, day: string, limit: number) =>
  q.query<TicketView>(
    `SELECT t.*, s.name AS service_name, NULL::int AS window_number FROM queue.ticket t
       JOIN queue.work_profile p ON p.service_id = t.service_id AND p.window_id = $1
       JOIN queue.service s ON s.id = t.service_id
      WHERE t.hall_id = $2 AND t.day = $3 AND t.state = 'waiting'
        AND (t.target_window_id IS NULL OR t.target_window_id = $1)
      ORDER BY t.priority DESC, p.priority, t.queued_at, t.number
      LIMIT $4`,
    [windowId, hallId, day, limit],
  );

/** Waiting tickets of a service that stand before a ticket with this priority and queue time. */
export const countAhead = async (q: Queryable, serviceId: string, day: string, priority: number, queuedAt: Date, excludeId: string | null) =>
  (
    await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM queue.ticket
        WHERE service_id = $1 AND day = $2 AND state = 'waiting' AND id IS DISTINCT FROM $5
          AND (priority > $3 OR (priority = $3 AND queued_at <= $4))`,
      [serviceId, day, priority, queuedAt, excludeId],
    )
  )[0]!.n;

export const waitingCounts = (q: Queryable, hallId: string, day: string) =>
  q.query<{ service_id: string; n: number }>(
    `SELECT service_id, count(*)::int AS n FROM queue.ticket WHERE hall_id = $1 AND day = $2 AND state = 'waiting' GROUP BY service_id`,
    [hallId, day],
  );

export const currentTicketsOfHall = (q: Queryable, hallId: string, day: string) =>
  q.query<{ window_id: string; display_number: string; state: string }>(
    `SELECT DISTINCT ON (window_id) window_id, display_number, state FROM queue.ticket
      WHERE hall_id = $1 AND day = $2 AND state IN ('called', 'serving') AND window_id IS NOT NULL
      ORDER BY window_id, first_called_at DESC`,
    [hallId, day],
  );

export const countServedAtWindow = async (q: Queryable, windowId: string, day: string) =>
  (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM queue.ticket WHERE window_id = $1 AND day = $2 AND state = 'finished'`, [windowId, day]))[0]!.n;

export const listTicketsOfAccount = (q: Queryable, accountId: string, day: string) =>
  q.query<TicketView>(`${VIEW} WHERE t.account_id = $1 AND t.day = $2 ORDER BY t.issued_at DESC`, [accountId, day]);

/** Tickets of days before `day` still open: the day closed without serving them. */
export const lockOpenTicketsBefore = (q: Queryable, day: string, limit: number) =>
  q.query<TicketRow>(
    `SELECT * FROM queue.ticket WHERE day < $1 AND state IN ('waiting', 'called', 'serving', 'held')
      ORDER BY day, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [day, limit],
  );

// ---------- periods ----------

export const openPeriod = (
  q: Queryable,
  p: { ticketId: string; hallId: string; serviceId: string; windowId: string | null; staffId: string | null; state: TicketState; at: Date },
) =>
  q.query(
    `INSERT INTO queue.ticket_period (ticket_id, hall_id, service_id, window_id, staff_account_id, state, started_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [p.ticketId, p.hallId, p.serviceId, p.windowId, p.staffId, p.state, p.at],
  );

/** Ends the ticket's open period; a clock behind the start (another process) never makes it negative. */
export const closePeriod = (q: Queryable, ticketId: string, at: Date, reason: string) =>
  q.query(
    `UPDATE queue.ticket_period SET ended_at = GREATEST($2::timestamptz, started_at), end_reason = $3
      WHERE ticket_id = $1 AND ended_at IS NULL`,
    [ticketId, at, reason],
  );

export const listPeriods = (q: Queryable, ticketId: string) =>
  q.query<{ state: string; started_at: Date; ended_at: Date | null; end_reason: string | null; window_id: string | null; service_id: string }>(
    'SELECT state, started_at, ended_at, end_reason, window_id, service_id FROM queue.ticket_period WHERE ticket_id = $1 ORDER BY id',
    [ticketId],
  );

/** Durations in seconds of the last `limit` serving periods of a service that ended since `since`. */
export const recentHandlingSeconds = async (q: Queryable, serviceId: string, since: Date, limit: number) =>
  (
    await q.query<{ s: number }>(
      `SELECT EXTRACT(EPOCH FROM (ended_at - started_at))::float8 AS s FROM queue.ticket_period
        WHERE service_id = $1 AND state = 'serving' AND ended_at >= $2 AND end_reason = 'finish'
        ORDER BY ended_at DESC LIMIT $3`,
      [serviceId, since, limit],
    )
  ).map((r) => Number(r.s));

// ---------- display events ----------

export interface HallEventRow {
  id: number;
  hall_id: string;
  at: Date;
  kind: string;
  ticket_id: string | null;
  display_number: string | null;
  window_number: number | null;
  window_name: string | null;
  service_name: string | null;
}

export const insertHallEvent = (q: Queryable, e: Omit<HallEventRow, 'id'>) =>
  q.query(
    `INSERT INTO queue.hall_event (hall_id, at, kind, ticket_id, display_number, window_number, window_name, service_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [e.hall_id, e.at, e.kind, e.ticket_id, e.display_number, e.window_number, e.window_name, e.service_name],
  );

/**
 * Events after `afterId`, plus any of the last `since` that a slower transaction committed late
 * (ids are taken before commit, so a smaller id can appear after a larger one was read).
 */
export const hallEventsSince = (q: Queryable, hallId: string, afterId: number, since: Date) =>
  q.query<HallEventRow>(
    `SELECT * FROM queue.hall_event WHERE hall_id = $1 AND (id > $2 OR at >= $3) ORDER BY id LIMIT 500`,
    [hallId, afterId, since],
  );

/** Events after `afterId`, for a display reconnecting with Last-Event-ID. */
export const hallEventsAfter = (q: Queryable, hallId: string, afterId: number) =>
  q.query<HallEventRow>('SELECT * FROM queue.hall_event WHERE hall_id = $1 AND id > $2 ORDER BY id LIMIT 500', [hallId, afterId]);

export const recentCalls = (q: Queryable, hallId: string, fromAt: Date, limit: number) =>
  q.query<HallEventRow>(
    `SELECT * FROM queue.hall_event WHERE hall_id = $1 AND kind IN ('called', 'recalled') AND at >= $2
      ORDER BY id DESC LIMIT $3`,
    [hallId, fromAt, limit],
  );

export const lastHallEventId = async (q: Queryable, hallId: string) =>
  (await q.query<{ id: number | null }>('SELECT max(id) AS id FROM queue.hall_event WHERE hall_id = $1', [hallId]))[0]?.id ?? 0;
