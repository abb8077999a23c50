import type { Analysis } from './analyzer.ts';

// Similar past orders (相似工单): a nearest-neighbour memory over the words and concepts of every
// remembered order, weighted by rarity. It does two jobs: it shows the agent the closest past orders
// with where they went, and it learns at once — an order remembered now changes the next suggestion
// without retraining. Common terms are skipped when scoring so a lookup stays fast with tens of
// thousands of orders.

export interface Remembered {
  text: string;
  cls: number;
  /** The unit the order finally went to (a street code for street matters). */
  unit: string;
}

export interface Neighbour {
  index: number;
  similarity: number;
}

export class NeighbourMemory {
  readonly items: Remembered[] = [];
  readonly #capacity: number;
  readonly #df = new Map<string, number>();
  readonly #postings = new Map<string, { item: number; weight: number }[]>();
  #count = 0;
  #scratch = new Float64Array(1024);

  constructor(capacity = 20_000) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#count;
  }

  get capacity(): number {
    return this.#capacity;
  }

  #idfCache = new Map<string, number>();
  #idfCount = 0;

  /** Rarity of a term; cached until the memory grows by a twentieth (idf moves slowly). */
  #idf(term: string): number {
    if (this.#count > this.#idfCount * 1.05 + 1) {
      this.#idfCache.clear();
      this.#idfCount = this.#count;
    }
    let w = this.#idfCache.get(term);
    if (w === undefined) {
      w = Math.log(1 + (this.#idfCount + 1) / ((this.#df.get(term) ?? 0) + 1));
      this.#idfCache.set(term, w);
    }
    return w;
  }

  /** Adds an order; beyond capacity the oldest stop being found (they stay counted in the idf). */
  add(a: Analysis, item: Remembered): void {
    const terms = a.terms;
    for (const t of terms) {
      this.#df.set(t, (this.#df.get(t) ?? 0) + 1);
      this.#idfCache.delete(t);
    }
    this.#count += 1;
    const index = this.items.length;
    this.items.push(item);
    let norm = 0;
    const weights = terms.map((t) => {
      const w = this.#idf(t);
      norm += w * w;
      return w;
    });
    norm = Math.sqrt(norm) || 1;
    terms.forEach((t, i) => {
      let list = this.#postings.get(t);
      if (!list) this.#postings.set(t, (list = []));
      list.push({ item: index, weight: weights[i]! / norm });
    });
    if (this.items.length - this.#capacity > 0) this.#evictBefore(this.items.length - this.#capacity);
  }

  #evicted = 0;
  #evictBefore(index: number) {
    // Postings are in insertion order: dropping the oldest is a cut at the front. Done in batches.
    if (index - this.#evicted < Math.max(1000, this.#capacity / 10)) return;
    for (const [t, list] of this.#postings) {
      let cut = 0;
      while (cut < list.length && list[cut]!.item < index) cut += 1;
      if (cut === list.length) this.#postings.delete(t);
      else if (cut) list.splice(0, cut);
    }
    this.#evicted = index;
  }

  /** The k most similar remembered orders (cosine over rarity-weighted terms). */
  nearest(a: Analysis, k: number): Neighbour[] {
    if (this.#count === 0) return [];
    const terms = a.terms;
    const maxDf = Math.max(50, this.#count * 0.05);
    let norm = 0;
    const q: [string, number][] = [];
    for (const t of terms) {
      const w = this.#idf(t);
      norm += w * w;
      if ((this.#df.get(t) ?? 0) <= maxDf) q.push([t, w]);
    }
    norm = Math.sqrt(norm) || 1;
    if (this.#scratch.length < this.items.length) this.#scratch = new Float64Array(Math.max(1024, this.items.length * 2));
    const sims = this.#scratch;
    const touched: number[] = [];
    for (const [t, w] of q) {
      const list = this.#postings.get(t);
      if (!list) continue;
      const qw = w / norm;
      for (const p of list) {
        if (sims[p.item] === 0) touched.push(p.item);
        sims[p.item] = sims[p.item]! + qw * p.weight;
      }
    }
    const top: Neighbour[] = [];
    for (const index of touched) {
      const similarity = sims[index]!;
      sims[index] = 0;
      if (top.length < k || similarity > top[top.length - 1]!.similarity) {
        if (top.length === k) top.pop();
        let at = top.length;
        while (at > 0 && top[at - 1]!.similarity < similarity) at -= 1;
        top.splice(at, 0, { index, similarity });
      }
    }
    return top;
  }
}
