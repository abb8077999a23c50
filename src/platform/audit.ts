import { createHash } from 'node:crypto';
import type { Queryable, Tx } from './db.ts';
import { uuidv7 } from './ids.ts';

// Audit rows are written through `writeAudit(tx, …)` inside the transaction of the change they
// describe. The chain is serialised with a transaction-scoped advisory lock: the next row needs the
// previous row's hash, and the lock is held only until the change commits.

export const GENESIS_HASH = '0'.repeat(64);
const CHAIN_LOCK_KEY = 4_820_118;

export interface Actor {
  kind: 'user' | 'token' | 'system' | 'anonymous';
  id?: string;
  label?: string;
}

export const systemActor = (label = 'system'): Actor => ({ kind: 'system', label });

export interface AuditEntry {
  actor: Actor;
  action: string;
  objectType?: string;
  objectId?: string;
  orgUnitId?: string;
  requestId?: string;
  ip?: string;
  data?: Record<string, unknown>;
  at?: Date;
}

interface AuditRow {
  seq: number;
  id: string;
  at: Date;
  actor_kind: string;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  org_unit_id: string | null;
  request_id: string | null;
  ip: string | null;
  data: unknown;
  prev_hash: string;
  hash: string;
}

/** JSON with object keys sorted at every level: the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function hashAuditRow(row: Omit<AuditRow, 'hash'>): string {
  const body = canonicalJson([
    row.seq,
    row.id,
    row.at.toISOString(),
    row.actor_kind,
    row.actor_id,
    row.actor_label,
    row.action,
    row.object_type,
    row.object_id,
    row.org_unit_id,
    row.request_id,
    row.ip,
    row.data,
    row.prev_hash,
  ]);
  return createHash('sm3').update(body).digest('hex');
}

export async function writeAudit(tx: Tx, entry: AuditEntry): Promise<{ seq: number; id: string }> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK_KEY]);
  const last = await tx.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM platform.audit_log ORDER BY seq DESC LIMIT 1',
  );
  const row: Omit<AuditRow, 'hash'> = {
    seq: (last[0]?.seq ?? 0) + 1,
    id: uuidv7(),
    at: entry.at ?? new Date(),
    actor_kind: entry.actor.kind,
    actor_id: entry.actor.id ?? null,
    actor_label: entry.actor.label ?? null,
    action: entry.action,
    object_type: entry.objectType ?? null,
    object_id: entry.objectId ?? null,
    org_unit_id: entry.orgUnitId ?? null,
    request_id: entry.requestId ?? null,
    ip: entry.ip ?? null,
    // Round-trip through JSON so the hashed value is exactly what jsonb will give back.
    data: JSON.parse(JSON.stringify(entry.data ?? {})),
    prev_hash: last[0]?.hash ?? GENESIS_HASH,
  };
  const hash = hashAuditRow(row);
  await tx.query(
    `INSERT INTO platform.audit_log
       (seq, id, at, actor_kind, actor_id, actor_label, action, object_type, object_id, org_unit_id,
        request_id, ip, data, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      row.seq, row.id, row.at, row.actor_kind, row.actor_id, row.actor_label, row.action, row.object_type,
      row.object_id, row.org_unit_id, row.request_id, row.ip, JSON.stringify(row.data), row.prev_hash, hash,
    ],
  );
  return { seq: row.seq, id: row.id };
}

export interface ChainReport {
  ok: boolean;
  rows: number;
  /** The first row whose stored hash or link does not match, when the chain is broken. */
  brokenAt?: { seq: number; id: string; reason: string };
}

/** Walks the whole chain in pages, recomputing every hash. */
export async function verifyAuditChain(db: Queryable, pageSize = 5000): Promise<ChainReport> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let rows = 0;
  for (;;) {
    const page = await db.query<AuditRow>(
      'SELECT * FROM platform.audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2',
      [expectedSeq, pageSize],
    );
    for (const row of page) {
      const broken = (reason: string): ChainReport => ({ ok: false, rows, brokenAt: { seq: row.seq, id: row.id, reason } });
      if (row.seq !== expectedSeq) return { ok: false, rows, brokenAt: { seq: expectedSeq, id: '', reason: `row ${expectedSeq} is missing` } };
      if (row.prev_hash !== prevHash) return broken('prev_hash does not match the previous row');
      const { hash, ...rest } = row;
      if (hashAuditRow({ ...rest, at: new Date(rest.at) }) !== hash) return broken('content does not match its hash');
      prevHash = hash;
      expectedSeq += 1;
      rows += 1;
    }
    if (page.length < pageSize) return { ok: true, rows };
  }
}
