import { defineJob } from '../../platform/jobs/jobs.ts';
import type { Platform } from '../../platform/module.ts';
import { registerDispatchAdvisor } from '../hotline/index.ts';
import { TRAIN_MODEL_JOB, TrainModelPayload } from './dispatch.schemas.ts';
import { dispatcherOf, retrainAfter } from './dispatch.service.ts';
import * as repo from './dispatch.repository.ts';

// The module's background work: the hotline asks this module for suggestions (the advisor), its
// events teach it (subscriber), a re-imported catalogue or enough new examples retrain it (job),
// and a daily tick retrains when examples arrived that no model has seen.

export function registerDispatchJobs(platform: Platform): void {
  const dispatcher = dispatcherOf(platform);
  registerDispatchAdvisor(platform, { suggest: (input) => dispatcher.suggest(input) });

  const trainModel = defineJob({
    name: TRAIN_MODEL_JOB,
    payload: TrainModelPayload,
    singleton: true,
    timeoutSeconds: 900,
    retry: { limit: 2, backoffSeconds: 60 },
    handler: async ({ reason }) => {
      await dispatcher.train(reason);
    },
  });
  platform.jobs.register(trainModel);

  const retrainIfNeeded = defineJob({
    name: 'dispatch.check-training',
    payload: TrainModelPayload,
    singleton: true,
    handler: async () => {
      const latest = await repo.latestSnapshotMeta(platform.db);
      const pending = await repo.countExamples(platform.db, latest?.created_at);
      if (pending > 0 && (!latest || pending >= Math.min(retrainAfter(latest.trained_on), 5))) {
        await platform.jobs.enqueue(platform.db, trainModel, { reason: `daily: ${pending} new examples` });
      }
    },
  });
  platform.jobs.schedule(retrainIfNeeded, 86_400, { reason: 'daily' });

  // Corrections and closed orders are training examples; dispatches feed the production figures.
  platform.jobs.subscribe('hotline.work_order.*', 'dispatch.learn-from-hotline', async (event) => {
    if (/\.(dispatched|redispatched|closed)$/.test(event.topic)) await dispatcher.learnFromWorkOrder(event.topic, event.payload);
  });

  // A re-imported catalogue changes units, duties, places and rules: reload now, retrain soon.
  platform.jobs.subscribe('org.district.imported', 'dispatch.reload-catalogue', async () => {
    dispatcher.invalidate();
    await platform.jobs.enqueue(platform.db, trainModel, { reason: 'dispatch catalogue imported' });
  });
}
