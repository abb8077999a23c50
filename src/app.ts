import fs from 'node:fs';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { loadConfig, type Config } from './platform/config.ts';
import { openDb, type Db } from './platform/db.ts';
import { migrate, pendingMigrations, type MigrationSource } from './platform/migrate.ts';
import { platformMigrations } from './platform/migrations.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { loadPiiKey, PiiVault } from './platform/crypto/pii.ts';
import { createCalendar } from './platform/calendar/calendar.ts';
import { createJobQueue } from './platform/jobs/jobs.ts';
import { createServer, type App } from './platform/http/server.ts';
import type { ModuleDefinition, Platform } from './platform/module.ts';
import { calendarRoutes } from './platform/calendar/calendar.routes.ts';
import { auditRoutes } from './platform/audit.routes.ts';
import { jobsRoutes } from './platform/jobs/jobs.routes.ts';
import { orgModule, accountsOf, SESSION_COOKIE } from './modules/org/index.ts';
import { knowledgeModule } from './modules/knowledge/index.ts';
import { open311Module } from './modules/open311/index.ts';
import { hotlineModule } from './modules/hotline/index.ts';
import { queueModule } from './modules/queue/index.ts';
import { catalogModule } from './modules/catalog/index.ts';
import { casesModule } from './modules/cases/index.ts';
import { dispatchModule } from './modules/dispatch/index.ts';
import { ratingsModule } from './modules/ratings/index.ts';

// Composition root: the platform first, then the modules in a fixed, explicit order (their
// migrations apply in this order too).
export const MODULES: ModuleDefinition[] = [orgModule, knowledgeModule, hotlineModule, queueModule, catalogModule, casesModule, open311Module, dispatchModule, ratingsModule];

export const VERSION = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version as string;

export function migrationSources(modules = MODULES): MigrationSource[] {
  return [platformMigrations, ...modules.flatMap((m) => (m.migrations ? [m.migrations] : []))];
}

export interface PlatformOptions {
  config?: Config;
  /** An already open database (tests); otherwise opened from config. */
  db?: Db;
  clock?: Clock;
  modules?: ModuleDefinition[];
}

/** Opens the database, applies migrations and assembles the platform services. */
export async function createPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const config = opts.config ?? loadConfig();
  const db = opts.db ?? (await openDb(config));
  try {
    await migrate(db, migrationSources(opts.modules));
    const clock = opts.clock ?? systemClock;
    const pii = new PiiVault(loadPiiKey({ key: config.piiKey, dataDir: config.dataDir }));
    const platform: Platform = { config, db, clock, pii, calendar: createCalendar(db, { clock }), jobs: createJobQueue({ db, clock }) };
    for (const m of opts.modules ?? MODULES) m.jobs?.(platform);
    return platform;
  } catch (err) {
    if (!opts.db) await db.close();
    throw err;
  }
}

export async function seedPlatform(platform: Platform, opts: { demo: boolean; log?: (line: string) => void; modules?: ModuleDefinition[] }) {
  for (const m of opts.modules ?? MODULES) await m.seed?.(platform, { demo: opts.demo, log: opts.log ?? (() => {}) });
}

function bearerOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/** Builds the HTTP app: platform routes, module routes, the web app and health checks. */
export async function buildApp(platform: Platform, modules = MODULES): Promise<App> {
  const accounts = accountsOf(platform);
  const app = await createServer({
    logLevel: platform.config.logLevel,
    version: VERSION,
    authenticate: (req) => accounts.authenticate(req.cookies[SESSION_COOKIE], bearerOf(req)),
    csrfTokenOf: (p) => p.csrfToken,
  });

  app.get('/healthz', {
    config: { scope: 'public', audit: false },
    schema: { tags: ['ops'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    config: { scope: 'public', audit: false },
    schema: {
      tags: ['ops'],
      summary: 'Readiness: database reachable and every migration applied',
      response: { 200: Type.Object({ status: Type.String(), engine: Type.String(), pendingMigrations: Type.Integer() }), 503: Type.Object({ status: Type.String(), reason: Type.String() }) },
    },
  }, async (_req, reply) => {
    try {
      await platform.db.query('SELECT 1');
      const pending = await pendingMigrations(platform.db, migrationSources(modules));
      if (pending.length) return reply.status(503).send({ status: 'not ready', reason: `${pending.length} migrations pending` });
      return { status: 'ready', engine: platform.db.engine, pendingMigrations: 0 };
    } catch (err) {
      return reply.status(503).send({ status: 'not ready', reason: (err as Error).message });
    }
  });

  calendarRoutes(app, platform);
  auditRoutes(app, platform);
  jobsRoutes(app, platform);
  for (const m of modules) await m.routes?.(app, platform);
  serveWebApp(app, platform.config.webDir);
  return app;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

/** The built Vue app: files from web/dist, and index.html for client-side routes. */
function serveWebApp(app: App, webDir: string) {
  const root = path.resolve(webDir);
  app.get('/*', { config: { scope: 'public', audit: false }, schema: { hide: true } }, async (req, reply) => {
    const urlPath = decodeURIComponent(req.url.split('?')[0]!);
    if (urlPath.startsWith('/api/')) return reply.status(404).send({ code: 'NOT_FOUND', message: `No route GET ${urlPath}` });
    let file = path.resolve(root, `.${urlPath}`);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      file = path.join(root, 'index.html');
    }
    if (!fs.existsSync(file)) {
      return reply.status(503).type('text/plain; charset=utf-8').send('The web app is not built yet: run `npm run build:web` (npm start does it).');
    }
    const immutable = urlPath.startsWith('/assets/');
    return reply
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .type(MIME[path.extname(file)] ?? 'application/octet-stream')
      .send(fs.createReadStream(file));
  });
}
