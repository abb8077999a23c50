import fs from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { buildApp, createPlatform, migrationSources, seedPlatform, VERSION } from './app.ts';
import { migrate } from './platform/migrate.ts';
import { loadConfig, type Config } from './platform/config.ts';
import { AppError } from './platform/errors.ts';
import { systemActor, verifyAuditChain } from './platform/audit.ts';
import { createWorker } from './platform/jobs/worker.ts';
import { runCalendarCommand } from './platform/calendar/calendar.cli.ts';
import { backupDatabase, restoreDatabase } from './platform/backup.ts';
import { openDb } from './platform/db.ts';
import type { Platform } from './platform/module.ts';
import { accountsOf, DEMO_ACCOUNTS, DEMO_PASSWORD, importDistrict } from './modules/org/index.ts';
import { exportCatalog, importCatalog } from './modules/catalog/index.ts';
import { DISPATCH_USAGE, runDispatchCommand } from './modules/dispatch/index.ts';

// The `yiwang` command line. Each command returns an exit code; errors with a code print their
// message, never a stack trace.

const USAGE = `yiwang ${VERSION} — 一网 integrated government service platform

Usage: yiwang <command> [options]

  serve [--demo|--no-demo]      serve the platform (default command); PORT, YIWANG_DATA_DIR, DATABASE_URL
  worker                         run the job worker only (when the server runs with YIWANG_WORKER=false)
  migrate                        apply pending migrations and exit
  seed [--demo]                  load the reference district (and demo accounts with --demo)
  org import FILE                import a district file (units, duties, gazetteer, dispatch rules)
  catalog export [FILE] | catalog import FILE   the service catalogue as JSON
  user create-admin --username NAME [--unit CODE] [--name TEXT]   password from YIWANG_ADMIN_PASSWORD or stdin
  audit verify                   check the audit hash chain; exit 1 and name the first broken row
  calendar <sub> …               add-working-days DATE N | is-working-day DATE | working-days-between A B | describe DATE | month YYYY-MM
  backup FILE                    write a consistent dump of the database
  restore FILE                   load a dump into an empty database (fresh YIWANG_DATA_DIR or DATABASE_URL)
${DISPATCH_USAGE}
`;

type Out = (line: string) => void;

async function withPlatform<T>(fn: (p: Platform) => Promise<T>, config?: Config): Promise<T> {
  const platform = await createPlatform({ config });
  try {
    return await fn(platform);
  } finally {
    await platform.db.close();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new AppError('PASSWORD_REQUIRED', 'set YIWANG_ADMIN_PASSWORD or pipe the password on stdin');
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  return data.trim();
}

/** Demo accounts only on an embedded database, or when asked for explicitly; never silently on a server. */
export function shouldSeedDemo(config: Pick<Config, 'databaseUrl'>, flags: { demo?: boolean; 'no-demo'?: boolean }): boolean {
  if (flags['no-demo']) return false;
  return !!flags.demo || !config.databaseUrl;
}

async function serve(flags: { demo?: boolean; 'no-demo'?: boolean }, out: Out): Promise<number> {
  const started = performance.now();
  const config = loadConfig();
  const platform = await createPlatform({ config });
  const demo = shouldSeedDemo(config, flags);
  await seedPlatform(platform, { demo, log: out });
  const app = await buildApp(platform);
  const worker = config.inProcessWorker ? createWorker({ queue: platform.jobs }) : undefined;
  await app.listen({ port: config.port, host: config.host });
  worker?.start();
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  out(`yiwang ${VERSION} serving http://${shownHost}:${port}  (${platform.db.engine}${config.databaseUrl ? '' : `, data in ${config.dataDir}`}; ready in ${Math.round(performance.now() - started)} ms)`);
  out(`API docs http://${shownHost}:${port}/docs`);
  if (demo) {
    out(`Demo accounts (password ${DEMO_PASSWORD}):`);
    for (const a of DEMO_ACCOUNTS) out(a.kind === 'staff' ? `  ${a.username.padEnd(12)} ${a.role.padEnd(15)} ${a.displayName}` : `  ${a.phone.padEnd(12)} ${a.kind.padEnd(15)} ${a.displayName}`);
  }
  await new Promise<void>((resolve) => {
    const stop = async (signal: string) => {
      out(`${signal}: shutting down`);
      await app.close(); // stops accepting, lets requests in flight finish
      await worker?.stop();
      await platform.db.close();
      resolve();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
  return 0;
}

async function runWorker(out: Out): Promise<number> {
  const platform = await createPlatform();
  const worker = createWorker({ queue: platform.jobs });
  worker.start();
  out('yiwang worker running; Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    const stop = async () => {
      await worker.stop();
      await platform.db.close();
      resolve();
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });
  return 0;
}

export async function main(argv: string[], out: Out = (l) => console.log(l), err: Out = (l) => console.error(l)): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean' }, 'no-demo': { type: 'boolean' } } });
        return await serve(values, out);
      }
      case 'worker':
        return await runWorker(out);
      case 'migrate': {
        const config = loadConfig();
        await withPlatform(async (p) => out(`migrations applied; database ready (${p.db.engine})`), config);
        return 0;
      }
      case 'seed': {
        const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean' } } });
        await withPlatform((p) => seedPlatform(p, { demo: !!values.demo, log: out }));
        return 0;
      }
      case 'org': {
        const [sub, file] = rest;
        if (sub !== 'import' || !file) return usage(err);
        const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
        const summary = await withPlatform((p) => importDistrict(p.db, p.clock, doc, { actor: systemActor('cli') }));
        out(`imported ${summary.district}: ${summary.units} units (${summary.created} new, ${summary.updated} updated), ${summary.gazetteerEntries} gazetteer entries, ${summary.dispatchRules} dispatch rules`);
        return 0;
      }
      case 'catalog': {
        const [sub, file] = rest;
        if (sub === 'export') {
          const doc = await withPlatform(async (p) => {
            await seedPlatform(p, { demo: false }); // a new folder exports the shipped catalogue, not nothing
            return exportCatalog(p);
          });
          const text = `${JSON.stringify(doc, null, 2)}\n`;
          if (file) fs.writeFileSync(file, text);
          else process.stdout.write(text);
          return 0;
        }
        if (sub !== 'import' || !file) return usage(err);
        const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
        const summary = await withPlatform(async (p) => {
          await seedPlatform(p, { demo: false }); // the org units the catalogue names must exist
          return importCatalog(p, doc, { actor: systemActor('cli') });
        });
        out(`catalogue imported: ${JSON.stringify(summary)}`);
        return 0;
      }
      case 'user': {
        const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: { username: { type: 'string' }, unit: { type: 'string' }, name: { type: 'string' } } });
        if (positionals[0] !== 'create-admin' || !values.username) return usage(err);
        const password = process.env.YIWANG_ADMIN_PASSWORD || (await readStdin());
        const account = await withPlatform(async (p) => {
          await seedPlatform(p, { demo: false }); // the org tree must exist to grant on it
          return accountsOf(p).createStaff({ username: values.username!, displayName: values.name ?? values.username!, password, grants: [{ role: 'admin', unitCode: values.unit ?? 'YX' }] }, { actor: systemActor('cli') });
        });
        out(`created administrator ${account.username} (${account.id})`);
        return 0;
      }
      case 'audit': {
        if (rest[0] !== 'verify') return usage(err);
        const report = await withPlatform((p) => verifyAuditChain(p.db));
        if (report.ok) {
          out(`audit chain intact: ${report.rows} rows in ${report.chains} chains`);
          return 0;
        }
        err(`audit chain BROKEN at chain ${report.brokenAt!.chain} row seq=${report.brokenAt!.seq} id=${report.brokenAt!.id}: ${report.brokenAt!.reason} (${report.rows} rows verified before it)`);
        return 1;
      }
      case 'dispatch':
        return await runDispatchCommand(rest, out, err, { withPlatform });
      case 'calendar':
        return await withPlatform((p) => runCalendarCommand(rest, p.calendar, out, { db: p.db, actor: systemActor('cli') }));
      case 'backup': {
        if (!rest[0]) return usage(err);
        const config = loadConfig();
        const db = await openDb(config);
        try {
          const r = await backupDatabase(db, rest[0]);
          out(`backup written to ${rest[0]}: ${r.tables} tables, ${r.rows} rows`);
        } finally {
          await db.close();
        }
        return 0;
      }
      case 'restore': {
        if (!rest[0]) return usage(err);
        const config = loadConfig();
        const db = await openDb(config);
        try {
          await migrate(db, migrationSources());
          const r = await restoreDatabase(db, rest[0]);
          out(`restored ${r.tables} tables, ${r.rows} rows; checksums match`);
          // The dump never holds the personal-data key; without the same key phones and ID numbers stay sealed.
          if (!config.piiKey && !fs.existsSync(path.join(config.dataDir, 'pii.key'))) {
            out(`note: copy pii.key from the source data folder into ${config.dataDir} (or set YIWANG_PII_KEY) before starting`);
          }
        } finally {
          await db.close();
        }
        return 0;
      }
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return 0;
      case '--version':
        out(VERSION);
        return 0;
      default:
        return usage(err);
    }
  } catch (e) {
    if (e instanceof AppError) {
      err(`error ${e.code}: ${e.message}`);
      return e.code === 'CALENDAR_YEAR_UNKNOWN' ? 1 : 2;
    }
    if ((e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      err((e as Error).message);
      return 2;
    }
    if (e instanceof SyntaxError) {
      err(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

function usage(err: Out): number {
  err(USAGE);
  return 2;
}
