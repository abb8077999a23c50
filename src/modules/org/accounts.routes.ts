import { Type } from 'typebox';
import type { App } from '../../platform/http/server.ts';
import { actionContext } from '../../platform/http/server.ts';
import { errors } from '../../platform/http/schemas.ts';
import type { Platform } from '../../platform/module.ts';
import type { Accounts } from './accounts.service.ts';
import {
  AccountPii,
  AccountSummary,
  CreatedToken,
  CreateStaffBody,
  CreateTokenBody,
  LoginBody,
  RegisterBody,
  SessionReply,
} from './accounts.schemas.ts';

export const SESSION_COOKIE = 'yw_session';

export function accountsRoutes(app: App, platform: Platform, accounts: Accounts) {
  const setSessionCookie = (reply: { setCookie: Function }, secret: string) =>
    reply.setCookie(SESSION_COOKIE, secret, {
      httpOnly: true,
      sameSite: 'lax',
      secure: platform.config.secureCookies,
      path: '/',
    });

  app.post('/api/auth/login', {
    config: { scope: 'public', audit: 'auth.login' },
    schema: { tags: ['auth'], summary: 'Sign in with a username or phone number', body: LoginBody, response: { 200: SessionReply, ...errors(400, 401, 423, 429) } },
  }, async (req, reply) => {
    const r = await accounts.login(req.body.username, req.body.password, { ...actionContext(req), userAgent: req.headers['user-agent'] });
    setSessionCookie(reply, r.sessionSecret);
    return { user: r.user, csrfToken: r.csrfToken };
  });

  app.post('/api/auth/register', {
    config: { scope: 'public', audit: 'org.account.register' },
    schema: { tags: ['auth'], summary: 'Register a citizen or enterprise account', body: RegisterBody, response: { 201: SessionReply, ...errors(400, 409, 429) } },
  }, async (req, reply) => {
    const r = await accounts.register(req.body, { ...actionContext(req), userAgent: req.headers['user-agent'] });
    setSessionCookie(reply, r.sessionSecret);
    return reply.status(201).send({ user: r.user, csrfToken: r.csrfToken });
  });

  app.get('/api/auth/me', {
    config: { scope: 'authenticated', audit: false },
    schema: { tags: ['auth'], summary: 'The signed-in account', response: { 200: SessionReply, ...errors(401) } },
  }, async (req) => ({ user: await accounts.describe(req.principal!.userId, req.principal), csrfToken: req.principal!.csrfToken ?? '' }));

  app.post('/api/auth/logout', {
    config: { scope: 'authenticated', audit: 'auth.logout' },
    schema: { tags: ['auth'], summary: 'Sign out (ends this session)', response: { 204: Type.Null(), ...errors(401, 403) } },
  }, async (req, reply) => {
    await accounts.logout(req.principal!, actionContext(req));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send(null);
  });

  app.post('/api/org/accounts', {
    config: { scope: 'org:write', audit: 'org.account.create' },
    schema: { tags: ['org'], summary: 'Create a staff account with role grants', body: CreateStaffBody, response: { 201: AccountSummary, ...errors(400, 401, 403, 409) } },
  }, async (req, reply) => reply.status(201).send(await accounts.createStaff(req.body, actionContext(req))));

  app.get('/api/org/accounts/:id', {
    config: { scope: 'org:read', audit: false },
    schema: { tags: ['org'], summary: 'An account, personal data masked', params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: AccountSummary, ...errors(401, 403, 404) } },
  }, async (req) => accounts.summary(req.params.id));

  app.post('/api/org/accounts/:id/reveal', {
    config: { scope: 'pii:read', audit: 'org.account.pii.read' },
    schema: {
      tags: ['org'],
      summary: 'Full phone and ID number (audited; state the reason)',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      body: Type.Object({ reason: Type.String({ minLength: 2, maxLength: 200 }) }, { additionalProperties: false }),
      response: { 200: AccountPii, ...errors(400, 401, 403, 404) },
    },
  }, async (req) => accounts.revealPii(req.params.id, { ...actionContext(req), principal: req.principal! }, req.body.reason));

  app.post('/api/org/tokens', {
    config: { scope: 'tokens:write', audit: 'org.token.create' },
    schema: { tags: ['org'], summary: 'Issue an API token for a system', body: CreateTokenBody, response: { 201: CreatedToken, ...errors(400, 401, 403) } },
  }, async (req, reply) => reply.status(201).send(await accounts.createApiToken(req.body, actionContext(req))));

  app.delete('/api/org/tokens/:id', {
    config: { scope: 'tokens:write', audit: 'org.token.revoke' },
    schema: { tags: ['org'], summary: 'Revoke an API token', params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 204: Type.Null(), ...errors(401, 403) } },
  }, async (req, reply) => {
    await accounts.revokeApiToken(req.params.id, actionContext(req));
    return reply.status(204).send(null);
  });
}
