import type { Queryable, Tx } from '../db.ts';

// Every SQL statement of the job queue, the schedules and the outbox. Times are parameters (from the
// injected clock), never now(), so frozen-clock tests and several workers agree on what is due.
// Statements touch few rows each: on PGlite a query blocks the event loop while it runs.

export type JobState = 'pending' | 'running' | 'done' | 'failed' | 'dead';

export interface Job {
  id: string;
  name: string;
  payload: unknown;
  state: JobState;
  priority: number;
  runAt: Date;
  attempts: number;
  singletonKey: string | null;
  dedupeKey: string | null;
  lockedBy: string | null;
  lockedUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const JOB_COLUMNS = `id, name, payload, state, priority, run_at AS "runAt", attempts,
  singleton_key AS "singletonKey", dedupe_key AS "dedupeKey", locked_by AS "lockedBy",
  locked_until AS "lockedUntil", last_error AS "lastError", created_at AS "createdAt",
  started_at AS "startedAt", finished_at AS "finishedAt"`;

export interface NewJob {
  id: string;
  name: string;
  payload: unknown;
  runAt: Date;
  priority: number;
  singletonKey: string | null;
  dedupeKey: string | null;
  createdAt: Date;
}

/** Inserts jobs; a row that would break the singleton or dedupe index is skipped. Returns the ids made. */
export async function insertJobs(q: Queryable, jobs: NewJob[]): Promise<string[]> {
  if (jobs.length === 0) return [];
  // One statement for the whole batch (the relay inserts many): rows travel as one jsonb array.
  const rows = await q.query<{ id: string }>(
    `INSERT INTO platform.job (id, name, payload, run_at, priority, singleton_key, dedupe_key, created_at)
     SELECT (j->>'id')::uuid, j->>'name', j->'payload', (j->>'runAt')::timestamptz, (j->>'priority')::int,
            j->>'singletonKey', j->>'dedupeKey', (j->>'createdAt')::timestamptz
       FROM jsonb_array_elements($1::jsonb) AS j
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [JSON.stringify(jobs)],
  );
  return rows.map((r) => r.id);
}

/**
 * Claims up to `limit` due jobs of the given names: pending or failed jobs whose run_at has come, and
 * running jobs whose lock expired (their worker died). Locked rows are skipped, so concurrent workers
 * never claim the same job. `lockSeconds` maps each name to how long its claim holds.
 */
export async function claimJobs(
  q: Queryable,
  args: { now: Date; names: string[]; workerId: string; lockSeconds: Record<string, number>; limit: number },
): Promise<Job[]> {
  const rows = await q.query<Job>(
    `UPDATE platform.job j
        SET state = 'running',
            attempts = j.attempts + 1,
            locked_by = $3,
            locked_until = $1::timestamptz + make_interval(secs => ($4::jsonb ->> j.name)::float8),
            started_at = $1,
            last_error = CASE WHEN j.state = 'running'
                              THEN 'lock expired: the worker stopped before attempt ' || j.attempts || ' finished'
                              ELSE j.last_error END
      WHERE j.id IN (
            SELECT id FROM platform.job
             WHERE name = ANY($2::text[])
               AND ((state IN ('pending', 'failed') AND run_at <= $1)
                    OR (state = 'running' AND locked_until <= $1))
             ORDER BY priority DESC, run_at, id
             LIMIT $5
             FOR UPDATE SKIP LOCKED)
      RETURNING ${JOB_COLUMNS}`,
    [args.now, args.names, args.workerId, JSON.stringify(args.lockSeconds), args.limit],
  );
  // RETURNING has no order; run in claim order.
  return rows.sort(
    (a, b) => b.priority - a.priority || a.runAt.getTime() - b.runAt.getTime() || (a.id < b.id ? -1 : 1),
  );
}

// Finishing is guarded by attempts: if this claim's lock expired and another worker re-claimed the
// job, the late result of the first run must not overwrite the second.

export async function markJobDone(q: Queryable, job: Job, now: Date): Promise<boolean> {
  const rows = await q.query(
    `UPDATE platform.job SET state = 'done', finished_at = $3, locked_by = NULL, locked_until = NULL
      WHERE id = $1 AND state = 'running' AND attempts = $2 RETURNING id`,
    [job.id, job.attempts, now],
  );
  return rows.length === 1;
}

export async function markJobFailed(
  q: Queryable,
  job: Job,
  args: { state: 'failed' | 'dead'; runAt: Date; error: string; now: Date },
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE platform.job
        SET state = $3, run_at = $4, last_error = $5, locked_by = NULL, locked_until = NULL,
            finished_at = CASE WHEN $3 = 'dead' THEN $6::timestamptz END
      WHERE id = $1 AND state = 'running' AND attempts = $2 RETURNING id`,
    [job.id, job.attempts, args.state, args.runAt, args.error, args.now],
  );
  return rows.length === 1;
}

export async function getJob(q: Queryable, id: string): Promise<Job | undefined> {
  const rows = await q.query<Job>(`SELECT ${JOB_COLUMNS} FROM platform.job WHERE id = $1`, [id]);
  return rows[0];
}

export async function listJobs(
  q: Queryable,
  filter: { name?: string; state?: JobState; limit?: number } = {},
): Promise<Job[]> {
  return q.query<Job>(
    `SELECT ${JOB_COLUMNS} FROM platform.job
      WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR state = $2)
      ORDER BY created_at DESC, id DESC
      LIMIT $3`,
    [filter.name ?? null, filter.state ?? null, filter.limit ?? 50],
  );
}

export async function countJobs(q: Queryable): Promise<{ name: string; state: JobState; count: number }[]> {
  return q.query(
    `SELECT name, state, count(*) AS count FROM platform.job GROUP BY name, state ORDER BY name, state`,
  );
}

/** Deletes up to `limit` jobs in `state` that finished before `before`; returns how many. */
export async function purgeJobs(q: Queryable, state: 'done' | 'dead', before: Date, limit: number): Promise<number> {
  const rows = await q.query(
    `DELETE FROM platform.job WHERE id IN (
       SELECT id FROM platform.job WHERE state = $1 AND finished_at < $2 LIMIT $3)
     RETURNING id`,
    [state, before, limit],
  );
  return rows.length;
}

// ---------- schedules ----------

export async function upsertSchedule(
  q: Queryable,
  s: { name: string; everySeconds: number; payload: unknown; now: Date },
): Promise<void> {
  // A new schedule is due at once; a changed period takes effect no later than one new period from now.
  await q.query(
    `INSERT INTO platform.job_schedule (name, every_seconds, payload, next_run_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE
       SET every_seconds = EXCLUDED.every_seconds,
           payload = EXCLUDED.payload,
           next_run_at = LEAST(platform.job_schedule.next_run_at,
                               $4::timestamptz + make_interval(secs => $2::float8))`,
    [s.name, s.everySeconds, JSON.stringify(s.payload), s.now],
  );
}

/**
 * Advances every due schedule of the given names past `now` (skipping missed periods) and returns
 * them. Rows another worker holds are skipped: that worker is enqueueing those ticks.
 */
export async function takeDueSchedules(
  tx: Tx,
  now: Date,
  names: string[],
): Promise<{ name: string; payload: unknown; dueAt: Date }[]> {
  return tx.query(
    `WITH due AS (
       SELECT name, next_run_at FROM platform.job_schedule
        WHERE next_run_at <= $1 AND name = ANY($2::text[])
        FOR UPDATE SKIP LOCKED)
     UPDATE platform.job_schedule s
        SET next_run_at = s.next_run_at + make_interval(secs => (s.every_seconds *
              (floor(extract(epoch FROM ($1::timestamptz - s.next_run_at)) / s.every_seconds) + 1))::float8),
            last_run_at = $1
       FROM due
      WHERE s.name = due.name
      RETURNING s.name, s.payload, due.next_run_at AS "dueAt"`,
    [now, names],
  );
}

// ---------- outbox ----------

export interface OutboxRow {
  id: number;
  topic: string;
  key: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
  relayedAt: Date | null;
  deliveries: number | null;
}

const OUTBOX_COLUMNS = `id, topic, key, payload, created_at AS "createdAt", relayed_at AS "relayedAt", deliveries`;

/** Inserts outbox rows in one statement; their ids in the order given. */
export async function insertOutbox(
  tx: Tx,
  events: { topic: string; key: string | null; payload: unknown; createdAt: Date }[],
): Promise<number[]> {
  // WITH ORDINALITY keeps the given order: ids follow the input, and so does relaying.
  const rows = await tx.query<{ id: number }>(
    `INSERT INTO platform.outbox (topic, key, payload, created_at)
     SELECT e.topic, e.key, e.payload, e.created_at
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e0, n),
            jsonb_to_record(x.e0) AS e(topic text, key text, payload jsonb, created_at timestamptz)
      ORDER BY x.n
     RETURNING id`,
    [JSON.stringify(events.map((e) => ({ topic: e.topic, key: e.key, payload: e.payload, created_at: e.createdAt.toISOString() })))],
  );
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/** Locks the oldest unrelayed rows; rows another relay holds are skipped. */
export async function lockUnrelayed(tx: Tx, limit: number): Promise<OutboxRow[]> {
  return tx.query<OutboxRow>(
    `SELECT ${OUTBOX_COLUMNS} FROM platform.outbox
      WHERE relayed_at IS NULL
      ORDER BY id
      LIMIT $1
      FOR UPDATE SKIP LOCKED`,
    [limit],
  );
}

export async function markRelayed(tx: Tx, relayed: { id: number; deliveries: number }[], now: Date): Promise<void> {
  if (relayed.length === 0) return;
  await tx.query(
    `UPDATE platform.outbox o SET relayed_at = $2, deliveries = (r->>'deliveries')::int
       FROM jsonb_array_elements($1::jsonb) AS r
      WHERE o.id = (r->>'id')::bigint`,
    [JSON.stringify(relayed), now],
  );
}

export async function listOutbox(
  q: Queryable,
  filter: { topic?: string; isRelayed?: boolean; beforeId?: number; limit?: number } = {},
): Promise<OutboxRow[]> {
  return q.query<OutboxRow>(
    `SELECT ${OUTBOX_COLUMNS} FROM platform.outbox
      WHERE ($1::text IS NULL OR topic = $1)
        AND ($2::boolean IS NULL OR (relayed_at IS NOT NULL) = $2)
        AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC
      LIMIT $4`,
    [filter.topic ?? null, filter.isRelayed ?? null, filter.beforeId ?? null, filter.limit ?? 50],
  );
}

export async function countOutbox(
  q: Queryable,
): Promise<{ unrelayed: number; relayed: number; oldestUnrelayedAt: Date | null }> {
  const rows = await q.query<{ unrelayed: number; relayed: number; oldestUnrelayedAt: Date | null }>(
    `SELECT count(*) FILTER (WHERE relayed_at IS NULL) AS unrelayed,
            count(*) FILTER (WHERE relayed_at IS NOT NULL) AS relayed,
            min(created_at) FILTER (WHERE relayed_at IS NULL) AS "oldestUnrelayedAt"
       FROM platform.outbox`,
  );
  return rows[0]!;
}

export async function purgeOutbox(q: Queryable, before: Date, limit: number): Promise<number> {
  const rows = await q.query(
    `DELETE FROM platform.outbox WHERE id IN (
       SELECT id FROM platform.outbox WHERE relayed_at < $1 LIMIT $2)
     RETURNING id`,
    [before, limit],
  );
  return rows.length;
}
