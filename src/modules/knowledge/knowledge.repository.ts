import type { Queryable } from '../../platform/db.ts';
import type { ArticleKind, ArticleState, VersionStatus } from './knowledge.schemas.ts';
import type { IndexText } from './knowledge.search.ts';

// Every SQL statement of the knowledge base.

export interface ArticleRow {
  id: string;
  kind: ArticleKind;
  state: ArticleState;
  latest_version: number;
  published_version: number | null;
  source_key: string | null;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
}

export interface VersionRow {
  article_id: string;
  version: number;
  status: VersionStatus;
  title: string;
  body: string;
  tags: string[];
  hotline_category: string | null;
  issuing_unit_id: string | null;
  issuing_unit_code: string | null;
  issuing_unit_name: string | null;
  is_public: boolean;
  valid_from: string | null;
  valid_until: string | null;
  change_note: string | null;
  created_at: Date;
  created_by: string | null;
  published_at: Date | null;
  published_by: string | null;
  ended_at: Date | null;
  expiry_flagged_at: Date | null;
}

/** A version with its article's kind, as search and reads return it. */
export type VersionWithKind = VersionRow & { kind: ArticleKind };

export interface NewVersion {
  title: string;
  body: string;
  tags: string[];
  hotlineCategory: string | null;
  issuingUnit: { id: string; code: string; name: string } | null;
  isPublic: boolean;
  validFrom: string | null;
  validUntil: string | null;
  changeNote: string | null;
}

const VERSION_COLUMNS = `v.article_id, v.version, v.status, v.title, v.body, v.tags, v.hotline_category, v.issuing_unit_id,
  v.issuing_unit_code, v.issuing_unit_name, v.is_public, v.valid_from, v.valid_until, v.change_note, v.created_at,
  v.created_by, v.published_at, v.published_by, v.ended_at, v.expiry_flagged_at`;

/** Weighted vector from the app's terms: title A, tags and category B, body D. */
const SEARCH_VECTOR = `setweight(to_tsvector('simple', $1), 'A') || setweight(to_tsvector('simple', $2), 'B')
  || setweight(to_tsvector('simple', $3), 'D')`;

export const findArticle = async (q: Queryable, id: string, forUpdate = false) =>
  (await q.query<ArticleRow>(`SELECT * FROM knowledge.article WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]))[0];

export const findArticleBySourceKey = async (q: Queryable, sourceKey: string) =>
  (await q.query<ArticleRow>('SELECT * FROM knowledge.article WHERE source_key = $1', [sourceKey]))[0];

export const listArticlesBySourcePrefix = (q: Queryable, prefix: string) =>
  q.query<ArticleRow>("SELECT * FROM knowledge.article WHERE source_key LIKE $1 || '%' ORDER BY source_key", [prefix]);

export async function insertArticle(
  q: Queryable,
  a: { id: string; kind: ArticleKind; sourceKey: string | null; at: Date; by: string | null },
) {
  await q.query(
    `INSERT INTO knowledge.article (id, kind, state, latest_version, published_version, source_key, created_at, created_by, updated_at)
     VALUES ($1, $2, 'draft', 1, NULL, $3, $4, $5, $4)`,
    [a.id, a.kind, a.sourceKey, a.at, a.by],
  );
}

export async function updateArticleHead(
  q: Queryable,
  id: string,
  head: { state: ArticleState; latestVersion: number; publishedVersion: number | null; at: Date },
) {
  await q.query(
    `UPDATE knowledge.article SET state = $2, latest_version = $3, published_version = $4, updated_at = $5 WHERE id = $1`,
    [id, head.state, head.latestVersion, head.publishedVersion, head.at],
  );
}

export async function insertVersion(
  q: Queryable,
  articleId: string,
  version: number,
  v: NewVersion,
  index: IndexText,
  at: Date,
  by: string | null,
) {
  await q.query(
    `INSERT INTO knowledge.article_version
       (article_id, version, status, title, body, tags, hotline_category, issuing_unit_id, issuing_unit_code,
        issuing_unit_name, is_public, valid_from, valid_until, change_note, search, created_at, created_by)
     VALUES ($4, $5, 'draft', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, ${SEARCH_VECTOR}, $17, $18)`,
    [
      index.title, index.tags, index.body, articleId, version, v.title, v.body, v.tags, v.hotlineCategory,
      v.issuingUnit?.id ?? null, v.issuingUnit?.code ?? null, v.issuingUnit?.name ?? null, v.isPublic, v.validFrom,
      v.validUntil, v.changeNote, at, by,
    ],
  );
}

export interface PublishedImport {
  id: string;
  kind: ArticleKind;
  sourceKey: string;
  version: NewVersion;
  index: IndexText;
}

/** Inserts articles with their first version already published: the seed's bulk path, two statements. */
export async function insertPublishedArticles(q: Queryable, rows: PublishedImport[], at: Date, by: string | null) {
  if (rows.length === 0) return;
  const doc = JSON.stringify(
    rows.map((r) => ({
      id: r.id, kind: r.kind, source_key: r.sourceKey, title: r.version.title, body: r.version.body, tags: r.version.tags,
      hotline_category: r.version.hotlineCategory, unit_id: r.version.issuingUnit?.id ?? null, unit_code: r.version.issuingUnit?.code ?? null,
      unit_name: r.version.issuingUnit?.name ?? null, is_public: r.version.isPublic, valid_from: r.version.validFrom,
      valid_until: r.version.validUntil, change_note: r.version.changeNote, title_terms: r.index.title, tag_terms: r.index.tags,
      body_terms: r.index.body,
    })),
  );
  await q.query(
    `INSERT INTO knowledge.article (id, kind, state, latest_version, published_version, source_key, created_at, created_by, updated_at)
     SELECT r.id, r.kind, 'published', 1, 1, r.source_key, $2, $3, $2
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, kind text, source_key text)`,
    [doc, at, by],
  );
  await q.query(
    `INSERT INTO knowledge.article_version
       (article_id, version, status, title, body, tags, hotline_category, issuing_unit_id, issuing_unit_code, issuing_unit_name,
        is_public, valid_from, valid_until, change_note, search, created_at, created_by, published_at, published_by)
     SELECT r.id, 1, 'published', r.title, r.body, r.tags, r.hotline_category, r.unit_id, r.unit_code, r.unit_name,
            r.is_public, r.valid_from, r.valid_until, r.change_note,
            setweight(to_tsvector('simple', r.title_terms), 'A') || setweight(to_tsvector('simple', r.tag_terms), 'B')
              || setweight(to_tsvector('simple', r.body_terms), 'D'),
            $2, $3, $2, $3
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, title text, body text, tags text[], hotline_category text, unit_id uuid,
            unit_code text, unit_name text, is_public boolean, valid_from date, valid_until date, change_note text,
            title_terms text, tag_terms text, body_terms text)`,
    [doc, at, by],
  );
}

/** Which of these source keys exist already. */
export const existingSourceKeys = async (q: Queryable, keys: string[]) =>
  new Set((await q.query<{ source_key: string }>('SELECT source_key FROM knowledge.article WHERE source_key = ANY ($1::text[])', [keys])).map((r) => r.source_key));

/** Rewrites the open draft in place: a draft is a working copy, not history. */
export async function rewriteDraft(q: Queryable, articleId: string, version: number, v: NewVersion, index: IndexText, at: Date, by: string | null) {
  await q.query(
    `UPDATE knowledge.article_version SET
       title = $6, body = $7, tags = $8, hotline_category = $9, issuing_unit_id = $10, issuing_unit_code = $11,
       issuing_unit_name = $12, is_public = $13, valid_from = $14, valid_until = $15, change_note = $16,
       search = ${SEARCH_VECTOR}, created_at = $17, created_by = $18
     WHERE article_id = $4 AND version = $5 AND status = 'draft'`,
    [
      index.title, index.tags, index.body, articleId, version, v.title, v.body, v.tags, v.hotlineCategory,
      v.issuingUnit?.id ?? null, v.issuingUnit?.code ?? null, v.issuingUnit?.name ?? null, v.isPublic, v.validFrom,
      v.validUntil, v.changeNote, at, by,
    ],
  );
}

export async function setVersionStatus(
  q: Queryable,
  articleId: string,
  version: number,
  status: VersionStatus,
  at: Date,
  by: string | null,
) {
  // Publishing stamps who published; leaving the published state stamps when it ended.
  await q.query(
    `UPDATE knowledge.article_version SET
       status = $3,
       published_at = CASE WHEN $3 = 'published' THEN $4 ELSE published_at END,
       published_by = CASE WHEN $3 = 'published' THEN $5 ELSE published_by END,
       ended_at = CASE WHEN $3 IN ('superseded', 'retired') THEN $4 ELSE ended_at END
     WHERE article_id = $1 AND version = $2`,
    [articleId, version, status, at, by],
  );
}

export const findVersion = async (q: Queryable, articleId: string, version: number) =>
  (
    await q.query<VersionWithKind>(
      `SELECT ${VERSION_COLUMNS}, a.kind FROM knowledge.article_version v JOIN knowledge.article a ON a.id = v.article_id
        WHERE v.article_id = $1 AND v.version = $2`,
      [articleId, version],
    )
  )[0];

export const listVersions = (q: Queryable, articleId: string) =>
  q.query<VersionWithKind>(
    `SELECT ${VERSION_COLUMNS}, a.kind FROM knowledge.article_version v JOIN knowledge.article a ON a.id = v.article_id
      WHERE v.article_id = $1 ORDER BY v.version DESC`,
    [articleId],
  );

export interface SearchFilter {
  today: string;
  includeOutOfForce: boolean;
  publicOnly: boolean;
  kind?: ArticleKind;
  category?: string;
  /** Valid until within this many days from today (inclusive). */
  expiringWithinDays?: number;
  limit: number;
}

export type SearchRow = VersionWithKind & { score: number; is_full_match: boolean };

function filterSql(f: SearchFilter, params: unknown[]): string {
  const add = (v: unknown) => `$${params.push(v)}`;
  const where = [`v.status = 'published'`];
  if (!f.includeOutOfForce) {
    const today = add(f.today);
    where.push(`(v.valid_from IS NULL OR v.valid_from <= ${today}::date) AND (v.valid_until IS NULL OR v.valid_until >= ${today}::date)`);
  }
  if (f.publicOnly) where.push('v.is_public');
  if (f.kind) where.push(`a.kind = ${add(f.kind)}`);
  if (f.category) {
    const c = add(f.category);
    where.push(`(v.hotline_category = ${c} OR ${c} = ANY (v.tags))`);
  }
  if (f.expiringWithinDays !== undefined) {
    const today = add(f.today);
    where.push(`v.valid_until BETWEEN ${today}::date AND ${today}::date + ${add(f.expiringWithinDays)}::int`);
  }
  return where.join(' AND ');
}

/**
 * Ranked search. Rows match any query group (`anyQuery`); those matching every required group come
 * first, then by score: ts_rank (length-normalised) of whole-word matches, a tenth of the rank of
 * sub-word matches, and a bonus for the share of groups found in the title.
 */
export function searchVersions(
  q: Queryable,
  query: { anyQuery: string; strictQuery: string; requiredQueries: string[]; titleQueries: string[]; titleBonus: number },
  f: SearchFilter,
) {
  const params: unknown[] = [query.anyQuery, query.requiredQueries, query.titleQueries, query.titleBonus, query.strictQuery];
  const where = filterSql(f, params);
  const limit = `$${params.push(f.limit)}`;
  return q.query<SearchRow>(
    `SELECT * FROM (
       SELECT ${VERSION_COLUMNS}, a.kind,
              (SELECT count(*) FROM unnest($2::text[]) AS g(q) WHERE v.search @@ to_tsquery('simple', g.q)) = cardinality($2::text[])
                AS is_full_match,
              (ts_rank(v.search, to_tsquery('simple', $5), 1) + 0.1 * ts_rank(v.search, to_tsquery('simple', $1), 1)
                + $4::float8 * (SELECT count(*) FROM unnest($3::text[]) AS g(q) WHERE v.search @@ to_tsquery('simple', g.q))
                  / greatest(cardinality($3::text[]), 1))::float8 AS score
         FROM knowledge.article_version v JOIN knowledge.article a ON a.id = v.article_id
        WHERE v.search @@ to_tsquery('simple', $1) AND ${where}
     ) r
     ORDER BY is_full_match DESC, score DESC, published_at DESC, article_id
     LIMIT ${limit}`,
    params,
  );
}

/** Published versions without a query: newest first. */
export function listPublished(q: Queryable, f: SearchFilter) {
  const params: unknown[] = [];
  const where = filterSql(f, params);
  const limit = `$${params.push(f.limit)}`;
  return q.query<SearchRow>(
    `SELECT ${VERSION_COLUMNS}, a.kind, false AS is_full_match, 0::float8 AS score
       FROM knowledge.article_version v JOIN knowledge.article a ON a.id = v.article_id
      WHERE ${where}
      ORDER BY v.published_at DESC, v.article_id
      LIMIT ${limit}`,
    params,
  );
}

/** Published versions whose validity ends between today and `until`, not yet flagged. */
export const listExpiringUnflagged = (q: Queryable, today: string, until: string) =>
  q.query<VersionWithKind>(
    `SELECT ${VERSION_COLUMNS}, a.kind FROM knowledge.article_version v JOIN knowledge.article a ON a.id = v.article_id
      WHERE v.status = 'published' AND v.expiry_flagged_at IS NULL AND v.valid_until BETWEEN $1::date AND $2::date
      ORDER BY v.valid_until, v.article_id
      FOR UPDATE OF v SKIP LOCKED`,
    [today, until],
  );

export const markExpiryFlagged = (q: Queryable, articleId: string, version: number, at: Date) =>
  q.query('UPDATE knowledge.article_version SET expiry_flagged_at = $3 WHERE article_id = $1 AND version = $2', [articleId, version, at]);

/** Versions in key order, a page at a time, for reindexing. */
export const pageVersionsForIndex = (q: Queryable, after: { articleId: string; version: number } | null, limit: number) =>
  q.query<Pick<VersionRow, 'article_id' | 'version' | 'title' | 'body' | 'tags' | 'hotline_category'>>(
    `SELECT article_id, version, title, body, tags, hotline_category FROM knowledge.article_version
      WHERE ($1::uuid IS NULL OR (article_id, version) > ($1::uuid, $2::int))
      ORDER BY article_id, version LIMIT $3`,
    [after?.articleId ?? null, after?.version ?? 0, limit],
  );

export const updateSearchVector = (q: Queryable, articleId: string, version: number, index: IndexText) =>
  q.query(`UPDATE knowledge.article_version SET search = ${SEARCH_VECTOR} WHERE article_id = $4 AND version = $5`, [
    index.title, index.tags, index.body, articleId, version,
  ]);

export const getDictionaryHash = async (q: Queryable) =>
  (await q.query<{ words_hash: string }>('SELECT words_hash FROM knowledge.search_dictionary'))[0]?.words_hash;

export const setDictionaryHash = (q: Queryable, hash: string, at: Date) =>
  q.query(
    `INSERT INTO knowledge.search_dictionary (id, words_hash, indexed_at) VALUES (true, $1, $2)
     ON CONFLICT (id) DO UPDATE SET words_hash = EXCLUDED.words_hash, indexed_at = EXCLUDED.indexed_at`,
    [hash, at],
  );
