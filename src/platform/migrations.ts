import { fileURLToPath } from 'node:url';
import type { MigrationSource } from './migrate.ts';

/** The platform's own tables (audit log, calendar overrides, jobs, outbox). Applied before modules. */
export const platformMigrations: MigrationSource = {
  owner: 'platform',
  dir: fileURLToPath(new URL('./migrations/', import.meta.url)),
};
