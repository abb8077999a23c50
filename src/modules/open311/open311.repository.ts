import type { Queryable } from '../../platform/db.ts';

// Every SQL statement of the Open311 adapter: its API clients and submission tokens.

export interface ApiClientRow {
  id: string;
  name: string;
}

export const findLiveClientByKeyHash = async (q: Queryable, keyHash: string) =>
  (await q.query<ApiClientRow>('SELECT id, name FROM open311.api_client WHERE key_hash = $1 AND revoked_at IS NULL', [keyHash]))[0];

export const insertClient = (q: Queryable, c: { id: string; name: string; keyHash: string }, now: Date) =>
  q.query('INSERT INTO open311.api_client (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO NOTHING', [c.id, c.name, c.keyHash, now]);

export const revokeClient = (q: Queryable, id: string, now: Date) =>
  q.query('UPDATE open311.api_client SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, now]);

/**
 * The submission of this client's request for the order: the token (and media_url) first handed in,
 * or `t.token` and `t.mediaUrl` now. One row per (client, order), so a replay finds the first one.
 */
export async function recordSubmission(
  q: Queryable,
  t: { token: string; clientId: string; workOrderId: string; mediaUrl: string | null },
  now: Date,
): Promise<{ token: string; media_url: string | null }> {
  await q.query(
    `INSERT INTO open311.request_token (token, client_id, work_order_id, media_url, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (client_id, work_order_id) DO NOTHING`,
    [t.token, t.clientId, t.workOrderId, t.mediaUrl, now],
  );
  const rows = await q.query<{ token: string; media_url: string | null }>(
    'SELECT token, media_url FROM open311.request_token WHERE client_id = $1 AND work_order_id = $2',
    [t.clientId, t.workOrderId],
  );
  return rows[0]!;
}

/** The media_url submitted for each of these orders (the first submission's, if several clients sent one). */
export async function mediaUrlsOf(q: Queryable, workOrderIds: string[]): Promise<Map<string, string>> {
  if (workOrderIds.length === 0) return new Map();
  const rows = await q.query<{ work_order_id: string; media_url: string }>(
    `SELECT DISTINCT ON (work_order_id) work_order_id, media_url
       FROM open311.request_token
      WHERE work_order_id = ANY($1::uuid[]) AND media_url IS NOT NULL
      ORDER BY work_order_id, created_at, token`,
    [workOrderIds],
  );
  return new Map(rows.map((r) => [r.work_order_id, r.media_url]));
}

export const findToken = async (q: Queryable, token: string) =>
  (await q.query<{ work_order_id: string }>('SELECT work_order_id FROM open311.request_token WHERE token = $1', [token]))[0];
