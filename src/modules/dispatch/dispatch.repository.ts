import type { Queryable } from '../../platform/db.ts';

// Every SQL statement of the dispatch module: training examples, model snapshots, outcomes.

export type ExampleSource = 'history' | 'dispatch' | 'correction' | 'closed' | 'manual';

export interface ExampleRow {
  id: string;
  text: string;
  unit_code: string;
  street_code: string | null;
  source: ExampleSource;
  work_order_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Adds an example; one per work order, so a later signal about the same order replaces the earlier. */
export async function upsertExample(
  q: Queryable,
  e: { id: string; text: string; unitCode: string; streetCode: string | null; source: ExampleSource; workOrderId: string | null; now: Date },
): Promise<{ id: string; isNew: boolean }> {
  const rows = await q.query<{ id: string; is_new: boolean }>(
    `INSERT INTO dispatch.training_example (id, text, unit_code, street_code, source, work_order_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (work_order_id) DO UPDATE SET
       text = EXCLUDED.text, unit_code = EXCLUDED.unit_code, street_code = EXCLUDED.street_code,
       source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
     RETURNING id, (xmax = 0) AS is_new`,
    [e.id, e.text, e.unitCode, e.streetCode, e.source, e.workOrderId, e.now],
  );
  return { id: rows[0]!.id, isNew: rows[0]!.is_new };
}

/** Bulk insert (history import); rows are {id, text, unit_code, street_code}. */
export async function insertHistory(q: Queryable, rows: { id: string; text: string; unit_code: string; street_code: string | null }[], now: Date) {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO dispatch.training_example (id, text, unit_code, street_code, source, work_order_id, created_at, updated_at)
     SELECT r.id, r.text, r.unit_code, r.street_code, 'history', NULL, $2, $2
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, text text, unit_code text, street_code text)`,
    [JSON.stringify(rows), now],
  );
}

/** Examples in the order they were last changed; `after` continues from a cursor. */
export const listExamples = (q: Queryable, opts: { after?: { at: Date; id: string }; limit: number }) =>
  q.query<ExampleRow>(
    `SELECT * FROM dispatch.training_example
      WHERE $1::timestamptz IS NULL OR (updated_at, id) > ($1::timestamptz, $2::uuid)
      ORDER BY updated_at, id LIMIT $3`,
    [opts.after?.at ?? null, opts.after?.id ?? null, opts.limit],
  );

/** The most recent examples, newest last. */
export const listRecentExamples = (q: Queryable, limit: number) =>
  q.query<ExampleRow>(
    `SELECT * FROM (SELECT * FROM dispatch.training_example ORDER BY updated_at DESC, id DESC LIMIT $1) recent
      ORDER BY updated_at, id`,
    [limit],
  );

export const countExamples = async (q: Queryable, since?: Date) =>
  (
    await q.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM dispatch.training_example WHERE $1::timestamptz IS NULL OR updated_at > $1',
      [since ?? null],
    )
  )[0]!.n;

export interface SnapshotMeta {
  version: number;
  id: string;
  created_at: Date;
  reason: string;
  trained_on: number;
  catalogue_version: string;
  threshold: number | null;
  target_precision: number;
  held_out: { examples: number; top1: number; top3: number; autoPrecision: number | null; autoCoverage: number } | null;
  train_ms: number;
}

const META = 'version, id, created_at, reason, trained_on, catalogue_version, threshold, target_precision, held_out, train_ms';

export const latestSnapshotMeta = async (q: Queryable) =>
  (await q.query<SnapshotMeta>(`SELECT ${META} FROM dispatch.model_snapshot ORDER BY version DESC LIMIT 1`))[0];

export const latestSnapshot = async (q: Queryable) =>
  (await q.query<SnapshotMeta & { body: Uint8Array }>(`SELECT ${META}, body FROM dispatch.model_snapshot ORDER BY version DESC LIMIT 1`))[0];

export const listSnapshots = (q: Queryable, limit: number) =>
  q.query<SnapshotMeta>(`SELECT ${META} FROM dispatch.model_snapshot ORDER BY version DESC LIMIT $1`, [limit]);

/** Stores a model under the next version number and returns it. */
export async function insertSnapshot(
  q: Queryable,
  s: { id: string; now: Date; reason: string; trainedOn: number; catalogueVersion: string; threshold: number | null; targetPrecision: number; heldOut: unknown; trainMs: number; body: Buffer },
): Promise<number> {
  const rows = await q.query<{ version: number }>(
    `INSERT INTO dispatch.model_snapshot
       (version, id, created_at, reason, trained_on, catalogue_version, threshold, target_precision, held_out, train_ms, body)
     SELECT coalesce(max(version), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM dispatch.model_snapshot
     RETURNING version`,
    [s.id, s.now, s.reason, s.trainedOn, s.catalogueVersion, s.threshold, s.targetPrecision, s.heldOut === null ? null : JSON.stringify(s.heldOut), s.trainMs, s.body],
  );
  return rows[0]!.version;
}

export async function upsertDispatchOutcome(
  q: Queryable,
  o: { workOrderId: string; suggestedUnit: string | null; chosenUnit: string; isAuto: boolean; now: Date },
) {
  // A redo dispatches the same order again: its first dispatch decides what the suggestion is judged on.
  await q.query(
    `INSERT INTO dispatch.outcome (work_order_id, suggested_unit, chosen_unit, final_unit, is_auto, dispatched_at, updated_at)
     VALUES ($1, $2, $3, $3, $4, $5, $5)
     ON CONFLICT (work_order_id) DO UPDATE SET final_unit = EXCLUDED.final_unit, updated_at = EXCLUDED.updated_at`,
    [o.workOrderId, o.suggestedUnit, o.chosenUnit, o.isAuto, o.now],
  );
}

export async function markRedispatched(q: Queryable, o: { workOrderId: string; toUnit: string; isReturnUpheld: boolean; now: Date }) {
  await q.query(
    `UPDATE dispatch.outcome SET final_unit = $2, is_redispatched = true,
            is_return_upheld = is_return_upheld OR $3, updated_at = $4
      WHERE work_order_id = $1`,
    [o.workOrderId, o.toUnit, o.isReturnUpheld, o.now],
  );
}

export interface OutcomeStats {
  dispatched: number;
  redispatched: number;
  returns_upheld: number;
  auto: number;
  auto_redispatched: number;
  suggested: number;
  suggestion_followed: number;
}

export const outcomeStats = async (q: Queryable, since: Date) =>
  (
    await q.query<OutcomeStats>(
      `SELECT count(*)::int AS dispatched,
              count(*) FILTER (WHERE is_redispatched)::int AS redispatched,
              count(*) FILTER (WHERE is_return_upheld)::int AS returns_upheld,
              count(*) FILTER (WHERE is_auto)::int AS auto,
              count(*) FILTER (WHERE is_auto AND is_redispatched)::int AS auto_redispatched,
              count(*) FILTER (WHERE suggested_unit IS NOT NULL)::int AS suggested,
              count(*) FILTER (WHERE suggested_unit = final_unit)::int AS suggestion_followed
         FROM dispatch.outcome WHERE dispatched_at >= $1`,
      [since],
    )
  )[0]!;
