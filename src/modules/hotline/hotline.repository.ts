import type { Db, Queryable } from '../../platform/db.ts';
import type { Open311Attribute } from './hotline.schemas.ts';
import type { Status } from './hotline.transitions.ts';

// Every SQL statement of the hotline. Services pass the transaction (or the db for reads) in.

// ---------------------------------------------------------------- categories

export interface CategoryRow {
  code: string;
  parent_code: string | null;
  name: string;
  description: string;
  time_limit_days: number | null;
  default_unit_code: string | null;
  is_open_service: boolean;
  is_location_required: boolean;
  attributes: Open311Attribute[];
  keywords: string[];
  sort: number;
  is_active: boolean;
}

export const listCategoryRows = (q: Queryable) =>
  q.query<CategoryRow>(
    `SELECT code, parent_code, name, description, time_limit_days, default_unit_code, is_open_service,
            is_location_required, attributes, keywords, sort, is_active
       FROM hotline.category WHERE is_active ORDER BY sort, code`,
  );

export const countCategories = async (q: Queryable) =>
  (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM hotline.category'))[0]!.n;

export async function upsertCategories(q: Queryable, rows: Omit<CategoryRow, 'is_active'>[], now: Date) {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO hotline.category (code, parent_code, name, description, time_limit_days, default_unit_code,
                                   is_open_service, is_location_required, attributes, keywords, sort, updated_at)
     SELECT c.code, c.parent_code, c.name, c.description, c.time_limit_days, c.default_unit_code,
            c.is_open_service, c.is_location_required, c.attributes, c.keywords, c.sort, $2
       FROM jsonb_to_recordset($1::jsonb) AS c(code text, parent_code text, name text, description text,
            time_limit_days int, default_unit_code text, is_open_service boolean, is_location_required boolean,
            attributes jsonb, keywords jsonb, sort int)
      ORDER BY c.sort
     ON CONFLICT (code) DO UPDATE SET parent_code = EXCLUDED.parent_code, name = EXCLUDED.name,
       description = EXCLUDED.description, time_limit_days = EXCLUDED.time_limit_days,
       default_unit_code = EXCLUDED.default_unit_code, is_open_service = EXCLUDED.is_open_service,
       is_location_required = EXCLUDED.is_location_required, attributes = EXCLUDED.attributes,
       keywords = EXCLUDED.keywords, sort = EXCLUDED.sort, is_active = true, updated_at = EXCLUDED.updated_at`,
    [JSON.stringify(rows), now],
  );
}

// ---------------------------------------------------------------- work orders

export interface WorkOrderRow {
  id: string;
  number: string;
  channel: string;
  kind: string;
  priority: 'normal' | 'urgent';
  category_code: string;
  description: string;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  street_code: string | null;
  attributes: Record<string, unknown>;
  attachment_ids: string[];
  caller_name_enc: string | null;
  caller_phone_enc: string | null;
  caller_phone_hash: string | null;
  citizen_account_id: string | null;
  is_confidential: boolean;
  status: Status;
  status_before_return: Status | null;
  lead_unit_code: string | null;
  time_limit_days: number;
  sign_due_at: Date | null;
  sign_warn_at: Date | null;
  sign_signal: 'none' | 'warned' | 'overdue';
  finish_due_on: string | null;
  finish_due_at: Date | null;
  finish_warn_at: Date | null;
  finish_signal: 'none' | 'warned' | 'overdue';
  paused_at: Date | null;
  extended_days: number;
  urge_count: number;
  supervision_level: number;
  is_reported: boolean;
  redo_count: number;
  suggestion: { units: { unitCode: string; score: number; explanation: string[] }[]; streetCode: string | null; autoDispatch: boolean } | null;
  duplicate_candidates: { id: string; number: string; score: number }[];
  merged_into: string | null;
  split_from: string | null;
  repeat_of: string | null;
  redo_of: string | null;
  transfer_to: string | null;
  reply: string | null;
  replied_at: Date | null;
  article_id: string | null;
  article_version: number | null;
  callback_at: Date | null;
  is_callback_reached: boolean | null;
  is_resolved: boolean | null;
  satisfaction: 'satisfied' | 'basically_satisfied' | 'unsatisfied' | null;
  rating_level: number | null;
  rating_comment: string | null;
  rated_at: Date | null;
  closed_at: Date | null;
  archived_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Columns a transition may change (whitelist for updateWorkOrder). */
export type WorkOrderPatch = Partial<
  Omit<WorkOrderRow, 'id' | 'number' | 'channel' | 'created_at' | 'created_by' | 'citizen_account_id' | 'caller_phone_hash'>
>;

const JSON_COLUMNS = new Set(['attributes', 'attachment_ids', 'suggestion', 'duplicate_candidates']);
const UPDATABLE = new Set([
  'kind', 'priority', 'category_code', 'description', 'address', 'latitude', 'longitude', 'street_code', 'attributes',
  'attachment_ids', 'caller_name_enc', 'caller_phone_enc', 'is_confidential', 'status', 'status_before_return',
  'lead_unit_code', 'time_limit_days', 'sign_due_at', 'sign_warn_at', 'sign_signal', 'finish_due_on', 'finish_due_at',
  'finish_warn_at', 'finish_signal', 'paused_at', 'extended_days', 'urge_count', 'supervision_level', 'is_reported',
  'redo_count', 'suggestion', 'duplicate_candidates', 'merged_into', 'split_from', 'repeat_of', 'redo_of', 'transfer_to',
  'reply', 'replied_at', 'article_id', 'article_version', 'callback_at', 'is_callback_reached', 'is_resolved',
  'satisfaction', 'rating_level', 'rating_comment', 'rated_at', 'closed_at', 'archived_at', 'updated_at',
]);

export type NewWorkOrder = Pick<
  WorkOrderRow,
  | 'id' | 'number' | 'channel' | 'kind' | 'priority' | 'category_code' | 'description' | 'address' | 'latitude' | 'longitude'
  | 'street_code' | 'attributes' | 'attachment_ids' | 'caller_name_enc' | 'caller_phone_enc' | 'caller_phone_hash'
  | 'citizen_account_id' | 'is_confidential' | 'time_limit_days' | 'suggestion' | 'split_from' | 'redo_of' | 'created_by'
  | 'created_at'
>;

/**
 * Takes the next `count` values of a day's sequence in a transaction of its own (one statement), and
 * returns the last one. The counter row is every intake's meeting point, so its lock must not be held while the
 * order's own transaction runs and commits: that capped intake at one order per commit flush. The
 * transaction commits without waiting for the disk (synchronous_commit off) — safe, because an
 * order's own commit flushes the log up to and including this earlier increment; an increment whose
 * order never commits only leaves a gap.
 */
export async function takeDayNumbers(db: Db, day: string, count: number): Promise<number> {
  // One statement, committed on its own; set_config(…, true) lasts until that commit. The CTE is
  // referenced so that it runs.
  const rows = await db.query<{ last_value: number }>(
    `WITH async AS (SELECT set_config('synchronous_commit', 'off', true))
     INSERT INTO hotline.number_counter (day, last_value) SELECT $1::date, $2 FROM async
     ON CONFLICT (day) DO UPDATE SET last_value = hotline.number_counter.last_value + $2
     RETURNING last_value`,
    [day, count],
  );
  return rows[0]!.last_value;
}

/** A new order to insert, its 'created' event and, for a keyed submission, the idempotency claim. */
export interface NewWorkOrderInsert {
  order: NewWorkOrder;
  event: Pick<EventRow, 'id' | 'actor_kind' | 'actor_id' | 'actor_label'> & { data: Record<string, unknown> };
  claim?: { source: string; key: string; requestHash: string };
}

/**
 * Inserts new orders with their 'created' events, in one statement whatever their number. An order
 * with a claim is inserted only if its idempotency key is new (the first of two equal keys in the
 * same call wins); the ids of the orders inserted are returned.
 */
export async function insertNewWorkOrders(q: Queryable, rows: NewWorkOrderInsert[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const input = rows.map(({ order: o, event: e, claim }) => ({
    ...o,
    created_at: o.created_at.toISOString(),
    event_id: e.id,
    actor_kind: e.actor_kind,
    actor_id: e.actor_id,
    actor_label: e.actor_label,
    event_data: e.data,
    idem_source: claim?.source ?? null,
    idem_key: claim?.key ?? null,
    request_hash: claim?.requestHash ?? null,
  }));
  const inserted = await q.query<{ id: string }>(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
         id uuid, number text, channel text, kind text, priority text, category_code text, description text, address text,
         latitude double precision, longitude double precision, street_code text, attributes jsonb, attachment_ids jsonb,
         caller_name_enc text, caller_phone_enc text, caller_phone_hash text, citizen_account_id uuid, is_confidential boolean,
         time_limit_days integer, suggestion jsonb, split_from uuid, redo_of uuid, created_by text, created_at timestamptz,
         event_id uuid, actor_kind text, actor_id text, actor_label text, event_data jsonb,
         idem_source text, idem_key text, request_hash text)),
     claimed AS (
       INSERT INTO hotline.idempotency_key (source, key, order_id, request_hash, created_at)
       SELECT idem_source, idem_key, id, request_hash, created_at FROM input WHERE idem_key IS NOT NULL
       ON CONFLICT (source, key) DO NOTHING
       RETURNING order_id),
     fresh AS (SELECT * FROM input WHERE idem_key IS NULL OR id IN (SELECT order_id FROM claimed)),
     o AS (
       INSERT INTO hotline.work_order (id, number, channel, kind, priority, category_code, description, address, latitude,
         longitude, street_code, attributes, attachment_ids, caller_name_enc, caller_phone_enc, caller_phone_hash,
         citizen_account_id, is_confidential, status, time_limit_days, suggestion, split_from, redo_of, created_by,
         created_at, updated_at)
       SELECT id, number, channel, kind, priority, category_code, description, address, latitude, longitude, street_code,
              coalesce(attributes, '{}'::jsonb), coalesce(attachment_ids, '[]'::jsonb), caller_name_enc, caller_phone_enc,
              caller_phone_hash, citizen_account_id, is_confidential, 'created', time_limit_days, suggestion, split_from,
              redo_of, created_by, created_at, created_at
         FROM fresh
       RETURNING id),
     e AS (
       INSERT INTO hotline.work_order_event (id, order_id, at, type, from_status, to_status, actor_kind, actor_id, actor_label, unit_code, data)
       SELECT event_id, id, created_at, 'created', NULL, 'created', actor_kind, actor_id, actor_label, NULL,
              coalesce(event_data, '{}'::jsonb) || jsonb_build_object('number', number)
         FROM fresh)
     SELECT id FROM o`,
    [JSON.stringify(input)],
  );
  return new Set(inserted.map((r) => r.id));
}

export async function updateWorkOrder(q: Queryable, id: string, patch: WorkOrderPatch): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [column, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (!UPDATABLE.has(column)) throw new Error(`hotline.work_order.${column} is not updatable`);
    params.push(JSON_COLUMNS.has(column) && value !== null ? JSON.stringify(value) : value);
    sets.push(`${column} = $${params.length}`);
  }
  if (sets.length === 0) return;
  await q.query(`UPDATE hotline.work_order SET ${sets.join(', ')} WHERE id = $1`, params);
}

const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** By id or by number; `forUpdate` locks the row for the caller's transaction. */
export async function findWorkOrder(q: Queryable, idOrNumber: string, forUpdate = false): Promise<WorkOrderRow | undefined> {
  const column = ID_RE.test(idOrNumber) ? 'id' : 'number';
  const rows = await q.query<WorkOrderRow>(
    `SELECT * FROM hotline.work_order WHERE ${column} = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [column === 'id' ? idOrNumber.toLowerCase() : idOrNumber.toUpperCase()],
  );
  return rows[0];
}

export const findWorkOrdersByIds = (q: Queryable, ids: string[]) =>
  ids.length === 0 ? Promise.resolve([] as WorkOrderRow[]) : q.query<WorkOrderRow>('SELECT * FROM hotline.work_order WHERE id = ANY($1::uuid[])', [ids]);

export const linkedOrderIds = (q: Queryable, id: string) =>
  q.query<{ id: string; link: 'merged' | 'split' }>(
    `SELECT id, 'merged' AS link FROM hotline.work_order WHERE merged_into = $1
     UNION ALL SELECT id, 'split' AS link FROM hotline.work_order WHERE split_from = $1
     ORDER BY id`,
    [id],
  );

export interface OrderFilter {
  ids?: string[];
  numbers?: string[];
  categoryCodes?: string[];
  statuses?: Status[];
  unitCode?: string;
  streetCode?: string;
  citizenAccountId?: string;
  callerPhoneHash?: string;
  from?: Date;
  to?: Date;
  /** Only orders with an active assignment on one of these org paths or below them. */
  unitPaths?: string[];
  /** Each term appears in the description or the address, or starts the number. */
  terms?: string[];
  limit: number;
  offset?: number;
  order?: 'newest' | 'oldest';
}

function whereOf(f: OrderFilter): { where: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    conds.push(sql(`$${params.length}`));
  };
  if (f.ids) add((p) => `o.id = ANY(${p}::uuid[])`, f.ids);
  if (f.numbers) add((p) => `o.number = ANY(${p}::text[])`, f.numbers);
  if (f.categoryCodes) add((p) => `o.category_code = ANY(${p}::text[])`, f.categoryCodes);
  if (f.statuses) add((p) => `o.status = ANY(${p}::text[])`, f.statuses);
  if (f.unitCode) add((p) => `o.lead_unit_code = ${p}`, f.unitCode);
  if (f.streetCode) add((p) => `o.street_code = ${p}`, f.streetCode);
  if (f.citizenAccountId) add((p) => `o.citizen_account_id = ${p}`, f.citizenAccountId);
  if (f.callerPhoneHash) add((p) => `o.caller_phone_hash = ${p}`, f.callerPhoneHash);
  if (f.from) add((p) => `o.created_at >= ${p}`, f.from);
  if (f.to) add((p) => `o.created_at < ${p}`, f.to);
  // Substring tests, not an index: a district's orders are scanned in well under a second, and a
  // citizen's words match as typed (no segmentation to disagree with).
  for (const term of f.terms ?? []) {
    add((p) => `(strpos(o.description, ${p}) > 0 OR strpos(coalesce(o.address, ''), ${p}) > 0 OR left(o.number, length(${p})) = upper(${p}))`, term);
  }
  if (f.unitPaths) {
    params.push(f.unitPaths, f.unitPaths.map((p) => `${p}/%`));
    conds.push(
      `EXISTS (SELECT 1 FROM hotline.assignment a WHERE a.order_id = o.id AND a.is_active
                AND (a.unit_path = ANY($${params.length - 1}::text[]) OR a.unit_path LIKE ANY($${params.length}::text[])))`,
    );
  }
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

export async function listWorkOrderRows(q: Queryable, f: OrderFilter): Promise<{ rows: WorkOrderRow[]; total: number }> {
  const { where, params } = whereOf(f);
  const rows = await q.query<WorkOrderRow>(
    `SELECT o.* FROM hotline.work_order o ${where}
      ORDER BY o.created_at ${f.order === 'oldest' ? 'ASC' : 'DESC'}, o.id
      LIMIT ${Math.trunc(f.limit)} OFFSET ${Math.trunc(f.offset ?? 0)}`,
    params,
  );
  const total =
    rows.length < f.limit && !f.offset
      ? rows.length
      : (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM hotline.work_order o ${where}`, params))[0]!.n;
  return { rows, total };
}

/** Open orders created since `since`, in one street or anywhere, newest first: duplicate candidates. */
export const openOrdersSince = (q: Queryable, opts: { since: Date; streetCode: string | null; excludeId?: string; limit: number }) =>
  q.query<Pick<WorkOrderRow, 'id' | 'number' | 'description' | 'address' | 'status' | 'created_at' | 'street_code'>>(
    `SELECT id, number, description, address, status, created_at, street_code FROM hotline.work_order
      WHERE status IN ('created', 'dispatched', 'signed', 'in_progress', 'returned', 'replied', 'callback')
        AND created_at >= $1 AND ($2::text IS NULL OR street_code = $2) AND ($3::uuid IS NULL OR id <> $3)
      ORDER BY created_at DESC LIMIT $4`,
    [opts.since, opts.streetCode, opts.excludeId ?? null, opts.limit],
  );

/** Orders closed since `since` by the same caller or in the same street: repeat candidates. */
export const closedOrdersForRepeat = (q: Queryable, opts: { since: Date; phoneHash: string | null; streetCode: string | null; excludeId: string; limit: number }) =>
  q.query<Pick<WorkOrderRow, 'id' | 'number' | 'description' | 'address' | 'lead_unit_code' | 'caller_phone_hash' | 'closed_at'>>(
    `SELECT id, number, description, address, lead_unit_code, caller_phone_hash, closed_at FROM hotline.work_order
      WHERE status IN ('closed', 'archived') AND closed_at >= $1 AND id <> $5
        AND (($2::text IS NOT NULL AND caller_phone_hash = $2) OR ($3::text IS NOT NULL AND street_code = $3))
      ORDER BY closed_at DESC LIMIT $4`,
    [opts.since, opts.phoneHash, opts.streetCode, opts.limit, opts.excludeId],
  );

// ---------------------------------------------------------------- idempotency

/** The orders earlier submissions with these (source, key) pairs created. */
export async function findIdempotencyKeys(
  q: Queryable,
  pairs: { source: string; key: string }[],
): Promise<Map<string, { orderId: string; requestHash: string }>> {
  const found = new Map<string, { orderId: string; requestHash: string }>();
  if (pairs.length === 0) return found;
  const rows = await q.query<{ source: string; key: string; order_id: string; request_hash: string }>(
    `SELECT k.source, k.key, k.order_id, k.request_hash
       FROM hotline.idempotency_key k
       JOIN unnest($1::text[], $2::text[]) AS p(source, key) ON p.source = k.source AND p.key = k.key`,
    [pairs.map((p) => p.source), pairs.map((p) => p.key)],
  );
  for (const r of rows) found.set(idempotencyId(r.source, r.key), { orderId: r.order_id, requestHash: r.request_hash });
  return found;
}

/** One string for a (source, key) pair, for maps. */
export const idempotencyId = (source: string, key: string) => `${source}\u0000${key}`;

// ---------------------------------------------------------------- assignments

export interface AssignmentRow {
  id: string;
  order_id: string;
  unit_code: string;
  unit_path: string;
  role: 'lead' | 'co';
  is_active: boolean;
  assigned_at: Date;
  ended_at: Date | null;
  signed_at: Date | null;
  opinion: string | null;
  opinion_at: Date | null;
}

export const insertAssignments = (q: Queryable, rows: Pick<AssignmentRow, 'id' | 'order_id' | 'unit_code' | 'unit_path' | 'role' | 'assigned_at'>[]) =>
  rows.length === 0
    ? Promise.resolve([])
    : q.query(
        `INSERT INTO hotline.assignment (id, order_id, unit_code, unit_path, role, assigned_at)
         SELECT a.id, a.order_id, a.unit_code, a.unit_path, a.role, a.assigned_at
           FROM jsonb_to_recordset($1::jsonb) AS a(id uuid, order_id uuid, unit_code text, unit_path text, role text, assigned_at timestamptz)`,
        [JSON.stringify(rows)],
      );

export const listAssignments = (q: Queryable, orderId: string) =>
  q.query<AssignmentRow>('SELECT * FROM hotline.assignment WHERE order_id = $1 ORDER BY assigned_at, role DESC, unit_code', [orderId]);

export const listActiveAssignmentsOf = (q: Queryable, orderIds: string[]) =>
  orderIds.length === 0
    ? Promise.resolve([] as AssignmentRow[])
    : q.query<AssignmentRow>('SELECT * FROM hotline.assignment WHERE order_id = ANY($1::uuid[]) AND is_active', [orderIds]);

export const endAssignments = (q: Queryable, orderId: string, now: Date) =>
  q.query('UPDATE hotline.assignment SET is_active = false, ended_at = $2 WHERE order_id = $1 AND is_active', [orderId, now]);

export const markLeadSigned = (q: Queryable, orderId: string, now: Date) =>
  q.query(`UPDATE hotline.assignment SET signed_at = $2 WHERE order_id = $1 AND is_active AND role = 'lead'`, [orderId, now]);

export const recordOpinion = (q: Queryable, assignmentId: string, opinion: string, now: Date) =>
  q.query('UPDATE hotline.assignment SET opinion = $2, opinion_at = $3, signed_at = COALESCE(signed_at, $3) WHERE id = $1', [
    assignmentId, opinion, now,
  ]);

// ---------------------------------------------------------------- pending requests (the centre's review queue)

export interface PendingRequestRow {
  id: string;
  order_id: string;
  kind: 'return' | 'extension' | 'co_handling';
  unit_code: string;
  state: 'pending' | 'approved' | 'refused' | 'withdrawn';
  data: Record<string, unknown>;
  requested_at: Date;
  requested_by: string | null;
  decided_at: Date | null;
  decided_by: string | null;
  decision_note: string | null;
}

export const insertPendingRequest = (q: Queryable, r: Pick<PendingRequestRow, 'id' | 'order_id' | 'kind' | 'unit_code' | 'data' | 'requested_at' | 'requested_by'>) =>
  q.query(
    `INSERT INTO hotline.pending_request (id, order_id, kind, unit_code, data, requested_at, requested_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [r.id, r.order_id, r.kind, r.unit_code, JSON.stringify(r.data), r.requested_at, r.requested_by],
  );

export const findPendingRequest = async (q: Queryable, orderId: string, kind: PendingRequestRow['kind']) =>
  (await q.query<PendingRequestRow>(`SELECT * FROM hotline.pending_request WHERE order_id = $1 AND kind = $2 AND state = 'pending'`, [orderId, kind]))[0];

export const decidePendingRequest = (q: Queryable, id: string, d: { state: 'approved' | 'refused' | 'withdrawn'; by: string | null; note: string | null; now: Date }) =>
  q.query(
    `UPDATE hotline.pending_request SET state = $2, decided_by = $3, decision_note = $4, decided_at = $5 WHERE id = $1 AND state = 'pending'`,
    [id, d.state, d.by, d.note, d.now],
  );

/** Withdraws every pending request of an order (of the given kinds): it moved on without them. */
export const withdrawPendingRequests = (q: Queryable, orderId: string, kinds: PendingRequestRow['kind'][], now: Date) =>
  q.query<{ id: string; kind: string }>(
    `UPDATE hotline.pending_request SET state = 'withdrawn', decided_at = $3
      WHERE order_id = $1 AND state = 'pending' AND kind = ANY($2::text[]) RETURNING id, kind`,
    [orderId, kinds, now],
  );

export const listPendingRequestsOf = (q: Queryable, orderId: string) =>
  q.query<PendingRequestRow>('SELECT * FROM hotline.pending_request WHERE order_id = $1 ORDER BY requested_at', [orderId]);

export const listOpenPendingRequests = (q: Queryable, limit: number) =>
  q.query<PendingRequestRow>(`SELECT * FROM hotline.pending_request WHERE state = 'pending' ORDER BY requested_at LIMIT $1`, [limit]);

export const pendingKindsOf = (q: Queryable, orderIds: string[]) =>
  orderIds.length === 0
    ? Promise.resolve([] as { order_id: string; kind: string }[])
    : q.query<{ order_id: string; kind: string }>(
        `SELECT order_id, kind FROM hotline.pending_request WHERE state = 'pending' AND order_id = ANY($1::uuid[])`,
        [orderIds],
      );

/** Open orders with duplicate candidates: the centre's merge suggestions. */
export const ordersWithDuplicates = (q: Queryable, limit: number) =>
  q.query<WorkOrderRow>(
    `SELECT * FROM hotline.work_order
      WHERE duplicate_candidates <> '[]'::jsonb AND status IN ('created', 'dispatched', 'signed', 'in_progress')
      ORDER BY created_at DESC LIMIT $1`,
    [limit],
  );

// ---------------------------------------------------------------- stop-the-clock ledger

export interface PauseRow {
  id: string;
  order_id: string;
  reason: string;
  started_at: Date;
  ended_at: Date | null;
  working_days: number | null;
}

export const insertPause = (q: Queryable, p: { id: string; orderId: string; reason: 'return_review'; startedAt: Date }) =>
  q.query('INSERT INTO hotline.clock_pause (id, order_id, reason, started_at) VALUES ($1, $2, $3, $4)', [p.id, p.orderId, p.reason, p.startedAt]);

export const endPause = (q: Queryable, orderId: string, endedAt: Date, workingDays: number) =>
  q.query('UPDATE hotline.clock_pause SET ended_at = $2, working_days = $3 WHERE order_id = $1 AND ended_at IS NULL', [orderId, endedAt, workingDays]);

export const listPauses = (q: Queryable, orderId: string) =>
  q.query<PauseRow>('SELECT * FROM hotline.clock_pause WHERE order_id = $1 ORDER BY started_at', [orderId]);

// ---------------------------------------------------------------- event log

export interface EventRow {
  id: string;
  order_id: string;
  at: Date;
  type: string;
  from_status: string | null;
  to_status: string | null;
  actor_kind: string;
  actor_id: string | null;
  actor_label: string | null;
  unit_code: string | null;
  data: Record<string, unknown>;
}

export const insertEvent = (q: Queryable, e: EventRow) =>
  q.query(
    `INSERT INTO hotline.work_order_event (id, order_id, at, type, from_status, to_status, actor_kind, actor_id, actor_label, unit_code, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [e.id, e.order_id, e.at, e.type, e.from_status, e.to_status, e.actor_kind, e.actor_id, e.actor_label, e.unit_code, JSON.stringify(e.data)],
  );

export const listEvents = (q: Queryable, orderId: string) =>
  q.query<EventRow>('SELECT * FROM hotline.work_order_event WHERE order_id = $1 ORDER BY at, id', [orderId]);

/** Every event of the orders created in [from, to), up to `to`: the cohort the metrics are computed on. */
export const eventsOfOrdersCreatedBetween = (q: Queryable, from: Date, to: Date) =>
  q.query<Pick<EventRow, 'order_id' | 'at' | 'type' | 'from_status' | 'unit_code' | 'data'>>(
    `SELECT e.order_id, e.at, e.type, e.from_status, e.unit_code, e.data
       FROM hotline.work_order_event e JOIN hotline.work_order o ON o.id = e.order_id
      WHERE o.created_at >= $1 AND o.created_at < $2 AND e.at < $2
      ORDER BY e.order_id, e.at, e.id`,
    [from, to],
  );

// ---------------------------------------------------------------- deadlines

/** Orders whose sign or finish deadline needs a yellow warning or a red mark at `now`. */
export const ordersDueForSignal = (q: Queryable, now: Date, limit: number) =>
  q.query<Pick<WorkOrderRow, 'id'>>(
    `SELECT id FROM hotline.work_order
      WHERE status = 'dispatched' AND sign_signal <> 'overdue' AND sign_warn_at <= $1
        AND (sign_signal = 'none' OR sign_due_at < $1)
     UNION
     SELECT id FROM hotline.work_order
      WHERE status IN ('dispatched', 'signed', 'in_progress') AND finish_signal <> 'overdue' AND finish_warn_at <= $1
        AND (finish_signal = 'none' OR finish_due_at < $1)
     LIMIT $2`,
    [now, limit],
  );
