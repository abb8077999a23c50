import { Type } from 'typebox';
import { systemActor } from '../../platform/audit.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { Platform } from '../../platform/module.ts';
import { flagExpiringArticles, reindexArticles, syncUnitDutyArticles } from './knowledge.service.ts';

// Jobs of the knowledge base: the daily expiring-soon check, and keeping search and the 单位职责
// articles in step when the district's org tree and gazetteer are re-imported.

const DAY_SECONDS = 86_400;

export function knowledgeJobs(platform: Platform) {
  const flagExpiring = defineJob({
    name: 'knowledge.flag-expiring-articles',
    payload: Type.Object({}),
    singleton: true,
    handler: async () => {
      await flagExpiringArticles(platform);
    },
  });
  platform.jobs.schedule(flagExpiring, DAY_SECONDS);

  // New place or unit names change the dictionary: rebuild the stored terms, then the duty articles.
  platform.jobs.subscribe('org.district.imported', 'knowledge.refresh-from-org', async () => {
    await reindexArticles(platform);
    await syncUnitDutyArticles(platform, { actor: systemActor('knowledge.refresh-from-org') });
  });
  return { flagExpiring };
}
