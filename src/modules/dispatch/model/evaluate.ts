import { mulberry32 } from './classifier.ts';
import type { Catalogue } from './catalogue.ts';
import { DispatchModel, type CategoryHint, type Example, type TrainOptionsAll } from './model.ts';
import { Analyzer } from './analyzer.ts';

// Measuring the model the way the issue defines it: top-1 and top-3 on the unit, street accuracy on
// cases that have a street, precision and coverage of the auto-dispatched subset, time per case.

export interface EvalCase {
  text: string;
  unit?: string | null;
  street?: string | null;
  [k: string]: unknown;
}

export interface CaseResult {
  id?: unknown;
  text: string;
  unit: string | null;
  street: string | null;
  predicted: string[];
  scores: number[];
  predictedStreet: string | null;
  auto: boolean;
  isCorrect: boolean | null;
}

export interface Summary {
  cases: number;
  top1: number | null;
  top3: number | null;
  street: number | null;
  autoPrecision: number | null;
  autoCoverage: number | null;
  msPerCase: number;
}

/** Parses JSON lines; blank lines are skipped, a line that is not an object with `text` is an error. */
export function parseJsonl(text: string, what: string): EvalCase[] {
  const out: EvalCase[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new SyntaxError(`${what} line ${i + 1} is not JSON`);
    }
    if (!v || typeof v !== 'object' || typeof (v as EvalCase).text !== 'string') {
      throw new SyntaxError(`${what} line ${i + 1} has no "text"`);
    }
    out.push(v as EvalCase);
  });
  return out;
}

export function toExamples(cases: EvalCase[]): Example[] {
  return cases.filter((c) => typeof c.unit === 'string' && c.unit).map((c) => ({ text: c.text, unit: c.unit!, street: c.street ?? null }));
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** A case may carry the hotline category it was filed under: {"code","name","defaultUnitCode",…}. */
function categoryOf(v: unknown): CategoryHint | null {
  if (!v || typeof v !== 'object') return null;
  const c = v as Record<string, unknown>;
  if (typeof c.code !== 'string' || typeof c.name !== 'string') return null;
  return {
    code: c.code,
    name: c.name,
    description: typeof c.description === 'string' ? c.description : null,
    keywords: Array.isArray(c.keywords) ? c.keywords.filter((k): k is string => typeof k === 'string') : [],
    defaultUnitCode: typeof c.defaultUnitCode === 'string' ? c.defaultUnitCode : null,
  };
}

/** Classifies every case with `model` and summarises; `onCase` sees each result as it is made. */
export function evaluateCases(model: DispatchModel, cases: EvalCase[], onCase?: (r: CaseResult) => void): { summary: Summary; results: CaseResult[] } {
  const results: CaseResult[] = [];
  let ms = 0;
  for (const c of cases) {
    const started = performance.now();
    const s = model.suggest({ text: c.text, category: categoryOf(c.category) });
    ms += performance.now() - started;
    const unit = typeof c.unit === 'string' && c.unit ? c.unit : null;
    const r: CaseResult = {
      id: c.id,
      text: c.text,
      unit,
      street: c.street ?? null,
      predicted: s.units.map((u) => u.unitCode),
      scores: s.units.map((u) => u.score),
      predictedStreet: s.streetCode,
      auto: s.autoDispatch,
      isCorrect: unit ? s.units[0]?.unitCode === unit : null,
    };
    results.push(r);
    onCase?.(r);
  }
  return { summary: summarise(results, ms), results };
}

export function summarise(results: CaseResult[], ms: number): Summary {
  const labelled = results.filter((r) => r.unit);
  const located = results.filter((r) => r.street);
  const auto = labelled.filter((r) => r.auto);
  const ratio = (n: number, d: number) => (d ? round(n / d) : null);
  return {
    cases: results.length,
    top1: ratio(labelled.filter((r) => r.isCorrect).length, labelled.length),
    top3: ratio(labelled.filter((r) => r.predicted.slice(0, 3).includes(r.unit!)).length, labelled.length),
    street: ratio(located.filter((r) => r.predictedStreet === r.street).length, located.length),
    autoPrecision: ratio(auto.filter((r) => r.isCorrect).length, auto.length),
    autoCoverage: ratio(auto.length, labelled.length),
    msPerCase: results.length ? Math.round((ms / results.length) * 1000) / 1000 : 0,
  };
}

/**
 * k-fold cross-validation: each fold is classified by a model trained (with its own held-out
 * calibration) on the other folds only.
 */
export function crossValidate(
  catalogue: Catalogue,
  cases: EvalCase[],
  opts: { folds?: number; seed?: number; train?: TrainOptionsAll; analyzer?: Analyzer } = {},
): { summary: Summary; results: CaseResult[] } {
  const k = opts.folds ?? 5;
  const order = [...cases.keys()];
  const rand = mulberry32(opts.seed ?? 42);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const foldOf = new Map(order.map((i, n) => [i, n % k]));
  const analyzer = opts.analyzer ?? new Analyzer(catalogue);
  const results: CaseResult[] = new Array(cases.length);
  let ms = 0;
  for (let f = 0; f < k; f++) {
    const train = cases.filter((_, i) => foldOf.get(i) !== f);
    const testIdx = [...cases.keys()].filter((i) => foldOf.get(i) === f);
    const model = DispatchModel.train(catalogue, toExamples(train), opts.train, analyzer);
    const { summary, results: r } = evaluateCases(model, testIdx.map((i) => cases[i]!));
    ms += summary.msPerCase * r.length;
    testIdx.forEach((i, n) => (results[i] = r[n]!));
  }
  return { summary: summarise(results, ms), results };
}
