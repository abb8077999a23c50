import type { Queryable } from '../../platform/db.ts';
import type { BundleDefinition, ItemElements, VersionStatus } from './catalog.schemas.ts';

// Every SQL statement of the catalogue.

// ---------------------------------------------------------------- basic catalogue and power list

export interface BasicEntryRow {
  code: string;
  name: string;
  type_code: string;
  parent_code: string | null;
}

export const upsertBasicEntry = (q: Queryable, e: BasicEntryRow, now: Date) =>
  q.query(
    `INSERT INTO catalog.basic_entry (code, name, type_code, parent_code, updated_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, type_code = EXCLUDED.type_code,
       parent_code = EXCLUDED.parent_code, updated_at = EXCLUDED.updated_at
     WHERE (catalog.basic_entry.name, catalog.basic_entry.type_code, catalog.basic_entry.parent_code)
       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.type_code, EXCLUDED.parent_code)`,
    [e.code, e.name, e.type_code, e.parent_code, now],
  );

export const listBasicEntries = (q: Queryable) =>
  q.query<BasicEntryRow>(
    // Main items before their sub items, so an export imports in order.
    `SELECT code, name, type_code, parent_code FROM catalog.basic_entry
      ORDER BY coalesce(parent_code, code) COLLATE "C", parent_code IS NOT NULL, code COLLATE "C"`,
  );

export const findBasicEntry = async (q: Queryable, code: string) =>
  (await q.query<BasicEntryRow>('SELECT code, name, type_code, parent_code FROM catalog.basic_entry WHERE code = $1', [code]))[0];

export interface PowerEntryRow {
  code: string;
  name: string;
  type_code: string;
  unit_code: string;
  legal_basis: { title: string; article?: string; excerpt?: string }[];
  responsibilities: string[];
  accountability: string[];
}

export const upsertPowerEntry = (q: Queryable, p: PowerEntryRow, now: Date) =>
  q.query(
    `INSERT INTO catalog.power_entry (code, name, type_code, unit_code, legal_basis, responsibilities, accountability, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, type_code = EXCLUDED.type_code, unit_code = EXCLUDED.unit_code,
       legal_basis = EXCLUDED.legal_basis, responsibilities = EXCLUDED.responsibilities,
       accountability = EXCLUDED.accountability, updated_at = EXCLUDED.updated_at`,
    [p.code, p.name, p.type_code, p.unit_code, JSON.stringify(p.legal_basis), JSON.stringify(p.responsibilities), JSON.stringify(p.accountability), now],
  );

export const findPowerEntry = async (q: Queryable, code: string) =>
  (await q.query<PowerEntryRow>('SELECT code, name, type_code, unit_code, legal_basis, responsibilities, accountability FROM catalog.power_entry WHERE code = $1', [code]))[0];

export const listPowerEntries = (q: Queryable, filter: { unitCode?: string; typeCode?: string } = {}) =>
  q.query<PowerEntryRow & { item_codes: string[] }>(
    `SELECT p.code, p.name, p.type_code, p.unit_code, p.legal_basis, p.responsibilities, p.accountability,
            coalesce((SELECT array_agg(i.code ORDER BY i.code COLLATE "C") FROM catalog.item i WHERE i.power_code = p.code), '{}') AS item_codes
       FROM catalog.power_entry p
      WHERE ($1::text IS NULL OR p.unit_code = $1) AND ($2::text IS NULL OR p.type_code = $2)
      ORDER BY p.unit_code COLLATE "C", p.type_code, p.code COLLATE "C"`,
    [filter.unitCode ?? null, filter.typeCode ?? null],
  );

// ---------------------------------------------------------------- items

export interface ItemRow {
  id: string;
  code: string;
  kind: 'implementation' | 'handling';
  basic_code: string;
  implementation_code: string;
  handling_code: string | null;
  parent_id: string | null;
  parent_code: string | null;
  unit_code: string;
  power_code: string;
  variant: { action?: 'new' | 'change' | 'renew' | 'cancel'; object?: string; scale?: string } | null;
  cancelled_on: string | null;
  cancel_reason: string | null;
}

const ITEM_COLUMNS = `i.id, i.code, i.kind, i.basic_code, i.implementation_code, i.handling_code, i.parent_id,
  (SELECT p.code FROM catalog.item p WHERE p.id = i.parent_id) AS parent_code,
  i.unit_code, i.power_code, i.variant, i.cancelled_on, i.cancel_reason`;

export const findItemByCode = async (q: Queryable, code: string) =>
  (await q.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM catalog.item i WHERE i.code = $1`, [code]))[0];

export const findItemById = async (q: Queryable, id: string) =>
  (await q.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM catalog.item i WHERE i.id = $1`, [id]))[0];

/** Every item, implementation entries before their handling items. */
export const listItemRows = (q: Queryable) =>
  q.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM catalog.item i ORDER BY i.implementation_code COLLATE "C", i.kind DESC, i.code COLLATE "C"`);

export const listChildItems = (q: Queryable, parentId: string) =>
  q.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM catalog.item i WHERE i.parent_id = $1 ORDER BY i.code COLLATE "C"`, [parentId]);

export async function insertItem(q: Queryable, r: Omit<ItemRow, 'parent_code' | 'cancelled_on' | 'cancel_reason'>, now: Date) {
  await q.query(
    `INSERT INTO catalog.item (id, code, kind, basic_code, implementation_code, handling_code, parent_id, unit_code, power_code, variant, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
    [r.id, r.code, r.kind, r.basic_code, r.implementation_code, r.handling_code, r.parent_id, r.unit_code, r.power_code, r.variant === null ? null : JSON.stringify(r.variant), now],
  );
}

/** Identity fields other than the code may be corrected (a unit renamed, a basic code fixed). */
export async function updateItemIdentity(q: Queryable, r: Omit<ItemRow, 'parent_code' | 'cancelled_on' | 'cancel_reason'>, now: Date) {
  await q.query(
    `UPDATE catalog.item SET kind = $2, basic_code = $3, implementation_code = $4, handling_code = $5, parent_id = $6,
            unit_code = $7, power_code = $8, variant = $9, updated_at = $10
      WHERE id = $1`,
    [r.id, r.kind, r.basic_code, r.implementation_code, r.handling_code, r.parent_id, r.unit_code, r.power_code, r.variant === null ? null : JSON.stringify(r.variant), now],
  );
}

export const setItemCancelled = (q: Queryable, id: string, on: string | null, reason: string | null, now: Date) =>
  q.query('UPDATE catalog.item SET cancelled_on = $2, cancel_reason = $3, updated_at = $4 WHERE id = $1', [id, on, reason, now]);

export interface ItemListRow {
  code: string;
  kind: 'implementation' | 'handling';
  unit_code: string;
  cancelled_on: string | null;
  latest_version: number;
  latest_status: VersionStatus;
  name: string;
  current_version: number | null;
}

/** The editor's list: each item with its latest version and the version in force on `today`. */
export const listItemsWithVersions = (q: Queryable, today: string) =>
  q.query<ItemListRow>(
    `SELECT i.code, i.kind, i.unit_code, i.cancelled_on, l.version AS latest_version, l.status AS latest_status, l.name,
            (SELECT v.version FROM catalog.item_version v
              WHERE v.item_id = i.id AND v.status = 'published' AND v.effective_from <= $1::date
                AND (v.effective_until IS NULL OR v.effective_until > $1::date)) AS current_version
       FROM catalog.item i
       JOIN LATERAL (SELECT version, status, name FROM catalog.item_version v WHERE v.item_id = i.id ORDER BY version DESC LIMIT 1) l ON true
      ORDER BY i.unit_code COLLATE "C", i.code COLLATE "C"`,
    [today],
  );

// ---------------------------------------------------------------- item versions

export interface VersionRow {
  id: string;
  item_id: string;
  version: number;
  status: VersionStatus;
  effective_from: string | null;
  effective_until: string | null;
  name: string;
  elements: ItemElements;
  created_at: Date;
  submitted_at: Date | null;
  published_at: Date | null;
  return_reason: string | null;
}

const VERSION_COLUMNS = 'id, item_id, version, status, effective_from, effective_until, name, elements, created_at, submitted_at, published_at, return_reason';

export const findVersion = async (q: Queryable, id: string) =>
  (await q.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM catalog.item_version WHERE id = $1`, [id]))[0];

/** Locks the version row: concurrent transitions of one version serialise. */
export const lockVersion = async (q: Queryable, id: string) =>
  (await q.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM catalog.item_version WHERE id = $1 FOR UPDATE`, [id]))[0];

export const findItemVersionByNumber = async (q: Queryable, itemId: string, version: number) =>
  (await q.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM catalog.item_version WHERE item_id = $1 AND version = $2`, [itemId, version]))[0];

export const listVersions = (q: Queryable, itemId: string) =>
  q.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM catalog.item_version WHERE item_id = $1 ORDER BY version`, [itemId]);

/** The published version in force on `date`: started on or before it, not yet ended. */
export const findPublishedAt = async (q: Queryable, itemId: string, date: string) =>
  (
    await q.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM catalog.item_version
        WHERE item_id = $1 AND status = 'published' AND effective_from <= $2::date
          AND (effective_until IS NULL OR effective_until > $2::date)
        ORDER BY effective_from DESC LIMIT 1`,
      [itemId, date],
    )
  )[0];

export const maxVersion = async (q: Queryable, itemId: string) =>
  (await q.query<{ n: number }>('SELECT coalesce(max(version), 0)::int AS n FROM catalog.item_version WHERE item_id = $1', [itemId]))[0]!.n;

export async function insertVersion(
  q: Queryable,
  v: { id: string; itemId: string; version: number; status: VersionStatus; effectiveFrom: string | null; effectiveUntil: string | null; elements: ItemElements; by: string | null; publishedAt: Date | null },
  now: Date,
) {
  await q.query(
    `INSERT INTO catalog.item_version (id, item_id, version, status, effective_from, effective_until, name, elements, created_at, created_by, published_at, published_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $9)`,
    [v.id, v.itemId, v.version, v.status, v.effectiveFrom, v.effectiveUntil, v.elements.name, JSON.stringify(v.elements), now, v.by, v.publishedAt, v.publishedAt ? v.by : null],
  );
}

export const updateVersionContent = (q: Queryable, id: string, v: { status: VersionStatus; effectiveFrom: string | null; effectiveUntil: string | null; elements: ItemElements }, now: Date) =>
  q.query(
    `UPDATE catalog.item_version SET status = $2, effective_from = $3, effective_until = $4, name = $5, elements = $6, updated_at = $7,
            published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, $7) ELSE published_at END
      WHERE id = $1`,
    [id, v.status, v.effectiveFrom, v.effectiveUntil, v.elements.name, JSON.stringify(v.elements), now],
  );

export const markSubmitted = (q: Queryable, id: string, by: string | null, now: Date) =>
  q.query(`UPDATE catalog.item_version SET status = 'review', submitted_at = $2, submitted_by = $3, return_reason = NULL, updated_at = $2 WHERE id = $1`, [id, now, by]);

export const markReturned = (q: Queryable, id: string, reason: string, now: Date) =>
  q.query(`UPDATE catalog.item_version SET status = 'draft', return_reason = $2, updated_at = $3 WHERE id = $1`, [id, reason, now]);

export const markPublished = (q: Queryable, id: string, effectiveFrom: string, by: string | null, now: Date) =>
  q.query(
    `UPDATE catalog.item_version SET status = 'published', effective_from = $2, published_at = $3, published_by = $4, updated_at = $3 WHERE id = $1`,
    [id, effectiveFrom, now, by],
  );

export const setVersionStatusAndEnd = (q: Queryable, id: string, status: VersionStatus, effectiveUntil: string | null, now: Date) =>
  q.query('UPDATE catalog.item_version SET status = $2, effective_until = $3, updated_at = $4 WHERE id = $1', [id, status, effectiveUntil, now]);

/** Published versions of an item in the order they take effect. */
export const listPublishedVersions = (q: Queryable, itemId: string) =>
  q.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM catalog.item_version WHERE item_id = $1 AND status = 'published' ORDER BY effective_from, version`, [itemId]);

// ---------------------------------------------------------------- bundles

export interface BundleRow {
  id: string;
  code: string;
  unit_code: string;
}

export interface BundleVersionRow {
  id: string;
  bundle_id: string;
  version: number;
  status: VersionStatus;
  effective_from: string | null;
  effective_until: string | null;
  name: string;
  definition: BundleDefinition;
}

const BUNDLE_VERSION_COLUMNS = 'id, bundle_id, version, status, effective_from, effective_until, name, definition';

export const findBundleByCode = async (q: Queryable, code: string) =>
  (await q.query<BundleRow>('SELECT id, code, unit_code FROM catalog.bundle WHERE code = $1', [code]))[0];

export const listBundleRows = (q: Queryable) => q.query<BundleRow>('SELECT id, code, unit_code FROM catalog.bundle ORDER BY code COLLATE "C"');

export async function upsertBundle(q: Queryable, b: BundleRow, now: Date) {
  await q.query(
    `INSERT INTO catalog.bundle (id, code, unit_code, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (code) DO UPDATE SET unit_code = EXCLUDED.unit_code, updated_at = EXCLUDED.updated_at`,
    [b.id, b.code, b.unit_code, now],
  );
}

export const listBundleVersions = (q: Queryable, bundleId: string) =>
  q.query<BundleVersionRow>(`SELECT ${BUNDLE_VERSION_COLUMNS} FROM catalog.bundle_version WHERE bundle_id = $1 ORDER BY version`, [bundleId]);

export const findBundleVersion = async (q: Queryable, id: string) =>
  (await q.query<BundleVersionRow>(`SELECT ${BUNDLE_VERSION_COLUMNS} FROM catalog.bundle_version WHERE id = $1`, [id]))[0];

export const findBundlePublishedAt = async (q: Queryable, bundleId: string, date: string) =>
  (
    await q.query<BundleVersionRow>(
      `SELECT ${BUNDLE_VERSION_COLUMNS} FROM catalog.bundle_version
        WHERE bundle_id = $1 AND status = 'published' AND effective_from <= $2::date
          AND (effective_until IS NULL OR effective_until > $2::date)
        ORDER BY effective_from DESC LIMIT 1`,
      [bundleId, date],
    )
  )[0];

export async function insertBundleVersion(q: Queryable, v: Omit<BundleVersionRow, 'name'>, now: Date) {
  await q.query(
    `INSERT INTO catalog.bundle_version (id, bundle_id, version, status, effective_from, effective_until, name, definition, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
    [v.id, v.bundle_id, v.version, v.status, v.effective_from, v.effective_until, v.definition.name, JSON.stringify(v.definition), now],
  );
}

export const updateBundleVersion = (q: Queryable, id: string, v: Pick<BundleVersionRow, 'status' | 'effective_from' | 'effective_until' | 'definition'>, now: Date) =>
  q.query(
    `UPDATE catalog.bundle_version SET status = $2, effective_from = $3, effective_until = $4, name = $5, definition = $6, updated_at = $7 WHERE id = $1`,
    [id, v.status, v.effective_from, v.effective_until, v.definition.name, JSON.stringify(v.definition), now],
  );

/** Bundles (their published versions) that name an item. */
export const listBundlesWithItem = (q: Queryable, itemCode: string, date: string) =>
  q.query<{ code: string; name: string }>(
    `SELECT b.code, v.name FROM catalog.bundle b JOIN catalog.bundle_version v ON v.bundle_id = b.id
      WHERE v.status = 'published' AND v.effective_from <= $2::date AND (v.effective_until IS NULL OR v.effective_until > $2::date)
        AND EXISTS (SELECT 1 FROM jsonb_array_elements(v.definition -> 'items') AS it WHERE it ->> 'itemCode' = $1)
      ORDER BY b.code COLLATE "C"`,
    [itemCode, date],
  );

// ---------------------------------------------------------------- search index

export interface SearchEntryRow {
  version_id: string;
  kind: 'item' | 'bundle';
  code: string;
  name: string;
  name_norm: string;
  keywords: string[];
  is_handling: boolean;
  effective_from: string;
  effective_until: string | null;
  document: string;
  summary: SearchSummary;
}

export interface SearchSummary {
  unitName: string;
  visits: number;
  onlineDepthCode: string;
  promisedLimit: { value: number; unit: 'working_days' | 'natural_days' } | null;
}

export const deleteSearchEntries = (q: Queryable, kind: 'item' | 'bundle', code: string) =>
  q.query('DELETE FROM catalog.search_entry WHERE kind = $1 AND code = $2', [kind, code]);

export const insertSearchEntry = (q: Queryable, e: SearchEntryRow) =>
  q.query(
    `INSERT INTO catalog.search_entry (version_id, kind, code, name, name_norm, keywords, is_handling, effective_from, effective_until, document, summary)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::tsvector, $11)`,
    [e.version_id, e.kind, e.code, e.name, e.name_norm, e.keywords, e.is_handling, e.effective_from, e.effective_until, e.document, JSON.stringify(e.summary)],
  );

export interface SearchResultRow {
  kind: 'item' | 'bundle';
  code: string;
  name: string;
  summary: SearchSummary;
  score: number;
  total: number;
}

/**
 * Ranked search over what is in force on `today`, found through the GIN index (the query's terms,
 * its whole text and the synonym table's phrases are all lexemes). Score = ts_rank over the weighted terms
 * + 3 for the exact name, + 1.5 for a name or keyword holding the whole query, + the synonym
 * table's preference bonus for the best preferred phrase the name holds, − 0.1 for a handling
 * item (its implementation entry comes first).
 */
export const searchEntries = (
  q: Queryable,
  p: { tsquery: string; text: string; phrases: string[]; weights: number[]; today: string; limit: number; offset: number },
) =>
  q.query<SearchResultRow>(
    `WITH hits AS (
       SELECT s.kind, s.code, s.name, s.summary,
              ts_rank(s.document, $1::tsquery)
              + CASE WHEN s.name_norm = $2 THEN 3 WHEN length($2) >= 2 AND strpos(s.name_norm, $2) > 0 THEN 1.5 ELSE 0 END
              + CASE WHEN $2 = ANY (s.keywords) THEN 1.5 ELSE 0 END
              + coalesce((SELECT max(p.weight) FROM unnest($3::text[], $4::float8[]) AS p (phrase, weight)
                           WHERE strpos(s.name_norm, p.phrase) > 0), 0)
              - CASE WHEN s.is_handling THEN 0.1 ELSE 0 END AS score
         FROM catalog.search_entry s
        WHERE s.effective_from <= $5::date AND (s.effective_until IS NULL OR s.effective_until > $5::date)
          AND s.document @@ $1::tsquery
     )
     SELECT kind, code, name, summary, score::float8 AS score, (count(*) OVER ())::int AS total
       FROM hits ORDER BY score DESC, kind, name COLLATE "C", code COLLATE "C" LIMIT $6 OFFSET $7`,
    [p.tsquery, p.text, p.phrases, p.weights, p.today, p.limit, p.offset],
  );

/** Browsing without a query: bundles first, then items by name. */
export const listCurrentEntries = (q: Queryable, p: { today: string; limit: number; offset: number }) =>
  q.query<SearchResultRow>(
    `SELECT kind, code, name, summary, 0::float8 AS score, (count(*) OVER ())::int AS total
       FROM catalog.search_entry s
      WHERE s.effective_from <= $1::date AND (s.effective_until IS NULL OR s.effective_until > $1::date)
      ORDER BY kind, is_handling, name COLLATE "C", code COLLATE "C" LIMIT $2 OFFSET $3`,
    [p.today, p.limit, p.offset],
  );

/** Published item versions in force on `today`: the base of the catalogue's figures. */
export const listCurrentElements = (q: Queryable, today: string) =>
  q.query<{ code: string; elements: ItemElements }>(
    `SELECT i.code, v.elements FROM catalog.item i JOIN catalog.item_version v ON v.item_id = i.id
      WHERE v.status = 'published' AND v.effective_from <= $1::date AND (v.effective_until IS NULL OR v.effective_until > $1::date)
      ORDER BY i.code COLLATE "C"`,
    [today],
  );

export const countCurrentBundles = async (q: Queryable, today: string) =>
  (
    await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM catalog.bundle_version
        WHERE status = 'published' AND effective_from <= $1::date AND (effective_until IS NULL OR effective_until > $1::date)`,
      [today],
    )
  )[0]!.n;

// ---------------------------------------------------------------- locks and import log

/** Serialises changes to one item (version transitions, imports) across transactions. */
export const lockItem = (q: Queryable, id: string) => q.query('SELECT id FROM catalog.item WHERE id = $1 FOR UPDATE', [id]);

export const insertImportLog = (q: Queryable, r: { id: string; sha256: string; summary: object; at: Date; by: string | null }) =>
  q.query('INSERT INTO catalog.import_log (id, sha256, summary, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5)', [r.id, r.sha256, JSON.stringify(r.summary), r.at, r.by]);

export const hasImportWithHash = async (q: Queryable, sha256: string) =>
  (await q.query('SELECT 1 FROM catalog.import_log WHERE sha256 = $1 LIMIT 1', [sha256])).length > 0;

// ---------------------------------------------------------------- whole-catalogue reads and batch writes (import)

export const listAllVersions = (q: Queryable) =>
  q.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM catalog.item_version ORDER BY item_id, version`);

export const listAllBundleVersions = (q: Queryable) =>
  q.query<BundleVersionRow>(`SELECT ${BUNDLE_VERSION_COLUMNS} FROM catalog.bundle_version ORDER BY bundle_id, version`);

export const listPowerTypes = (q: Queryable) => q.query<{ code: string; type_code: string }>('SELECT code, type_code FROM catalog.power_entry');

export const upsertBasicEntries = (q: Queryable, rows: BasicEntryRow[], now: Date) =>
  rows.length === 0
    ? Promise.resolve([])
    : q.query(
        `INSERT INTO catalog.basic_entry (code, name, type_code, parent_code, updated_at)
         SELECT r.code, r.name, r.type_code, r.parent_code, $2 FROM jsonb_to_recordset($1::jsonb) AS r(code text, name text, type_code text, parent_code text)
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, type_code = EXCLUDED.type_code,
           parent_code = EXCLUDED.parent_code, updated_at = EXCLUDED.updated_at
         WHERE (catalog.basic_entry.name, catalog.basic_entry.type_code, catalog.basic_entry.parent_code)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.type_code, EXCLUDED.parent_code)`,
        [JSON.stringify(rows), now],
      );

export const upsertPowerEntries = (q: Queryable, rows: PowerEntryRow[], now: Date) =>
  rows.length === 0
    ? Promise.resolve([])
    : q.query(
        `INSERT INTO catalog.power_entry (code, name, type_code, unit_code, legal_basis, responsibilities, accountability, updated_at)
         SELECT r.code, r.name, r.type_code, r.unit_code, r.legal_basis, r.responsibilities, r.accountability, $2
           FROM jsonb_to_recordset($1::jsonb) AS r(code text, name text, type_code text, unit_code text, legal_basis jsonb, responsibilities jsonb, accountability jsonb)
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, type_code = EXCLUDED.type_code, unit_code = EXCLUDED.unit_code,
           legal_basis = EXCLUDED.legal_basis, responsibilities = EXCLUDED.responsibilities,
           accountability = EXCLUDED.accountability, updated_at = EXCLUDED.updated_at
         WHERE (catalog.power_entry.name, catalog.power_entry.type_code, catalog.power_entry.unit_code, catalog.power_entry.legal_basis,
                catalog.power_entry.responsibilities, catalog.power_entry.accountability)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.type_code, EXCLUDED.unit_code, EXCLUDED.legal_basis, EXCLUDED.responsibilities, EXCLUDED.accountability)`,
        [JSON.stringify(rows), now],
      );

/** Inserts items; a handling item may come with its parent (foreign keys are checked at the end of the statement). */
export const insertItems = (q: Queryable, rows: Omit<ItemRow, 'parent_code' | 'cancelled_on' | 'cancel_reason'>[], now: Date) =>
  rows.length === 0
    ? Promise.resolve([])
    : q.query(
        `INSERT INTO catalog.item (id, code, kind, basic_code, implementation_code, handling_code, parent_id, unit_code, power_code, variant, created_at, updated_at)
         SELECT r.id, r.code, r.kind, r.basic_code, r.implementation_code, r.handling_code, r.parent_id, r.unit_code, r.power_code, r.variant, $2, $2
           FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, code text, kind text, basic_code text, implementation_code text,
                handling_code text, parent_id uuid, unit_code text, power_code text, variant jsonb)`,
        [JSON.stringify(rows), now],
      );

export interface NewVersionRow {
  id: string;
  item_id: string;
  version: number;
  status: VersionStatus;
  effective_from: string | null;
  effective_until: string | null;
  elements: ItemElements;
  created_by: string | null;
  published_at: Date | null;
}

export const insertVersions = (q: Queryable, rows: NewVersionRow[], now: Date) =>
  rows.length === 0
    ? Promise.resolve([])
    : q.query(
        `INSERT INTO catalog.item_version (id, item_id, version, status, effective_from, effective_until, name, elements, created_at, created_by, published_at, published_by, updated_at)
         SELECT r.id, r.item_id, r.version, r.status, r.effective_from, r.effective_until, r.elements ->> 'name', r.elements, $2, r.created_by,
                r.published_at, CASE WHEN r.published_at IS NULL THEN NULL ELSE r.created_by END, $2
           FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, item_id uuid, version int, status text, effective_from date, effective_until date,
                elements jsonb, created_by text, published_at timestamptz)`,
        [JSON.stringify(rows), now],
      );

export const deleteSearchEntriesOf = (q: Queryable, kind: 'item' | 'bundle', codes: string[]) =>
  codes.length === 0 ? Promise.resolve([]) : q.query('DELETE FROM catalog.search_entry WHERE kind = $1 AND code = ANY ($2::text[])', [kind, codes]);

export const insertSearchEntries = (q: Queryable, rows: SearchEntryRow[]) =>
  rows.length === 0
    ? Promise.resolve([])
    : q.query(
        `INSERT INTO catalog.search_entry (version_id, kind, code, name, name_norm, keywords, is_handling, effective_from, effective_until, document, summary)
         SELECT r.version_id, r.kind, r.code, r.name, r.name_norm, r.keywords, r.is_handling, r.effective_from, r.effective_until, r.document::tsvector, r.summary
           FROM jsonb_to_recordset($1::jsonb) AS r(version_id uuid, kind text, code text, name text, name_norm text, keywords text[],
                is_handling boolean, effective_from date, effective_until date, document text, summary jsonb)`,
        [JSON.stringify(rows)],
      );

// ---------------------------------------------------------------- search index upkeep

export const getSearchMeta = async (q: Queryable, key: string) =>
  (await q.query<{ value: string }>('SELECT value FROM catalog.search_meta WHERE key = $1', [key]))[0]?.value;

export const setSearchMeta = (q: Queryable, key: string, value: string) =>
  q.query('INSERT INTO catalog.search_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [key, value]);

export const deleteAllSearchEntries = (q: Queryable) => q.query('DELETE FROM catalog.search_entry');

export const listPublishedItemVersions = (q: Queryable) =>
  q.query<VersionRow & { code: string; kind: string; parent_id: string | null }>(
    `SELECT v.id, v.item_id, v.version, v.status, v.effective_from, v.effective_until, v.name, v.elements, v.created_at, v.submitted_at,
            v.published_at, v.return_reason, i.code, i.kind, i.parent_id
       FROM catalog.item_version v JOIN catalog.item i ON i.id = v.item_id
      WHERE v.status = 'published' ORDER BY i.code, v.version`,
  );
