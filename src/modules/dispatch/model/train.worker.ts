// Runs DispatchModel.train off the main thread: training on a large history takes seconds of CPU,
// which on the embedded database would stall every request of the process.
import { parentPort, workerData } from 'node:worker_threads';
import type { Catalogue } from './catalogue.ts';
import { DispatchModel, type Example, type TrainOptionsAll } from './model.ts';

const { catalogue, examples, options } = workerData as { catalogue: Catalogue; examples: Example[]; options: Omit<TrainOptionsAll, 'onPhase'> };
const model = DispatchModel.train(catalogue, examples, options);
const snapshot = model.toSnapshot();
parentPort!.postMessage({ snapshot, trainedOn: model.trainedOn, report: model.report, params: model.params });
