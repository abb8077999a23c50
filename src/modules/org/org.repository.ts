import type { Queryable } from '../../platform/db.ts';

// Every SQL statement about org units and the imported dispatch catalogue.

export interface UnitRow {
  id: string;
  code: string;
  name: string;
  short_name: string | null;
  kind: string;
  parent_id: string | null;
  path: string;
  depth: number;
  uscc: string | null;
  duties: string[];
  is_active: boolean;
}

export const findUnitByCode = async (q: Queryable, code: string) =>
  (await q.query<UnitRow>('SELECT * FROM org.unit WHERE code = $1', [code]))[0];

export const findUnitById = async (q: Queryable, id: string) =>
  (await q.query<UnitRow>('SELECT * FROM org.unit WHERE id = $1', [id]))[0];

/**
 * Units in tree order: each parent before its children; siblings grouped by kind (departments,
 * then streets and towns, then enterprises, then communities) and by code within a kind.
 */
export const listUnits = (q: Queryable, underPath?: string) =>
  q.query<UnitRow>(
    `WITH RECURSIVE tree AS (
       SELECT u.*, u.code::text AS sort_key FROM org.unit u WHERE u.parent_id IS NULL
       UNION ALL
       SELECT c.*, t.sort_key || '/' || (CASE c.kind WHEN 'department' THEN '1' WHEN 'street' THEN '2' WHEN 'town' THEN '2'
                                              WHEN 'enterprise' THEN '3' ELSE '4' END || c.code)
         FROM org.unit c JOIN tree t ON c.parent_id = t.id
     )
     SELECT id, code, name, short_name, kind, parent_id, path, depth, uscc, duties, is_active FROM tree
      WHERE is_active AND ($1::text IS NULL OR path = $1 OR path LIKE $1 || '/%')
      ORDER BY sort_key COLLATE "C"`,
    [underPath ?? null],
  );

export async function upsertUnit(
  q: Queryable,
  u: Omit<UnitRow, 'is_active'>,
  now: Date,
): Promise<'created' | 'updated'> {
  const rows = await q.query<{ created: boolean }>(
    `INSERT INTO org.unit (id, code, name, short_name, kind, parent_id, path, depth, uscc, duties, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
     ON CONFLICT (code) DO UPDATE SET
       name = EXCLUDED.name, short_name = EXCLUDED.short_name, kind = EXCLUDED.kind,
       parent_id = EXCLUDED.parent_id, path = EXCLUDED.path, depth = EXCLUDED.depth,
       uscc = EXCLUDED.uscc, duties = EXCLUDED.duties, is_active = true, updated_at = EXCLUDED.updated_at
     RETURNING (xmax = 0) AS created`,
    [u.id, u.code, u.name, u.short_name, u.kind, u.parent_id, u.path, u.depth, u.uscc, JSON.stringify(u.duties), now],
  );
  return rows[0]?.created ? 'created' : 'updated';
}

export async function replaceGazetteer(
  q: Queryable,
  unitId: string,
  entries: { kind: 'community' | 'road' | 'place'; name: string }[],
) {
  await q.query('DELETE FROM org.gazetteer_entry WHERE unit_id = $1', [unitId]);
  if (entries.length === 0) return;
  await q.query(
    `INSERT INTO org.gazetteer_entry (unit_id, kind, name)
     SELECT $1, e.kind, e.name FROM jsonb_to_recordset($2::jsonb) AS e(kind text, name text)
     ON CONFLICT DO NOTHING`,
    [unitId, JSON.stringify(entries)],
  );
}

export async function replaceDispatchRules(q: Queryable, rules: { matter: string; unit: string; [k: string]: unknown }[]) {
  await q.query('DELETE FROM org.dispatch_rule');
  if (rules.length === 0) return;
  await q.query(
    `INSERT INTO org.dispatch_rule (seq, matter, unit_code, extra)
     SELECT r.ord, r.value->>'matter', r.value->>'unit', r.value - 'matter' - 'unit'
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(value, ord)`,
    [JSON.stringify(rules)],
  );
}

export const insertDistrictImport = (
  q: Queryable,
  row: { id: string; districtCode: string; districtName: string; sha256: string; document: unknown; at: Date; by: string | null },
) =>
  q.query(
    `INSERT INTO org.district_import (id, district_code, district_name, sha256, document, imported_at, imported_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [row.id, row.districtCode, row.districtName, row.sha256, JSON.stringify(row.document), row.at, row.by],
  );

export const countGazetteer = async (q: Queryable) =>
  (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM org.gazetteer_entry'))[0]!.n;

export const listGazetteer = (q: Queryable) =>
  q.query<{ unit_code: string; kind: string; name: string }>(
    `SELECT u.code AS unit_code, g.kind, g.name FROM org.gazetteer_entry g JOIN org.unit u ON u.id = g.unit_id
      ORDER BY u.code, g.kind, g.name`,
  );

export const listDispatchRules = (q: Queryable) =>
  q.query<{ seq: number; matter: string; unit_code: string; extra: Record<string, unknown> }>(
    'SELECT seq, matter, unit_code, extra FROM org.dispatch_rule ORDER BY seq',
  );

export const latestDistrictImport = async (q: Queryable) =>
  (
    await q.query<{ document: unknown; imported_at: Date }>(
      'SELECT document, imported_at FROM org.district_import ORDER BY imported_at DESC, id DESC LIMIT 1',
    )
  )[0];
