import type { Config } from './config.ts';
import type { Db } from './db.ts';
import type { Clock } from './clock.ts';
import type { MigrationSource } from './migrate.ts';
import type { App } from './http/server.ts';
import type { PiiVault } from './crypto/pii.ts';
import type { WorkingCalendar } from './calendar/calendar.ts';
import type { JobQueue } from './jobs/jobs.ts';

// What the platform hands every module, and the shape a module registers itself with.
// Modules are listed explicitly in app.ts: no autoloading.

export interface Platform {
  config: Config;
  db: Db;
  clock: Clock;
  pii: PiiVault;
  calendar: WorkingCalendar;
  jobs: JobQueue;
}

export interface SeedOptions {
  /** Create demo accounts and demo content (embedded database or explicit --demo only). */
  demo: boolean;
  log: (line: string) => void;
}

export interface ModuleDefinition {
  name: string;
  migrations?: MigrationSource;
  routes?: (app: App, platform: Platform) => void | Promise<void>;
  /** Registers typed job definitions and outbox subscribers. */
  jobs?: (platform: Platform) => void;
  seed?: (platform: Platform, opts: SeedOptions) => Promise<void>;
}

export const defineModule = (m: ModuleDefinition): ModuleDefinition => m;
