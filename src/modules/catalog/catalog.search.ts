import { createHash } from 'node:crypto';
import { normaliseText } from '../../platform/text/normalise.ts';
import { Segmenter } from '../../platform/text/segment.ts';
import { CATALOG_WORDS, SYNONYMS } from './catalog.synonyms.ts';
import { combinedLimit, type BundleMember } from './catalog.rules.ts';
import type { SearchEntryRow } from './catalog.repository.ts';
import type { BundleDefinition, ItemElements } from './catalog.schemas.ts';

// Guide search: text is segmented in the app (jieba, with the catalogue's own words), stored as a
// weighted tsvector written out as a literal — so PGlite and PostgreSQL hold and rank exactly the
// same lexemes whatever their locale — and ranked in SQL with ts_rank plus bonuses for the name,
// the keywords and the names the synonym table prefers.

let segmenter: Segmenter | undefined;

/** The catalogue's segmenter: the default dictionary plus CATALOG_WORDS, fixed so index and queries agree. */
export function catalogSegmenter(): Segmenter {
  segmenter ??= new Segmenter({ userWords: [...CATALOG_WORDS] });
  return segmenter;
}

const CJK = /\p{Script=Han}/u;

/** Normalised and without spaces: the form names, keywords and phrases are compared in. */
export const compact = (s: string): string => normaliseText(s).replace(/\s+/g, '');

/**
 * Search terms of a text: search-mode words without stop words and without lone Chinese
 * characters (证, 办, 开 match nearly everything and rank nothing).
 */
export function searchTerms(text: string): string[] {
  return catalogSegmenter()
    .terms(text)
    .filter((t) => !(t.length === 1 && CJK.test(t)));
}

export interface DocumentText {
  /** A: the name. */
  name: string[];
  /** B: keywords, results, short name. */
  strong: string[];
  /** C: materials, summary, legal basis titles. */
  medium: string[];
  /** D: body, conditions, questions. */
  weak: string[];
}

const quoteLexeme = (t: string) => `'${t.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * A tsvector literal: each lexeme once, at the highest weight it earns, with one position (so
 * ts_rank sees the weight). Whole names and keywords are lexemes too, so an exact phrase matches.
 */
export function buildDocument(doc: DocumentText): string {
  const weightOf = new Map<string, string>();
  const add = (texts: string[], weight: string, whole: boolean) => {
    for (const text of texts) {
      const terms = searchTerms(text);
      const c = compact(text);
      if (whole && c && c.length <= 60) terms.push(c);
      for (const t of terms) if (!weightOf.has(t)) weightOf.set(t, weight);
    }
  };
  add(doc.name, 'A', true);
  add(doc.strong, 'B', true);
  add(doc.medium, 'C', false);
  add(doc.weak, 'D', false);
  let pos = 0;
  return [...weightOf].map(([t, w]) => `${quoteLexeme(t)}:${++pos}${w}`).join(' ');
}

export interface SearchQuery {
  /** The compacted query, for exact name and keyword bonuses. */
  text: string;
  /** tsquery literal: every term ORed, or '' when the query holds no term. */
  tsquery: string;
  terms: string[];
  /** Preferred name phrases from the synonym table, with their bonus. */
  preferred: { phrase: string; weight: number }[];
}

/** Bonus for a result whose name holds the synonym table's first preference; later ones earn less. */
const PREFER_BONUS = 2;
const PREFER_STEP = 0.25;

export function parseQuery(q: string): SearchQuery {
  const text = compact(q);
  const terms = new Set(searchTerms(q));
  if (text && text.length <= 60) terms.add(text);
  const preferred = new Map<string, number>();
  for (const s of SYNONYMS) {
    if (!s.phrases.some((p) => text.includes(compact(p)))) continue;
    s.prefer.forEach((phrase, i) => {
      const c = compact(phrase);
      const w = Math.max(PREFER_BONUS - PREFER_STEP * i, PREFER_STEP);
      if ((preferred.get(c) ?? 0) < w) preferred.set(c, w);
      // The whole phrase only: its parts (登记, 保障 …) would match half the catalogue. Names
      // holding the phrase are found by the containment test in SQL.
      terms.add(c);
    });
  }
  const list = [...terms].filter(Boolean);
  return {
    text,
    terms: list,
    tsquery: list.map(quoteLexeme).join(' | '),
    preferred: [...preferred].map(([phrase, weight]) => ({ phrase, weight })),
  };
}

// ---------------------------------------------------------------- index rows

export interface IndexedVersion<T> {
  id: string;
  status: string;
  effective_from: string | null;
  effective_until: string | null;
  content: T;
}

const PREFERRED = [...new Set(SYNONYMS.flatMap((s) => s.prefer.map(compact)))];

/**
 * The synonym table's preferred phrases a name holds (最低生活保障 in 最低生活保障审核确认): indexed
 * as lexemes of the name, so an expanded query finds the item through the index alone.
 */
export const preferredIn = (name: string): string[] => {
  const c = compact(name);
  return PREFERRED.filter((p) => p !== c && c.includes(p));
};

/** Fingerprint of what index rows depend on besides the catalogue: a change means rebuilding them. */
export const SEARCH_INDEX_FINGERPRINT = createHash('sha256')
  .update(JSON.stringify({ format: 2, synonyms: SYNONYMS, words: CATALOG_WORDS }))
  .digest('hex')
  .slice(0, 16);

/** The index row of a published item version. */
export function itemSearchEntry(
  item: { code: string; kind: string },
  v: IndexedVersion<ItemElements>,
  parentName: string | undefined,
): SearchEntryRow {
  const e = v.content;
  return {
    version_id: v.id,
    kind: 'item',
    code: item.code,
    name: e.name,
    name_norm: compact(e.name),
    keywords: e.keywords.map(compact),
    is_handling: item.kind === 'handling',
    effective_from: v.effective_from!,
    effective_until: v.effective_until,
    document: buildDocument({
      name: [e.name, ...(e.shortName ? [e.shortName] : []), ...preferredIn(e.name)],
      strong: [...e.keywords, ...e.results.map((r) => r.name), ...(parentName ? [parentName] : [])],
      medium: [...e.materials.map((m) => m.name), ...(e.summary ? [e.summary] : []), ...e.legalBasis.map((l) => l.title)],
      weak: [e.implementingBody.name, ...e.faqs.map((f) => f.question)],
    }),
    summary: { unitName: e.implementingBody.name, visits: e.visits, onlineDepthCode: e.onlineDepthCode, promisedLimit: e.promisedLimit },
  };
}

/**
 * The index row of a published bundle version. `members` are the item versions in force when it
 * starts (absent when one is missing: the row then shows no combined limit).
 */
export function bundleSearchEntry(
  bundle: { code: string },
  v: IndexedVersion<BundleDefinition>,
  unitName: string,
  members: BundleMember[] | undefined,
): SearchEntryRow {
  const d = v.content;
  return {
    version_id: v.id,
    kind: 'bundle',
    code: bundle.code,
    name: d.name,
    name_norm: compact(d.name),
    keywords: d.keywords.map(compact),
    is_handling: false,
    effective_from: v.effective_from!,
    effective_until: v.effective_until,
    document: buildDocument({ name: [d.name, ...preferredIn(d.name)], strong: [...d.keywords, ...(members ?? []).map((m) => m.elements.name)], medium: [d.summary], weak: [] }),
    summary: {
      unitName,
      visits: d.visits,
      onlineDepthCode: d.onlineDepthCode,
      promisedLimit: d.promisedLimit ?? (members ? combinedLimit(d, members).promised : null),
    },
  };
}
