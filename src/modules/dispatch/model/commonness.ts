import { dict } from '@node-rs/jieba/dict.js';

// How much a word says on its own, from its frequency in general written Chinese (the segmenter's
// own dictionary, not any request): 工作, 人员, 服务 are everywhere and settle nothing; 井盖, 渣土 are
// rare and specific. Used to weigh the words of the catalogue's phrases, so a duty or rule is
// matched by what is particular to it rather than by the common words around it.

let frequencies: Map<string, number> | null = null;
let total = 0;

function load(): Map<string, number> {
  if (frequencies) return frequencies;
  frequencies = new Map();
  for (const line of new TextDecoder().decode(dict).split('\n')) {
    const a = line.indexOf(' ');
    const b = line.indexOf(' ', a + 1);
    if (a <= 0) continue;
    const f = Number(line.slice(a + 1, b < 0 ? undefined : b));
    if (!(f > 0)) continue;
    frequencies.set(line.slice(0, a), f);
    total += f;
  }
  return frequencies;
}

/** Below this information (−ln relative frequency) a word counts least; above the upper bound, fully. */
const LOW = 7;
const HIGH = 11;
const FLOOR = 0.25;

/** 0.25–1: how specific a word is in general language (unknown words are specific). */
export function specificity(word: string): number {
  const f = load().get(word);
  if (!f) return 1;
  const information = Math.log(total / f);
  return Math.min(1, Math.max(FLOOR, FLOOR + ((1 - FLOOR) * (information - LOW)) / (HIGH - LOW)));
}
