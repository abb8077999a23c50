import { createHash } from 'node:crypto';
import { Segmenter, STOP_WORDS } from '../../platform/text/segment.ts';

// Full-text search over Chinese text that behaves the same on PGlite and PostgreSQL: the app
// segments (jieba), the database only stores and matches the resulting terms. Terms go into a
// tsvector through the 'simple' configuration (no stemming, no stop words: it keeps our tokens as
// they are), title weighted A, tags B, body D.

/** Domain words the default dictionary splits; kept whole so queries and articles meet on them. */
export const KNOWLEDGE_WORDS = [
  '住房公积金', '最低生活保障', '出生医学证明', '医调委', '占道', '讨薪', '广场舞', '一网通办', '养犬',
  '居住证', '出生登记', '网约车', '跑路', '婚姻登记', '不动产登记', '不动产权证书', '失业保险金', '失业金', '灵活就业',
  '临时救助', '特困供养', '违法建设', '加装电梯', '社会生活噪声', '消防通道', '预约取号', '学位申请',
  '劳动保障监察', '劳动仲裁', '医疗纠纷', '人民调解委员会', '停水', '停电',
];

/**
 * Words a citizen uses for what an article calls otherwise (取出 for 提取, 吵 for 噪声). A query word
 * in a group matches any word of the group. Kept small and unambiguous within the hotline's domain.
 */
export const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['提取', '取出', '支取', '取钱', '提现'],
  ['噪音', '噪声', '吵', '吵闹', '扰民'],
  ['孩子', '小孩', '宝宝', '婴儿', '新生儿', '子女'],
  ['电动车', '电瓶车', '电动自行车', '电单车'],
  ['低保', '最低生活保障'],
  ['停电', '断电', '没电'],
  ['停水', '断水', '没水'],
  ['违建', '违法建设', '违章建筑', '违章搭建', '乱搭建', '搭建'],
  ['户口', '户籍'],
  ['房产证', '不动产权证', '不动产权证书', '房本'],
  ['工资', '薪水', '薪资', '工钱', '欠薪', '讨薪'],
  ['狗', '犬', '犬只'],
  ['结婚', '婚姻登记'],
  ['装修', '装潢'],
  ['暂住证', '居住证'],
  ['公积金', '住房公积金'],
  ['摆摊', '流动摊贩', '小贩', '占道经营'],
  ['积水', '水浸', '内涝', '水淹'],
  ['下水道', '排水管'],
  ['丢', '丢失', '遗失'],
  ['补办', '补领'],
  ['失业金', '失业保险金'],
  ['上学', '入学', '学位'],
  ['看病', '就医', '医院'],
];

const SYNONYMS = new Map<string, readonly string[]>();
for (const g of SYNONYM_GROUPS) for (const w of g) SYNONYMS.set(w, g);

/** Every multi-character word the knowledge segmenter must keep whole (domain words and synonyms). */
export function knowledgeWords(): string[] {
  return [...new Set([...KNOWLEDGE_WORDS, ...SYNONYM_GROUPS.flat()].filter((w) => [...w].length > 1))];
}

/** Identifies a dictionary: when it changes, stored search vectors are rebuilt. */
export function dictionaryHash(words: string[]): string {
  return createHash('sha256').update([...new Set(words)].sort().join('\n')).digest('hex');
}

/**
 * A term as the database parser will see it: runs of letters and digits only, so 'simple' keeps
 * each as one lexeme on every engine (it would split '3.5' or 'e-mail' on its own).
 */
export function lexemes(term: string): string[] {
  return term.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

export interface IndexText {
  title: string;
  tags: string;
  body: string;
}

/** The space-joined terms of each weighted part of an article, for to_tsvector('simple', …). */
export function indexText(
  seg: Segmenter,
  doc: { title: string; body: string; tags: string[]; hotlineCategory: string | null },
): IndexText {
  const join = (text: string) => seg.terms(text).flatMap(lexemes).join(' ');
  return {
    title: join(doc.title),
    tags: [join(doc.tags.join(' ')), ...(doc.hotlineCategory ? lexemes(doc.hotlineCategory.toLowerCase()) : [])].join(' ').trim(),
    body: join(doc.body),
  };
}

export interface QueryGroup {
  /** The word as the citizen typed it (normalised). */
  word: string;
  /** The dictionary words inside it (工业 and 工业园 in 金沙工业园). */
  subwords: string[];
  synonyms: string[];
  /** A lone character with no synonym: too vague to require or to match by prefix. */
  isWeak: boolean;
}

export interface ParsedQuery {
  terms: string[];
  groups: QueryGroup[];
  /** Matches any group, sub-words alone included: what a result must match at all. */
  anyQuery: string;
  /** Matches any group on whole words, all sub-words or synonyms: what the rank mostly counts. */
  strictQuery: string;
  /** One tsquery per group that counts for a full match. */
  requiredQueries: string[];
  /** The same groups restricted to title lexemes (weight A), for the title bonus. */
  titleQueries: string[];
  /** Strings to mark in snippets. */
  highlight: string[];
}

const quote = (lexeme: string) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
const isSingleChar = (s: string) => [...s].length === 1;

/**
 * One lexeme as a tsquery operand. A lone character that stands for a longer word (吵 in the noise
 * group, 狗) matches as a prefix, so 吵 finds 吵闹; a weak one matches only itself.
 */
function operand(lexeme: string, opts: { weight: string; isPrefix: boolean }): string {
  const labels = `${opts.isPrefix && isSingleChar(lexeme) ? '*' : ''}${opts.weight}`;
  return labels ? `${quote(lexeme)}:${labels}` : quote(lexeme);
}

/** A phrase that segments into several lexemes must match all of them. */
function phraseQuery(seg: Segmenter, phrase: string, opts: { weight: string; isPrefix: boolean }): string | undefined {
  const parts = [...new Set(seg.cut(phrase).flatMap(lexemes))];
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? operand(parts[0]!, opts) : `(${parts.map((p) => operand(p, opts)).join(' & ')})`;
}

/**
 * The tsquery of one group. Strict (for full matches and the title bonus): the word itself, all of
 * its sub-words together, or a synonym. Loose (for recall): any of those, or any single sub-word.
 */
function groupQuery(seg: Segmenter, g: QueryGroup, mode: 'strict' | 'loose', weight = ''): string | undefined {
  const opts = { weight, isPrefix: !g.isWeak };
  const alternatives = [g.word, ...g.synonyms].map((p) => phraseQuery(seg, p, opts));
  if (g.subwords.length) {
    if (mode === 'loose') alternatives.push(...g.subwords.map((p) => phraseQuery(seg, p, opts)));
    else alternatives.push(`(${g.subwords.map((p) => operand(p, opts)).join(' & ')})`);
  }
  const ops = [...new Set(alternatives.filter((q): q is string => !!q))];
  return ops.length ? `(${ops.join(' | ')})` : undefined;
}

/**
 * Turns what a citizen typed into query groups: each non-stop word of the precise cut, with the
 * dictionary words inside it and its synonyms. Results match any group; those matching every
 * required group (all but lone vague characters) rank first.
 */
export function parseQuery(seg: Segmenter, text: string): ParsedQuery {
  const groups: QueryGroup[] = [];
  const seen = new Set<string>();
  for (const word of seg.cut(text)) {
    if (STOP_WORDS.has(word) || seen.has(word)) continue;
    seen.add(word);
    const subwords = [...new Set(seg.cutForSearch(word))].filter((w) => w !== word && !STOP_WORDS.has(w));
    const synonyms = (SYNONYMS.get(word) ?? []).filter((w) => w !== word);
    groups.push({ word, subwords, synonyms, isWeak: isSingleChar(word) && synonyms.length === 0 });
  }
  const strong = groups.filter((g) => !g.isWeak);
  const required = strong.length ? strong : groups;
  const all = (gs: QueryGroup[], mode: 'strict' | 'loose', weight = '') =>
    gs.map((g) => groupQuery(seg, g, mode, weight)).filter((q): q is string => !!q);
  return {
    terms: groups.map((g) => g.word),
    groups,
    anyQuery: all(groups, 'loose').join(' | '),
    strictQuery: all(groups, 'strict').join(' | '),
    requiredQueries: all(required, 'strict'),
    titleQueries: all(required, 'strict', 'A'),
    highlight: [...new Set(required.flatMap((g) => [g.word, ...g.synonyms, ...g.subwords]))],
  };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The text around the first occurrence of any highlight term, HTML-escaped, with every occurrence
 * wrapped in <mark>. Longer terms win where terms overlap (公积金 over 公积). Without a match, the
 * opening of the text.
 */
export function highlightSnippet(text: string, terms: string[], width = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const sorted = [...new Set(terms.filter(Boolean))].sort((a, b) => b.length - a.length);
  const pattern = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'giu') : undefined;
  const chars = [...flat];
  let start = 0;
  const first = pattern ? flat.search(pattern) : -1;
  if (first > 0) {
    const firstChar = [...flat.slice(0, first)].length;
    start = Math.max(0, firstChar - Math.floor(width / 5));
  }
  const end = Math.min(chars.length, start + width);
  const window = chars.slice(start, end).join('');
  let html = '';
  let last = 0;
  if (pattern) {
    for (const m of window.matchAll(pattern)) {
      html += `${escapeHtml(window.slice(last, m.index))}<mark>${escapeHtml(m[0])}</mark>`;
      last = m.index + m[0].length;
    }
  }
  html += escapeHtml(window.slice(last));
  return `${start > 0 ? '…' : ''}${html}${end < chars.length ? '…' : ''}`;
}
