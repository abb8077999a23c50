import { Type } from 'typebox';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { Platform } from '../../platform/module.ts';
import { recordCaseCompleted, recordTicketFinished, recordWorkOrderEvent } from './ratings.service.ts';
import { sweepReviewDeadlines } from './reviews.service.ts';

// What makes something rateable arrives as other modules' events; each subscriber is safe to repeat
// (occasions and rateables are upserts, an imported rating is unique per channel):
//   - queue.ticket.finished → the window, the clerk, the items and the department of that ticket
//   - hotline.work_order.called_back / answered / closed → the order and its unit; .rated brings the
//     rating given on the 12345 tracking page in as a web rating
//   - cases.case.completed → the case, its item and the department
// And the bad-review deadlines: warn on the due day, escalate the day after (every 15 minutes).

export const SWEEP_EVERY_SECONDS = 900;
const WORK_ORDER_TOPICS = ['hotline.work_order.called_back', 'hotline.work_order.answered', 'hotline.work_order.closed', 'hotline.work_order.rated'];

export function registerRatingsJobs(platform: Platform) {
  platform.jobs.subscribe('queue.ticket.finished', 'ratings.open-ticket-occasion', async (event) => {
    await recordTicketFinished(platform, event.payload);
  });
  // One subscription per topic: a pattern over every order event would run a job for each of them.
  for (const topic of WORK_ORDER_TOPICS) {
    platform.jobs.subscribe(topic, `ratings.on-work-order-${topic.split('.').at(-1)!.replaceAll('_', '-')}`, async (event) => {
      await recordWorkOrderEvent(platform, event.topic, event.payload, event.createdAt);
    });
  }
  platform.jobs.subscribe('cases.case.completed', 'ratings.open-case-occasion', async (event) => {
    await recordCaseCompleted(platform, event.payload, event.createdAt);
  });
  const sweep = defineJob({
    name: 'ratings.sweep-deadlines',
    payload: Type.Object({}),
    singleton: true,
    handler: async () => {
      await sweepReviewDeadlines(platform);
    },
  });
  platform.jobs.schedule(sweep, SWEEP_EVERY_SECONDS);
}
