import { normaliseText } from '../../../platform/text/normalise.ts';
import { Segmenter, STOP_WORDS } from '../../../platform/text/segment.ts';
import { isTerritorial, type Catalogue, type PlaceKind } from './catalogue.ts';
import { ASIDE_CUES, COLLOQUIAL, COMPLAINT_CUES, CONCEPTS, REQUEST_CUES, SECONDARY_CUES } from './lexicon.ts';
import { PhraseTrie } from './trie.ts';

// Reads a request the way the model needs it: normalised (full-width, typos, 粤语口语), places found
// in the gazetteer and located to a street, and the proper names replaced by what they are (沙溪村 →
// 村, 龙潭公路 → 公路) so that what is learned about one village holds for every village.

export interface PlaceMention {
  start: number;
  end: number;
  /** The words as written (normalised). */
  text: string;
  /** The gazetteer entry (or street) it names. */
  name: string;
  streetCode: string;
  kind: PlaceKind | 'street';
  /** What the place is, without its proper name: 村, 社区, 小区, 公路, 市场 … */
  generic: string;
  /** 1 for a full gazetteer name, less for a short form (东湖 for 东湖村). */
  strength: number;
  /** 'home' when the caller says they live there (我住在…, …的业主), else 'problem'. */
  role: 'home' | 'problem';
}

export interface Location {
  streetCode: string | null;
  /** 0–1: how sure the location is (one street named in full ≈ 1). */
  confidence: number;
  mentions: PlaceMention[];
  /** Why, in words for the agent. */
  explanation: string[];
}

export interface Analysis {
  /** Normalised text with colloquial forms rewritten. */
  text: string;
  /** The same with place names replaced by their generic word. */
  generic: string;
  location: Location;
  /** Content words of the generic text (search mode, stop words removed), in order, unique. */
  words: string[];
  /** Concepts the text expresses (see lexicon), unique. */
  concepts: string[];
  /** Matching terms: 'w:' + each word of two characters or more (or a telling single one), 'c:' + each concept. */
  terms: string[];
  /** Concept terms read only from the kind of a named place (金沙工业园 → c:工厂): context, not matter. */
  placeOnly: string[];
  /**
   * Terms that count less than fully (0–1; absent: 1), by where they are said: in an aside telling
   * what the problem caused (…骑电动车差点滑倒), in a background clause when another says what is
   * wrong, or as the place of something else (停在人行道上). The matter outweighs its bystanders.
   */
  salience: Map<string, number>;
}

/** How much a term said only in an aside counts, against 1 for the clauses that carry the matter. */
const ASIDE_WEIGHT = 0.3;

/** Single characters that still say something about a place or matter. */
const MEANINGFUL_SINGLE = new Set(['村', '路', '街', '巷', '山', '河', '湖', '涌', '树', '坑', '吵', '臭', '狗', '猪', '坟', '墓', '秤', '灯']);

/** Generic heads of gazetteer names, longest first: what is left when the proper name is removed. */
const PLACE_HEADS: ReadonlyArray<readonly [suffix: string, generic: string]> = [
  ['农贸市场', '农贸市场'], ['商业广场', '商业广场'], ['公交总站', '公交站'], ['人民医院', '医院'], ['卫生院', '卫生院'],
  ['工业园', '工业园'], ['汽车站', '汽车站'], ['地铁站', '地铁站'], ['公交站', '公交站'], ['市场', '市场'], ['广场', '广场'],
  ['小学', '小学'], ['中学', '中学'], ['学校', '学校'], ['医院', '医院'], ['公园', '公园'], ['水库', '水库'],
  ['社区', '社区'], ['新村', '小区'], ['花园', '小区'], ['雅苑', '小区'], ['小区', '小区'], ['家园', '小区'], ['苑', '小区'],
  ['公路', '公路'], ['大道', '大道'], ['大街', '街'], ['横路', '路'], ['二巷', '巷'], ['巷', '巷'], ['街', '街'], ['路', '路'],
  ['村', '村'], ['圩', '圩镇'], ['涌', '河涌'], ['河', '河'], ['湖', '湖'], ['山', '山'], ['站', '车站'],
];

/** Short forms that name nothing by themselves (工业一路 → 工业 is no place). */
const GENERIC_CORES = new Set(['工业', '人民', '商业', '农贸', '公交', '汽车', '地铁', '市政', '新村', '圩镇', '中心', '一横', '区']);

// A place named after "我住在 / 家住 / 我家在 …" (within the same clause) is where the caller lives.
const HOME_BEFORE = /(住在|住喺|家住|我家在|我家是|家在|我住|我们住|住的|我是|我们是|租住在|租住|户口在|老家在?)[^，。,.!！?？;；\s]{0,4}$/u;
const HOME_AFTER = /^(的)?(居民|业主|住户|村民|租户|户籍)/u;

const CLAUSE_BREAK = /[，。,.!！?？;；\s]/u;

const EXTRA_STOP = new Set([
  '反映', '希望', '处理', '解决', '情况', '问题', '多次', '好几次', '几次', '一次', '好几', '几天', '天天', '每天', '今天', '昨天',
  '最近', '之前', '以前', '时候', '这种', '这边', '那边', '这么', '那么', '里面', '外面', '旁边', '附近', '边上', '一直', '根本',
  '真的', '实在', '还有', '而且', '而且', '甚至', '结果', '但', '却', '呢', '嘛', '哈', '哎', '唉', '喂',
]);

export class Analyzer {
  readonly catalogue: Catalogue;
  readonly #segmenter: Segmenter;
  readonly #colloquial = new PhraseTrie<string>();
  readonly #places = new PhraseTrie<Omit<PlaceMention, 'start' | 'end' | 'text' | 'role'> | null>();
  readonly #concepts = new PhraseTrie<string>();
  readonly #streetNames = new Map<string, string>();

  /** The words added to jieba's dictionary for this catalogue (see userDictionary). */
  readonly userWords: readonly string[];

  /**
   * `catalogueDictionary: false` leaves the catalogue's own words out of the segmenter's dictionary
   * (the lexicon's forms stay); `dutyTerms: true` adds the duty terms too (see userDictionary).
   */
  constructor(catalogue: Catalogue, opts: { catalogueDictionary?: boolean; dutyTerms?: boolean } = {}) {
    this.catalogue = catalogue;
    for (const [from, to] of COLLOQUIAL) this.#colloquial.add(from, to);
    for (const [concept, forms] of Object.entries(CONCEPTS)) for (const f of forms) this.#concepts.add(normaliseText(f), concept);
    this.#buildPlaces();
    const words = new Set<string>();
    for (const forms of Object.values(CONCEPTS)) for (const f of forms) if (f.length >= 2) words.add(f);
    for (const [, g] of PLACE_HEADS) words.add(g);
    if (opts.catalogueDictionary !== false) for (const w of userDictionary(catalogue, { dutyTerms: opts.dutyTerms })) words.add(w);
    this.userWords = [...words];
    // One segmenter per catalogue: a new catalogue (re-imported district) builds a new analyzer.
    this.#segmenter = new Segmenter({ userWords: [...words] });
  }

  /** The street's display name for explanations. */
  streetName(code: string): string {
    return this.#streetNames.get(code) ?? code;
  }

  #buildPlaces() {
    const c = this.catalogue;
    const districtCore = c.districtName.replace(/[区县市]$/u, '');
    // Full names first; short forms are added only where exactly one street could be meant.
    const full = new Map<string, Omit<PlaceMention, 'start' | 'end' | 'text' | 'role'>>();
    const addFull = (form: string, v: Omit<PlaceMention, 'start' | 'end' | 'text' | 'role'>) => {
      const f = normaliseText(form);
      if (f.length >= 2 && !full.has(f)) full.set(f, v);
    };
    for (const u of c.units.filter(isTerritorial)) {
      const short = u.shortName ?? u.name.replace(/(办事处|人民政府)$/u, '');
      this.#streetNames.set(u.code, short);
      const generic = /镇$/u.test(short) ? '镇' : '街道';
      const v = { name: short, streetCode: u.code, kind: 'street' as const, generic, strength: 1 };
      for (const form of [u.name, short, u.name.replace(/(办事处|人民政府)$/u, '')]) addFull(form, v);
    }
    for (const g of c.gazetteer) {
      const head = PLACE_HEADS.find(([s]) => g.name.endsWith(s) && g.name.length > s.length);
      const generic = head?.[1] ?? (g.kind === 'road' ? '路' : g.kind === 'community' ? '小区' : '地方');
      const v = { name: g.name, streetCode: g.streetCode, kind: g.kind, generic, strength: 1 };
      addFull(g.name, v);
      // 区人民医院 is also written 云溪区人民医院.
      if (g.name.startsWith('区')) addFull(districtCore + g.name, v);
    }
    for (const [f, v] of full) this.#places.add(f, v);
    // The district's own name locates nothing: it blocks the shorter names inside it.
    this.#places.add(normaliseText(c.districtName), null);
    this.#places.add(normaliseText(c.districtName.replace(/[区县]$/u, '') + '区'), null);

    const cores = new Map<string, Set<string>>();
    const coreValue = new Map<string, Omit<PlaceMention, 'start' | 'end' | 'text' | 'role'>>();
    for (const [f, v] of full) {
      if (v.kind === 'street') continue;
      const head = PLACE_HEADS.find(([s]) => f.endsWith(s) && f.length - s.length >= 2);
      if (!head) continue;
      const core = f.slice(0, f.length - head[0].length);
      if (core.length < 2 || GENERIC_CORES.has(core) || core === districtCore || STOP_WORDS.has(core)) continue;
      if (!cores.has(core)) cores.set(core, new Set());
      cores.get(core)!.add(v.streetCode);
      coreValue.set(core, { ...v, name: f, generic: head[1], strength: 0.7 });
    }
    for (const [core, streets] of cores) {
      if (streets.size !== 1 || full.has(core)) continue;
      this.#places.add(core, coreValue.get(core)!);
    }
  }

  /** Normalises and rewrites colloquial forms. */
  normalise(raw: string): string {
    const s = normaliseText(raw);
    return this.#colloquial.replaceLongest(s, (m) => m.values[0]!);
  }

  analyze(raw: string): Analysis {
    const text = this.normalise(raw);
    const mentions: PlaceMention[] = [];
    for (const m of this.#places.findLongest(text)) {
      const v = m.values[0];
      if (!v) continue;
      mentions.push({ ...v, start: m.start, end: m.end, text: m.phrase, role: roleOf(text, m.start, m.end) });
    }
    let generic = '';
    let last = 0;
    const placeSpans: [start: number, end: number][] = [];
    for (const m of mentions) {
      // A short form followed by its kind (东湖 + 市场) keeps the kind as written.
      const isHeadWritten = m.strength < 1 && PLACE_HEADS.some(([s]) => text.startsWith(s, m.end));
      generic += text.slice(last, m.start);
      if (!isHeadWritten) placeSpans.push([generic.length, generic.length + m.generic.length]);
      generic += isHeadWritten ? '' : m.generic;
      last = m.end;
    }
    generic += text.slice(last);
    const location = this.#locate(mentions);
    const words: string[] = [];
    const seen = new Set<string>();
    for (const w of this.#segmenter.cutForSearch(generic)) {
      if (seen.has(w) || STOP_WORDS.has(w) || EXTRA_STOP.has(w)) continue;
      seen.add(w);
      words.push(w);
    }
    // A form inside a longer form is not said on its own: 没有物业 is not 物业.
    const found = this.#concepts.findAll(generic).sort((x, y) => x.start - y.start || y.end - x.end);
    const conceptSet = new Set<string>();
    const saidOutsidePlaces = new Set<string>();
    let reach = -1;
    for (const m of found) {
      if (m.end <= reach) continue; // inside an earlier, longer form
      reach = m.end;
      const inPlace = placeSpans.some(([a, b]) => m.start >= a && m.end <= b);
      for (const v of m.values) {
        conceptSet.add(v);
        if (!inPlace) saidOutsidePlaces.add(v);
      }
    }
    const concepts = [...conceptSet];
    // Concepts read only from a place's kind (金沙工业园 → 工厂) say where the problem is, not what.
    const placeOnly = concepts.filter((c) => !saidOutsidePlaces.has(c)).map((c) => `c:${c}`);
    // So do the words of a place's kind (工业 of 工业园, 公交 of 公交站).
    if (placeSpans.length) {
      for (const w of words) {
        let inside = true;
        for (let at = generic.indexOf(w); at >= 0 && inside; at = generic.indexOf(w, at + 1)) {
          if (!placeSpans.some(([a, b]) => at >= a && at + w.length <= b)) inside = false;
        }
        if (inside) placeOnly.push(`w:${w}`);
      }
    }
    const clauses = clauseWeights(generic);
    const where = locativeSpans(generic);
    const salience = new Map<string, number>();
    if (clauses.some((c) => c.weight !== 1) || where.length) {
      const weightAt = (start: number, end: number) => {
        let w = 1;
        for (const c of clauses) if (start >= c.start && end <= c.end + 1) w = c.weight;
        for (const [a, b] of where) if (start >= a && end <= b) w *= LOCATIVE_WEIGHT;
        return w;
      };
      // A term counts as much as the place where it counts most.
      const conceptWeight = new Map<string, number>();
      reach = -1;
      for (const m of found) {
        if (m.end <= reach) continue;
        reach = m.end;
        const w = weightAt(m.start, m.end);
        for (const v of m.values) conceptWeight.set(v, Math.max(conceptWeight.get(v) ?? 0, w));
      }
      for (const [c, w] of conceptWeight) if (w !== 1) salience.set(`c:${c}`, w);
      for (const word of words) {
        let w = 0;
        for (let at = generic.indexOf(word); at >= 0; at = generic.indexOf(word, at + 1)) w = Math.max(w, weightAt(at, at + word.length));
        if (w > 0 && w !== 1) salience.set(`w:${word}`, w);
      }
    }
    const terms: string[] = [];
    for (const w of words) if (w.length >= 2 || MEANINGFUL_SINGLE.has(w)) terms.push(`w:${w}`);
    for (const c of concepts) terms.push(`c:${c}`);
    return { text, generic, location, words, concepts, terms, placeOnly, salience };
  }

  /** Terms of a catalogue phrase (a duty or a rule's matter), read like a request. */
  phraseTerms(phrase: string): { terms: string[]; concepts: string[]; places: PlaceMention[] } {
    const a = this.analyze(phrase);
    return { terms: a.terms, concepts: a.concepts, places: a.location.mentions };
  }

  #locate(mentions: PlaceMention[]): Location {
    if (mentions.length === 0) return { streetCode: null, confidence: 0, mentions, explanation: [] };
    const score = new Map<string, { problem: number; home: number; first: number }>();
    mentions.forEach((m, i) => {
      const s = score.get(m.streetCode) ?? { problem: 0, home: 0, first: i };
      if (m.role === 'home') s.home += m.strength;
      else s.problem += m.strength;
      score.set(m.streetCode, s);
    });
    const ranked = [...score.entries()].sort(
      ([, a], [, b]) => b.problem - a.problem || b.home - a.home || a.first - b.first,
    );
    const [streetCode, best] = ranked[0]!;
    const others = ranked.slice(1).filter(([, s]) => s.problem > 0).length;
    const strongest = Math.max(...mentions.filter((m) => m.streetCode === streetCode).map((m) => m.strength));
    const confidence = strongest * (others ? 0.6 : 1) * (best.problem > 0 ? 1 : 0.9);
    const explanation = mentions.map((m) => {
      const where = `${m.text} → ${this.streetName(m.streetCode)}`;
      return m.role === 'home' ? `${where}（来电人住址，非问题发生地）` : where;
    });
    return { streetCode, confidence, mentions, explanation };
  }
}

/** Pieces of a duty or a rule's matter between separators and connectives: 占道经营、流动摊贩与露天烧烤 → 占道经营, 流动摊贩, 露天烧烤. */
const TERM_BREAK = /[、，,。；;：:()（）\s]|与|及|和|或|等|含/u;
const DUTY_TERM_MIN = 2;
const DUTY_TERM_MAX = 6;
/** A piece holding a function word is a fragment of a clause (可确定的企业, 由员工反映), not a term. */
const NOT_A_TERM = /的|因|由|即使|任何|担心|之间/u;

/**
 * The catalogue's words for jieba's user dictionary: the gazetteer's names (communities, roads,
 * places) with the streets' and units' names, and the duty terms — the short pieces of every duty
 * and rule (余泥渣土, 流动摊贩, 古树名木) — so that the segmenter keeps them whole. Longer pieces are
 * clauses, not terms, and are left to the segmenter. The duty terms are off by default: measured
 * over three 5-fold splits they left top-1 unchanged (0.919) but lowered the cold start from 0.874 to
 * 0.868 and auto-dispatch coverage from 0.782 to 0.773 (a whole term such as 餐饮店卫生 no longer
 * meets the request's 餐饮店 and 卫生 in the catalogue match). The names alone change no figure.
 */
export function userDictionary(catalogue: Catalogue, opts: { dutyTerms?: boolean } = {}): string[] {
  const out = new Set<string>();
  const add = (w: string | null | undefined) => {
    const x = normaliseText(w ?? '').replace(/\s+/gu, '');
    if (x.length >= 2) out.add(x);
  };
  for (const g of catalogue.gazetteer) add(g.name);
  for (const u of catalogue.units) {
    add(u.name);
    add(u.shortName);
  }
  const phrases = [...catalogue.units.flatMap((u) => u.duties), ...catalogue.rules.map((r) => r.matter)];
  for (const phrase of opts.dutyTerms ? phrases : []) {
    for (const piece of normaliseText(phrase).split(TERM_BREAK)) {
      if (piece.length >= DUTY_TERM_MIN && piece.length <= DUTY_TERM_MAX && !STOP_WORDS.has(piece) && !NOT_A_TERM.test(piece)) out.add(piece);
    }
  }
  return [...out];
}

const ASIDE_CUE = new RegExp(ASIDE_CUES.join('|'), 'u');
const COMPLAINT_CUE = new RegExp(COMPLAINT_CUES.join('|'), 'u');
const REQUEST_CUE = new RegExp(REQUEST_CUES.join('|'), 'u');
const SECONDARY_CUE = new RegExp(SECONDARY_CUES.join('|'), 'u');
/** What the caller asks to be done (请人来灭蚊) names the matter best. */
const REQUEST_WEIGHT = 1.3;
/** When some clause says what is wrong, the others (who, when, how it was noticed) count this much. */
const BACKGROUND_WEIGHT = 0.85;
/** A noun said as the place of something else (停在人行道上) counts this much of its clause. */
const LOCATIVE_WEIGHT = 0.5;
// 在人行道上, 从路口, 到楼道里: a noun phrase between a preposition of place and a position word says where.
const LOCATIVE = /(?:在|于|从|到|往|喺)([^，。,.!！?？;；\s在于从到往]{1,8}?)(?:上面|里面|下面|旁边|门口|附近|对面|边上|上|里|边|旁|下|前|后|内|外)/gu;

function locativeSpans(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(LOCATIVE)) {
    const start = m.index! + 1; // after the one-character preposition
    out.push([start, start + m[1]!.length]);
  }
  return out;
}

/**
 * Each clause of `text` with how much its terms count: the request most, then what is wrong, then
 * the background (who, when, how it was noticed); asides and a second matter added after 顺便 least.
 */
function clauseWeights(text: string): { start: number; end: number; weight: number }[] {
  const out: { start: number; end: number; weight: number; complaint: boolean }[] = [];
  let from = 0;
  let secondary = false;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && !CLAUSE_BREAK.test(text[i]!)) continue;
    if (i > from) {
      const clause = text.slice(from, i);
      // From 顺便/另外 on, the caller adds a second matter: the first one is the order's.
      if (!secondary && from > 0 && SECONDARY_CUE.test(clause)) secondary = true;
      const isAside = ASIDE_CUE.test(clause) || secondary;
      const isRequest = !isAside && REQUEST_CUE.test(clause);
      out.push({ start: from, end: i, weight: isAside ? ASIDE_WEIGHT : isRequest ? REQUEST_WEIGHT : 1, complaint: !isAside && (isRequest || COMPLAINT_CUE.test(clause)) });
    }
    from = i + 1;
  }
  if (out.some((c) => c.complaint)) for (const c of out) if (!c.complaint && c.weight === 1) c.weight = BACKGROUND_WEIGHT;
  return out;
}

function roleOf(text: string, start: number, end: number): 'home' | 'problem' {
  let from = start;
  while (from > 0 && !CLAUSE_BREAK.test(text[from - 1]!)) from -= 1;
  if (HOME_BEFORE.test(text.slice(from, start))) return 'home';
  if (HOME_AFTER.test(text.slice(end, end + 4))) return 'home';
  return 'problem';
}
