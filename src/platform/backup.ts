import fs from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Db, Queryable, Tx } from './db.ts';
import { AppError, sqlState } from './errors.ts';

// Logical backup that restores into either engine (PGlite ↔ PostgreSQL server). The file is gzip'd
// NDJSON:
//   {"format":"yiwang-backup","formatVersion":1,"createdAt","engine","migrations":[{owner,version,checksum}]}
//   {"table":"schema.name","columns":[{name,type}],"rows":N,"checksum":"<md5>"}   then N row lines
//   {"sequence":"schema.name","lastValue":"42","isCalled":true}                   one per sequence
//   {"end":true,"tables":T,"rows":R,"sequences":S}                                 missing ⇒ truncated
// A row line maps each column to its PostgreSQL text form ({"id":"1","doc":"null",…}), the same
// lossless form COPY uses: JSON's own types would merge SQL NULL with JSON null and round numbers.
// Row lines are built in SQL and never parsed in JS. Tables come in foreign-key order.
// The checksum is computed in SQL over each row's record text in a fixed order, under fixed output
// settings, so both engines and both sides of a restore produce the same text.

export interface BackupSummary {
  tables: number;
  rows: number;
  bytes: number;
}

export interface RestoreSummary {
  /** Tables loaded; the migration ledger is checked, not loaded. */
  tables: number;
  rows: number;
}

const FORMAT = 'yiwang-backup';
const FORMAT_VERSION = 1;
const LEDGER = 'platform.schema_migration';
const PAGE_ROWS = 5000;
const BATCH_ROWS = 1000;
const BATCH_CHARS = 4_000_000;
// Rows per md5 bucket: bounds the memory string_agg needs, whatever the table's size.
const CHECKSUM_BUCKET = 1000;

// Every output function whose text depends on a setting is pinned, so the record text (and so the
// checksum) is the same on any engine and any server configuration. search_path makes format_type
// qualify user types and keeps every unqualified function a built-in.
const OUTPUT_SETTINGS = `
  SET LOCAL TimeZone = 'UTC';
  SET LOCAL DateStyle = 'ISO, YMD';
  SET LOCAL IntervalStyle = 'postgres';
  SET LOCAL extra_float_digits = 1;
  SET LOCAL bytea_output = 'hex';
  SET LOCAL lc_monetary = 'C';
  SET LOCAL search_path = pg_catalog;`;

// ---------- catalog ----------

interface Column {
  name: string;
  type: string;
}

interface TableInfo {
  /** schema.name as written in the file */
  key: string;
  qname: string;
  oid: number;
  columns: (Column & { quoted: string; isGenerated: boolean })[];
  /** ORDER BY over alias _r: primary key, else the record text; "C" collation on both engines. */
  orderBy: string;
  /** Its migration inserts reference rows (marked with REFERENCE_ROWS); a restore replaces them. */
  hasReferenceRows: boolean;
}

/**
 * A migration that inserts reference rows (default settings, version 1 of a list) marks the table
 * with `COMMENT ON TABLE … IS '… yiwang:reference-rows'`. A newly migrated database then holds
 * those rows, and a restore replaces them with the backup's instead of calling the target full.
 */
export const REFERENCE_ROWS = 'yiwang:reference-rows';

interface SequenceInfo {
  key: string;
  qname: string;
}

const USER_RELATION = `
  n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

async function loadCatalog(q: Queryable): Promise<{ tables: TableInfo[]; sequences: SequenceInfo[] }> {
  const rels = await q.query<{ oid: number; kind: string; key: string; qname: string; note: string | null }>(
    `SELECT c.oid::int8 AS oid, c.relkind::text AS kind, n.nspname || '.' || c.relname AS key,
            quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qname,
            obj_description(c.oid, 'pg_class') AS note
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'S') AND c.relpersistence <> 't' AND ${USER_RELATION}
      ORDER BY n.nspname, c.relname`,
  );
  const cols = await q.query<{ rel: number; attnum: number; name: string; quoted: string; type: string; is_generated: boolean; is_collatable: boolean }>(
    `SELECT a.attrelid::int8 AS rel, a.attnum::int AS attnum, a.attname::text AS name,
            quote_ident(a.attname) AS quoted, format_type(a.atttypid, a.atttypmod) AS type,
            a.attgenerated <> '' AS is_generated, a.attcollation <> 0 AS is_collatable
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_RELATION}
      ORDER BY a.attrelid, a.attnum`,
  );
  const pks = await q.query<{ rel: number; attnum: number }>(
    `SELECT i.indrelid::int8 AS rel, k.attnum::int AS attnum
       FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      WHERE i.indisprimary ORDER BY i.indrelid, k.ord`,
  );
  const fks = await q.query<{ child: number; parent: number }>(
    `SELECT conrelid::int8 AS child, confrelid::int8 AS parent FROM pg_constraint WHERE contype = 'f'`,
  );

  const tables: TableInfo[] = [];
  const sequences: SequenceInfo[] = [];
  for (const r of rels) {
    if (r.kind === 'S') {
      sequences.push({ key: r.key, qname: r.qname });
      continue;
    }
    const own = cols.filter((c) => c.rel === r.oid);
    const byNum = new Map(own.map((c) => [c.attnum, c]));
    const pk = pks.filter((p) => p.rel === r.oid).map((p) => byNum.get(p.attnum)!);
    const orderBy = pk.length
      ? pk.map((c) => `_r.${c.quoted}${c.is_collatable ? ' COLLATE "C"' : ''}`).join(', ')
      : `ROW(_r.*)::text COLLATE "C"`; // identical rows tie, and tie to the same text
    tables.push({
      key: r.key,
      qname: r.qname,
      oid: r.oid,
      columns: own.map((c) => ({ name: c.name, type: c.type, quoted: c.quoted, isGenerated: c.is_generated })),
      orderBy,
      hasReferenceRows: (r.note ?? '').includes(REFERENCE_ROWS),
    });
  }
  return { tables: foreignKeyOrder(tables, fks), sequences };
}

/** Parents before children; a cycle is broken by name order (the load disables FK triggers). */
function foreignKeyOrder(tables: TableInfo[], fks: { child: number; parent: number }[]): TableInfo[] {
  const parents = new Map<number, Set<number>>();
  for (const f of fks) {
    if (f.child === f.parent) continue;
    if (!parents.has(f.child)) parents.set(f.child, new Set());
    parents.get(f.child)!.add(f.parent);
  }
  const left = [...tables];
  const placed = new Set<number>();
  const ordered: TableInfo[] = [];
  while (left.length) {
    let i = left.findIndex((t) => [...(parents.get(t.oid) ?? [])].every((p) => placed.has(p) || !tables.some((x) => x.oid === p)));
    if (i < 0) i = 0;
    const [t] = left.splice(i, 1);
    placed.add(t!.oid);
    ordered.push(t!);
  }
  return ordered;
}

/** Row count and checksum of a table: md5 of per-bucket md5s of the record text in key order. */
async function tableChecksum(q: Queryable, t: TableInfo): Promise<{ rows: number; checksum: string }> {
  const [r] = await q.query<{ rows: number; checksum: string }>(
    `SELECT coalesce(sum(c), 0)::int8 AS rows, md5(coalesce(string_agg(h, '' ORDER BY b), '')) AS checksum
       FROM (SELECT (n - 1) / ${CHECKSUM_BUCKET} AS b, count(*) AS c, md5(string_agg(x, E'\\n' ORDER BY n)) AS h
               FROM (SELECT row_number() OVER (ORDER BY ${t.orderBy}) AS n, ROW(_r.*)::text AS x
                       FROM ${t.qname} AS _r) s
              GROUP BY 1) p`,
  );
  return r!;
}

async function appliedMigrations(q: Queryable): Promise<MigrationRef[]> {
  const [ledger] = await q.query<{ ok: boolean }>(`SELECT to_regclass('${LEDGER}') IS NOT NULL AS ok`);
  if (!ledger?.ok) return [];
  return q.query<MigrationRef>(
    `SELECT owner, version, checksum FROM ${LEDGER} ORDER BY owner COLLATE "C", version`,
  );
}

interface MigrationRef {
  owner: string;
  version: number;
  checksum: string;
}

// ---------- backup ----------

/** Writes a consistent dump of every user table and sequence to `file` (via `file.partial`). */
export async function backupDatabase(db: Db, file: string): Promise<BackupSummary> {
  const partial = `${file}.partial`;
  const gz = zlib.createGzip();
  const written = pipeline(gz, fs.createWriteStream(partial));
  written.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  const put = async (line: string) => {
    if (!gz.write(`${line}\n`)) await Promise.race([once(gz, 'drain'), written]);
  };
  try {
    const totals = await db.tx(async (tx) => {
      // Must be the transaction's first statement: every read below sees one snapshot.
      await tx.exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; ${OUTPUT_SETTINGS}`);
      const catalog = await loadCatalog(tx);
      await put(
        JSON.stringify({
          format: FORMAT,
          formatVersion: FORMAT_VERSION,
          createdAt: new Date().toISOString(),
          engine: db.engine,
          migrations: await appliedMigrations(tx),
        }),
      );
      let rows = 0;
      for (const t of catalog.tables) {
        const sum = await tableChecksum(tx, t);
        await put(JSON.stringify({ table: t.key, columns: t.columns.map(({ name, type }) => ({ name, type })), ...sum }));
        rows += await writeRows(tx, t, put, sum.rows);
      }
      for (const s of catalog.sequences) {
        const [v] = await tx.query<{ last_value: string; is_called: boolean }>(
          `SELECT last_value::text AS last_value, is_called FROM ${s.qname}`,
        );
        await put(JSON.stringify({ sequence: s.key, lastValue: v!.last_value, isCalled: v!.is_called }));
      }
      await put(JSON.stringify({ end: true, tables: catalog.tables.length, rows, sequences: catalog.sequences.length }));
      return { tables: catalog.tables.length, rows };
    });
    gz.end();
    await written;
    const fd = fs.openSync(partial, 'r+');
    try {
      fs.fsyncSync(fd); // the rename must not publish a file whose data is still in the page cache
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(partial, file);
    return { ...totals, bytes: fs.statSync(file).size };
  } catch (err) {
    gz.destroy();
    await written.catch(() => {});
    fs.rmSync(partial, { force: true });
    throw err;
  }
}

/** Streams a table's rows through a cursor, a page at a time, in the checksum's order. */
async function writeRows(tx: Tx, t: TableInfo, put: (line: string) => Promise<void>, expected: number): Promise<number> {
  // json_object rather than json_build_object: the latter stops at 50 columns.
  const names = `ARRAY[${t.columns.map((c) => quoteLiteral(c.name)).join(', ')}]::text[]`;
  const values = `ARRAY[${t.columns.map((c) => `_r.${c.quoted}::text`).join(', ')}]::text[]`;
  await tx.query(
    `DECLARE yiwang_backup_rows NO SCROLL CURSOR FOR
       SELECT json_object(${names}, ${values})::text AS j FROM ${t.qname} AS _r ORDER BY ${t.orderBy}`,
  );
  let n = 0;
  for (;;) {
    const page = await tx.query<{ j: string }>(`FETCH ${PAGE_ROWS} FROM yiwang_backup_rows`);
    for (const { j } of page) await put(j);
    n += page.length;
    if (page.length < PAGE_ROWS) break;
  }
  await tx.query('CLOSE yiwang_backup_rows');
  // Same snapshot, so this cannot differ; checked because the file's framing depends on it.
  if (n !== expected) throw new Error(`${t.key}: counted ${expected} rows but read ${n}`);
  return n;
}

// ---------- restore ----------

const invalid = (file: string, why: string) =>
  new AppError('BACKUP_FILE_INVALID', `${file} is not a complete yiwang backup: ${why}`);

/** Lines of a gzip'd file; a read or decompression error (truncation, corruption) is BACKUP_FILE_INVALID. */
async function* readLines(file: string): AsyncGenerator<string> {
  const src = fs.createReadStream(file);
  const gunzip = zlib.createGunzip();
  src.on('error', (e) => gunzip.destroy(e));
  src.pipe(gunzip).setEncoding('utf8');
  let rest = '';
  try {
    for await (const chunk of gunzip as AsyncIterable<string>) {
      rest += chunk;
      let start = 0;
      for (let i = rest.indexOf('\n'); i >= 0; i = rest.indexOf('\n', start)) {
        yield rest.slice(start, i);
        start = i + 1;
      }
      rest = rest.slice(start);
    }
  } catch (err) {
    throw invalid(file, (err as Error).message);
  } finally {
    src.destroy();
    gunzip.destroy();
  }
  if (rest) throw invalid(file, 'the last line is cut off');
}

function parseControl(file: string, line: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(line);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw invalid(file, `expected a header, table, sequence or end line, found: ${line.slice(0, 80)}`);
}

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Inserts `count` row lines in batches. The JSON goes to the server untouched; each text value is
 * cast to its column's type there, by the type's own input function.
 */
async function loadRows(tx: Tx, t: TableInfo, count: number, next: () => Promise<string>, file: string): Promise<void> {
  const cols = t.columns.filter((c) => !c.isGenerated); // generated columns recompute
  // OVERRIDING SYSTEM VALUE keeps the values of GENERATED ALWAYS identity columns.
  const sql = `INSERT INTO ${t.qname} (${cols.map((c) => c.quoted).join(', ')}) OVERRIDING SYSTEM VALUE
               SELECT ${cols.map((c) => `_v.${c.quoted}::${c.type}`).join(', ')}
                 FROM json_to_recordset($1::json) AS _v(${cols.map((c) => `${c.quoted} text`).join(', ')})`;
  let batch: string[] = [];
  let chars = 0;
  const flush = async () => {
    if (!batch.length) return;
    try {
      await tx.query(sql, [`[${batch.join(',')}]`]);
    } catch (err) {
      // The target is empty and migrated alike, so a value its column rejects (22…) or a row that
      // breaks a constraint (23…, e.g. a control line read as a row) means the file is damaged.
      const state = sqlState(err) ?? '';
      if (/^2[23]/.test(state)) throw invalid(file, `a row of ${t.key} cannot be loaded: ${(err as Error).message}`);
      throw err;
    }
    batch = [];
    chars = 0;
  };
  for (let i = 0; i < count; i++) {
    const line = await next();
    if (!line.startsWith('{')) throw invalid(file, `a row of ${t.key} is malformed`);
    batch.push(line);
    chars += line.length;
    if (batch.length >= BATCH_ROWS || chars >= BATCH_CHARS) await flush();
  }
  await flush();
}

const migrationName = (m: { owner: string; version: number }) => `${m.owner}/${String(m.version).padStart(4, '0')}`;

function compareMigrations(backup: MigrationRef[], target: MigrationRef[]): string | undefined {
  const here = new Map(target.map((m) => [migrationName(m), m]));
  for (const m of backup) {
    const t = here.get(migrationName(m));
    if (!t) return `migration ${migrationName(m)} is in the backup but not applied to this database`;
    if (t.checksum !== m.checksum) return `migration ${migrationName(m)} differs (backup ${m.checksum.slice(0, 12)}…, this database ${t.checksum.slice(0, 12)}…)`;
    here.delete(migrationName(m));
  }
  const [extra] = here.keys();
  return extra ? `migration ${extra} is applied to this database but not in the backup` : undefined;
}

const mismatch = (why: string) =>
  new AppError(
    'RESTORE_SCHEMA_MISMATCH',
    `The database must be migrated to exactly the backup's migrations before a restore: ${why}.`,
    409,
  );

/**
 * Loads a backup into an empty database that the caller has migrated to the backup's migration set.
 * One transaction: on any error (bad file, mismatch, checksum) nothing is left behind.
 */
export async function restoreDatabase(db: Db, file: string): Promise<RestoreSummary> {
  const lines = readLines(file);
  const next = async (what: string): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw invalid(file, `it ends before ${what}`);
    return r.value;
  };
  try {
    const header = parseControl(file, await next('the header'));
    if (header.format !== FORMAT) throw invalid(file, 'the first line is not a yiwang-backup header');
    if (header.formatVersion !== FORMAT_VERSION) {
      throw invalid(file, `format version ${String(header.formatVersion)} is not supported (this version reads ${FORMAT_VERSION})`);
    }
    const migrations = header.migrations;
    const isRef = (m: Partial<MigrationRef>) =>
      typeof m?.owner === 'string' && Number.isInteger(m.version) && typeof m.checksum === 'string';
    if (!Array.isArray(migrations) || !migrations.every(isRef)) throw invalid(file, 'the header lists no migrations');

    return await db.tx(async (tx) => {
      await tx.exec(OUTPUT_SETTINGS);
      const differs = compareMigrations(migrations as MigrationRef[], await appliedMigrations(tx));
      if (differs) throw mismatch(differs);

      const catalog = await loadCatalog(tx);
      const tables = new Map(catalog.tables.map((t) => [t.key, t]));
      const sequences = new Map(catalog.sequences.map((s) => [s.key, s]));
      const data = catalog.tables.filter((t) => t.key !== LEDGER);
      // Writers wait until the restore commits, so the emptiness checked here still holds then.
      if (data.length) await tx.query(`LOCK TABLE ${data.map((t) => t.qname).join(', ')} IN EXCLUSIVE MODE`);
      for (const t of data.filter((x) => !x.hasReferenceRows)) {
        const [r] = await tx.query<{ has_rows: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${t.qname}) AS has_rows`);
        if (r!.has_rows) {
          throw new AppError(
            'RESTORE_TARGET_NOT_EMPTY',
            `Table ${t.key} already holds rows; a restore never overwrites data. Restore into a newly migrated database.`,
            409,
          );
        }
      }
      // Replica role skips triggers (append-only guards, FK checks) during the load; it needs
      // superuser, so without it the load relies on the foreign-key order of the file.
      await tx.exec('SAVEPOINT yiwang_restore_role');
      try {
        await tx.exec('SET LOCAL session_replication_role = replica');
      } catch {
        await tx.exec('ROLLBACK TO SAVEPOINT yiwang_restore_role');
      }

      // Nothing else holds rows (the audit log included, so nobody has changed them since the
      // migration): the reference rows give way to the backup's, children first.
      for (const t of [...data].reverse().filter((x) => x.hasReferenceRows)) await tx.exec(`DELETE FROM ${t.qname}`);

      const loaded: { table: TableInfo; rows: number; checksum: string }[] = [];
      let rows = 0;
      const inFile = { tables: 0, rows: 0, sequences: 0 }; // the ledger included, to check the end line
      for (;;) {
        const line = parseControl(file, await next('its end line'));
        if (typeof line.table === 'string') {
          const t = tables.get(line.table);
          if (!t) throw mismatch(`table ${line.table} is in the backup but not in this database`);
          if (!Array.isArray(line.columns)) throw invalid(file, `the line for ${t.key} lists no columns`);
          const columns = line.columns as Column[];
          const want = columns.map((c) => `${c.name} ${c.type}`).join(', ');
          const have = t.columns.map((c) => `${c.name} ${c.type}`).join(', ');
          if (want !== have) throw mismatch(`table ${t.key} has columns (${have}), the backup (${want})`);
          const count = line.rows;
          if (!Number.isSafeInteger(count) || (count as number) < 0 || typeof line.checksum !== 'string') {
            throw invalid(file, `the line for ${t.key} has no row count or checksum`);
          }
          inFile.tables += 1;
          inFile.rows += count as number;
          if (t.key === LEDGER) {
            for (let i = 0; i < (count as number); i++) await next(`the rows of ${t.key}`); // compared above
            continue;
          }
          await loadRows(tx, t, count as number, () => next(`the rows of ${t.key}`), file);
          loaded.push({ table: t, rows: count as number, checksum: line.checksum });
          rows += count as number;
        } else if (typeof line.sequence === 'string') {
          const s = sequences.get(line.sequence);
          if (!s) throw mismatch(`sequence ${line.sequence} is in the backup but not in this database`);
          if (typeof line.lastValue !== 'string' || typeof line.isCalled !== 'boolean') {
            throw invalid(file, `the line for sequence ${line.sequence} is malformed`);
          }
          await tx.query('SELECT setval($1::regclass, $2::int8, $3::boolean)', [s.qname, line.lastValue, line.isCalled]);
          inFile.sequences += 1;
        } else if (line.end === true) {
          if (line.tables !== inFile.tables || line.rows !== inFile.rows || line.sequences !== inFile.sequences) {
            throw invalid(file, 'its totals do not match its content');
          }
          break;
        } else {
          throw invalid(file, `unexpected line: ${JSON.stringify(line).slice(0, 80)}`);
        }
      }
      for (;;) {
        const r = await lines.next();
        if (r.done) break;
        if (r.value !== '') throw invalid(file, 'there is data after its end line');
      }
      const restored = new Set(loaded.map((l) => l.table.key));
      const missing = data.find((t) => !restored.has(t.key));
      if (missing) throw mismatch(`table ${missing.key} is in this database but not in the backup`);

      for (const l of loaded) {
        const now = await tableChecksum(tx, l.table);
        if (now.rows !== l.rows || now.checksum !== l.checksum) {
          throw new AppError(
            'RESTORE_CHECKSUM_MISMATCH',
            `Table ${l.table.key} does not match the backup after loading (${now.rows} rows, checksum ${now.checksum}; ` +
              `backup ${l.rows} rows, ${l.checksum}). Nothing was restored.`,
            422,
          );
        }
      }
      return { tables: loaded.length, rows };
    });
  } finally {
    await lines.return(undefined);
  }
}
