import type { Analysis } from './analyzer.ts';

// What history teaches: a multinomial logistic regression (softmax) over sparse features of the
// request — words, concepts, pairs of concepts and character 2/3-grams of the text with place names
// replaced by their kind. Linear, so it trains in seconds on 100,000 orders and classifies in
// microseconds; sparse n-grams tolerate typos and phrasings the segmenter splits badly. Written out here because it is
// small: no ML package is needed for a model this size.

export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

/**
 * Features of one request: words, concepts and location kinds as strings; character 2- and
 * 3-grams as exact integer codes (no string is built for them, which keeps classification fast).
 * Each group is L2-normalised and weighted, so a long text does not outvote a short one.
 */
export interface Features {
  terms: Map<string, number>;
  /** Distinct character 2/3-gram codes; each carries `gramWeight`. */
  grams: Float64Array;
  gramWeight: number;
}

const WEIGHT = { words: 1, concepts: 2, conceptPairs: 1, grams: 0.5, location: 0.5 } as const;

/** Letters and digits (and CJK) count; punctuation and spaces break n-grams. */
function isText(code: number): boolean {
  if (code < 0x30) return false;
  if (code < 0x80) return (code <= 0x39) || (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
  if (code >= 0x3000 && code <= 0x303f) return false;
  if (code >= 0xff00 && code <= 0xff0f) return false;
  return code >= 0xc0;
}

export function featuresOf(a: Analysis): Features {
  const terms = new Map<string, number>();
  const words = a.words.length;
  // Bystanders (…差点滑倒, 停在人行道上) count less than the matter.
  const said = a.salience;
  for (const w of a.words) terms.set(`w:${w}`, (WEIGHT.words / Math.sqrt(words)) * (said.get(`w:${w}`) ?? 1));
  const concepts = a.concepts.length;
  for (const c of a.concepts) terms.set(`c:${c}`, (WEIGHT.concepts / Math.sqrt(concepts)) * (said.get(`c:${c}`) ?? 1));
  // Pairs of concepts: a linear model cannot read "电动车 with 楼道" (消防) apart from "电动车 with
  // 上牌" (交警) from the concepts one by one; the pair carries what settles it.
  if (concepts > 1) {
    const sorted = [...a.concepts].sort();
    const pairWeight = WEIGHT.conceptPairs / Math.sqrt((concepts * (concepts - 1)) / 2);
    for (let i = 0; i < sorted.length; i++) for (let j = i + 1; j < sorted.length; j++) terms.set(`cc:${sorted[i]}|${sorted[j]}`, pairWeight);
  }
  // The kinds of the places where the problem is (not where the caller lives).
  const loc = [a.location.streetCode ? 'l:located' : 'l:none', ...new Set(a.location.mentions.filter((m) => m.role === 'problem').map((m) => `l:${m.generic}`))];
  for (const l of loc) terms.set(l, WEIGHT.location / Math.sqrt(loc.length));
  const g = a.generic;
  const raw = new Float64Array(Math.max(0, 2 * g.length));
  let n = 0;
  for (let i = 0; i + 1 < g.length; i++) {
    const c1 = g.charCodeAt(i);
    const c2 = g.charCodeAt(i + 1);
    if (!isText(c1) || !isText(c2)) continue;
    const bigram = c1 * 0x10000 + c2;
    raw[n++] = bigram;
    if (i + 2 < g.length) {
      const c3 = g.charCodeAt(i + 2);
      if (isText(c3)) raw[n++] = bigram * 0x10000 + c3;
    }
  }
  const sorted = raw.subarray(0, n).sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i]!;
  const grams = sorted.slice(0, distinct);
  return { terms, grams, gramWeight: WEIGHT.grams / Math.sqrt(grams.length || 1) };
}

/** Open-addressing table from n-gram codes (exact doubles, never 0) to feature indices. */
export class GramTable {
  readonly keys: Float64Array;
  readonly values: Int32Array;
  readonly #mask: number;
  size = 0;

  constructor(capacityHint: number) {
    let cap = 16;
    while (cap < capacityHint * 2) cap *= 2;
    this.keys = new Float64Array(cap);
    this.values = new Int32Array(cap);
    this.#mask = cap - 1;
  }

  #slot(key: number): number {
    // Mix the high and low halves; the low bits of a code are the last character.
    const lo = key % 0x100000000;
    const hi = (key - lo) / 0x100000000;
    let h = Math.imul((lo ^ Math.imul(hi, 0x9e3779b1)) | 0, 0x85ebca6b);
    h ^= h >>> 13;
    return h & this.#mask;
  }

  set(key: number, value: number): void {
    let i = this.#slot(key);
    while (this.keys[i] !== 0 && this.keys[i] !== key) i = (i + 1) & this.#mask;
    if (this.keys[i] === 0) this.size += 1;
    this.keys[i] = key;
    this.values[i] = value;
  }

  get(key: number): number {
    let i = this.#slot(key);
    for (;;) {
      const k = this.keys[i]!;
      if (k === key) return this.values[i]!;
      if (k === 0) return -1;
      i = (i + 1) & this.#mask;
    }
  }
}

export class Vocabulary {
  readonly terms: Map<string, number>;
  /** n-gram code → feature index (indices follow the terms). */
  readonly grams: GramTable;
  readonly gramKeys: number[];

  constructor(terms: Map<string, number> = new Map(), gramKeys: number[] = []) {
    this.terms = terms;
    this.gramKeys = gramKeys;
    this.grams = new GramTable(gramKeys.length);
    gramKeys.forEach((k, i) => this.grams.set(k, terms.size + i));
  }

  /** Keeps features seen in at least `minCount` training examples. */
  static build(docs: Iterable<Features>, minCount: number): Vocabulary {
    const tc = new Map<string, number>();
    const gc = new Map<number, number>();
    for (const d of docs) {
      for (const k of d.terms.keys()) tc.set(k, (tc.get(k) ?? 0) + 1);
      for (const k of d.grams) gc.set(k, (gc.get(k) ?? 0) + 1);
    }
    const terms = new Map<string, number>();
    for (const [k, c] of tc) if (c >= minCount) terms.set(k, terms.size);
    const gramKeys: number[] = [];
    for (const [k, c] of gc) if (c >= minCount) gramKeys.push(k);
    return new Vocabulary(terms, gramKeys);
  }

  get size(): number {
    return this.terms.size + this.gramKeys.length;
  }

  vector(f: Features): SparseVector {
    const idx = new Int32Array(f.terms.size + f.grams.length);
    const val = new Float32Array(idx.length);
    let n = 0;
    for (const [k, v] of f.terms) {
      const i = this.terms.get(k);
      if (i !== undefined) {
        idx[n] = i;
        val[n++] = v;
      }
    }
    for (let j = 0; j < f.grams.length; j++) {
      const i = this.grams.get(f.grams[j]!);
      if (i >= 0) {
        idx[n] = i;
        val[n++] = f.gramWeight;
      }
    }
    return { idx: idx.subarray(0, n), val: val.subarray(0, n) };
  }
}

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  /** Deterministic shuffling. */
  seed: number;
}

const MIN_GRADIENT = 1e-3;

export const DEFAULT_TRAIN: TrainOptions = { epochs: 12, learningRate: 0.5, l2: 1e-4, seed: 1 };

/** Multinomial logistic regression trained by AdaGrad SGD; weights row-major [feature][class]. */
export class SoftmaxRegression {
  readonly classes: number;
  readonly features: number;
  readonly weights: Float32Array;
  readonly bias: Float32Array;

  constructor(features: number, classes: number, weights?: Float32Array, bias?: Float32Array) {
    this.features = features;
    this.classes = classes;
    this.weights = weights ?? new Float32Array(features * classes);
    this.bias = bias ?? new Float32Array(classes);
  }

  logits(x: SparseVector, out = new Float64Array(this.classes)): Float64Array {
    const C = this.classes;
    const w = this.weights;
    const b = this.bias;
    const idx = x.idx;
    const val = x.val;
    for (let c = 0; c < C; c++) out[c] = b[c]!;
    for (let j = 0; j < idx.length; j++) {
      const base = idx[j]! * C;
      const v = val[j]!;
      for (let c = 0; c < C; c++) out[c] = out[c]! + v * w[base + c]!;
    }
    return out;
  }

  /**
   * `offsets` (one logit vector per example) are added before the softmax and never learned: the
   * model then learns only what corrects them (here: the cold-start prior).
   */
  static train(
    xs: SparseVector[],
    ys: Int32Array,
    features: number,
    classes: number,
    opts: Partial<TrainOptions> = {},
    sampleWeights?: Float32Array,
    offsets?: Float64Array[],
  ): SoftmaxRegression {
    const o = { ...DEFAULT_TRAIN, ...opts };
    const m = new SoftmaxRegression(features, classes);
    const C = classes;
    const g2w = new Float32Array(features).fill(1e-6);
    const g2b = new Float32Array(classes).fill(1e-6);
    const order = Int32Array.from(xs.keys());
    const rand = mulberry32(o.seed);
    const z = new Float64Array(C);
    const activeClasses = new Int32Array(C);
    const w = m.weights;
    const rate = o.learningRate;
    const l2 = o.l2;
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      for (const n of order) {
        const x = xs[n]!;
        const sw = sampleWeights ? sampleWeights[n]! : 1;
        m.logits(x, z);
        const off = offsets?.[n];
        if (off) for (let c = 0; c < C; c++) z[c] = z[c]! + off[c]!;
        softmaxInPlace(z);
        z[ys[n]!] = z[ys[n]!]! - 1; // gradient of the loss wrt the logits
        // Classes the model already rules out get a negligible gradient: skipping them makes an
        // update touch a handful of classes instead of all (their decay waits for a real update).
        let active = 0;
        for (let c = 0; c < C; c++) {
          const g = z[c]! * sw;
          if (g > -MIN_GRADIENT && g < MIN_GRADIENT) continue;
          activeClasses[active++] = c;
          g2b[c] = g2b[c]! + g * g;
          m.bias[c] = m.bias[c]! - (o.learningRate * g) / Math.sqrt(g2b[c]!);
        }
        let gradNorm = 0;
        for (let a = 0; a < active; a++) gradNorm += z[activeClasses[a]!]! ** 2;
        const idx = x.idx;
        const val = x.val;
        for (let j = 0; j < idx.length; j++) {
          const f = idx[j]!;
          const base = f * C;
          const v = val[j]! * sw;
          // AdaGrad with one accumulator per feature (not per weight): one square root per feature.
          g2w[f] = g2w[f]! + gradNorm * v * v;
          const step = rate / Math.sqrt(g2w[f]!);
          for (let a = 0; a < active; a++) {
            const c = activeClasses[a]!;
            const k = base + c;
            w[k] = w[k]! - step * (z[c]! * v + l2 * w[k]!);
          }
        }
      }
    }
    return m;
  }
}

export function softmaxInPlace(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < z.length; i++) if (z[i]! > max) max = z[i]!;
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    z[i] = Math.exp(z[i]! - max);
    sum += z[i]!;
  }
  for (let i = 0; i < z.length; i++) z[i] = z[i]! / sum;
  return z;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
