import type { Queryable } from '../../platform/db.ts';
import type { State } from './cases.transitions.ts';

// Every SQL statement of the cases module.

export interface CaseRow {
  id: string;
  number: string | null;
  kind: 'single' | 'bundle' | 'bundle_item';
  parent_id: string | null;
  channel: 'online' | 'window' | 'mail';
  state: State;
  item_code: string | null;
  item_version_id: string | null;
  bundle_code: string | null;
  bundle_version_id: string | null;
  title: string;
  chosen_items: string[];
  depends_on: string[];
  handling_unit_code: string;
  handling_unit_path: string;
  receiving_unit_code: string;
  receiving_unit_path: string;
  applicant_account_id: string | null;
  applicant_type: 'person' | 'organisation';
  applicant_name_enc: string;
  applicant_id_type: string | null;
  applicant_id_enc: string | null;
  applicant_id_hash: string | null;
  applicant_phone_enc: string | null;
  form_enc: string;
  mail_tracking: string | null;
  created_by: string | null;
  created_at: Date;
  submitted_at: Date | null;
  received_at: Date | null;
  correction_notice_due_on: string | null;
  correction_sent_at: Date | null;
  accepted_at: Date | null;
  accepted_on: string | null;
  is_deemed_accepted: boolean;
  deferred_materials: string[];
  commitment_due_on: string | null;
  is_commitment_overdue: boolean;
  current_step: number | null;
  legal_due_on: string | null;
  promised_due_on: string | null;
  delivery_due_on: string | null;
  extension_days: number;
  deadline_explanation: string[];
  warning_level: 'none' | 'green' | 'yellow' | 'red' | 'paused';
  is_overdue: boolean;
  is_legal_overdue: boolean;
  decision: 'granted' | 'refused' | 'partial' | null;
  decided_at: Date | null;
  decided_on: string | null;
  result: Record<string, unknown> | null;
  completed_at: Date | null;
  completed_on: string | null;
  delivery_method: 'window' | 'post' | 'e_licence' | null;
  delivery: Record<string, unknown> | null;
  delivered_at: Date | null;
  closed_reason: string | null;
  updated_at: Date;
}

export type CasePatch = Partial<Omit<CaseRow, 'id' | 'created_at'>>;

const JSON_COLUMNS = new Set(['chosen_items', 'depends_on', 'deferred_materials', 'deadline_explanation', 'result', 'delivery']);

export async function insertCase(q: Queryable, row: Partial<CaseRow> & Pick<CaseRow, 'id' | 'kind' | 'channel' | 'state' | 'title'>): Promise<void> {
  const cols = Object.keys(row).filter((k) => (row as Record<string, unknown>)[k] !== undefined);
  const values = cols.map((k) => {
    const v = (row as Record<string, unknown>)[k];
    return JSON_COLUMNS.has(k) && v !== null ? JSON.stringify(v) : v;
  });
  await q.query(`INSERT INTO cases.case (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, values);
}

export async function updateCase(q: Queryable, id: string, patch: CasePatch): Promise<void> {
  const cols = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);
  if (cols.length === 0) return;
  const values = cols.map((k) => {
    const v = (patch as Record<string, unknown>)[k];
    return JSON_COLUMNS.has(k) && v !== null ? JSON.stringify(v) : v;
  });
  await q.query(`UPDATE cases.case SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`, [id, ...values]);
}

export async function findCase(q: Queryable, id: string, forUpdate = false): Promise<CaseRow | undefined> {
  const rows = await q.query<CaseRow>(`SELECT * FROM cases.case WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

export async function findCaseByNumber(q: Queryable, number: string): Promise<CaseRow | undefined> {
  const rows = await q.query<CaseRow>('SELECT * FROM cases.case WHERE number = $1', [number]);
  return rows[0];
}

/** Deletes a draft and what hangs on it (drafts are never reused from, see listReusableMaterials). */
export async function deleteDraft(q: Queryable, id: string): Promise<void> {
  for (const table of ['material', 'case_event', 'idempotency_key', 'notification']) {
    await q.query(`DELETE FROM cases.${table} WHERE case_id = $1`, [id]);
  }
  await q.query(`DELETE FROM cases.case WHERE id = $1 AND state = 'draft'`, [id]);
}

export const listChildren = (q: Queryable, parentId: string, forUpdate = false) =>
  q.query<CaseRow>(`SELECT * FROM cases.case WHERE parent_id = $1 ORDER BY number${forUpdate ? ' FOR UPDATE' : ''}`, [parentId]);

export interface CaseFilter {
  applicantAccountId?: string;
  /** Cases whose receiving or handling unit lies under one of these paths. */
  unitPaths?: string[];
  states?: string[];
  warning?: string;
  isOverdue?: boolean;
  kinds?: string[];
  itemCode?: string;
  q?: string;
  limit: number;
  offset: number;
}

export async function listCases(q: Queryable, f: CaseFilter): Promise<{ rows: CaseRow[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.applicantAccountId) where.push(`applicant_account_id = ${p(f.applicantAccountId)}`);
  if (f.unitPaths) {
    if (f.unitPaths.length === 0) return { rows: [], total: 0 };
    const ors = f.unitPaths.map((path) => {
      const exact = p(path);
      const prefix = p(`${path}/%`);
      return `(handling_unit_path = ${exact} OR handling_unit_path LIKE ${prefix} OR receiving_unit_path = ${exact} OR receiving_unit_path LIKE ${prefix})`;
    });
    where.push(`(${ors.join(' OR ')})`);
  }
  if (f.states?.length) where.push(`state = ANY(${p(f.states)}::text[])`);
  if (f.kinds?.length) where.push(`kind = ANY(${p(f.kinds)}::text[])`);
  if (f.warning) where.push(`warning_level = ${p(f.warning)}`);
  if (f.isOverdue !== undefined) where.push(`is_overdue = ${p(f.isOverdue)}`);
  if (f.itemCode) where.push(`item_code = ${p(f.itemCode)}`);
  if (f.q) where.push(`(number LIKE ${p(`%${f.q}%`)} OR title LIKE ${p(`%${f.q}%`)})`);
  const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const rows = await q.query<CaseRow & { total: number }>(
    `SELECT *, count(*) OVER ()::int AS total FROM cases.case ${cond}
      ORDER BY coalesce(submitted_at, created_at) DESC, id DESC LIMIT ${p(f.limit)} OFFSET ${p(f.offset)}`,
    params,
  );
  return { rows, total: rows[0]?.total ?? 0 };
}

/** Open cases the deadline job looks at. */
export const listOpenCases = (q: Queryable, states: readonly string[]) =>
  q.query<CaseRow>('SELECT * FROM cases.case WHERE state = ANY($1::text[]) ORDER BY id', [states]);

/** Every submitted case (not bundle parents) under a unit, for metrics; dates are filtered by the caller. */
export const casesForMetrics = (q: Queryable, filter: { unitPath?: string }) =>
  q.query<CaseRow>(
    `SELECT * FROM cases.case
      WHERE state <> 'draft' AND kind <> 'bundle'
        AND ($1::text IS NULL OR handling_unit_path = $1 OR handling_unit_path LIKE $1 || '/%')
      ORDER BY submitted_at`,
    [filter.unitPath ?? null],
  );

export const listBundleParents = (q: Queryable, unitPath?: string) =>
  q.query<CaseRow>(
    `SELECT * FROM cases.case WHERE kind = 'bundle' AND state <> 'draft'
        AND ($1::text IS NULL OR handling_unit_path = $1 OR handling_unit_path LIKE $1 || '/%') ORDER BY submitted_at`,
    [unitPath ?? null],
  );

// ---------------------------------------------------------------- numbers

/** The next number of the local day: <district><BJ><YYMMDD><5 digits>, unique in the district. */
export async function nextCaseNumber(q: Queryable, day: string, prefix: string): Promise<string> {
  const rows = await q.query<{ number: string }>(
    `INSERT INTO cases.number_counter (day, last_value) VALUES ($1::date, 1)
     ON CONFLICT (day) DO UPDATE SET last_value = cases.number_counter.last_value + 1
     RETURNING $2::text || to_char($1::date, 'YYMMDD')
               || CASE WHEN last_value < 100000 THEN lpad(last_value::text, 5, '0') ELSE last_value::text END AS number`,
    [day, prefix],
  );
  return rows[0]!.number;
}

// ---------------------------------------------------------------- events

export interface EventRow {
  id: string;
  case_id: string;
  action: string;
  from_state: string | null;
  to_state: string;
  step_key: string | null;
  actor_kind: string;
  actor_id: string | null;
  actor_label: string | null;
  data: Record<string, unknown>;
  at: Date;
}

export const insertEvent = (q: Queryable, e: EventRow) =>
  q.query(
    `INSERT INTO cases.case_event (id, case_id, action, from_state, to_state, step_key, actor_kind, actor_id, actor_label, data, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [e.id, e.case_id, e.action, e.from_state, e.to_state, e.step_key, e.actor_kind, e.actor_id, e.actor_label, JSON.stringify(e.data), e.at],
  );

export const listEvents = (q: Queryable, caseId: string) =>
  q.query<EventRow>('SELECT * FROM cases.case_event WHERE case_id = $1 ORDER BY at, id', [caseId]);

// ---------------------------------------------------------------- clock stops

export interface ClockStopRow {
  id: string;
  case_id: string;
  procedure_code: string;
  procedure_name: string;
  reason: string;
  started_at: Date;
  started_on: string;
  ended_at: Date | null;
  ended_on: string | null;
  outcome: string | null;
  started_by: string | null;
  ended_by: string | null;
}

export const insertClockStop = (q: Queryable, s: Omit<ClockStopRow, 'ended_at' | 'ended_on' | 'outcome' | 'ended_by'>) =>
  q.query(
    `INSERT INTO cases.clock_stop (id, case_id, procedure_code, procedure_name, reason, started_at, started_on, started_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [s.id, s.case_id, s.procedure_code, s.procedure_name, s.reason, s.started_at, s.started_on, s.started_by],
  );

export const endClockStop = (q: Queryable, caseId: string, end: { at: Date; on: string; outcome: string; by: string | null }) =>
  q.query(
    `UPDATE cases.clock_stop SET ended_at = $2, ended_on = $3, outcome = $4, ended_by = $5
      WHERE case_id = $1 AND ended_at IS NULL`,
    [caseId, end.at, end.on, end.outcome, end.by],
  );

export const listClockStops = (q: Queryable, caseId: string) =>
  q.query<ClockStopRow>('SELECT * FROM cases.clock_stop WHERE case_id = $1 ORDER BY started_at', [caseId]);

export const listClockStopsFor = (q: Queryable, caseIds: string[]) =>
  caseIds.length === 0
    ? Promise.resolve([] as ClockStopRow[])
    : q.query<ClockStopRow>('SELECT * FROM cases.clock_stop WHERE case_id = ANY($1::uuid[]) ORDER BY started_at', [caseIds]);

// ---------------------------------------------------------------- files and materials

export const insertFile = (q: Queryable, f: { sha256: string; size: number; media_type: string; storage: string; created_at: Date }) =>
  q.query(
    `INSERT INTO cases.file (sha256, size, media_type, storage, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (sha256) DO NOTHING`,
    [f.sha256, f.size, f.media_type, f.storage, f.created_at],
  );

export async function findFile(q: Queryable, sha256: string) {
  const rows = await q.query<{ sha256: string; size: number; media_type: string; storage: string }>('SELECT * FROM cases.file WHERE sha256 = $1', [sha256]);
  return rows[0];
}

export interface MaterialRow {
  id: string;
  case_id: string;
  material_key: string;
  material_name: string;
  source: 'upload' | 'reuse' | 'paper' | 'licence' | 'shared_data' | 'item_result';
  file_sha256: string | null;
  file_name: string | null;
  reused_from: string | null;
  reference: string | null;
  owner_account_id: string | null;
  is_current: boolean;
  added_by: string | null;
  added_at: Date;
}

export const insertMaterial = (q: Queryable, m: Omit<MaterialRow, 'is_current'>) =>
  q.query(
    `INSERT INTO cases.material (id, case_id, material_key, material_name, source, file_sha256, file_name, reused_from, reference,
       owner_account_id, added_by, added_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [m.id, m.case_id, m.material_key, m.material_name, m.source, m.file_sha256, m.file_name, m.reused_from, m.reference, m.owner_account_id, m.added_by, m.added_at],
  );

/** Superseded materials stay (the record shows what was first submitted); only current ones count. */
export const retireMaterials = (q: Queryable, caseId: string, keys: string[]) =>
  q.query('UPDATE cases.material SET is_current = false WHERE case_id = $1 AND material_key = ANY($2::text[]) AND is_current', [caseId, keys]);

export const retireMaterial = (q: Queryable, caseId: string, id: string) =>
  q.query<{ id: string }>('UPDATE cases.material SET is_current = false WHERE case_id = $1 AND id = $2 AND is_current RETURNING id', [caseId, id]);

export const listMaterials = (q: Queryable, caseId: string, onlyCurrent = true) =>
  q.query<MaterialRow & { size: number | null; media_type: string | null }>(
    `SELECT m.*, f.size, f.media_type FROM cases.material m LEFT JOIN cases.file f ON f.sha256 = m.file_sha256
      WHERE m.case_id = $1 ${onlyCurrent ? 'AND m.is_current' : ''} ORDER BY m.added_at, m.id`,
    [caseId],
  );

export async function findMaterial(q: Queryable, id: string) {
  const rows = await q.query<MaterialRow & { size: number | null; media_type: string | null }>(
    'SELECT m.*, f.size, f.media_type FROM cases.material m LEFT JOIN cases.file f ON f.sha256 = m.file_sha256 WHERE m.id = $1',
    [id],
  );
  return rows[0];
}

/** 材料复用: files this account submitted on earlier cases (newest first, one per content and key). */
export const listReusableMaterials = (q: Queryable, accountId: string, key: string | null, excludeCaseId: string | null) =>
  q.query<MaterialRow & { size: number; media_type: string; case_number: string | null }>(
    `SELECT DISTINCT ON (m.material_key, m.file_sha256) m.*, f.size, f.media_type, c.number AS case_number
       FROM cases.material m
       JOIN cases.file f ON f.sha256 = m.file_sha256
       JOIN cases.case c ON c.id = m.case_id
      WHERE m.owner_account_id = $1 AND c.state <> 'draft' AND m.file_sha256 IS NOT NULL
        AND ($2::text IS NULL OR m.material_key = $2) AND ($3::uuid IS NULL OR m.case_id <> $3)
      ORDER BY m.material_key, m.file_sha256, m.added_at DESC
      LIMIT 200`,
    [accountId, key, excludeCaseId],
  );

export const insertAttachment = (q: Queryable, a: { id: string; purpose: string; file_sha256: string; file_name: string | null; owner_account_id: string | null; created_at: Date }) =>
  q.query(
    'INSERT INTO cases.attachment (id, purpose, file_sha256, file_name, owner_account_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [a.id, a.purpose, a.file_sha256, a.file_name, a.owner_account_id, a.created_at],
  );

export async function findAttachment(q: Queryable, id: string) {
  const rows = await q.query<{ id: string; purpose: string; file_sha256: string; file_name: string | null; owner_account_id: string | null; size: number; media_type: string; created_at: Date }>(
    'SELECT a.*, f.size, f.media_type FROM cases.attachment a JOIN cases.file f ON f.sha256 = a.file_sha256 WHERE a.id = $1',
    [id],
  );
  return rows[0];
}

// ---------------------------------------------------------------- idempotency

export async function claimIdempotencyKey(q: Queryable, k: { source: string; key: string; caseId: string; requestHash: string; now: Date }): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO cases.idempotency_key (source, key, case_id, request_hash, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (source, key) DO NOTHING RETURNING key`,
    [k.source, k.key, k.caseId, k.requestHash, k.now],
  );
  return rows.length === 1;
}

export async function findIdempotencyKey(q: Queryable, source: string, key: string) {
  const rows = await q.query<{ case_id: string; request_hash: string }>('SELECT case_id, request_hash FROM cases.idempotency_key WHERE source = $1 AND key = $2', [source, key]);
  return rows[0];
}

// ---------------------------------------------------------------- notifications and settings

export interface NotificationRow {
  id: string;
  account_id: string | null;
  case_id: string | null;
  channel: 'inbox' | 'sms' | 'email';
  kind: string;
  title: string;
  body: string;
  status: 'stored' | 'sent' | 'failed';
  event_id?: number | null;
  created_at: Date;
  read_at?: Date | null;
}

/** False when a notice of the same event and channel exists already (a redelivery). */
export async function insertNotification(q: Queryable, n: NotificationRow): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO cases.notification (id, account_id, case_id, channel, kind, title, body, status, event_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (event_id, channel) WHERE event_id IS NOT NULL DO NOTHING RETURNING id`,
    [n.id, n.account_id, n.case_id, n.channel, n.kind, n.title, n.body, n.status, n.event_id ?? null, n.created_at],
  );
  return rows.length === 1;
}

export const markNotificationFailed = (q: Queryable, id: string) => q.query(`UPDATE cases.notification SET status = 'failed' WHERE id = $1`, [id]);

export const listInbox = (q: Queryable, accountId: string, limit: number) =>
  q.query<NotificationRow & { case_number: string | null }>(
    `SELECT n.*, c.number AS case_number FROM cases.notification n LEFT JOIN cases.case c ON c.id = n.case_id
      WHERE n.account_id = $1 AND n.channel = 'inbox' ORDER BY n.created_at DESC, n.id DESC LIMIT $2`,
    [accountId, limit],
  );

export const markRead = (q: Queryable, accountId: string, id: string, at: Date) =>
  q.query<{ id: string }>(
    `UPDATE cases.notification SET read_at = coalesce(read_at, $3) WHERE id = $2 AND account_id = $1 AND channel = 'inbox' RETURNING id`,
    [accountId, id, at],
  );

export const listNotificationsOfCase = (q: Queryable, caseId: string) =>
  q.query<NotificationRow>('SELECT * FROM cases.notification WHERE case_id = $1 ORDER BY created_at, id', [caseId]);

export async function getSetting(q: Queryable, key: string): Promise<string | undefined> {
  const rows = await q.query<{ value: string }>('SELECT value FROM cases.setting WHERE key = $1', [key]);
  return rows[0]?.value;
}

export const putSetting = (q: Queryable, key: string, value: string, now: Date) =>
  q.query(
    `INSERT INTO cases.setting (key, value, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
    [key, value, now],
  );
