import { isTerritorial, STREET, type Catalogue } from './catalogue.ts';
import type { Analysis, Analyzer } from './analyzer.ts';
import { specificity } from './commonness.ts';

// Cold start (冷启动): ranks units from the dispatch catalogue alone, with no history. Every duty
// and every rule's matter is read like a request; a request scores a phrase by the catalogue-wide
// rarity (idf) of the words and concepts they share, and a unit by its best phrase. Rules settle
// matters between units, so a matching rule outweighs a matching duty. Street and town offices
// share one class, 'street': which street is decided by the location, never by the words.

export interface PhraseSource {
  kind: 'duty' | 'rule' | 'name';
  text: string;
  /** The unit code that holds the duty, or the rule's unit ('street' for the located street). */
  unit: string;
  seq?: number;
}

interface Phrase {
  cls: string;
  classIndex: number;
  source: PhraseSource;
  terms: Map<string, number>;
  total: number;
  /** Words of the phrase that are parts of longer words of it (出租 of 出租屋), with those words. */
  wholes: Map<string, string[]> | null;
  /** Terms of a rule's examples and qualifiers only: they cannot make a match alone. */
  examples: Set<string> | null;
}

export interface ColdStartEvidence {
  source: PhraseSource;
  matched: string[];
  score: number;
}

export interface ColdStartResult {
  /** One score per class (same order as `classes`), ≥ 0. */
  scores: Float64Array;
  /** The best matching phrase of a class, when any matched (computed on demand). */
  evidence: (classIndex: number) => ColdStartEvidence | undefined;
}

const SOURCE_WEIGHT = { duty: 1, rule: 1.3, name: 0.8 } as const;
const CONCEPT_WEIGHT = 1.4;
const SECOND_PHRASE_SHARE = 0.25;
const COVERAGE_POWER = 0.5;
/**
 * Terms that say where, not what (村, 小区, 住宅 …): they sharpen a match on the matter but never
 * make one alone — a request from a village is not a village matter.
 */
const CONTEXT_TERMS = new Set(['c:城中村', 'c:公路', 'c:住宅', 'c:邻居', 'w:村', 'w:路', 'w:街', 'w:巷', 'w:小区', 'w:社区', 'w:村内', 'w:住宅', 'w:村道', 'w:巷道', 'w:小区内', 'w:镇', 'w:街道', 'w:商铺', 'c:商铺', 'w:门口']);

/** A rule's examples in brackets, and its qualifiers after a comma (即使…, 由…反映, 要求…). */
const RULE_ASIDES = /[(（][^)）]*[)）]|[,，]\s*(?:即使|由|要求)[^,，]*/gu;

export class ColdStart {
  readonly classes: string[];
  readonly #phrases: Phrase[] = [];
  readonly #postings = new Map<string, [phrase: number, weight: number][]>();
  readonly #classIndex: Map<string, number>;

  constructor(catalogue: Catalogue, analyzer: Analyzer, classes: string[]) {
    this.classes = classes;
    this.#classIndex = new Map(classes.map((c, i) => [c, i]));
    const raw: { cls: string; source: PhraseSource; terms: string[]; examples?: string[] }[] = [];
    const seenStreetDuty = new Set<string>();
    for (const u of catalogue.units) {
      const cls = isTerritorial(u) ? STREET : u.code;
      if (!this.#classIndex.has(cls)) continue;
      for (const duty of u.duties) {
        // Every street holds the same territorial duties; read each once.
        if (cls === STREET) {
          if (seenStreetDuty.has(duty)) continue;
          seenStreetDuty.add(duty);
        }
        raw.push({ cls, source: { kind: 'duty', text: duty, unit: cls === STREET ? STREET : u.code }, terms: analyzer.phraseTerms(duty).terms });
      }
    }
    // Callers often name the body itself (感谢城管, 派出所说…): its names are a phrase too.
    for (const u of catalogue.units) {
      if (isTerritorial(u) || !this.#classIndex.has(u.code)) continue;
      const names = [u.name, u.shortName ?? ''].join(' ');
      const t = analyzer.phraseTerms(names);
      raw.push({ cls: u.code, source: { kind: 'name', text: u.shortName ?? u.name, unit: u.code }, terms: t.concepts.map((c) => `c:${c}`) });
    }
    for (const r of catalogue.rules) {
      const cls = r.unit === STREET ? STREET : catalogue.units.find((u) => u.code === r.unit && isTerritorial(u)) ? STREET : r.unit;
      if (!this.#classIndex.has(cls)) continue;
      const t = analyzer.phraseTerms(r.matter);
      // A rule that names places (含龙潭公路、岗头路…) matches those places by name too.
      const places = t.places.map((p) => `p:${p.name}`);
      // Examples in brackets (废机油、电池、废渣) and qualifiers (, 即使倒在农田) support a match on the
      // rule's matter but never make one alone: 电池 is not dumped waste, 加装电梯 is not a breakdown.
      const core = new Set(analyzer.phraseTerms(r.matter.replace(RULE_ASIDES, '，')).terms);
      const examples = t.terms.filter((x) => !core.has(x));
      raw.push({ cls, source: { kind: 'rule', text: r.matter, unit: r.unit, seq: r.seq }, terms: [...t.terms, ...places], examples });
    }
    // idf over classes: a word many units' phrases share tells little about which unit.
    const classesOf = new Map<string, Set<string>>();
    for (const p of raw) for (const t of p.terms) (classesOf.get(t) ?? classesOf.set(t, new Set()).get(t)!).add(p.cls);
    const n = classes.length;
    for (const p of raw) {
      const terms = new Map<string, number>();
      for (const t of new Set(p.terms)) {
        const idf = Math.log(1 + n / classesOf.get(t)!.size);
        // A common word (工作, 人员, 服务) weighs little even when one unit alone uses it.
        terms.set(t, idf * (t.startsWith('c:') ? CONCEPT_WEIGHT : t.startsWith('w:') ? specificity(t.slice(2)) : 1));
      }
      // The segmenter's search mode also yields the parts of a long word (出租屋 → 出租, 租屋): a part
      // adds nothing when the whole word is said, or one word would count three times.
      const wholes = new Map<string, string[]>();
      const words = [...terms.keys()].filter((t) => t.startsWith('w:'));
      for (const t of words) {
        const of = words.filter((u) => u !== t && u.includes(t.slice(2)));
        if (of.length) wholes.set(t, of);
      }
      let total = 0;
      for (const [t, w] of terms) total += w;
      if (total <= 0) continue;
      const index = this.#phrases.length;
      const examples = p.examples?.length ? new Set(p.examples) : null;
      this.#phrases.push({ cls: p.cls, classIndex: this.#classIndex.get(p.cls)!, source: p.source, terms, total, wholes: wholes.size ? wholes : null, examples });
      for (const [t, w] of terms) (this.#postings.get(t) ?? this.#postings.set(t, []).get(t)!).push([index, w]);
    }
  }

  score(a: Analysis): ColdStartResult {
    const present = new Set(a.terms);
    for (const m of a.location.mentions) if (m.role === 'problem') present.add(`p:${m.name}`);
    const placeOnly = new Set(a.placeOnly);
    // Only phrases sharing a term with the request are touched (inverted index).
    const matchedWeight = new Float64Array(this.#phrases.length);
    const isMatter = new Uint8Array(this.#phrases.length);
    const touched: number[] = [];
    for (const t of present) {
      const postings = this.#postings.get(t);
      if (!postings) continue;
      const matter = !CONTEXT_TERMS.has(t) && !t.startsWith('p:') && !placeOnly.has(t);
      const said = a.salience.get(t) ?? 1;
      for (const [phrase, w] of postings) {
        const wholes = this.#phrases[phrase]!.wholes?.get(t);
        if (wholes && wholes.some((u) => present.has(u))) continue;
        if (matchedWeight[phrase] === 0) touched.push(phrase);
        matchedWeight[phrase] = matchedWeight[phrase]! + w * said;
        if (matter && !this.#phrases[phrase]!.examples?.has(t)) isMatter[phrase] = 1;
      }
    }
    const best = new Float64Array(this.classes.length);
    const second = new Float64Array(this.classes.length);
    const bestPhrase = new Int32Array(this.classes.length).fill(-1);
    for (const k of touched) {
      if (!isMatter[k]) continue;
      const p = this.#phrases[k]!;
      const m = matchedWeight[k]!;
      const s = m * Math.pow(m / p.total, COVERAGE_POWER) * SOURCE_WEIGHT[p.source.kind];
      const i = p.classIndex;
      if (s > best[i]!) {
        second[i] = best[i]!;
        best[i] = s;
        bestPhrase[i] = k;
      } else if (s > second[i]!) second[i] = s;
    }
    const scores = new Float64Array(this.classes.length);
    for (let i = 0; i < scores.length; i++) scores[i] = best[i]! + SECOND_PHRASE_SHARE * second[i]!;
    const evidence = (classIndex: number): ColdStartEvidence | undefined => {
      const k = bestPhrase[classIndex]!;
      if (k < 0) return undefined;
      const p = this.#phrases[k]!;
      const matched = [...p.terms.keys()].filter((t) => present.has(t)).map((t) => t.slice(2));
      return { source: p.source, matched, score: best[classIndex]! };
    };
    return { scores, evidence };
  }
}
