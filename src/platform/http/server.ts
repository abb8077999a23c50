import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { AppError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import { isScope, type Principal } from '../auth/roles.ts';
import type { ActionContext } from './route-config.ts';
import './route-config.ts';

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;

export interface ServerOptions {
  logLevel: string;
  bodyLimit?: number;
  /** Finds the caller from the request's cookie or bearer token; undefined when anonymous. */
  authenticate: (req: FastifyRequest) => Promise<Principal | undefined>;
  /** The CSRF token bound to a cookie session. */
  csrfTokenOf: (principal: Principal) => string | undefined;
  version: string;
}

// Bodies are validated strictly (no coercion, unknown fields refused); query strings and params
// arrive as text, so they are coerced to the declared types.
function makeAjv(coerce: boolean) {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

export interface RouteEntry {
  method: string;
  url: string;
  scope: string;
  audit: string | false;
}
const routeTables = new WeakMap<object, RouteEntry[]>();
/** Every route with its declared scope and audit action (for the conventions test and docs). */
export const routeTable = (app: App): RouteEntry[] => routeTables.get(app) ?? [];

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function createServer(opts: ServerOptions): Promise<App> {
  const app = Fastify({
    logger: {
      level: opts.logLevel,
      redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]'],
    },
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : uuidv7();
    },
    return503OnClosing: true,
    trustProxy: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const bodyAjv = makeAjv(false);
  const textAjv = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object),
  );

  const table: RouteEntry[] = [];
  routeTables.set(app, table);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) {
      route.config = { ...(route.config as object), scope: 'public', audit: false };
      route.schema = { ...route.schema, hide: true };
    }
    const cfg = (route.config ?? {}) as { scope?: unknown; audit?: unknown };
    if (!isScope(cfg.scope)) {
      throw new Error(`route ${route.method} ${route.url} declares no valid scope`);
    }
    if (cfg.audit !== false && (typeof cfg.audit !== 'string' || !/^[a-z][a-z0-9]*(\.[a-z0-9_-]+)+$/.test(cfg.audit))) {
      throw new Error(`route ${route.method} ${route.url} declares no audit action (a name, or false for reads)`);
    }
    for (const method of [route.method].flat()) {
      table.push({ method, url: route.url, scope: cfg.scope, audit: cfg.audit as string | false });
    }
  });

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'yiwang 一网 API', version: opts.version, description: 'Integrated government service platform' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'yw_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });

  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { scope: 'public', audit: false }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  app.addHook('onRequest', async (req) => {
    const cfg = req.routeOptions.config;
    if (!cfg?.scope) return; // 404s: nothing to authorise
    req.principal = await opts.authenticate(req);
    if (cfg.scope === 'public') return;
    if (!req.principal) throw new AppError('AUTH_REQUIRED', '请先登录 (sign in first)', 401);
    if (cfg.scope !== 'authenticated' && !req.principal.permissions.has(cfg.scope)) {
      throw new AppError('FORBIDDEN', `无权执行此操作 (missing permission ${cfg.scope})`, 403);
    }
    // Cookie sessions must echo their CSRF token on every unsafe request; bearer tokens are not
    // sent by browsers automatically and need no such check.
    if (UNSAFE.has(req.method) && req.principal.via === 'session') {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || sent !== opts.csrfTokenOf(req.principal)) {
        throw new AppError('CSRF_TOKEN_INVALID', 'CSRF token missing or wrong: reload the page and try again', 403);
      }
    }
  });

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) {
      if (err.status >= 500) req.log.error({ err }, err.message);
      return reply
        .status(err.status)
        .send({ code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.status(400).send({
        code: 'VALIDATION_FAILED',
        message: `请求数据不正确 (invalid ${fe.validationContext ?? 'input'}): ${fe.message}`,
        details: fe.validation.map((v) => ({ path: v.instancePath, message: v.message, params: v.params })),
      });
    }
    const mapped = FASTIFY_CODES[fe.code ?? ''];
    if (mapped) return reply.status(mapped[0]).send({ code: mapped[1], message: mapped[2] });
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ code: 'BAD_REQUEST', message: fe.message });
    }
    req.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send({ code: 'INTERNAL', message: `服务器内部错误，请稍后重试 (internal error, request ${req.id})` });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ code: 'NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]}` }),
  );

  return app;
}

const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'JSON_MALFORMED', '请求体不是合法的 JSON (malformed JSON body)'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'JSON_MALFORMED', '请求体为空 (empty JSON body)'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'BODY_TOO_LARGE', '请求体过大 (request body too large)'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'MEDIA_TYPE_UNSUPPORTED', '不支持的内容类型 (unsupported content type)'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST', 'Content-Length does not match the body'],
};

/** The audit actor and trace of a request, for service calls. */
export function actionContext(req: FastifyRequest): ActionContext {
  const p = req.principal;
  return {
    actor: p
      ? { kind: p.via === 'token' ? 'token' : 'user', id: p.userId, label: p.displayName }
      : { kind: 'anonymous' },
    principal: p,
    requestId: String(req.id),
    ip: req.ip,
  };
}

/** Error body shared by every route's 4xx/5xx responses in the OpenAPI document. */
export { ErrorBody } from './schemas.ts';
