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

/** One token per (client, order): a repeated submission gets the token it had. */
/** The token of this client's request for the order: the one first handed out, or `t.token` now. */
export async function tokenFor(q: Queryable, t: { token: string; clientId: string; workOrderId: string }, now: Date): Promise<string> {
  await q.query(
    `INSERT INTO open311.request_token (token, client_id, work_order_id, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (client_id, work_order_id) DO NOTHING`,
    [t.token, t.clientId, t.workOrderId, now],
  );
  const rows = await q.query<{ token: string }>(
    'SELECT token FROM open311.request_token WHERE client_id = $1 AND work_order_id = $2',
    [t.clientId, t.workOrderId],
  );
  return rows[0]!.token;
}

export const findToken = async (q: Queryable, token: string) =>
  (await q.query<{ work_order_id: string }>('SELECT work_order_id FROM open311.request_token WHERE token = $1', [token]))[0];
