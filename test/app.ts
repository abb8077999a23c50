import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, createPlatform, migrationSources, seedPlatform } from '../src/app.ts';
import { loadConfig } from '../src/platform/config.ts';
import type { Clock } from '../src/platform/clock.ts';
import type { App } from '../src/platform/http/server.ts';
import type { Platform } from '../src/platform/module.ts';
import { createTestDb, type Engine } from './db.ts';

// Builds the whole app on a fresh test database, seeded with the reference district and the demo
// accounts. Tests call it with app.inject; browser tests listen on a random port.

export interface TestApp {
  app: App;
  platform: Platform;
  close(): Promise<void>;
}

export async function buildTestApp(engine: Engine = 'pglite', opts: { clock?: Clock; demo?: boolean } = {}): Promise<TestApp> {
  const t = await createTestDb(engine, migrationSources());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-test-'));
  const config = {
    ...loadConfig({ YIWANG_LOG_LEVEL: process.env.YIWANG_LOG_LEVEL ?? 'silent' }),
    dataDir,
    piiKey: randomBytes(32).toString('base64'),
    webDir: path.resolve('web/dist'),
  };
  const platform = await createPlatform({ config, db: t.db, clock: opts.clock });
  await seedPlatform(platform, { demo: opts.demo ?? true });
  const app = await buildApp(platform);
  await app.ready();
  return {
    app,
    platform,
    close: async () => {
      await app.close();
      await t.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startTestServer(
  engine: Engine = 'pglite',
  opts: { clock?: Clock } = {},
): Promise<{ url: string; close(): Promise<void>; platform: Platform }> {
  const t = await buildTestApp(engine, opts);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: t.close, platform: t.platform };
}

/** Signs in through the API and returns what later requests need: the cookie and CSRF header. */
export async function login(app: App, username: string, password = 'yiwang-demo-2026') {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'yw_session')!;
  const body = res.json() as { csrfToken: string; user: { id: string } };
  return {
    userId: body.user.id,
    headers: { cookie: `yw_session=${cookie.value}`, 'x-csrf-token': body.csrfToken },
    cookieOnly: { cookie: `yw_session=${cookie.value}` },
  };
}
