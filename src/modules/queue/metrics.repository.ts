import type { Queryable } from '../../platform/db.ts';

// The SQL behind the hall's metrics. Times come from the period ledger:
//   wait     = a waiting period that ended with a call (a transferred ticket waits twice);
//   handling = the serving time of one ticket at one window (summed over holds), not cut off by the day's end.
// Local hours are China time (UTC+8).

type Range = { hallId: string; from: string; to: string };
const P = (r: Range) => [r.hallId, r.from, r.to];

export const ticketCounts = async (q: Queryable, r: Range) =>
  (
    await q.query<{ issued: number; finished: number; no_show: number; cancelled: number; called: number }>(
      `SELECT count(*)::int AS issued,
              count(*) FILTER (WHERE state = 'finished')::int AS finished,
              count(*) FILTER (WHERE state = 'no_show')::int AS no_show,
              count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled,
              count(*) FILTER (WHERE first_called_at IS NOT NULL)::int AS called
         FROM queue.ticket WHERE hall_id = $1 AND day BETWEEN $2 AND $3`,
      P(r),
    )
  )[0]!;

export const ticketCountsByService = (q: Queryable, r: Range) =>
  q.query<{ service_id: string; name: string; issued: number; finished: number; no_show: number; called: number }>(
    `SELECT s.id AS service_id, s.name,
            count(t.id)::int AS issued,
            count(t.id) FILTER (WHERE t.state = 'finished')::int AS finished,
            count(t.id) FILTER (WHERE t.state = 'no_show')::int AS no_show,
            count(t.id) FILTER (WHERE t.first_called_at IS NOT NULL)::int AS called
       FROM queue.service s
       LEFT JOIN queue.ticket t ON t.service_id = s.id AND t.day BETWEEN $2 AND $3
      WHERE s.hall_id = $1
      GROUP BY s.id, s.name, s.sort_order, s.code ORDER BY s.sort_order, s.code`,
    P(r),
  );

/** Average wait in seconds, overall (key null) and per service of the waiting period. */
export const averageWaitByService = (q: Queryable, r: Range) =>
  q.query<{ service_id: string | null; is_total: boolean; seconds: number | null; n: number }>(
    `SELECT p.service_id, GROUPING(p.service_id) = 1 AS is_total, avg(EXTRACT(EPOCH FROM (p.ended_at - p.started_at)))::float8 AS seconds, count(*)::int AS n
       FROM queue.ticket_period p JOIN queue.ticket t ON t.id = p.ticket_id
      WHERE t.hall_id = $1 AND t.day BETWEEN $2 AND $3 AND p.state = 'waiting' AND p.end_reason = 'call'
      GROUP BY ROLLUP (p.service_id)`,
    P(r),
  );

/** Average wait in seconds of the tickets each window called. */
export const averageWaitByWindow = (q: Queryable, r: Range) =>
  q.query<{ window_id: string; seconds: number }>(
    `SELECT c.window_id, avg(EXTRACT(EPOCH FROM (p.ended_at - p.started_at)))::float8 AS seconds
       FROM queue.ticket_period p
       JOIN queue.ticket t ON t.id = p.ticket_id
       JOIN queue.ticket_period c ON c.ticket_id = p.ticket_id AND c.state = 'called' AND c.started_at = p.ended_at
      WHERE t.hall_id = $1 AND t.day BETWEEN $2 AND $3 AND p.state = 'waiting' AND p.end_reason = 'call'
      GROUP BY c.window_id`,
    P(r),
  );

const HANDLING = `
  SELECT p.ticket_id, p.window_id, p.service_id, sum(EXTRACT(EPOCH FROM (p.ended_at - p.started_at)))::float8 AS seconds
    FROM queue.ticket_period p JOIN queue.ticket t ON t.id = p.ticket_id
   WHERE t.hall_id = $1 AND t.day BETWEEN $2 AND $3 AND p.state = 'serving'
     AND p.ended_at IS NOT NULL AND p.end_reason <> 'close_day'
   GROUP BY p.ticket_id, p.window_id, p.service_id`;

/** Average handling seconds per ticket: overall (both keys null), per service, per window. */
export const averageHandling = (q: Queryable, r: Range) =>
  q.query<{ service_id: string | null; window_id: string | null; by: 'all' | 'service' | 'window'; seconds: number; n: number }>(
    `SELECT h.service_id, h.window_id, avg(h.seconds)::float8 AS seconds, count(*)::int AS n,
            CASE WHEN GROUPING(h.service_id) = 0 THEN 'service' WHEN GROUPING(h.window_id) = 0 THEN 'window' ELSE 'all' END AS by
       FROM (${HANDLING}) h
      GROUP BY GROUPING SETS ((), (h.service_id), (h.window_id))`,
    P(r),
  );

export const windowsServed = (q: Queryable, r: Range) =>
  q.query<{ window_id: string; number: number; name: string; served: number }>(
    `SELECT w.id AS window_id, w.number, w.name,
            count(t.id) FILTER (WHERE t.state = 'finished')::int AS served
       FROM queue.hall_window w
       LEFT JOIN queue.ticket t ON t.window_id = w.id AND t.day BETWEEN $2 AND $3
      WHERE w.hall_id = $1
      GROUP BY w.id, w.number, w.name ORDER BY w.number`,
    P(r),
  );

export const appointmentCounts = async (q: Queryable, r: Range, now: Date) =>
  (
    await q.query<{ due: number; checked_in: number; fulfilled: number; no_show: number; cancelled: number }>(
      `SELECT count(*) FILTER (WHERE a.status <> 'cancelled' AND (a.status <> 'booked' OR a.starts_at <= $4))::int AS due,
              count(*) FILTER (WHERE a.status = 'checked_in')::int AS checked_in,
              count(*) FILTER (WHERE a.status = 'checked_in' AND t.state = 'finished')::int AS fulfilled,
              count(*) FILTER (WHERE a.status = 'no_show')::int AS no_show,
              count(*) FILTER (WHERE a.status = 'cancelled')::int AS cancelled
         FROM queue.appointment a LEFT JOIN queue.ticket t ON t.id = a.ticket_id
        WHERE a.hall_id = $1 AND a.day BETWEEN $2 AND $3`,
      [...P(r), now],
    )
  )[0]!;

/** Tickets issued and finished per local hour of the day, over the range. */
export const ticketsPerHour = (q: Queryable, r: Range) =>
  q.query<{ hour: number; issued: number; finished: number }>(
    `SELECT h.hour::int AS hour, coalesce(i.n, 0)::int AS issued, coalesce(f.n, 0)::int AS finished
       FROM generate_series(0, 23) AS h(hour)
       LEFT JOIN (SELECT EXTRACT(HOUR FROM (issued_at AT TIME ZONE 'UTC') + interval '8 hours')::int AS hour, count(*) AS n
                    FROM queue.ticket WHERE hall_id = $1 AND day BETWEEN $2 AND $3 GROUP BY 1) i ON i.hour = h.hour
       LEFT JOIN (SELECT EXTRACT(HOUR FROM (finished_at AT TIME ZONE 'UTC') + interval '8 hours')::int AS hour, count(*) AS n
                    FROM queue.ticket WHERE hall_id = $1 AND day BETWEEN $2 AND $3 AND state = 'finished' GROUP BY 1) f ON f.hour = h.hour
      WHERE coalesce(i.n, 0) + coalesce(f.n, 0) > 0
      ORDER BY h.hour`,
    P(r),
  );
