import { Type, type Static } from 'typebox';

// Shapes of the knowledge base API: articles, their versions, search results.

export const ARTICLE_KINDS = ['law', 'policy', 'unit_duty', 'service_guide', 'faq'] as const;
/** 法律法规 law, 政策文件 policy, 单位职责 unit_duty, 办事指南 service_guide, 常见问答 faq. */
export const ArticleKind = Type.Union([
  Type.Literal('law'), Type.Literal('policy'), Type.Literal('unit_duty'), Type.Literal('service_guide'), Type.Literal('faq'),
]);
export type ArticleKind = (typeof ARTICLE_KINDS)[number];

export const ArticleState = Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('retired')]);
export type ArticleState = 'draft' | 'published' | 'retired';
export const VersionStatus = Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('superseded'), Type.Literal('retired')]);
export type VersionStatus = 'draft' | 'published' | 'superseded' | 'retired';

/** Whether the version is in force on the day asked: inside its valid-from / valid-until window. */
export const Validity = Type.Union([Type.Literal('in_force'), Type.Literal('expired'), Type.Literal('not_yet_valid')]);
export type Validity = 'in_force' | 'expired' | 'not_yet_valid';

const DateOrNull = Type.Union([Type.String({ format: 'date' }), Type.Null()]);
const Tag = Type.String({ minLength: 1, maxLength: 40, pattern: '\\S' });
const UnitCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' });
/** The hotline's category code, e.g. 'environment.noise'. */
const CategoryCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });

const editable = {
  title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  body: Type.String({ minLength: 1, maxLength: 50_000, pattern: '\\S' }),
  tags: Type.Optional(Type.Array(Tag, { maxItems: 20 })),
  hotlineCategory: Type.Optional(Type.Union([CategoryCode, Type.Null()])),
  issuingUnitCode: Type.Optional(Type.Union([UnitCode, Type.Null()])),
  isPublic: Type.Optional(Type.Boolean()),
  validFrom: Type.Optional(DateOrNull),
  validUntil: Type.Optional(DateOrNull),
  changeNote: Type.Optional(Type.String({ maxLength: 500 })),
};

export const CreateArticleBody = Type.Object({ kind: ArticleKind, ...editable }, { additionalProperties: false });
export type CreateArticleBody = Static<typeof CreateArticleBody>;

/**
 * A whole new text for the article (fields left out are cleared, as PUT replaces). `baseVersion`,
 * when given, must be the article's latest version: an edit made on a stale copy is refused.
 */
export const UpdateArticleBody = Type.Object(
  { ...editable, baseVersion: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);
export type UpdateArticleBody = Static<typeof UpdateArticleBody>;

/** Names the draft version the editor reviewed, so a draft rewritten meanwhile is not published unseen. */
export const PublishArticleBody = Type.Object({ version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
export const RetireArticleBody = Type.Object(
  { reason: Type.String({ minLength: 2, maxLength: 500, pattern: '\\S' }) },
  { additionalProperties: false },
);

export const IssuingUnit = Type.Union([
  Type.Object({ id: Type.String({ format: 'uuid' }), code: Type.String(), name: Type.String() }),
  Type.Null(),
]);

export const ArticleVersion = Type.Object({
  articleId: Type.String({ format: 'uuid' }),
  kind: ArticleKind,
  version: Type.Integer(),
  status: VersionStatus,
  title: Type.String(),
  body: Type.String(),
  tags: Type.Array(Type.String()),
  hotlineCategory: Type.Union([Type.String(), Type.Null()]),
  issuingUnit: IssuingUnit,
  isPublic: Type.Boolean(),
  validFrom: DateOrNull,
  validUntil: DateOrNull,
  validity: Validity,
  changeNote: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  publishedBy: Type.Union([Type.String(), Type.Null()]),
  /** When the version stopped being the published one (superseded or retired). */
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expiryFlaggedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type ArticleVersion = Static<typeof ArticleVersion>;

export const VersionEntry = Type.Object({
  version: Type.Integer(),
  status: VersionStatus,
  title: Type.String(),
  changeNote: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type VersionEntry = Static<typeof VersionEntry>;

export const Article = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: ArticleKind,
  state: ArticleState,
  latestVersion: Type.Integer(),
  publishedVersion: Type.Union([Type.Integer(), Type.Null()]),
  /** The published version; for editors, the draft when nothing is published yet. */
  current: ArticleVersion,
  /** The open draft, shown to editors only. */
  draft: Type.Union([ArticleVersion, Type.Null()]),
  /** Newest first. Drafts are listed for editors only. */
  versions: Type.Array(VersionEntry),
});
export type Article = Static<typeof Article>;

export const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    kind: Type.Optional(ArticleKind),
    /** A hotline category code or a tag. */
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    includeExpired: Type.Optional(Type.Boolean({ default: false })),
    /** Only versions the expiring-soon job has flagged (valid until within 30 days). */
    expiringSoon: Type.Optional(Type.Boolean({ default: false })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

export const PublicSearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    kind: Type.Optional(ArticleKind),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
  },
  { additionalProperties: false },
);
export type PublicSearchQuery = Static<typeof PublicSearchQuery>;

export const SearchHit = Type.Object({
  id: Type.String({ format: 'uuid' }),
  version: Type.Integer(),
  kind: ArticleKind,
  title: Type.String(),
  /** HTML: the text around the first match, escaped, with matched terms in <mark>…</mark>. */
  snippet: Type.String(),
  tags: Type.Array(Type.String()),
  hotlineCategory: Type.Union([Type.String(), Type.Null()]),
  issuingUnit: IssuingUnit,
  isPublic: Type.Boolean(),
  validFrom: DateOrNull,
  validUntil: DateOrNull,
  validity: Validity,
  publishedAt: Type.String({ format: 'date-time' }),
  /** Every query term (or a synonym of it) occurs in the article. */
  isFullMatch: Type.Boolean(),
  score: Type.Number(),
});
export type SearchHit = Static<typeof SearchHit>;

export const SearchResult = Type.Object({
  /** The query's terms after normalisation, segmentation and stop-word removal. */
  terms: Type.Array(Type.String()),
  items: Type.Array(SearchHit),
});
export type SearchResult = Static<typeof SearchResult>;

export const PublicArticle = Type.Object({
  id: Type.String({ format: 'uuid' }),
  version: Type.Integer(),
  kind: ArticleKind,
  title: Type.String(),
  body: Type.String(),
  tags: Type.Array(Type.String()),
  issuingUnit: IssuingUnit,
  validFrom: DateOrNull,
  validUntil: DateOrNull,
  publishedAt: Type.String({ format: 'date-time' }),
});
export type PublicArticle = Static<typeof PublicArticle>;

export const ArticleIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const ArticleVersionParams = Type.Object({ id: Type.String({ format: 'uuid' }), version: Type.Integer({ minimum: 1 }) });
