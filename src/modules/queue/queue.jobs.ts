import { Type } from 'typebox';
import { systemActor } from '../../platform/audit.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { Platform } from '../../platform/module.ts';
import { markNoShows } from './appointments.service.ts';
import * as hallsRepo from './halls.repository.ts';
import { syncSlots } from './halls.service.ts';
import { closePastDays } from './tickets.service.ts';

// The hall's background work, each safe to repeat:
//   - sync-slots: slots for the coming working days; days that stopped being working days (a
//     closure set on the calendar) are closed and their appointments cancelled.
//   - mark-no-shows: appointments of past days nobody checked in for; they count towards the
//     booking block.
//   - close-days: tickets still open from a past day are cancelled so tomorrow starts empty.

export const SYNC_SLOTS_EVERY_SECONDS = 3600;
export const SWEEP_EVERY_SECONDS = 600;

export function registerQueueJobs(platform: Platform) {
  const sync = defineJob({
    name: 'queue.sync-slots',
    payload: Type.Object({}),
    singleton: true,
    handler: async () => {
      for (const hall of await hallsRepo.listHalls(platform.db)) await syncSlots(platform, hall.id, { actor: systemActor('queue.sync-slots') });
    },
  });
  const noShows = defineJob({
    name: 'queue.mark-no-shows',
    payload: Type.Object({}),
    singleton: true,
    handler: async () => {
      await markNoShows(platform);
    },
  });
  const closeDays = defineJob({
    name: 'queue.close-days',
    payload: Type.Object({}),
    singleton: true,
    handler: async () => {
      await closePastDays(platform);
    },
  });
  platform.jobs.schedule(sync, SYNC_SLOTS_EVERY_SECONDS);
  platform.jobs.schedule(noShows, SWEEP_EVERY_SECONDS);
  platform.jobs.schedule(closeDays, SWEEP_EVERY_SECONDS);
}
