// A character trie for finding many fixed phrases in short texts in one pass: place names,
// colloquial forms, concept forms. A request is tens of characters, so a walk from every position
// costs far less than a regular expression with hundreds of alternatives.

// Keyed by UTF-16 code unit: a number key avoids building a one-character string per step.
interface Node<V> {
  next: Map<number, Node<V>>;
  values: V[];
}

export interface PhraseMatch<V> {
  start: number;
  end: number;
  phrase: string;
  values: V[];
}

export class PhraseTrie<V> {
  readonly #root: Node<V> = { next: new Map(), values: [] };
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(phrase: string, value: V): void {
    if (!phrase) return;
    let node = this.#root;
    for (let i = 0; i < phrase.length; i++) {
      const ch = phrase.charCodeAt(i);
      let child = node.next.get(ch);
      if (!child) node.next.set(ch, (child = { next: new Map(), values: [] }));
      node = child;
    }
    if (node.values.length === 0) this.#size += 1;
    node.values.push(value);
  }

  /** The longest phrase starting at `start` (UTF-16 index), if any. */
  longestAt(text: string, start: number): PhraseMatch<V> | undefined {
    let node = this.#root;
    let best: PhraseMatch<V> | undefined;
    for (let i = start; i < text.length; i++) {
      const child = node.next.get(text.charCodeAt(i));
      if (!child) break;
      node = child;
      if (node.values.length) best = { start, end: i + 1, phrase: text.slice(start, i + 1), values: node.values };
    }
    return best;
  }

  /** Every occurrence of every phrase, overlapping ones included, in order of start. */
  findAll(text: string): PhraseMatch<V>[] {
    const out: PhraseMatch<V>[] = [];
    for (let s = 0; s < text.length; s++) {
      let node = this.#root;
      for (let i = s; i < text.length; i++) {
        const child = node.next.get(text.charCodeAt(i));
        if (!child) break;
        node = child;
        if (node.values.length) out.push({ start: s, end: i + 1, phrase: text.slice(s, i + 1), values: node.values });
      }
    }
    return out;
  }

  /** Longest matches, left to right, never overlapping (what a reader would underline). */
  findLongest(text: string): PhraseMatch<V>[] {
    const out: PhraseMatch<V>[] = [];
    for (let s = 0; s < text.length; ) {
      const m = this.longestAt(text, s);
      if (m) {
        out.push(m);
        s = m.end;
      } else s += 1;
    }
    return out;
  }

  /** Replaces the longest matches left to right with what `replace` returns for each. */
  replaceLongest(text: string, replace: (m: PhraseMatch<V>) => string): string {
    let out = '';
    let last = 0;
    for (const m of this.findLongest(text)) {
      out += text.slice(last, m.start) + replace(m);
      last = m.end;
    }
    return last === 0 ? text : out + text.slice(last);
  }
}
