import { Worker } from 'node:worker_threads';
import type { Catalogue } from './catalogue.ts';
import { DispatchModel, type Example, type HeldOutReport, type ModelParams, type TrainOptionsAll } from './model.ts';

// Training as a service call: in a worker thread when one can be started, else in-line. The result
// is a snapshot, the form in which models are stored and loaded.

export interface TrainResult {
  snapshot: Buffer;
  trainedOn: number;
  report: HeldOutReport | null;
  params: ModelParams;
  ms: number;
}

export async function trainModel(
  catalogue: Catalogue,
  examples: Example[],
  options: Omit<TrainOptionsAll, 'onPhase'> = {},
  opts: { inWorker?: boolean } = {},
): Promise<TrainResult> {
  const started = performance.now();
  if (opts.inWorker !== false) {
    try {
      const result = await new Promise<Omit<TrainResult, 'ms'>>((resolve, reject) => {
        const worker = new Worker(new URL('./train.worker.mjs', import.meta.url), { workerData: { catalogue, examples, options } });
        worker.once('message', (m: Omit<TrainResult, 'ms'> & { snapshot: Uint8Array }) => resolve({ ...m, snapshot: Buffer.from(m.snapshot) }));
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`training worker exited with code ${code}`)));
      });
      return { ...result, ms: performance.now() - started };
    } catch {
      // A worker that cannot start must not stop learning: train here (the process stalls meanwhile).
    }
  }
  const model = DispatchModel.train(catalogue, examples, options);
  return { snapshot: model.toSnapshot(), trainedOn: model.trainedOn, report: model.report, params: model.params, ms: performance.now() - started };
}
