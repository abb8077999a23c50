import { writeAudit } from '../../platform/audit.ts';
import { canActOn } from '../../platform/auth/roles.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import { badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import { Segmenter } from '../../platform/text/segment.ts';
import { assertValid } from '../../platform/validate.ts';
import { listOrgUnits, orgViews } from '../org/index.ts';
import * as repo from './knowledge.repository.ts';
import {
  CreateArticleBody,
  UpdateArticleBody,
  type Article,
  type ArticleKind,
  type ArticleVersion,
  type PublicArticle,
  type SearchHit,
  type SearchResult,
  type Validity,
  type VersionEntry,
} from './knowledge.schemas.ts';
import { dictionaryHash, highlightSnippet, indexText, knowledgeWords, parseQuery } from './knowledge.search.ts';

// Use cases of the knowledge base: write and publish versioned articles, search and read them,
// flag those about to expire, and keep the generated 单位职责 articles in step with the org tree.

type Ctx = Pick<ActionContext, 'actor' | 'principal' | 'requestId' | 'ip'>;

/** Days ahead the expiring-soon job looks. */
export const EXPIRY_NOTICE_DAYS = 30;
/** Added to ts_rank for the share of query words found in the title. */
const TITLE_BONUS = 0.5;

// ── dates ───────────────────────────────────────────────────────────────────────────────────────

/** The calendar day in China (UTC+8, no daylight saving) at `at`: validity is counted in local days. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);
}

function validityOn(today: string, from: string | null, until: string | null): Validity {
  if (from && from > today) return 'not_yet_valid';
  if (until && until < today) return 'expired';
  return 'in_force';
}

// ── segmentation ────────────────────────────────────────────────────────────────────────────────

// Segmenters are costly to build (the dictionary loads in ~0.2 s), so they are shared per
// dictionary across the process; each platform remembers which dictionary its index was built with.
const segmenters = new Map<string, Segmenter>();
const MAX_SEGMENTERS = 4;
const platformSegmenters = new WeakMap<Platform, { hash: string; seg: Segmenter }>();

/** Domain words, synonyms, and the district's unit names and gazetteer: place names stay whole. */
async function dictionaryWords(db: Db): Promise<string[]> {
  const units = await listOrgUnits(db);
  const places = await orgViews.listGazetteer(db);
  const words = [...knowledgeWords(), ...units.flatMap((u) => [u.name, u.shortName ?? '']), ...places.map((p) => p.name)];
  return [...new Set(words.filter((w) => [...w.trim()].length > 1))];
}

function segmenterFor(words: string[], hash: string): Segmenter {
  let seg = segmenters.get(hash);
  if (!seg) {
    if (segmenters.size >= MAX_SEGMENTERS) segmenters.delete(segmenters.keys().next().value!);
    seg = new Segmenter({ userWords: words });
    segmenters.set(hash, seg);
  }
  return seg;
}

/**
 * The segmenter matching the stored search vectors. When another process reindexed with a new
 * dictionary (the district was re-imported), the stored hash changes and this one is rebuilt.
 */
export async function knowledgeSegmenter(platform: Platform): Promise<Segmenter> {
  const cached = platformSegmenters.get(platform);
  const stored = await repo.getDictionaryHash(platform.db);
  if (cached && (stored === undefined || stored === cached.hash)) return cached.seg;
  const words = await dictionaryWords(platform.db);
  const hash = dictionaryHash(words);
  const entry = { hash, seg: segmenterFor(words, hash) };
  platformSegmenters.set(platform, entry);
  return entry.seg;
}

const REINDEX_PAGE = 200;

/**
 * Rebuilds every version's search vector when the dictionary changed (or when forced), a page per
 * transaction so no embedded transaction runs long. Returns how many versions were rewritten.
 */
export async function reindexArticles(platform: Platform, opts: { force?: boolean } = {}): Promise<{ reindexed: number }> {
  const words = await dictionaryWords(platform.db);
  const hash = dictionaryHash(words);
  if (!opts.force && (await repo.getDictionaryHash(platform.db)) === hash) return { reindexed: 0 };
  const seg = segmenterFor(words, hash);
  platformSegmenters.set(platform, { hash, seg });
  let reindexed = 0;
  let after: { articleId: string; version: number } | null = null;
  for (;;) {
    const page = await platform.db.tx(async (tx) => {
      const rows = await repo.pageVersionsForIndex(tx, after, REINDEX_PAGE);
      for (const r of rows) {
        await repo.updateSearchVector(tx, r.article_id, r.version, indexText(seg, { title: r.title, body: r.body, tags: r.tags, hotlineCategory: r.hotline_category }));
      }
      return rows;
    });
    reindexed += page.length;
    const last = page.at(-1);
    if (!last || page.length < REINDEX_PAGE) break;
    after = { articleId: last.article_id, version: last.version };
  }
  await repo.setDictionaryHash(platform.db, hash, platform.clock.now());
  return { reindexed };
}

// ── shapes ──────────────────────────────────────────────────────────────────────────────────────

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toVersion(r: repo.VersionWithKind, today: string): ArticleVersion {
  return {
    articleId: r.article_id,
    kind: r.kind,
    version: r.version,
    status: r.status,
    title: r.title,
    body: r.body,
    tags: r.tags,
    hotlineCategory: r.hotline_category,
    issuingUnit: r.issuing_unit_id ? { id: r.issuing_unit_id, code: r.issuing_unit_code ?? '', name: r.issuing_unit_name ?? '' } : null,
    isPublic: r.is_public,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    validity: validityOn(today, r.valid_from, r.valid_until),
    changeNote: r.change_note,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    publishedAt: iso(r.published_at),
    publishedBy: r.published_by,
    endedAt: iso(r.ended_at),
    expiryFlaggedAt: iso(r.expiry_flagged_at),
  };
}

const toEntry = (r: repo.VersionRow): VersionEntry => ({
  version: r.version,
  status: r.status,
  title: r.title,
  changeNote: r.change_note,
  createdAt: r.created_at.toISOString(),
  createdBy: r.created_by,
  publishedAt: iso(r.published_at),
  endedAt: iso(r.ended_at),
});

// ── policy ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Editors act on articles of units in their subtree; an article without an issuing unit needs the
 * permission anywhere. System callers (seed, jobs) carry no principal.
 */
function assertMayEdit(ctx: Ctx, unitPath: string | null) {
  const p = ctx.principal;
  if (!p) return;
  const may = unitPath ? canActOn(p, 'knowledge:write', unitPath) : p.permissions.has('knowledge:write');
  if (!may) throw forbidden('FORBIDDEN', `无权编辑该单位的知识 (no knowledge:write for ${unitPath ?? 'this article'})`);
}

async function resolveUnit(db: Queryable, code: string | null | undefined) {
  if (!code) return null;
  const u = await orgViews.findUnitByCode(db, code);
  if (!u) throw badRequest('ORG_UNIT_UNKNOWN', `没有代码为 ${code} 的单位 (unknown unit ${code})`);
  return { id: u.id, code: u.code, name: u.name, path: u.path };
}

async function unitPathOf(db: Queryable, code: string | null): Promise<string | null> {
  if (!code) return null;
  return (await orgViews.findUnitByCode(db, code))?.path ?? null;
}

type Editable = Omit<CreateArticleBody, 'kind'>;

function toNewVersion(input: Editable, unit: { id: string; code: string; name: string } | null): repo.NewVersion {
  const validFrom = input.validFrom ?? null;
  const validUntil = input.validUntil ?? null;
  if (validFrom && validUntil && validUntil < validFrom) {
    throw badRequest('KNOWLEDGE_VALIDITY_INVALID', `失效日期早于生效日期 (valid until ${validUntil} is before valid from ${validFrom})`);
  }
  return {
    title: input.title.trim(),
    body: input.body.trim(),
    tags: [...new Set((input.tags ?? []).map((t) => t.trim()).filter(Boolean))],
    hotlineCategory: input.hotlineCategory ?? null,
    issuingUnit: unit ? { id: unit.id, code: unit.code, name: unit.name } : null,
    isPublic: input.isPublic ?? false,
    validFrom,
    validUntil,
    changeNote: input.changeNote?.trim() || null,
  };
}

const actorLabel = (ctx: Ctx) => ctx.actor.label ?? ctx.actor.id ?? null;

async function lockArticle(q: Queryable, id: string) {
  const a = await repo.findArticle(q, id, true);
  if (!a) throw notFound('KNOWLEDGE_ARTICLE_NOT_FOUND', `知识库中没有该条目 (no article ${id})`);
  return a;
}

// ── writes ──────────────────────────────────────────────────────────────────────────────────────

/** Creates an article as a draft (version 1). */
export async function createArticle(
  platform: Platform,
  body: CreateArticleBody,
  ctx: Ctx,
  opts: { sourceKey?: string } = {},
): Promise<Article> {
  const input = assertValid(CreateArticleBody, body, 'VALIDATION_FAILED', 'article');
  const unit = await resolveUnit(platform.db, input.issuingUnitCode);
  assertMayEdit(ctx, unit?.path ?? null);
  const version = toNewVersion(input, unit);
  const seg = await knowledgeSegmenter(platform);
  const now = platform.clock.now();
  const id = uuidv7();
  await platform.db.tx(async (tx) => {
    await repo.insertArticle(tx, { id, kind: input.kind, sourceKey: opts.sourceKey ?? null, at: now, by: actorLabel(ctx) });
    await repo.insertVersion(tx, id, 1, version, indexText(seg, version), now, actorLabel(ctx));
    await writeAudit(tx, {
      ...ctx,
      at: now,
      action: 'knowledge.article.create',
      objectType: 'knowledge_article',
      objectId: id,
      orgUnitId: unit?.id,
      data: { version: 1, kind: input.kind, title: version.title },
    });
  });
  return getArticle(platform, id, { includeDrafts: true });
}

/**
 * Writes a new text. While the latest version is a draft it is rewritten; once it is published (or
 * retired) the edit opens the next version as a draft, and the published one stays in use.
 */
export async function updateArticle(platform: Platform, id: string, body: UpdateArticleBody, ctx: Ctx): Promise<Article> {
  const input = assertValid(UpdateArticleBody, body, 'VALIDATION_FAILED', 'article');
  const unit = await resolveUnit(platform.db, input.issuingUnitCode);
  const version = toNewVersion(input, unit);
  const seg = await knowledgeSegmenter(platform);
  const now = platform.clock.now();
  await platform.db.tx(async (tx) => {
    const a = await lockArticle(tx, id);
    if (input.baseVersion !== undefined && input.baseVersion !== a.latest_version) {
      throw conflict('KNOWLEDGE_VERSION_CONFLICT', `条目已被他人修改，请刷新 (edited from version ${input.baseVersion}, latest is ${a.latest_version})`, { latestVersion: a.latest_version });
    }
    const latest = (await repo.findVersion(tx, id, a.latest_version))!;
    // Moving an article between units needs the right on both.
    assertMayEdit(ctx, await unitPathOf(tx, latest.issuing_unit_code));
    assertMayEdit(ctx, unit?.path ?? null);
    const isNewVersion = latest.status !== 'draft';
    const n = isNewVersion ? a.latest_version + 1 : a.latest_version;
    const index = indexText(seg, version);
    if (isNewVersion) await repo.insertVersion(tx, id, n, version, index, now, actorLabel(ctx));
    else await repo.rewriteDraft(tx, id, n, version, index, now, actorLabel(ctx));
    await repo.updateArticleHead(tx, id, { state: a.state, latestVersion: n, publishedVersion: a.published_version, at: now });
    await writeAudit(tx, {
      ...ctx,
      at: now,
      action: 'knowledge.article.update',
      objectType: 'knowledge_article',
      objectId: id,
      orgUnitId: unit?.id,
      data: { version: n, isNewVersion, title: version.title },
    });
  });
  return getArticle(platform, id, { includeDrafts: true });
}

/** Publishes the open draft; the version published before it is superseded. */
export async function publishArticle(platform: Platform, id: string, body: { version?: number }, ctx: Ctx): Promise<Article> {
  const now = platform.clock.now();
  await platform.db.tx(async (tx) => {
    const a = await lockArticle(tx, id);
    const draft = (await repo.findVersion(tx, id, a.latest_version))!;
    if (draft.status !== 'draft') {
      throw conflict('KNOWLEDGE_NO_DRAFT', `没有待发布的草稿 (version ${a.latest_version} is ${draft.status}; edit the article first)`);
    }
    if (body.version !== undefined && body.version !== draft.version) {
      throw conflict('KNOWLEDGE_VERSION_CONFLICT', `要发布的版本已变化 (asked to publish version ${body.version}, the draft is version ${draft.version})`, { latestVersion: draft.version });
    }
    assertMayEdit(ctx, await unitPathOf(tx, draft.issuing_unit_code));
    const superseded = a.published_version;
    if (superseded !== null) await repo.setVersionStatus(tx, id, superseded, 'superseded', now, actorLabel(ctx));
    await repo.setVersionStatus(tx, id, draft.version, 'published', now, actorLabel(ctx));
    await repo.updateArticleHead(tx, id, { state: 'published', latestVersion: a.latest_version, publishedVersion: draft.version, at: now });
    await writeAudit(tx, {
      ...ctx,
      at: now,
      action: 'knowledge.article.publish',
      objectType: 'knowledge_article',
      objectId: id,
      orgUnitId: draft.issuing_unit_id ?? undefined,
      data: { version: draft.version, supersededVersion: superseded, title: draft.title },
    });
    await emit(tx, {
      topic: 'knowledge.article.published',
      key: id,
      payload: { articleId: id, version: draft.version, supersededVersion: superseded, kind: a.kind, title: draft.title, hotlineCategory: draft.hotline_category },
      at: now,
    });
  });
  return getArticle(platform, id, { includeDrafts: true });
}

/** Withdraws the published version: it leaves search but stays readable in the history. */
export async function retireArticle(platform: Platform, id: string, reason: string, ctx: Ctx): Promise<Article> {
  const now = platform.clock.now();
  await platform.db.tx(async (tx) => {
    const a = await lockArticle(tx, id);
    if (a.published_version === null) {
      throw conflict('KNOWLEDGE_NOT_PUBLISHED', `该条目没有已发布的版本 (article ${id} has no published version)`);
    }
    const published = (await repo.findVersion(tx, id, a.published_version))!;
    assertMayEdit(ctx, await unitPathOf(tx, published.issuing_unit_code));
    await repo.setVersionStatus(tx, id, published.version, 'retired', now, actorLabel(ctx));
    await repo.updateArticleHead(tx, id, { state: 'retired', latestVersion: a.latest_version, publishedVersion: null, at: now });
    await writeAudit(tx, {
      ...ctx,
      at: now,
      action: 'knowledge.article.retire',
      objectType: 'knowledge_article',
      objectId: id,
      orgUnitId: published.issuing_unit_id ?? undefined,
      data: { version: published.version, reason },
    });
    await emit(tx, { topic: 'knowledge.article.retired', key: id, payload: { articleId: id, version: published.version, reason }, at: now });
  });
  return getArticle(platform, id, { includeDrafts: true });
}

// ── reads ───────────────────────────────────────────────────────────────────────────────────────

export interface ReadOptions {
  /** Editors see drafts; everyone else sees published history only. */
  includeDrafts?: boolean;
}

/** An article: its current version and the list of versions, newest first. */
export async function getArticle(platform: Platform, id: string, opts: ReadOptions = {}): Promise<Article> {
  const a = await repo.findArticle(platform.db, id);
  const rows = a ? await repo.listVersions(platform.db, id) : [];
  const visible = opts.includeDrafts ? rows : rows.filter((r) => r.status !== 'draft');
  if (!a || visible.length === 0) throw notFound('KNOWLEDGE_ARTICLE_NOT_FOUND', `知识库中没有该条目 (no article ${id})`);
  const today = chinaDate(platform.clock.now());
  const published = rows.find((r) => r.status === 'published');
  const draft = opts.includeDrafts ? rows.find((r) => r.status === 'draft') : undefined;
  const current = published ?? draft ?? visible[0]!;
  return {
    id: a.id,
    kind: a.kind,
    state: a.state,
    latestVersion: opts.includeDrafts ? a.latest_version : visible[0]!.version,
    publishedVersion: a.published_version,
    current: toVersion(current, today),
    draft: draft ? toVersion(draft, today) : null,
    versions: visible.map(toEntry),
  };
}

/** One version of an article, as it was written; drafts for editors only. */
export async function getArticleVersion(platform: Platform, id: string, version: number, opts: ReadOptions = {}): Promise<ArticleVersion> {
  const row = await repo.findVersion(platform.db, id, version);
  if (!row || (row.status === 'draft' && !opts.includeDrafts)) {
    throw notFound('KNOWLEDGE_VERSION_NOT_FOUND', `没有该版本 (article ${id} has no version ${version})`);
  }
  return toVersion(row, chinaDate(platform.clock.now()));
}

export interface SearchOptions {
  kind?: ArticleKind;
  /** A hotline category code or a tag. */
  category?: string;
  /** Also return versions outside their validity window (expired or not yet in force). */
  includeExpired?: boolean;
  /** Only versions valid until a day within the next 30. */
  expiringSoon?: boolean;
  /** Only articles marked public (the portal). */
  publicOnly?: boolean;
  limit?: number;
}

/**
 * Searches published articles. Without `q`, lists them newest first. With `q`: results match any
 * of its words (or their synonyms); those matching all come first, then by rank with a title bonus.
 */
export async function searchArticles(platform: Platform, q: string | undefined, opts: SearchOptions = {}): Promise<SearchResult> {
  const today = chinaDate(platform.clock.now());
  const filter: repo.SearchFilter = {
    today,
    includeOutOfForce: opts.includeExpired ?? false,
    publicOnly: opts.publicOnly ?? false,
    kind: opts.kind,
    category: opts.category,
    expiringWithinDays: opts.expiringSoon ? EXPIRY_NOTICE_DAYS : undefined,
    limit: Math.min(Math.max(opts.limit ?? 10, 1), 50),
  };
  const hit = (r: repo.SearchRow, highlight: string[]): SearchHit => ({
    id: r.article_id,
    version: r.version,
    kind: r.kind,
    title: r.title,
    snippet: highlightSnippet(r.body, highlight),
    tags: r.tags,
    hotlineCategory: r.hotline_category,
    issuingUnit: r.issuing_unit_id ? { id: r.issuing_unit_id, code: r.issuing_unit_code ?? '', name: r.issuing_unit_name ?? '' } : null,
    isPublic: r.is_public,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    validity: validityOn(today, r.valid_from, r.valid_until),
    publishedAt: r.published_at!.toISOString(),
    isFullMatch: r.is_full_match,
    score: Math.round(r.score * 10_000) / 10_000,
  });
  if (!q?.trim()) {
    return { terms: [], items: (await repo.listPublished(platform.db, filter)).map((r) => hit(r, [])) };
  }
  const parsed = parseQuery(await knowledgeSegmenter(platform), q);
  if (!parsed.anyQuery) return { terms: [], items: [] };
  const rows = await repo.searchVersions(
    platform.db,
    { anyQuery: parsed.anyQuery, strictQuery: parsed.strictQuery, requiredQueries: parsed.requiredQueries, titleQueries: parsed.titleQueries, titleBonus: TITLE_BONUS },
    filter,
  );
  return { terms: parsed.terms, items: rows.map((r) => hit(r, parsed.highlight)) };
}

/** A public article as the portal shows it: published, marked public and in force. */
export async function getPublicArticle(platform: Platform, id: string): Promise<PublicArticle> {
  const a = await repo.findArticle(platform.db, id);
  const row = a?.published_version ? await repo.findVersion(platform.db, id, a.published_version) : undefined;
  const today = chinaDate(platform.clock.now());
  if (!row || !row.is_public || validityOn(today, row.valid_from, row.valid_until) !== 'in_force') {
    throw notFound('KNOWLEDGE_ARTICLE_NOT_FOUND', `没有该公开条目 (no public article ${id})`);
  }
  const v = toVersion(row, today);
  return {
    id: v.articleId,
    version: v.version,
    kind: v.kind,
    title: v.title,
    body: v.body,
    tags: v.tags,
    issuingUnit: v.issuingUnit,
    validFrom: v.validFrom,
    validUntil: v.validUntil,
    publishedAt: v.publishedAt!,
  };
}

// ── expiry ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Flags published versions whose validity ends within the next 30 days, once each: an audit row and
 * a 'knowledge.article.expiry_flagged' event per article, so editors can be told to renew or retire.
 */
export async function flagExpiringArticles(platform: Platform): Promise<{ flagged: { articleId: string; version: number; title: string; validUntil: string }[] }> {
  const now = platform.clock.now();
  const today = chinaDate(now);
  const until = addDays(today, EXPIRY_NOTICE_DAYS);
  return platform.db.tx(async (tx) => {
    const rows = await repo.listExpiringUnflagged(tx, today, until);
    const flagged = [];
    for (const r of rows) {
      await repo.markExpiryFlagged(tx, r.article_id, r.version, now);
      const item = { articleId: r.article_id, version: r.version, title: r.title, validUntil: r.valid_until! };
      await writeAudit(tx, {
        actor: { kind: 'system', label: 'knowledge.flag-expiring-articles' },
        at: now,
        action: 'knowledge.article.expiry-flag',
        objectType: 'knowledge_article',
        objectId: r.article_id,
        orgUnitId: r.issuing_unit_id ?? undefined,
        data: { version: r.version, validUntil: r.valid_until },
      });
      await emit(tx, { topic: 'knowledge.article.expiry_flagged', key: r.article_id, payload: { ...item, issuingUnitId: r.issuing_unit_id }, at: now });
      flagged.push(item);
    }
    return { flagged };
  });
}

// ── generated and seeded articles ───────────────────────────────────────────────────────────────

export interface SeedArticle extends CreateArticleBody {
  /** Stable key: the seed creates the article once and never overwrites editors' changes. */
  key: string;
}

/**
 * Creates and publishes the seed articles that do not exist yet, in one transaction with one audit
 * row for the batch. Articles naming a unit the org tree lacks are skipped (a district imported in
 * place of the reference one has other codes). Returns how many were created.
 */
export async function importArticles(platform: Platform, articles: SeedArticle[], ctx: Ctx, sourcePrefix: string): Promise<number> {
  const keyOf = (a: SeedArticle) => `${sourcePrefix}${a.key}`;
  const existing = await repo.existingSourceKeys(platform.db, articles.map(keyOf));
  const todo = articles.filter((a) => !existing.has(keyOf(a)));
  if (todo.length === 0) return 0;
  const seg = await knowledgeSegmenter(platform);
  const now = platform.clock.now();
  const units = new Map<string, { id: string; code: string; name: string }>();
  const rows: repo.PublishedImport[] = [];
  for (const input of todo) {
    const { key: _key, ...body } = input;
    const article = assertValid(CreateArticleBody, body, 'VALIDATION_FAILED', `seed article ${input.key}`);
    const code = article.issuingUnitCode;
    if (code && !units.has(code)) {
      const unit = await orgViews.findUnitByCode(platform.db, code);
      if (!unit) continue;
      units.set(code, { id: unit.id, code: unit.code, name: unit.name });
    }
    const version = toNewVersion(article, code ? units.get(code)! : null);
    rows.push({ id: uuidv7(), kind: article.kind, sourceKey: keyOf(input), version, index: indexText(seg, version) });
  }
  if (rows.length === 0) return 0;
  await platform.db.tx(async (tx) => {
    await repo.insertPublishedArticles(tx, rows, now, actorLabel(ctx));
    await writeAudit(tx, {
      ...ctx,
      at: now,
      action: 'knowledge.article.import',
      objectType: 'knowledge_article',
      data: { source: sourcePrefix, created: rows.length, articleIds: rows.map((r) => r.id) },
    });
  });
  return rows.length;
}

/** The 单位职责 article of one unit, from its duties, the dispatch rules naming it, and its gazetteer. */
export function unitDutyArticle(
  unit: { code: string; name: string; shortName: string | null; kind: string; duties: string[] },
  rules: { matter: string; unit_code: string }[],
  places: { kind: string; name: string }[],
): Omit<SeedArticle, 'key'> {
  const short = unit.shortName ?? unit.name;
  const isTerritorial = unit.kind === 'street' || unit.kind === 'town';
  const own = rules.filter((r) => r.unit_code === unit.code || (isTerritorial && r.unit_code === 'street'));
  const lines = [`${unit.name}（${short}）在12345热线派单目录中承办以下事项：`, ...unit.duties.map((d, i) => `${i + 1}. ${d}`)];
  if (own.length) {
    lines.push('', `派单目录补充说明中明确由${isTerritorial ? '事发地街道（镇）' : short}承办的事项：`, ...own.map((r) => `- ${r.matter}`));
  }
  if (isTerritorial) {
    const byKind = (k: string) => places.filter((p) => p.kind === k).map((p) => p.name).join('、');
    lines.push('', `以上属地事项仅限本辖区内的地址。${short}辖区：`);
    if (byKind('community')) lines.push(`- 社区和村：${byKind('community')}`);
    if (byKind('road')) lines.push(`- 道路：${byKind('road')}`);
    if (byKind('place')) lines.push(`- 地点：${byKind('place')}`);
  }
  return {
    kind: 'unit_duty',
    title: `${unit.name}职责`,
    body: lines.join('\n'),
    tags: ['单位职责', short],
    issuingUnitCode: unit.code,
    isPublic: true,
  };
}

const UNIT_DUTY_PREFIX = 'unit-duty:';

/**
 * Keeps one published 单位职责 article per unit with duties: creates missing ones, publishes a new
 * version where the duties changed, retires those of units that left the tree.
 */
export async function syncUnitDutyArticles(platform: Platform, ctx: Ctx): Promise<{ created: number; updated: number; retired: number }> {
  const db = platform.db;
  const units = (await listOrgUnits(db)).filter((u) => u.duties.length > 0);
  const rules = await orgViews.listDispatchRules(db);
  const gazetteer = await orgViews.listGazetteer(db);
  const wanted = new Map(
    units.map((u) => [u.code, unitDutyArticle(u, rules, gazetteer.filter((g) => g.unit_code === u.code))]),
  );
  const existing = new Map((await repo.listArticlesBySourcePrefix(db, UNIT_DUTY_PREFIX)).map((a) => [a.source_key!.slice(UNIT_DUTY_PREFIX.length), a]));
  const missing = [...wanted].filter(([code]) => !existing.has(code)).map(([code, a]) => ({ key: code, ...a }));
  const created = missing.length ? await importArticles(platform, missing, ctx, UNIT_DUTY_PREFIX) : 0;
  let updated = 0;
  let retired = 0;
  for (const [code, a] of existing) {
    const want = wanted.get(code);
    const current = a.published_version ? await repo.findVersion(db, a.id, a.published_version) : undefined;
    if (!want) {
      if (current) {
        await retireArticle(platform, a.id, `单位 ${code} 已不在组织机构中`, ctx);
        retired += 1;
      }
      continue;
    }
    if (current && current.title === want.title && current.body === want.body) continue;
    const { kind: _kind, ...fields } = want;
    const draft = await updateArticle(platform, a.id, { ...fields, changeNote: '按派单目录更新' }, ctx);
    await publishArticle(platform, a.id, { version: draft.latestVersion }, ctx);
    updated += 1;
  }
  return { created, updated, retired };
}
