import type { Queryable } from '../../platform/db.ts';

// Every SQL statement about accounts, role grants, sessions and API tokens.

export interface AccountRow {
  id: string;
  kind: 'staff' | 'citizen' | 'enterprise' | 'system';
  username: string | null;
  display_name: string;
  phone_enc: string | null;
  phone_hash: string | null;
  id_number_enc: string | null;
  id_number_hash: string | null;
  uscc: string | null;
  home_unit_id: string | null;
  password_hash: string | null;
  status: 'active' | 'disabled';
  failed_logins: number;
  locked_until: Date | null;
  last_login_at: Date | null;
  created_at: Date;
}

export interface GrantRow {
  role: string;
  unit_id: string;
  unit_code: string;
  unit_name: string;
  unit_path: string;
}

export const findAccountById = async (q: Queryable, id: string) =>
  (await q.query<AccountRow>('SELECT * FROM org.account WHERE id = $1', [id]))[0];

/** Login name is a username, or a phone number found through its keyed hash. */
export const findAccountForLogin = async (q: Queryable, username: string, phoneHash: string | null) =>
  (
    await q.query<AccountRow>(
      'SELECT * FROM org.account WHERE username = $1 OR ($2::text IS NOT NULL AND phone_hash = $2) LIMIT 1',
      [username, phoneHash],
    )
  )[0];

export const findAccountByPhoneHash = async (q: Queryable, phoneHash: string) =>
  (await q.query<AccountRow>('SELECT * FROM org.account WHERE phone_hash = $1', [phoneHash]))[0];

export const findAccountByUsername = async (q: Queryable, username: string) =>
  (await q.query<AccountRow>('SELECT * FROM org.account WHERE username = $1', [username]))[0];

export const insertAccount = (
  q: Queryable,
  a: Pick<AccountRow, 'id' | 'kind' | 'username' | 'display_name' | 'phone_enc' | 'phone_hash' | 'id_number_enc' | 'id_number_hash' | 'uscc' | 'home_unit_id' | 'password_hash'>,
  now: Date,
) =>
  q.query(
    `INSERT INTO org.account (id, kind, username, display_name, phone_enc, phone_hash, id_number_enc, id_number_hash,
                              uscc, home_unit_id, password_hash, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
    [a.id, a.kind, a.username, a.display_name, a.phone_enc, a.phone_hash, a.id_number_enc, a.id_number_hash, a.uscc, a.home_unit_id, a.password_hash, now],
  );

export const setPasswordHash = (q: Queryable, id: string, hash: string, now: Date) =>
  q.query('UPDATE org.account SET password_hash = $2, updated_at = $3 WHERE id = $1', [id, hash, now]);

export const recordFailedLogin = async (q: Queryable, id: string, lockAfter: number, lockUntil: Date, now: Date) =>
  (
    await q.query<{ failed_logins: number; locked_until: Date | null }>(
      `UPDATE org.account
          SET failed_logins = failed_logins + 1,
              locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END,
              updated_at = $4
        WHERE id = $1
      RETURNING failed_logins, locked_until`,
      [id, lockAfter, lockUntil, now],
    )
  )[0]!;

export const recordSuccessfulLogin = (q: Queryable, id: string, now: Date) =>
  q.query(
    'UPDATE org.account SET failed_logins = 0, locked_until = NULL, last_login_at = $2, updated_at = $2 WHERE id = $1',
    [id, now],
  );

export const listGrants = (q: Queryable, accountId: string) =>
  q.query<GrantRow>(
    `SELECT g.role, g.unit_id, u.code AS unit_code, u.name AS unit_name, u.path AS unit_path
       FROM org.role_grant g JOIN org.unit u ON u.id = g.unit_id
      WHERE g.account_id = $1 ORDER BY u.path, g.role`,
    [accountId],
  );

export const insertGrant = (q: Queryable, accountId: string, role: string, unitId: string, now: Date) =>
  q.query(
    'INSERT INTO org.role_grant (account_id, role, unit_id, granted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [accountId, role, unitId, now],
  );

export interface SessionRow {
  id_hash: string;
  account_id: string;
  csrf_token: string;
  last_seen_at: Date;
  expires_at: Date;
}

export const insertSession = (
  q: Queryable,
  s: SessionRow & { ip: string | null; user_agent: string | null },
  now: Date,
) =>
  q.query(
    `INSERT INTO org.session (id_hash, account_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`,
    [s.id_hash, s.account_id, s.csrf_token, now, s.expires_at, s.ip, s.user_agent],
  );

/** What a request needs to know about its caller: the account and its grants. */
export interface CallerRow {
  account_id: string;
  kind: AccountRow['kind'];
  display_name: string;
  grants: { role: string; unit_id: string; unit_path: string }[];
}

const CALLER_COLUMNS = `a.id AS account_id, a.kind, a.display_name,
  COALESCE((SELECT json_agg(json_build_object('role', g.role, 'unit_id', g.unit_id, 'unit_path', u.path) ORDER BY u.path, g.role)
              FROM org.role_grant g JOIN org.unit u ON u.id = g.unit_id WHERE g.account_id = a.id), '[]'::json) AS grants`;

/** A live session with its caller, in one round trip (this runs on every signed-in request). */
export const findLiveSession = async (q: Queryable, idHash: string, now: Date) =>
  (
    await q.query<CallerRow & { id_hash: string; csrf_token: string; last_seen_at: Date; expires_at: Date }>(
      `SELECT s.id_hash, s.csrf_token, s.last_seen_at, s.expires_at, ${CALLER_COLUMNS}
         FROM org.session s JOIN org.account a ON a.id = s.account_id
        WHERE s.id_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND a.status = 'active'`,
      [idHash, now],
    )
  )[0];

export const touchSession = (q: Queryable, idHash: string, now: Date, expiresAt: Date) =>
  q.query('UPDATE org.session SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1', [idHash, now, expiresAt]);

export const revokeSession = (q: Queryable, idHash: string, now: Date) =>
  q.query('UPDATE org.session SET revoked_at = $2 WHERE id_hash = $1 AND revoked_at IS NULL', [idHash, now]);

export const revokeSessionsOf = (q: Queryable, accountId: string, now: Date) =>
  q.query('UPDATE org.session SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL', [accountId, now]);

export const insertApiToken = (
  q: Queryable,
  t: { id: string; account_id: string; name: string; secret_hash: string; expires_at: Date | null },
  now: Date,
) =>
  q.query(
    `INSERT INTO org.api_token (id, account_id, name, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [t.id, t.account_id, t.name, t.secret_hash, now, t.expires_at],
  );

export const findLiveApiToken = async (q: Queryable, id: string, now: Date) =>
  (
    await q.query<CallerRow & { token_id: string; secret_hash: string; expires_at: Date | null }>(
      `SELECT t.id AS token_id, t.secret_hash, t.expires_at, ${CALLER_COLUMNS}
         FROM org.api_token t JOIN org.account a ON a.id = t.account_id
        WHERE t.id = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND a.status = 'active'`,
      [id, now],
    )
  )[0];

export const revokeApiToken = (q: Queryable, id: string, now: Date) =>
  q.query('UPDATE org.api_token SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, now]);

export const countAccounts = async (q: Queryable) =>
  (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM org.account'))[0]!.n;
