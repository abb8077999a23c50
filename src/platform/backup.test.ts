import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { createTestDb, engines, type Engine, type TestDb } from '../../test/db.ts';
import { verifyAuditChain, writeAudit } from './audit.ts';
import { backupDatabase, restoreDatabase } from './backup.ts';
import type { Db } from './db.ts';
import type { MigrationSource } from './migrate.ts';
import { platformMigrations } from './migrations.ts';

// Round trips a database holding awkward values through a backup file, on each engine and across
// engines, and checks that damaged files and unsuitable targets are refused without side effects.

const BK_SQL = `
CREATE SCHEMA bk;
-- Many types, a bigserial, a generated column; "record" sorts after "attachment", which needs it.
CREATE TABLE bk.record (
  id         bigserial PRIMARY KEY,
  code       text NOT NULL UNIQUE,
  title      text,
  n          integer,
  big        bigint,
  amount     numeric,
  ratio      double precision,
  is_open    boolean,
  day        date,
  at         timestamptz,
  doc        jsonb,
  raw        json,
  tags       text[],
  blob       bytea,
  ref        uuid,
  span       interval,
  code_upper text GENERATED ALWAYS AS (upper(code)) STORED
);
CREATE TABLE bk.attachment (
  record_id bigint NOT NULL REFERENCES bk.record (id),
  name      text NOT NULL,
  size      integer,
  PRIMARY KEY (record_id, name)
);
-- Text keys: their order differs between collations.
CREATE TABLE bk.unit (code text PRIMARY KEY, name text NOT NULL);
-- No primary key, duplicate rows.
CREATE TABLE bk.note (body text, at timestamptz);
-- Enough rows for several pages, checksum buckets and insert batches.
CREATE TABLE bk.reading (id bigserial PRIMARY KEY, value double precision NOT NULL, at timestamptz NOT NULL);
-- A trigger that rewrites rows: the restore must load them as they were, not fire it again.
CREATE TABLE bk.stamped (id integer PRIMARY KEY, touched_at timestamptz NOT NULL);
CREATE FUNCTION bk.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.touched_at := clock_timestamp();
  RETURN NEW;
END;
$$;
CREATE TRIGGER stamped_touch BEFORE INSERT OR UPDATE ON bk.stamped FOR EACH ROW EXECUTE FUNCTION bk.stamp();
-- Reference rows the migration itself writes: a newly migrated target holds them, and a restore
-- replaces them with the backup's.
CREATE TABLE bk.setting (id integer PRIMARY KEY, value text NOT NULL);
INSERT INTO bk.setting (id, value) VALUES (1, 'default'), (2, 'default');
COMMENT ON TABLE bk.setting IS 'Defaults. yiwang:reference-rows';
`;

const BK_TABLES = ['bk.record', 'bk.attachment', 'bk.unit', 'bk.note', 'bk.reading', 'bk.stamped', 'platform.audit_log', 'platform.outbox'];
const READINGS = 12_001;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-backup-'));
const bkDir = path.join(tmp, 'bk-migrations');
fs.mkdirSync(bkDir);
fs.writeFileSync(path.join(bkDir, '0001_create_bk_tables.sql'), BK_SQL);
const sources: MigrationSource[] = [platformMigrations, { owner: 'bk', dir: bkDir }];

async function seed(db: Db): Promise<void> {
  await db.exec(String.raw`
    INSERT INTO bk.record (code, title, n, big, amount, ratio, is_open, day, at, doc, raw, tags, blob, ref, span) VALUES
      ('a-1', '办件 "引号" it''s \ back\slash' || chr(10) || '换行 😀' || chr(9) || 'tab', 2147483647,
       9223372036854775807, '12345678901234567890.123456789012345678901234567890', 0.1, true, '2024-02-29',
       '2024-05-01 12:34:56.123456+08', '{"a": {"b": [1, 2.50, {"c": "中文 \"q\""}]}, "big": 123456789012345678901234567890}',
       E'{\n  "b": 1,\n  "a": [1, 2],  "b": "dup"\n}', '{"a,b","引号\"",NULL,"x y","\\"}', '\x00ff10',
       '0190f5a4-7c1e-7cc0-8a2b-3f4e5d6c7b8a', '1 year 2 mons 3 days 04:05:06.789'),
      ('a-2', '', -1, -9007199254740993, '-0.000000000000000000001', 1e-300, false, 'infinity',
       'infinity', 'null', 'null', '{}', '', '00000000-0000-0000-0000-000000000000', '-1 days'),
      ('a-3', NULL, NULL, NULL, 'NaN', 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      ('a-4', 'x', 0, 0, '0', '-0', NULL, '1999-12-31', '1970-01-01 00:00:00.000001+00', '{"k": null}', '{}',
       '[0:1]={x,y}', '\x', NULL, '0');
    INSERT INTO bk.attachment (record_id, name, size) VALUES (1, '申请表.pdf', 1024), (1, 'id.png', 2), (2, 'a', NULL);
    INSERT INTO bk.unit (code, name) VALUES ('a', 'lower'), ('B', 'upper'), ('中', 'han'), ('Z', 'zed'), ('é', 'accent');
    INSERT INTO bk.note (body, at) VALUES ('same', '2024-01-01 00:00:00+00'), ('same', '2024-01-01 00:00:00+00'), ('other', NULL), (NULL, NULL);
    INSERT INTO bk.reading (value, at)
      SELECT random() * 1e6, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1.5 seconds'
        FROM generate_series(1, ${READINGS}) g;
    INSERT INTO bk.stamped (id, touched_at) VALUES (1, 'epoch'), (2, 'epoch');
    UPDATE bk.setting SET value = '改过' WHERE id = 2;
    INSERT INTO bk.setting (id, value) VALUES (3, 'added');
    INSERT INTO platform.outbox (topic, key, payload, created_at) VALUES
      ('case.submitted', 'c-1', '{"n": 1}', now()), ('case.closed', NULL, '{"中": "文"}', now());
  `);
  for (let i = 0; i < 3; i++) {
    await db.tx((tx) =>
      writeAudit(tx, { actor: { kind: 'system', label: '备份测试' }, action: 'test.seed', objectId: `a-${i}`, data: { i, 名称: '事项 😀', n: 0.1 } }),
    );
  }
}

/** Every row's text under the backup's output settings, in one fixed order: row-by-row equality. */
async function rowTexts(db: Db, table: string): Promise<string[]> {
  return db.tx(async (tx) => {
    await tx.exec(`SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 1;
                   SET LOCAL IntervalStyle = 'postgres'; SET LOCAL bytea_output = 'hex'`);
    const rows = await tx.query<{ x: string }>(`SELECT ROW(_r.*)::text AS x FROM ${table} AS _r ORDER BY ROW(_r.*)::text COLLATE "C"`);
    return rows.map((r) => r.x);
  });
}

interface Dump {
  header: Record<string, unknown>;
  tables: Map<string, { rows: number; checksum: string }>;
  order: string[];
  end: Record<string, unknown>;
  lines: string[];
}

function readDump(file: string): Dump {
  const lines = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n');
  assert.equal(lines.pop(), '', 'the file ends with a newline');
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  const tables = new Map<string, { rows: number; checksum: string }>();
  const order: string[] = [];
  let i = 1;
  while (lines[i]!.startsWith('{"table"')) {
    const t = JSON.parse(lines[i]!) as { table: string; rows: number; checksum: string };
    tables.set(t.table, { rows: t.rows, checksum: t.checksum });
    order.push(t.table);
    i += 1 + t.rows;
  }
  return { header, tables, order, end: JSON.parse(lines.at(-1)!) as Record<string, unknown>, lines };
}

const gzipLines = (file: string, lines: string[]) => fs.writeFileSync(file, zlib.gzipSync(`${lines.join('\n')}\n`));

async function assertSameData(source: Db, target: Db, sourceDump: Dump, targetFile: string) {
  for (const table of [...BK_TABLES, 'bk.setting']) {
    assert.deepEqual(await rowTexts(target, table), await rowTexts(source, table), `${table} rows`);
  }
  // A backup of the restored database carries the same checksums (the ledger's applied_at differs).
  await backupDatabase(target, targetFile);
  const again = readDump(targetFile);
  for (const [table, sum] of sourceDump.tables) {
    if (table !== 'platform.schema_migration') assert.deepEqual(again.tables.get(table), sum, table);
  }
  assert.deepEqual(await verifyAuditChain(target).then(({ ok, rows }) => ({ ok, rows })), { ok: true, rows: 3 });
}

async function assertEmpty(db: Db) {
  for (const table of BK_TABLES) assert.deepEqual(await rowTexts(db, table), [], `${table} stays empty`);
  assert.deepEqual(await rowTexts(db, 'bk.setting'), ['(1,default)', '(2,default)'], 'the reference rows stay as migrated');
}

const dumps = new Map<Engine, { source: TestDb; file: string; dump: Dump }>();
const cleanup: TestDb[] = [];
const fresh = async (engine: Engine, s: MigrationSource[] = sources) => {
  const t = await createTestDb(engine, s);
  cleanup.push(t);
  return t;
};
after(async () => {
  for (const t of cleanup) await t.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

for (const engine of await engines()) {
  describe(`backup and restore on ${engine}`, () => {
    let source: TestDb;
    let file: string;
    let dump: Dump;
    before(async () => {
      source = await fresh(engine);
      await seed(source.db);
      file = path.join(tmp, `${engine}.yiwang-backup.gz`);
      const summary = await backupDatabase(source.db, file);
      dump = readDump(file);
      dumps.set(engine, { source, file, dump });
      assert.equal(summary.bytes, fs.statSync(file).size);
      assert.equal(summary.tables, dump.tables.size);
      assert.equal(summary.rows, [...dump.tables.values()].reduce((n, t) => n + t.rows, 0));
    });

    test('the file has a header, every table with a checksum in foreign-key order, sequences and totals', () => {
      assert.equal(dump.header.format, 'yiwang-backup');
      assert.equal(dump.header.formatVersion, 1);
      assert.equal(dump.header.engine, engine);
      const migrations = dump.header.migrations as { owner: string; version: number }[];
      assert.deepEqual(migrations.map((m) => `${m.owner}/${m.version}`), ['bk/1', 'platform/1', 'platform/2', 'platform/3', 'platform/4']);
      assert.ok(dump.tables.has('platform.schema_migration'));
      assert.equal(dump.tables.get('bk.reading')!.rows, READINGS);
      assert.equal(dump.tables.get('bk.note')!.rows, 4);
      assert.ok(dump.order.indexOf('bk.record') < dump.order.indexOf('bk.attachment'), 'parent before child');
      assert.ok(dump.lines.some((l) => l.startsWith('{"sequence":"bk.record_id_seq"')));
      assert.ok(dump.lines.some((l) => l.startsWith('{"sequence":"platform.outbox_id_seq"')));
      assert.equal(dump.end.end, true);
      assert.equal(dump.end.tables, dump.tables.size);
      // Digits beyond a double's precision are kept as written by PostgreSQL.
      assert.ok(dump.lines.some((l) => l.includes('9223372036854775807') && l.includes('12345678901234567890.123456789012345678901234567890')));
      assert.equal(fs.existsSync(`${file}.partial`), false);
    });

    test('a backup that cannot be written fails and leaves no partial file', async () => {
      const target = path.join(tmp, 'missing-folder', 'x.gz');
      await assert.rejects(backupDatabase(source.db, target), /ENOENT/);
      assert.equal(fs.existsSync(`${target}.partial`), false);
      const readOnly = path.join(tmp, `${engine}-exists.gz`);
      fs.mkdirSync(readOnly); // a folder where the file should go: the rename fails
      await assert.rejects(backupDatabase(source.db, readOnly));
      assert.equal(fs.existsSync(`${readOnly}.partial`), false);
    });

    test('restore reproduces every row, checksum, the audit chain and the sequences', async () => {
      const target = await fresh(engine);
      const r = await restoreDatabase(target.db, file);
      assert.equal(r.tables, dump.tables.size - 1); // the ledger is compared, not loaded
      assert.equal(r.rows, [...dump.tables].filter(([k]) => k !== 'platform.schema_migration').reduce((n, [, t]) => n + t.rows, 0));
      await assertSameData(source.db, target.db, dump, path.join(tmp, `${engine}-again.gz`));

      const [next] = await target.db.query<{ id: number }>(`INSERT INTO bk.record (code) VALUES ('next') RETURNING id`);
      assert.equal(next!.id, 5);
      const [reading] = await target.db.query<{ id: number }>(`INSERT INTO bk.reading (value, at) VALUES (1, now()) RETURNING id`);
      assert.equal(reading!.id, READINGS + 1);
      const [event] = await target.db.query<{ id: number }>(
        `INSERT INTO platform.outbox (topic, payload, created_at) VALUES ('t', '{}', now()) RETURNING id`,
      );
      assert.equal(event!.id, 3);
      await target.db.tx((tx) => writeAudit(tx, { actor: { kind: 'system' }, action: 'test.after_restore' }));
      assert.deepEqual(await verifyAuditChain(target.db).then(({ ok, rows }) => ({ ok, rows })), { ok: true, rows: 4 });
    });

    test('a target that holds data is refused and left unchanged', async () => {
      const target = await fresh(engine);
      await target.db.exec(`INSERT INTO bk.unit (code, name) VALUES ('keep', 'me')`);
      await assert.rejects(restoreDatabase(target.db, file), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'RESTORE_TARGET_NOT_EMPTY');
        assert.match(e.message, /bk\.unit/);
        return true;
      });
      assert.deepEqual(await rowTexts(target.db, 'bk.unit'), ['(keep,me)']);
      assert.deepEqual(await rowTexts(target.db, 'bk.record'), []);
      assert.deepEqual(await rowTexts(target.db, 'bk.setting'), ['(1,default)', '(2,default)']);
    });

    test('a target migrated differently is refused, naming the migration', async () => {
      const platformOnly = await fresh(engine, [platformMigrations]);
      await assert.rejects(restoreDatabase(platformOnly.db, file), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'RESTORE_SCHEMA_MISMATCH');
        assert.match(e.message, /bk\/0001 is in the backup but not applied/);
        return true;
      });
      const changedDir = path.join(tmp, `bk-changed-${engine}`);
      fs.mkdirSync(changedDir, { recursive: true });
      fs.writeFileSync(path.join(changedDir, '0001_create_bk_tables.sql'), `${BK_SQL}\nCREATE TABLE bk.extra (id int);\n`);
      const changed = await fresh(engine, [platformMigrations, { owner: 'bk', dir: changedDir }]);
      await assert.rejects(restoreDatabase(changed.db, file), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'RESTORE_SCHEMA_MISMATCH');
        assert.match(e.message, /bk\/0001 differs/);
        return true;
      });
      await assertEmpty(changed.db);
    });

    test('a truncated or damaged file is refused and nothing is restored', async () => {
      const target = await fresh(engine);
      const bytes = fs.readFileSync(file);
      const cut = path.join(tmp, `${engine}-cut.gz`);
      fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      await assert.rejects(restoreDatabase(target.db, cut), { code: 'BACKUP_FILE_INVALID' });

      const noEnd = path.join(tmp, `${engine}-no-end.gz`);
      gzipLines(noEnd, dump.lines.slice(0, -1));
      await assert.rejects(restoreDatabase(target.db, noEnd), { code: 'BACKUP_FILE_INVALID' });

      const lostRow = path.join(tmp, `${engine}-lost-row.gz`);
      gzipLines(lostRow, dump.lines.filter((l) => !l.includes('"name" : "han"')));
      await assert.rejects(restoreDatabase(target.db, lostRow), { code: 'BACKUP_FILE_INVALID' });

      // Well-formed but altered: only the checksum can tell.
      const altered = path.join(tmp, `${engine}-altered.gz`);
      gzipLines(altered, dump.lines.map((l) => l.replace('"name" : "han"', '"name" : "hen"')));
      await assert.rejects(restoreDatabase(target.db, altered), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'RESTORE_CHECKSUM_MISMATCH');
        assert.match(e.message, /bk\.unit/);
        return true;
      });

      const notGzip = path.join(tmp, `${engine}-plain.txt`);
      fs.writeFileSync(notGzip, 'hello\n');
      await assert.rejects(restoreDatabase(target.db, notGzip), { code: 'BACKUP_FILE_INVALID' });
      await assertEmpty(target.db);

      // The target is still usable for a good restore afterwards.
      await restoreDatabase(target.db, file);
      assert.deepEqual(await rowTexts(target.db, 'bk.unit'), await rowTexts(source.db, 'bk.unit'));
    });
  });
}

if ((await engines()).includes('postgres')) {
  describe('backup and restore across engines', () => {
    for (const [from, to] of [['pglite', 'postgres'], ['postgres', 'pglite']] as const) {
      test(`${from} → ${to}: equal checksums and rows`, async () => {
        const { source, dump, file } = dumps.get(from)!;
        const target = await fresh(to);
        await restoreDatabase(target.db, file);
        await assertSameData(source.db, target.db, dump, path.join(tmp, `${from}-to-${to}.gz`));
      });
    }
  });
}
