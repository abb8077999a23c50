import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { systemActor } from '../../platform/audit.ts';
import { AppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/module.ts';
import { dispatcherOf } from './dispatch.service.ts';
import { catalogueFromDistrictFile } from './model/catalogue.ts';
import { evaluateCases, parseJsonl, toExamples } from './model/evaluate.ts';
import { DispatchModel } from './model/model.ts';

// `yiwang dispatch …`: evaluate a district and a history on test cases without any database, or
// teach and retrain the running system's model.

export const DISPATCH_USAGE = `  dispatch evaluate --district FILE --history FILE --cases FILE [--details]
                                 learn from the history, classify the cases, print one JSON summary line (last)
  dispatch learn FILE            import closed orders (JSON lines: text, unit, street) and retrain
  dispatch train                 retrain the model on every stored example now
  dispatch status                print the model in use and its figures as JSON`;

type Out = (line: string) => void;

function readFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('DISPATCH_FILE_UNREADABLE', `cannot read the ${what} file ${file}: ${(err as Error).message}`);
  }
}

function readDistrict(file: string) {
  const doc = JSON.parse(readFile(file, 'district')) as Parameters<typeof catalogueFromDistrictFile>[0];
  if (!doc || typeof doc !== 'object' || !doc.district?.code || !Array.isArray(doc.units) || doc.units.length === 0) {
    throw new AppError('DISPATCH_FILE_INVALID', `${file} is not a district file: it needs "district" and "units"`);
  }
  return catalogueFromDistrictFile(doc);
}

/** The evaluation the issue defines; returns the exit code. */
export function evaluateCommand(opts: { district: string; history?: string; cases: string; details?: boolean }, out: Out): number {
  const catalogue = readDistrict(opts.district);
  const history = opts.history ? toExamples(parseJsonl(readFile(opts.history, 'history'), 'history')) : [];
  const cases = parseJsonl(readFile(opts.cases, 'cases'), 'cases');
  const model = history.length ? DispatchModel.train(catalogue, history) : DispatchModel.coldStart(catalogue);
  const { summary } = evaluateCases(model, cases, (r) => {
    if (!opts.details) return;
    out(JSON.stringify({
      ...(r.id !== undefined ? { id: r.id } : {}),
      text: r.text,
      unit: r.unit,
      street: r.street,
      predicted: r.predicted.slice(0, 3),
      scores: r.scores.slice(0, 3),
      predictedStreet: r.predictedStreet,
      auto: r.auto,
      correct: r.isCorrect,
    }));
  });
  out(JSON.stringify(summary));
  return 0;
}

export async function runDispatchCommand(
  argv: string[],
  out: Out,
  err: Out,
  deps: { withPlatform: <T>(fn: (p: Platform) => Promise<T>) => Promise<T> },
): Promise<number> {
  const [sub, ...rest] = argv;
  const ctx = { actor: systemActor('cli') };
  switch (sub) {
    case 'evaluate': {
      const { values } = parseArgs({
        args: rest,
        options: { district: { type: 'string' }, history: { type: 'string' }, cases: { type: 'string' }, details: { type: 'boolean' } },
      });
      if (!values.district || !values.cases) {
        err(`usage:\n${DISPATCH_USAGE}`);
        return 2;
      }
      return evaluateCommand({ district: values.district, history: values.history, cases: values.cases, details: values.details }, out);
    }
    case 'learn': {
      if (!rest[0]) {
        err(`usage:\n${DISPATCH_USAGE}`);
        return 2;
      }
      const examples = toExamples(parseJsonl(readFile(rest[0], 'history'), 'history'));
      return deps.withPlatform(async (p) => {
        const d = dispatcherOf(p);
        const r = await d.importHistory(examples, ctx);
        out(`imported ${r.imported} examples (${r.skipped} skipped: unknown unit or empty text)`);
        const snap = await d.train(`history imported from ${rest[0]}`, ctx);
        out(describeSnapshot(snap));
        return 0;
      });
    }
    case 'train':
      return deps.withPlatform(async (p) => {
        out(describeSnapshot(await dispatcherOf(p).train('requested on the command line', ctx)));
        return 0;
      });
    case 'status':
      return deps.withPlatform(async (p) => {
        out(JSON.stringify(await dispatcherOf(p).status(), null, 2));
        return 0;
      });
    default:
      err(`usage:\n${DISPATCH_USAGE}`);
      return 2;
  }
}

function describeSnapshot(s: Awaited<ReturnType<ReturnType<typeof dispatcherOf>['train']>>): string {
  if (!s) return 'no model trained: the dispatch catalogue is empty (import a district first)';
  const h = s.held_out;
  const auto = s.threshold === null || !h ? 'no auto-dispatch (not enough history to choose a threshold)' : `auto-dispatch at ≥ ${s.threshold.toFixed(3)}: precision ${h.autoPrecision?.toFixed(3)} at coverage ${h.autoCoverage.toFixed(3)} on held-out folds`;
  return `model version ${s.version} trained on ${s.trained_on} examples in ${s.train_ms} ms; ${h ? `held-out top-1 ${h.top1.toFixed(3)}, top-3 ${h.top3.toFixed(3)}; ` : ''}${auto}`;
}
