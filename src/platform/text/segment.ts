// Chinese word segmentation for indexing and matching (knowledge search, dispatch keywords,
// duplicate detection). Built on jieba with its default dictionary; place names and other domain
// words are added per instance so they stay whole (沙溪村, not 沙/溪/村).
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { normaliseText } from './normalise.ts';

/**
 * Words that carry no meaning for matching: particles, pronouns, politeness and question words
 * citizens wrap around a request (您好，请问一下…怎么办). Compact on purpose — a word that is
 * sometimes meaningful (办, 吵, 停) stays out.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  '的', '地', '得', '了', '着', '过', '在', '是', '我', '我们', '我家', '有', '和', '与', '及', '或', '就', '不',
  '人', '都', '一', '一个', '一下', '一些', '上', '也', '很', '太', '非常', '特别', '比较', '到', '说', '要',
  '想', '来', '去', '你', '您', '你们', '他', '她', '它', '他们', '会', '没有', '没', '看', '好', '自己', '这', '那',
  '这个', '那个', '这些', '那些', '这里', '那里', '这样', '那样', '个', '些', '吗', '呢', '吧', '啊', '呀',
  '哦', '嗯', '么', '啦', '请', '请问', '问', '问一下', '您好', '你好', '麻烦', '谢谢', '感谢', '咨询', '一直',
  '怎么', '怎么办', '怎么样', '怎样', '如何', '什么', '哪里', '哪儿', '哪个', '为什么', '可以', '能', '能否',
  '能不能', '可不可以', '是否', '是不是', '要不要', '有没有', '不要', '还有', '多少', '多久', '还', '又', '再', '就是', '还是', '但是', '因为', '所以', '如果', '然后',
  '现在', '已经', '被', '把', '给', '对', '从', '向', '为', '以', '之', '其', '而', '并', '该', '此', '等',
]);

/** Frequency given to added words: high enough that jieba keeps them whole against any split. */
const USER_WORD_FREQ = 100_000;

/**
 * HMM is off: it glues unknown characters into ad-hoc words that depend on their neighbours
 * (太吵 but 很/吵), so a query and an article could split the same word differently. Dictionary
 * segmentation is stable; domain words come in through addWords.
 */
const HMM = false;

/** A token is kept when it holds at least one letter or digit; punctuation and spaces are dropped. */
const MEANINGFUL = /[\p{L}\p{N}]/u;

export class Segmenter {
  readonly #jieba: Jieba;

  constructor(opts: { userWords?: string[] } = {}) {
    this.#jieba = Jieba.withDict(dict);
    if (opts.userWords?.length) this.addWords(opts.userWords);
  }

  /** Adds domain words (place names, unit names). Words are normalised like the text they must match. */
  addWords(words: string[]): void {
    const lines: string[] = [];
    for (const w of words) {
      // The dictionary format is "word freq tag" per line, so a word cannot hold spaces.
      const word = normaliseText(w).replace(/\s+/g, '');
      if (word) lines.push(`${word} ${USER_WORD_FREQ} n`);
    }
    if (lines.length) this.#jieba.loadDict(Buffer.from(lines.join('\n') + '\n', 'utf8'));
  }

  /** Precise mode: each character in exactly one word. Normalised; punctuation and whitespace dropped. */
  cut(text: string): string[] {
    const s = normaliseText(text);
    return s ? this.#jieba.cut(s, HMM).filter((t) => MEANINGFUL.test(t)) : [];
  }

  /** Search mode: the precise words plus the dictionary words inside long ones (工业园 in 金沙工业园). */
  cutForSearch(text: string): string[] {
    const s = normaliseText(text);
    return s ? this.#jieba.cutForSearch(s, HMM).filter((t) => MEANINGFUL.test(t)) : [];
  }

  /** Index and query terms: search-mode words minus stop words, first occurrence kept, in order. */
  terms(text: string): string[] {
    const seen = new Set<string>();
    for (const t of this.cutForSearch(text)) {
      if (!STOP_WORDS.has(t)) seen.add(t);
    }
    return [...seen];
  }
}

let shared: Segmenter | undefined;

/** The process-wide segmenter with the default dictionary; loaded on first use, not on import. */
export function defaultSegmenter(): Segmenter {
  shared ??= new Segmenter();
  return shared;
}

/**
 * Character n-grams of the normalised text with punctuation and whitespace removed, for each size
 * in `n`, in order and with repeats (callers wanting Jaccard sets wrap them in a Set). Does not
 * depend on the dictionary, so it still matches words jieba splits differently or typos it
 * cannot know. A text shorter than a size yields no grams of that size.
 */
export function charNgrams(text: string, n: number[]): string[] {
  const chars = Array.from(normaliseText(text)).filter((c) => MEANINGFUL.test(c));
  const out: string[] = [];
  for (const size of n) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`n-gram size must be a positive integer, got ${size}`);
    for (let i = 0; i + size <= chars.length; i++) out.push(chars.slice(i, i + size).join(''));
  }
  return out;
}
