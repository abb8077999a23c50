import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../platform/db.ts';
import type { Clock } from '../../platform/clock.ts';
import { writeAudit } from '../../platform/audit.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { randomToken, uuidv7 } from '../../platform/ids.ts';
import { permissionsOf, canActOn, type Principal, type RoleGrant, type StaffRole } from '../../platform/auth/roles.ts';
import type { PiiVault } from '../../platform/crypto/pii.ts';
import { isMobilePhone, maskIdNumber, maskPhone, normalisePhone } from '../../platform/crypto/pii.ts';
import { checkPasswordStrength, hashPassword, needsRehash, verifyPassword } from '../../platform/crypto/password.ts';
import { parseResidentId, parseUscc } from '../../platform/crypto/identity-numbers.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import * as repo from './accounts.repository.ts';
import { findUnitByCode } from './org.repository.ts';
import type { AccountSummary, CreateStaffBody, CreateTokenBody, Me, RegisterBody } from './accounts.schemas.ts';

// Accounts, sign-in, sessions and API tokens. Sessions are opaque random ids in an HttpOnly cookie,
// stored hashed; each carries a CSRF token the browser echoes in a header.

export const SESSION_IDLE_MS = 8 * 3600_000;
const SESSION_TOUCH_MS = 5 * 60_000;
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;
const IP_WINDOW_MS = 5 * 60_000;
const IP_MAX_ATTEMPTS = 30;
/**
 * Callers are cached briefly per process: on PGlite each query costs ~1 ms of event-loop time and
 * every signed-in request needs its caller. Sign-out and token revocation clear the entry at once in
 * this process; other processes (server deployments) see them within this many milliseconds.
 */
export const CALLER_CACHE_MS = 10_000;

/** Role grants as the API shows them (Me and account summaries). */
const rolesOf = (grants: repo.GrantRow[]) => grants.map((g) => ({ role: g.role, orgUnitCode: g.unit_code, orgUnitName: g.unit_name }));

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface AccountsDeps {
  db: Db;
  clock: Clock;
  pii: PiiVault;
}

type Ctx = Pick<ActionContext, 'actor' | 'requestId' | 'ip'>;

export function createAccounts({ db, clock, pii }: AccountsDeps) {
  // Per-address attempt counter: a fixed window per process, enough to blunt password spraying from
  // one address; per-account lock-out (in the database) covers the distributed case.
  const attemptsByIp = new Map<string, { windowStart: number; count: number }>();
  // A real hash to compare against when the account does not exist, so timing does not tell.
  const dummyHash = hashPassword(randomToken(12));

  function throttle(ip: string | undefined) {
    if (!ip) return;
    const now = clock.now().getTime();
    const entry = attemptsByIp.get(ip);
    if (!entry || now - entry.windowStart > IP_WINDOW_MS) {
      attemptsByIp.set(ip, { windowStart: now, count: 1 });
      if (attemptsByIp.size > 10_000) attemptsByIp.clear();
      return;
    }
    entry.count += 1;
    if (entry.count > IP_MAX_ATTEMPTS) {
      throw new AppError('AUTH_RATE_LIMITED', '尝试次数过多，请稍后再试 (too many sign-in attempts; wait a few minutes)', 429);
    }
  }

  const callers = new Map<string, { principal: Principal; until: number }>();
  const cached = (key: string, now: Date) => {
    const hit = callers.get(key);
    if (hit && hit.until > now.getTime()) return hit.principal;
    if (hit) callers.delete(key);
    return undefined;
  };
  const remember = (key: string, principal: Principal, now: Date, expiresAt?: Date | null) => {
    if (callers.size > 10_000) callers.clear();
    const until = Math.min(now.getTime() + CALLER_CACHE_MS, expiresAt ? new Date(expiresAt).getTime() : Infinity);
    callers.set(key, { principal, until });
    return principal;
  };

  const phoneHashOf = (phone: string) => pii.blindIndex('phone', normalisePhone(phone));

  function principalOf(caller: repo.CallerRow, via: Principal['via'], extra: Partial<Principal> = {}): Principal {
    const grants: RoleGrant[] = caller.grants.map((g) => ({ role: g.role as StaffRole, orgUnitId: g.unit_id, orgPath: g.unit_path }));
    const kind = caller.kind === 'system' ? 'staff' : caller.kind;
    return {
      via,
      userId: caller.account_id,
      userKind: kind,
      displayName: caller.display_name,
      grants,
      permissions: permissionsOf(kind, grants),
      ...extra,
    };
  }

  async function describe(accountId: string, principal?: Principal): Promise<Me> {
    const a = await repo.findAccountById(db, accountId);
    if (!a) throw notFound('ACCOUNT_NOT_FOUND', 'account not found');
    const grants = await repo.listGrants(db, a.id);
    const perms = principal?.permissions ?? permissionsOf(a.kind === 'system' ? 'staff' : a.kind, grants.map((g) => ({ role: g.role as StaffRole, orgUnitId: g.unit_id, orgPath: g.unit_path })));
    return {
      id: a.id,
      kind: a.kind,
      displayName: a.display_name,
      username: a.username,
      phoneMasked: a.phone_enc ? maskPhone(pii.decrypt(a.phone_enc)) : null,
      roles: rolesOf(grants),
      permissions: [...perms].sort(),
    };
  }

  async function openSession(tx: Parameters<Parameters<Db['tx']>[0]>[0], accountId: string, ip?: string, userAgent?: string) {
    const secret = randomToken(32);
    const csrfToken = randomToken(24);
    const now = clock.now();
    await repo.insertSession(
      tx,
      { id_hash: sha256(secret), account_id: accountId, csrf_token: csrfToken, last_seen_at: now, expires_at: new Date(now.getTime() + SESSION_IDLE_MS), ip: ip ?? null, user_agent: userAgent?.slice(0, 300) ?? null },
      now,
    );
    return { sessionSecret: secret, csrfToken };
  }

  return {
    /** Checks a password, opens a session. Failures count towards a lock-out and are audited. */
    async login(username: string, password: string, ctx: Ctx & { userAgent?: string }) {
      throttle(ctx.ip);
      const now = clock.now();
      const phoneHash = isMobilePhone(normalisePhone(username)) ? phoneHashOf(username) : null;
      const account = await repo.findAccountForLogin(db, username.trim(), phoneHash);
      if (!account || !account.password_hash || account.status !== 'active') {
        await verifyPassword(password, await dummyHash);
        throw new AppError('AUTH_INVALID_CREDENTIALS', '账号或密码错误 (wrong account or password)', 401);
      }
      if (account.locked_until && account.locked_until > now) {
        throw new AppError(
          'AUTH_LOCKED',
          `密码错误次数过多，账号已锁定至 ${account.locked_until.toISOString()} (account locked after ${LOCK_AFTER_FAILURES} failed attempts)`,
          423,
        );
      }
      if (!(await verifyPassword(password, account.password_hash))) {
        const r = await db.tx(async (tx) => {
          const res = await repo.recordFailedLogin(tx, account.id, LOCK_AFTER_FAILURES, new Date(now.getTime() + LOCK_MS), now);
          await writeAudit(tx, { ...ctx, actor: { kind: 'anonymous', label: username.slice(0, 64) }, at: now, action: 'auth.login.failed', objectType: 'account', objectId: account.id, data: { failedLogins: res.failed_logins } });
          return res;
        });
        if (r.locked_until && r.locked_until > now) {
          throw new AppError('AUTH_LOCKED', `密码错误次数过多，账号已锁定 ${LOCK_MS / 60_000} 分钟 (account locked)`, 423);
        }
        throw new AppError('AUTH_INVALID_CREDENTIALS', '账号或密码错误 (wrong account or password)', 401);
      }
      const session = await db.tx(async (tx) => {
        await repo.recordSuccessfulLogin(tx, account.id, now);
        if (needsRehash(account.password_hash!)) await repo.setPasswordHash(tx, account.id, await hashPassword(password), now);
        const s = await openSession(tx, account.id, ctx.ip, ctx.userAgent);
        await writeAudit(tx, { ...ctx, actor: { kind: 'user', id: account.id, label: account.display_name }, at: now, action: 'auth.login', objectType: 'account', objectId: account.id });
        return s;
      });
      return { ...session, user: await describe(account.id) };
    },

    async logout(principal: Principal, ctx: Ctx) {
      if (!principal.sessionId) return;
      callers.delete(`s:${principal.sessionId}`);
      await db.tx(async (tx) => {
        await repo.revokeSession(tx, principal.sessionId!, clock.now());
        await writeAudit(tx, { ...ctx, action: 'auth.logout', objectType: 'account', objectId: principal.userId });
      });
    },

    /** Self-registration of a citizen or enterprise; real-name fields are validated and encrypted. */
    async register(body: RegisterBody, ctx: Ctx & { userAgent?: string }) {
      throttle(ctx.ip);
      const phone = normalisePhone(body.phone);
      if (!isMobilePhone(phone)) throw badRequest('PHONE_INVALID', '请输入11位手机号码 (enter an 11-digit mobile number)');
      const strength = checkPasswordStrength(body.password);
      if (!strength.ok) throw badRequest(strength.code, strength.message);
      let idNumber: string | null = null;
      if (body.idNumber) {
        const parsed = parseResidentId(body.idNumber);
        if (!parsed.ok) throw badRequest(parsed.code, parsed.message);
        idNumber = parsed.value;
      }
      let uscc: string | null = null;
      if (body.uscc) {
        const parsed = parseUscc(body.uscc);
        if (!parsed.ok) throw badRequest(parsed.code, parsed.message);
        uscc = parsed.value;
      }
      if (body.kind === 'enterprise' && !uscc) throw badRequest('USCC_REQUIRED', '企业注册需填写统一社会信用代码 (enterprises give their USCC)');
      const phoneHash = phoneHashOf(phone);
      const passwordHash = await hashPassword(body.password);
      const now = clock.now();
      const id = uuidv7();
      const session = await db.tx(async (tx) => {
        if (await repo.findAccountByPhoneHash(tx, phoneHash)) {
          throw conflict('ACCOUNT_EXISTS', '该手机号已注册，请直接登录 (this phone number is already registered)');
        }
        await repo.insertAccount(
          tx,
          { id, kind: body.kind, username: null, display_name: body.displayName.trim(), phone_enc: pii.encrypt(phone), phone_hash: phoneHash, id_number_enc: idNumber ? pii.encrypt(idNumber) : null, id_number_hash: idNumber ? pii.blindIndex('idNumber', idNumber) : null, uscc, home_unit_id: null, password_hash: passwordHash },
          now,
        );
        const s = await openSession(tx, id, ctx.ip, ctx.userAgent);
        await writeAudit(tx, { ...ctx, actor: { kind: 'user', id, label: body.displayName }, at: now, action: 'org.account.register', objectType: 'account', objectId: id, data: { kind: body.kind } });
        await emit(tx, { topic: 'org.account.registered', key: id, payload: { accountId: id, kind: body.kind }, at: now });
        return s;
      });
      return { ...session, user: await describe(id) };
    },

    /** Creates a staff account with role grants on org units (administrators, or the CLI). */
    async createStaff(body: CreateStaffBody, ctx: Ctx & { principal?: Principal }) {
      const strength = checkPasswordStrength(body.password);
      if (!strength.ok) throw badRequest(strength.code, strength.message);
      const phone = body.phone ? normalisePhone(body.phone) : null;
      if (phone && !isMobilePhone(phone)) throw badRequest('PHONE_INVALID', 'enter an 11-digit mobile number');
      const passwordHash = await hashPassword(body.password);
      const now = clock.now();
      const id = uuidv7();
      await db.tx(async (tx) => {
        if (await repo.findAccountByUsername(tx, body.username)) throw conflict('ACCOUNT_EXISTS', `username ${body.username} is taken`);
        const units = [];
        for (const g of body.grants) {
          const unit = await findUnitByCode(tx, g.unitCode);
          if (!unit) throw badRequest('ORG_UNIT_UNKNOWN', `unknown org unit ${g.unitCode}`);
          // An administrator can only hand out roles inside the subtree they administer.
          if (ctx.principal && !canActOn(ctx.principal, 'org:write', unit.path)) {
            throw forbidden('FORBIDDEN', `no right to grant roles in ${unit.name}`);
          }
          units.push({ role: g.role, unit });
        }
        await repo.insertAccount(tx, { id, kind: 'staff', username: body.username, display_name: body.displayName, phone_enc: phone ? pii.encrypt(phone) : null, phone_hash: phone ? phoneHashOf(phone) : null, id_number_enc: null, id_number_hash: null, uscc: null, home_unit_id: units[0]!.unit.id, password_hash: passwordHash }, now);
        for (const u of units) await repo.insertGrant(tx, id, u.role, u.unit.id, now);
        await writeAudit(tx, { ...ctx, at: now, action: 'org.account.create', objectType: 'account', objectId: id, orgUnitId: units[0]!.unit.id, data: { username: body.username, grants: body.grants } });
        await emit(tx, { topic: 'org.account.created', key: id, payload: { accountId: id, kind: 'staff', grants: body.grants }, at: now });
      });
      return this.summary(id);
    },

    async summary(id: string): Promise<AccountSummary> {
      const a = await repo.findAccountById(db, id);
      if (!a) throw notFound('ACCOUNT_NOT_FOUND', 'account not found');
      const grants = await repo.listGrants(db, id);
      return {
        id: a.id,
        kind: a.kind,
        username: a.username,
        displayName: a.display_name,
        phoneMasked: a.phone_enc ? maskPhone(pii.decrypt(a.phone_enc)) : null,
        idNumberMasked: a.id_number_enc ? maskIdNumber(pii.decrypt(a.id_number_enc)) : null,
        uscc: a.uscc,
        status: a.status,
        roles: rolesOf(grants),
      };
    },

    /** Full phone and ID number, for a caller whose role needs them; every read is audited. */
    async revealPii(id: string, ctx: Ctx & { principal: Principal }, reason: string) {
      const a = await repo.findAccountById(db, id);
      if (!a) throw notFound('ACCOUNT_NOT_FOUND', 'account not found');
      if (a.kind === 'staff' && ctx.principal.userId !== id && !ctx.principal.permissions.has('org:write')) {
        throw forbidden('FORBIDDEN', 'staff personal data is visible to administrators only');
      }
      return db.tx(async (tx) => {
        await writeAudit(tx, { ...ctx, action: 'org.account.pii.read', objectType: 'account', objectId: id, data: { reason } });
        return {
          id,
          phone: a.phone_enc ? pii.decrypt(a.phone_enc) : null,
          idNumber: a.id_number_enc ? pii.decrypt(a.id_number_enc) : null,
        };
      });
    },

    /** Issues an API token for a system (a service account holding the given roles). */
    async createApiToken(body: CreateTokenBody, ctx: Ctx & { principal?: Principal }) {
      const now = clock.now();
      const accountId = uuidv7();
      const tokenId = uuidv7();
      const secret = randomToken(32);
      const expiresAt = body.expiresInDays ? new Date(now.getTime() + body.expiresInDays * 86400_000) : null;
      await db.tx(async (tx) => {
        await repo.insertAccount(tx, { id: accountId, kind: 'system', username: `system-${tokenId.slice(-12)}`, display_name: body.name, phone_enc: null, phone_hash: null, id_number_enc: null, id_number_hash: null, uscc: null, home_unit_id: null, password_hash: null }, now);
        for (const g of body.grants) {
          const unit = await findUnitByCode(tx, g.unitCode);
          if (!unit) throw badRequest('ORG_UNIT_UNKNOWN', `unknown org unit ${g.unitCode}`);
          if (ctx.principal && !canActOn(ctx.principal, 'tokens:write', unit.path)) throw forbidden('FORBIDDEN', `no right to grant roles in ${unit.name}`);
          await repo.insertGrant(tx, accountId, g.role, unit.id, now);
        }
        await repo.insertApiToken(tx, { id: tokenId, account_id: accountId, name: body.name, secret_hash: sha256(secret), expires_at: expiresAt }, now);
        await writeAudit(tx, { ...ctx, at: now, action: 'org.token.create', objectType: 'api_token', objectId: tokenId, data: { name: body.name, grants: body.grants } });
      });
      return { id: tokenId, name: body.name, token: `yw_${tokenId}_${secret}`, expiresAt: expiresAt?.toISOString() ?? null };
    },

    async revokeApiToken(id: string, ctx: Ctx) {
      callers.clear(); // cached by secret, not by id: drop them all (a rare operation)
      await db.tx(async (tx) => {
        await repo.revokeApiToken(tx, id, clock.now());
        await writeAudit(tx, { ...ctx, action: 'org.token.revoke', objectType: 'api_token', objectId: id });
      });
    },

    /** Resolves the caller of a request from a session cookie secret or a bearer token. */
    async authenticate(sessionSecret: string | undefined, bearer: string | undefined): Promise<Principal | undefined> {
      const now = clock.now();
      if (bearer) {
        const key = `t:${sha256(bearer)}`;
        const hit = cached(key, now);
        if (hit) return hit;
        const m = /^yw_([0-9a-f-]{36})_([\w-]{20,})$/.exec(bearer);
        if (!m) throw new AppError('AUTH_TOKEN_INVALID', 'malformed API token', 401);
        const row = await repo.findLiveApiToken(db, m[1]!, now);
        const expected = row ? Buffer.from(row.secret_hash, 'hex') : Buffer.alloc(32);
        const given = Buffer.from(sha256(m[2]!), 'hex');
        if (!row || !timingSafeEqual(expected, given)) throw new AppError('AUTH_TOKEN_INVALID', 'API token unknown, revoked or expired', 401);
        return remember(key, principalOf(row, 'token', { tokenId: row.token_id }), now, row.expires_at);
      }
      if (!sessionSecret) return undefined;
      const idHash = sha256(sessionSecret);
      const hit = cached(`s:${idHash}`, now);
      if (hit) return hit;
      const s = await repo.findLiveSession(db, idHash, now);
      if (!s) return undefined;
      if (now.getTime() - new Date(s.last_seen_at).getTime() > SESSION_TOUCH_MS) {
        await repo.touchSession(db, idHash, now, new Date(now.getTime() + SESSION_IDLE_MS));
      }
      return remember(`s:${idHash}`, principalOf(s, 'session', { sessionId: idHash, csrfToken: s.csrf_token }), now, s.expires_at);
    },

    describe,
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
