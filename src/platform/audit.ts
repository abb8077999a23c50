import { createHash, randomInt } from 'node:crypto';
import type { Queryable, Tx } from './db.ts';
import { uuidv7 } from './ids.ts';

// Audit rows are written through `writeAudit(tx, …)` inside the transaction of the change they
// describe. Each row extends one of AUDIT_CHAINS hash chains; a chain's tail is serialised with a
// transaction-scoped advisory lock (the next row needs the previous row's hash), held until the
// change commits. A transaction picks its chain at random and keeps it for all its rows, so two
// transactions never wait for each other's locks in opposite orders, and unrelated changes rarely
// wait at all: one chain capped the whole platform at a few hundred audited commits per second.

export const AUDIT_CHAINS = 16;
export const GENESIS_HASH = '0'.repeat(64);
const CHAIN_LOCK_BASE = 4_820_118;

/** Where chain `n` starts. Chain 0 keeps the zero hash rows had before there were several chains. */
export function genesisHash(chain: number): string {
  return chain === 0 ? GENESIS_HASH : createHash('sm3').update(`yiwang audit chain ${chain}`).digest('hex');
}

const chainOfTx = new WeakMap<Tx, number>();

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
  chain: number;
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

/**
 * The row's hash covers its content and the previous row's hash. The chain number is not hashed (rows
 * of chain 0 hash as they always did); a row moved to another chain breaks that chain's links.
 */
export function hashAuditRow(row: Omit<AuditRow, 'hash' | 'chain'>): string {
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

export async function writeAudit(tx: Tx, entry: AuditEntry): Promise<{ chain: number; seq: number; id: string }> {
  return (await writeAudits(tx, [entry]))[0]!;
}

/**
 * Several audit rows in one go (a batch of changes in one transaction): one lock, one read of the
 * chain's tail and one INSERT, whatever the number of rows.
 */
export async function writeAudits(tx: Tx, entries: AuditEntry[]): Promise<{ chain: number; seq: number; id: string }[]> {
  if (entries.length === 0) return [];
  let chain = chainOfTx.get(tx);
  if (chain === undefined) {
    chain = randomInt(AUDIT_CHAINS);
    chainOfTx.set(tx, chain);
    // A separate statement: the tail is read in a snapshot taken after the lock is granted.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK_BASE + chain]);
  }
  const last = await tx.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM platform.audit_log WHERE chain = $1 ORDER BY seq DESC LIMIT 1',
    [chain],
  );
  let seq = last[0]?.seq ?? 0;
  let prevHash = last[0]?.hash ?? genesisHash(chain);
  const rows: AuditRow[] = entries.map((entry) => {
    const row: Omit<AuditRow, 'hash' | 'chain'> = {
      seq: ++seq,
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
      prev_hash: prevHash,
    };
    prevHash = hashAuditRow(row);
    return { ...row, chain: chain!, hash: prevHash };
  });
  const params: unknown[] = [];
  const tuples = rows.map((r) => {
    const values = [
      r.chain, r.seq, r.id, r.at, r.actor_kind, r.actor_id, r.actor_label, r.action, r.object_type, r.object_id,
      r.org_unit_id, r.request_id, r.ip, JSON.stringify(r.data), r.prev_hash, r.hash,
    ];
    const first = params.length;
    params.push(...values);
    return `(${values.map((_, i) => `$${first + i + 1}`).join(', ')})`;
  });
  await tx.query(
    `INSERT INTO platform.audit_log
       (chain, seq, id, at, actor_kind, actor_id, actor_label, action, object_type, object_id, org_unit_id,
        request_id, ip, data, prev_hash, hash)
     VALUES ${tuples.join(',\n            ')}`,
    params,
  );
  return rows.map((r) => ({ chain: r.chain, seq: r.seq, id: r.id }));
}

export interface ChainReport {
  ok: boolean;
  rows: number;
  /** How many chains hold rows. */
  chains: number;
  /** The first row whose stored hash or link does not match, when a chain is broken. */
  brokenAt?: { chain: number; seq: number; id: string; reason: string };
}

/** Walks every chain in pages, recomputing every hash; stops at the first broken row. */
export async function verifyAuditChain(db: Queryable, pageSize = 5000): Promise<ChainReport> {
  const chains = await db.query<{ chain: number }>('SELECT DISTINCT chain FROM platform.audit_log ORDER BY chain');
  let rows = 0;
  for (const { chain } of chains) {
    let prevHash = genesisHash(chain);
    let expectedSeq = 1;
    for (;;) {
      const page = await db.query<AuditRow>(
        'SELECT * FROM platform.audit_log WHERE chain = $1 AND seq >= $2 ORDER BY seq LIMIT $3',
        [chain, expectedSeq, pageSize],
      );
      for (const row of page) {
        const broken = (seq: number, id: string, reason: string): ChainReport => ({
          ok: false, rows, chains: chains.length, brokenAt: { chain, seq, id, reason },
        });
        if (row.seq !== expectedSeq) return broken(expectedSeq, '', `row ${expectedSeq} of chain ${chain} is missing`);
        if (row.prev_hash !== prevHash) return broken(row.seq, row.id, 'prev_hash does not match the previous row');
        const { hash, chain: _chain, ...rest } = row;
        if (hashAuditRow({ ...rest, at: new Date(rest.at) }) !== hash) return broken(row.seq, row.id, 'content does not match its hash');
        prevHash = hash;
        expectedSeq += 1;
        rows += 1;
      }
      if (page.length < pageSize) break;
    }
  }
  return { ok: true, rows, chains: chains.length };
}
