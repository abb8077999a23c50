// Text normalisation before segmentation and matching. Citizens type on phones with full-width
// keyboards, paste from chat apps (zero-width characters) and make homophone typos; indexing and
// queries must meet on the same form. Kept conservative: a rewrite that is wrong in one context
// (登陆 for a typhoon, 坭 in Lingnan place names) is worse than no rewrite.

const ZERO_WIDTH = /[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]/g;

/**
 * Misspellings that are never right in a service request. Each pair is a wrong form that has no
 * correct meaning of its own, so it can be replaced anywhere. Variants that are right in some
 * context (登陆/登录, 那里/哪里, 坭/泥, 噪声/噪音) are deliberately absent.
 */
export const TYPO_VARIANTS: ReadonlyArray<readonly [wrong: string, right: string]> = [
  ['身分证', '身份证'],
  ['户藉', '户籍'],
  ['公基金', '公积金'],
  ['公积经', '公积金'],
  ['营业执招', '营业执照'],
  ['帐户', '账户'],
  ['帐号', '账号'],
  ['按装', '安装'],
  ['医报', '医保'],
  ['社报', '社保'],
  ['低报', '低保'],
  ['居住正', '居住证'],
];

const TYPO_RE = new RegExp(TYPO_VARIANTS.map(([w]) => w).join('|'), 'g');
const TYPO_MAP = new Map<string, string>(TYPO_VARIANTS.map(([w, r]) => [w, r]));

/**
 * NFKC (full-width letters, digits and punctuation → half-width; ideographic space → space),
 * zero-width characters removed, Latin lower-cased, whitespace collapsed, known typos fixed.
 * Chinese numerals are left alone: 一 sits inside too many words (统一, 一网通办) to rewrite safely.
 */
export function normaliseText(s: string): string {
  return s
    .normalize('NFKC')
    .replace(ZERO_WIDTH, '')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(TYPO_RE, (m) => TYPO_MAP.get(m) ?? m);
}
