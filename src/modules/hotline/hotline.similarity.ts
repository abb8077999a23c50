import { charNgrams } from '../../platform/text/segment.ts';

// How alike two citizen descriptions are, for duplicate (并单) and repeat (重复来电) suggestions.
// Character bigrams need no dictionary and work on short, colloquial Chinese text: "垃圾桶满了没人清"
// and "垃圾桶满溢无人清运" share 垃圾, 圾桶, 桶满. Jaccard over the bigram sets gives 0…1.

// Words every complaint has; they make unrelated requests look alike.
const FILLER = /(你好|您好|请问|麻烦|反映|投诉|举报|市民|来电|希望|要求|尽快|处理|解决|一下|谢谢)/g;

/** The bigrams of a text without the filler words (a one-character text is its own gram). */
export function bigrams(text: string): Set<string> {
  const stripped = text.normalize('NFKC').replace(FILLER, ' ');
  const grams = charNgrams(stripped, [2]);
  return new Set(grams.length > 0 ? grams : charNgrams(stripped, [1]));
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) shared += 1;
  return shared / (a.size + b.size - shared);
}

export const textSimilarity = (a: string, b: string) => jaccard(bigrams(a), bigrams(b));

export interface MatterText {
  description: string;
  address: string | null;
}

/**
 * Similarity of two matters: mostly the description, partly the address (same place, same matter).
 * Without an address on either side the description alone decides.
 */
export function matterSimilarity(a: MatterText, b: MatterText): number {
  const text = textSimilarity(a.description, b.description);
  if (!a.address || !b.address) return text;
  return 0.7 * text + 0.3 * textSimilarity(a.address, b.address);
}

/** Above this, an open order is suggested as a duplicate, and a recently closed one linked as repeated. */
export const DUPLICATE_THRESHOLD = 0.3;
