import type { Queryable } from '../../platform/db.ts';
import type { Tally } from './ratings.formulas.ts';
import type { Channel, Indicator, IndicatorKind, ObjectType, OccasionKind } from './ratings.rules.ts';
import type { ReviewState } from './ratings.transitions.ts';

// Every SQL statement of the ratings module.

// ---------------------------------------------------------------- settings and indicator sets

export interface SettingsRow {
  classify_days: number;
  verify_days: number;
  rectify_days: number;
  feedback_days: number;
  appeal_review_days: number;
  prompt_minutes: number;
  invitation_days: number;
  updated_at: Date | null;
}

export const getSettings = async (q: Queryable) =>
  (await q.query<SettingsRow>('SELECT * FROM ratings.settings WHERE id = 1'))[0]!;

export async function updateSettings(q: Queryable, patch: Partial<Omit<SettingsRow, 'updated_at'>>, by: string | null, now: Date): Promise<SettingsRow> {
  const cols = Object.keys(patch) as (keyof typeof patch)[];
  const sets = cols.map((c, i) => `${c} = $${i + 1}`);
  const rows = await q.query<SettingsRow>(
    `UPDATE ratings.settings SET ${[...sets, `updated_at = $${cols.length + 1}`, `updated_by = $${cols.length + 2}`].join(', ')} WHERE id = 1 RETURNING *`,
    [...cols.map((c) => patch[c]), now, by],
  );
  return rows[0]!;
}

export interface IndicatorSetRow {
  id: string;
  kind: IndicatorKind;
  version: number;
  indicators: Indicator[];
  status: 'draft' | 'active' | 'retired';
  note: string | null;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
}

export const listIndicatorSets = (q: Queryable) =>
  q.query<IndicatorSetRow>('SELECT * FROM ratings.indicator_set ORDER BY kind, version DESC');

export const findIndicatorSet = async (q: Queryable, id: string, lock = false) =>
  (await q.query<IndicatorSetRow>(`SELECT * FROM ratings.indicator_set WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]))[0];

export const activeIndicatorSet = async (q: Queryable, kind: IndicatorKind) =>
  (await q.query<IndicatorSetRow>(`SELECT * FROM ratings.indicator_set WHERE kind = $1 AND status = 'active'`, [kind]))[0];

export const countIndicatorSets = async (q: Queryable) =>
  (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM ratings.indicator_set'))[0]!.n;

export async function insertIndicatorSet(q: Queryable, s: { id: string; kind: IndicatorKind; indicators: Indicator[]; note: string | null; createdBy: string | null; now: Date }): Promise<IndicatorSetRow> {
  const rows = await q.query<IndicatorSetRow>(
    `INSERT INTO ratings.indicator_set (id, kind, version, indicators, status, note, created_at, created_by)
     VALUES ($1, $2, (SELECT coalesce(max(version), 0) + 1 FROM ratings.indicator_set WHERE kind = $2), $3, 'draft', $4, $5, $6)
     RETURNING *`,
    [s.id, s.kind, JSON.stringify(s.indicators), s.note, s.now, s.createdBy],
  );
  return rows[0]!;
}

/** Retires the active version of the kind and activates `id`, in the caller's transaction. */
export async function activateIndicatorSet(q: Queryable, id: string, kind: IndicatorKind, now: Date): Promise<void> {
  await q.query(`UPDATE ratings.indicator_set SET status = 'retired', retired_at = $2 WHERE kind = $1 AND status = 'active'`, [kind, now]);
  await q.query(`UPDATE ratings.indicator_set SET status = 'active', activated_at = $2 WHERE id = $1`, [id, now]);
}

// ---------------------------------------------------------------- occasions and rateables

export interface OccasionRow {
  id: string;
  kind: OccasionKind;
  source_id: string;
  label: string;
  indicator_kind: IndicatorKind;
  rater_account_id: string | null;
  staff_account_id: string | null;
  window_id: string | null;
  invite_code: string;
  invite_expires_at: Date;
  occurred_at: Date;
  created_at: Date;
}

export interface RateableRow {
  id: string;
  occasion_id: string;
  object_type: ObjectType;
  object_id: string;
  object_name: string;
  unit_id: string | null;
  unit_code: string | null;
  unit_path: string | null;
  unit_name: string | null;
  item_code: string | null;
  item_name: string | null;
  window_id: string | null;
  window_name: string | null;
  created_at: Date;
}

/** Inserts the occasion unless it exists; returns the stored one either way (events arrive at least once). */
export async function upsertOccasion(q: Queryable, o: OccasionRow): Promise<{ occasion: OccasionRow; isNew: boolean }> {
  const inserted = await q.query<OccasionRow>(
    `INSERT INTO ratings.occasion (id, kind, source_id, label, indicator_kind, rater_account_id, staff_account_id, window_id, invite_code, invite_expires_at, occurred_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (kind, source_id) DO NOTHING RETURNING *`,
    [o.id, o.kind, o.source_id, o.label, o.indicator_kind, o.rater_account_id, o.staff_account_id, o.window_id, o.invite_code, o.invite_expires_at, o.occurred_at, o.created_at],
  );
  if (inserted[0]) return { occasion: inserted[0], isNew: true };
  return { occasion: (await findOccasionBySource(q, o.kind, o.source_id))!, isNew: false };
}

export const findOccasionBySource = async (q: Queryable, kind: OccasionKind, sourceId: string) =>
  (await q.query<OccasionRow>('SELECT * FROM ratings.occasion WHERE kind = $1 AND source_id = $2', [kind, sourceId]))[0];

export const findOccasion = async (q: Queryable, id: string) =>
  (await q.query<OccasionRow>('SELECT * FROM ratings.occasion WHERE id = $1', [id]))[0];

export const findOccasionByCode = async (q: Queryable, code: string) =>
  (await q.query<OccasionRow>('SELECT * FROM ratings.occasion WHERE invite_code = $1', [code]))[0];

/** Fills in the rater when a later event knows them and the first did not. */
export const setOccasionRater = (q: Queryable, id: string, accountId: string) =>
  q.query('UPDATE ratings.occasion SET rater_account_id = $2 WHERE id = $1 AND rater_account_id IS NULL', [id, accountId]);

export async function insertRateables(q: Queryable, rows: RateableRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO ratings.rateable (id, occasion_id, object_type, object_id, object_name, unit_id, unit_code, unit_path, unit_name, item_code, item_name, window_id, window_name, created_at)
     SELECT r.id::uuid, r.occasion_id::uuid, r.object_type, r.object_id, r.object_name, r.unit_id::uuid, r.unit_code, r.unit_path, r.unit_name,
            r.item_code, r.item_name, r.window_id::uuid, r.window_name, r.created_at::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, occasion_id text, object_type text, object_id text, object_name text, unit_id text, unit_code text,
            unit_path text, unit_name text, item_code text, item_name text, window_id text, window_name text, created_at text)
     ON CONFLICT (occasion_id, object_type, object_id) DO NOTHING`,
    [JSON.stringify(rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() })))],
  );
}

export const listRateables = (q: Queryable, occasionId: string) =>
  q.query<RateableRow>(
    `SELECT * FROM ratings.rateable WHERE occasion_id = $1
      ORDER BY array_position(ARRAY['case','work_order','window','staff','item','department'], object_type), object_name`,
    [occasionId],
  );

export const findRateable = async (q: Queryable, id: string) =>
  (await q.query<RateableRow>('SELECT * FROM ratings.rateable WHERE id = $1', [id]))[0];

export const findRateableOf = async (q: Queryable, occasionId: string, objectType: ObjectType) =>
  (await q.query<RateableRow>('SELECT * FROM ratings.rateable WHERE occasion_id = $1 AND object_type = $2 ORDER BY object_name LIMIT 1', [occasionId, objectType]))[0];

/** The newest occasion finished at a window since `since` (what its tablet asks about). */
export const latestWindowOccasion = async (q: Queryable, windowId: string, since: Date) =>
  (await q.query<OccasionRow>(
    `SELECT * FROM ratings.occasion WHERE window_id = $1 AND kind = 'ticket' AND occurred_at >= $2 ORDER BY occurred_at DESC LIMIT 1`,
    [windowId, since],
  ))[0];

/** The newest rateable object of that type and id on an occasion of this rater. */
export const findRateableForRater = async (q: Queryable, accountId: string, objectType: ObjectType, objectId: string) =>
  (await q.query<RateableRow>(
    `SELECT ra.* FROM ratings.rateable ra JOIN ratings.occasion o ON o.id = ra.occasion_id
      WHERE o.rater_account_id = $1 AND ra.object_type = $2 AND ra.object_id = $3 ORDER BY o.occurred_at DESC LIMIT 1`,
    [accountId, objectType, objectId],
  ))[0];

export const listOccasionsOfRater = (q: Queryable, accountId: string, limit: number) =>
  q.query<OccasionRow>('SELECT * FROM ratings.occasion WHERE rater_account_id = $1 ORDER BY occurred_at DESC LIMIT $2', [accountId, limit]);

// ---------------------------------------------------------------- ratings

export interface RatingRow {
  id: string;
  rateable_id: string;
  occasion_id: string;
  object_type: ObjectType;
  channel: Channel;
  follow_up_no: number;
  level: number;
  is_bad: boolean;
  indicator_set_id: string | null;
  scores: Record<string, number>;
  comment: string | null;
  rater_account_id: string | null;
  contact_name_enc: string | null;
  contact_phone_enc: string | null;
  recorded_by: string | null;
  is_valid: boolean;
  unit_id: string | null;
  unit_name: string | null;
  item_code: string | null;
  item_name: string | null;
  window_id: string | null;
  window_name: string | null;
  created_at: Date;
}

/** Inserts a rating; null when the object already has a first rating on that channel (or that follow-up number). */
export async function insertRating(q: Queryable, r: RatingRow): Promise<RatingRow | null> {
  const rows = await q.query<RatingRow>(
    `INSERT INTO ratings.rating (id, rateable_id, occasion_id, object_type, channel, follow_up_no, level, is_bad, indicator_set_id, scores, comment,
                                 rater_account_id, contact_name_enc, contact_phone_enc, recorded_by, is_valid, unit_id, unit_name, item_code, item_name,
                                 window_id, window_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
     ON CONFLICT DO NOTHING RETURNING *`,
    [r.id, r.rateable_id, r.occasion_id, r.object_type, r.channel, r.follow_up_no, r.level, r.is_bad, r.indicator_set_id, JSON.stringify(r.scores), r.comment,
      r.rater_account_id, r.contact_name_enc, r.contact_phone_enc, r.recorded_by, r.is_valid, r.unit_id, r.unit_name, r.item_code, r.item_name,
      r.window_id, r.window_name, r.created_at],
  );
  return rows[0] ?? null;
}

export const findRating = async (q: Queryable, id: string) =>
  (await q.query<RatingRow>('SELECT * FROM ratings.rating WHERE id = $1', [id]))[0];

export const listRatingsOfOccasion = (q: Queryable, occasionId: string) =>
  q.query<RatingRow>('SELECT * FROM ratings.rating WHERE occasion_id = $1 ORDER BY created_at, follow_up_no', [occasionId]);

export const lockRateable = (q: Queryable, id: string) => q.query('SELECT id FROM ratings.rateable WHERE id = $1 FOR UPDATE', [id]);

export const nextFollowUpNo = async (q: Queryable, rateableId: string) =>
  (await q.query<{ n: number }>('SELECT coalesce(max(follow_up_no), 0)::int + 1 AS n FROM ratings.rating WHERE rateable_id = $1', [rateableId]))[0]!.n;

export const hasFirstRating = async (q: Queryable, rateableId: string) =>
  (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM ratings.rating WHERE rateable_id = $1 AND follow_up_no = 0', [rateableId]))[0]!.n > 0;

export const invalidateRating = (q: Queryable, id: string) => q.query('UPDATE ratings.rating SET is_valid = false WHERE id = $1', [id]);

export interface RatingListRow extends RatingRow {
  object_name: string;
  occasion_label: string;
  review_id: string | null;
  review_number: string | null;
  review_state: ReviewState | null;
}

export function listRatings(q: Queryable, f: { from: Date; to: Date; unitPaths?: string[]; isBad?: boolean; limit: number }): Promise<RatingListRow[]> {
  const params: unknown[] = [f.from, f.to, f.limit];
  let where = 'r.created_at >= $1 AND r.created_at < $2';
  if (f.isBad !== undefined) where += ` AND r.is_bad = ${f.isBad ? 'true' : 'false'}`;
  if (f.unitPaths) {
    params.push(f.unitPaths);
    where += ` AND EXISTS (SELECT 1 FROM unnest($4::text[]) p WHERE ra.unit_path = p OR ra.unit_path LIKE p || '/%')`;
  }
  return q.query<RatingListRow>(
    `SELECT r.*, ra.object_name, o.label AS occasion_label, b.id AS review_id, b.number AS review_number, b.state AS review_state
       FROM ratings.rating r JOIN ratings.rateable ra ON ra.id = r.rateable_id JOIN ratings.occasion o ON o.id = r.occasion_id
       LEFT JOIN ratings.bad_review b ON b.rating_id = r.id
      WHERE ${where} ORDER BY r.created_at DESC LIMIT $3`,
    params,
  );
}

// ---------------------------------------------------------------- disclosure

export type SummaryBy = 'department' | 'item' | 'window';

const GROUP: Record<SummaryBy, { key: string; name: string }> = {
  department: { key: 'r.unit_id::text', name: 'r.unit_name' },
  item: { key: 'r.item_code', name: 'r.item_name' },
  window: { key: 'r.window_id::text', name: 'r.window_name' },
};

/**
 * The counts behind the disclosed figures, per group, under the rules of ratings.formulas.ts: first
 * ratings only, valid only; a bad review counts as rectified once its unit rectified or explained,
 * and as called back once a callback reached the rater.
 */
export function summaryTallies(q: Queryable, by: SummaryBy, from: Date, to: Date): Promise<(Tally & { key: string; name: string })[]> {
  const g = GROUP[by];
  return q.query(
    `SELECT ${g.key} AS key, min(${g.name}) AS name,
            count(*)::int AS ratings,
            count(*) FILTER (WHERE NOT r.is_bad)::int AS good,
            count(*) FILTER (WHERE r.is_bad)::int AS bad,
            count(*) FILTER (WHERE r.is_bad AND b.rectified_at IS NOT NULL)::int AS rectified,
            count(*) FILTER (WHERE r.is_bad AND b.is_callback_reached)::int AS "calledBack"
       FROM ratings.rating r LEFT JOIN ratings.bad_review b ON b.rating_id = r.id
      WHERE r.follow_up_no = 0 AND r.is_valid AND ${g.key} IS NOT NULL AND r.created_at >= $1 AND r.created_at < $2
      GROUP BY ${g.key}
      ORDER BY min(${g.name})`,
    [from, to],
  );
}

/** Raw rows for cross-checking the SQL tallies against the pure formulas (tests, exports). */
export function countedRatings(q: Queryable, by: SummaryBy, key: string) {
  const g = GROUP[by];
  return q.query<{ level: number; followUpNo: number; isValid: boolean; isRectified: boolean; isCalledBack: boolean }>(
    `SELECT r.level, r.follow_up_no AS "followUpNo", r.is_valid AS "isValid",
            (b.rectified_at IS NOT NULL) AS "isRectified", coalesce(b.is_callback_reached, false) AS "isCalledBack"
       FROM ratings.rating r LEFT JOIN ratings.bad_review b ON b.rating_id = r.id WHERE ${g.key} = $1`,
    [key],
  );
}

// ---------------------------------------------------------------- tablets

export interface TabletRow {
  id: string;
  window_id: string;
  label: string;
  key_hash: string;
  created_at: Date;
  revoked_at: Date | null;
}

export const insertTablet = (q: Queryable, t: { id: string; windowId: string; label: string; keyHash: string; createdBy: string | null; now: Date }) =>
  q.query('INSERT INTO ratings.tablet (id, window_id, label, key_hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)', [t.id, t.windowId, t.label, t.keyHash, t.now, t.createdBy]);

export const findTabletByKeyHash = async (q: Queryable, keyHash: string) =>
  (await q.query<TabletRow>('SELECT * FROM ratings.tablet WHERE key_hash = $1 AND revoked_at IS NULL', [keyHash]))[0];

export const listTablets = (q: Queryable) => q.query<TabletRow>('SELECT * FROM ratings.tablet WHERE revoked_at IS NULL ORDER BY created_at');

export const revokeTablet = async (q: Queryable, id: string, now: Date) =>
  (await q.query<TabletRow>('UPDATE ratings.tablet SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING *', [id, now]))[0];

// ---------------------------------------------------------------- bad reviews

export interface BadReviewRow {
  id: string;
  rating_id: string;
  number: string;
  state: ReviewState;
  state_before_appeal: ReviewState | null;
  category: string | null;
  responsible_unit_id: string | null;
  responsible_unit_code: string | null;
  responsible_unit_path: string | null;
  responsible_unit_name: string | null;
  step_due_on: string | null;
  step_signal: 'none' | 'warned' | 'overdue';
  escalation_level: number;
  reopen_count: number;
  callback_at: Date | null;
  is_callback_reached: boolean | null;
  callback_note: string | null;
  measures: string | null;
  explanation: string | null;
  rectified_at: Date | null;
  feedback_note: string | null;
  fed_back_at: Date | null;
  rerate_level: number | null;
  rerate_comment: string | null;
  rerated_at: Date | null;
  appeal_reason: string | null;
  appeal_statement: string | null;
  appeal_decision_note: string | null;
  closed_at: Date | null;
  close_note: string | null;
  created_at: Date;
  updated_at: Date;
}

export type BadReviewPatch = Partial<Omit<BadReviewRow, 'id' | 'rating_id' | 'number' | 'created_at'>>;

/** The day's next bad-review number (CP + YYMMDD + 4 digits); the counter row is held until commit. */
export async function nextReviewNumber(q: Queryable, day: string): Promise<string> {
  const rows = await q.query<{ last_number: number }>(
    `INSERT INTO ratings.review_counter AS c (day, last_number) VALUES ($1, 1)
     ON CONFLICT (day) DO UPDATE SET last_number = c.last_number + 1 RETURNING c.last_number`,
    [day],
  );
  return `CP${day.slice(2).replaceAll('-', '')}${String(rows[0]!.last_number).padStart(4, '0')}`;
}

export async function insertBadReview(q: Queryable, r: Pick<BadReviewRow, 'id' | 'rating_id' | 'number' | 'state' | 'responsible_unit_id' | 'responsible_unit_code' | 'responsible_unit_path' | 'responsible_unit_name' | 'step_due_on' | 'created_at' | 'updated_at'>): Promise<BadReviewRow> {
  const rows = await q.query<BadReviewRow>(
    `INSERT INTO ratings.bad_review (id, rating_id, number, state, responsible_unit_id, responsible_unit_code, responsible_unit_path, responsible_unit_name, step_due_on, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
    [r.id, r.rating_id, r.number, r.state, r.responsible_unit_id, r.responsible_unit_code, r.responsible_unit_path, r.responsible_unit_name, r.step_due_on, r.created_at, r.updated_at],
  );
  return rows[0]!;
}

export const findBadReview = async (q: Queryable, idOrNumber: string, lock = false) =>
  (await q.query<BadReviewRow>(
    `SELECT * FROM ratings.bad_review WHERE ${/^[0-9a-f-]{36}$/i.test(idOrNumber) ? 'id = $1::uuid' : 'number = $1'}${lock ? ' FOR UPDATE' : ''}`,
    [idOrNumber],
  ))[0];

export const findBadReviewOfRating = async (q: Queryable, ratingId: string) =>
  (await q.query<BadReviewRow>('SELECT * FROM ratings.bad_review WHERE rating_id = $1', [ratingId]))[0];

export async function updateBadReview(q: Queryable, id: string, patch: BadReviewPatch): Promise<void> {
  const cols = Object.keys(patch) as (keyof BadReviewPatch)[];
  if (cols.length === 0) return;
  await q.query(`UPDATE ratings.bad_review SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`, [id, ...cols.map((c) => patch[c])]);
}

export interface BadReviewListRow extends BadReviewRow {
  level: number;
  channel: Channel;
  comment: string | null;
  object_type: ObjectType;
  object_name: string;
  occasion_label: string;
  rated_at: Date;
  is_real_name: boolean;
}

const REVIEW_VIEW = `SELECT b.*, r.level, r.channel, r.comment, r.object_type, ra.object_name, o.label AS occasion_label, r.created_at AS rated_at,
                            (r.contact_phone_enc IS NOT NULL OR r.rater_account_id IS NOT NULL) AS is_real_name
                       FROM ratings.bad_review b JOIN ratings.rating r ON r.id = b.rating_id
                       JOIN ratings.rateable ra ON ra.id = r.rateable_id JOIN ratings.occasion o ON o.id = r.occasion_id`;

export function listBadReviews(q: Queryable, f: { states?: ReviewState[]; paths: string[]; includeUnassigned: boolean; createdFrom?: Date; createdBefore?: Date; limit: number }): Promise<BadReviewListRow[]> {
  const params: unknown[] = [f.limit, f.paths, f.includeUnassigned];
  const where = [`(EXISTS (SELECT 1 FROM unnest($2::text[]) p WHERE b.responsible_unit_path = p OR b.responsible_unit_path LIKE p || '/%')
                   OR ($3 AND b.responsible_unit_path IS NULL))`];
  if (f.states) {
    params.push(f.states);
    where.push(`b.state = ANY($${params.length}::text[])`);
  }
  if (f.createdFrom && f.createdBefore) {
    params.push(f.createdFrom, f.createdBefore);
    where.push(`b.created_at >= $${params.length - 1} AND b.created_at < $${params.length}`);
  }
  return q.query<BadReviewListRow>(
    `${REVIEW_VIEW} WHERE ${where.join(' AND ')} ORDER BY b.step_due_on NULLS LAST, b.created_at LIMIT $1`,
    params,
  );
}

export const getBadReviewView = async (q: Queryable, id: string) =>
  (await q.query<BadReviewListRow>(`${REVIEW_VIEW} WHERE b.id = $1`, [id]))[0];

/** Open reviews whose step is due by `day` (warn) or overdue before it, for the deadline job. */
export const listDueReviews = (q: Queryable, lastDay: string) =>
  q.query<BadReviewRow>(
    `SELECT * FROM ratings.bad_review WHERE step_due_on IS NOT NULL AND step_due_on <= $1 AND step_signal <> 'overdue'
      AND state NOT IN ('fed_back', 'rerated', 'invalidated', 'closed') ORDER BY step_due_on LIMIT 500`,
    [lastDay],
  );

export interface ReviewEventRow {
  id: string;
  review_id: string;
  type: string;
  from_state: string | null;
  to_state: string | null;
  actor_kind: string;
  actor_id: string | null;
  actor_label: string | null;
  data: Record<string, unknown>;
  at: Date;
}

export const insertReviewEvent = (q: Queryable, e: ReviewEventRow) =>
  q.query(
    `INSERT INTO ratings.bad_review_event (id, review_id, type, from_state, to_state, actor_kind, actor_id, actor_label, data, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [e.id, e.review_id, e.type, e.from_state, e.to_state, e.actor_kind, e.actor_id, e.actor_label, JSON.stringify(e.data), e.at],
  );

export const listReviewEvents = (q: Queryable, reviewId: string) =>
  q.query<ReviewEventRow>('SELECT * FROM ratings.bad_review_event WHERE review_id = $1 ORDER BY at, id', [reviewId]);
