import { Type } from 'typebox';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { Platform } from '../../platform/module.ts';
import { sweepDeadlines } from './cases.lifecycle.ts';
import * as repo from './cases.repository.ts';
import { runtimeOf } from './cases.runtime.ts';

// The cases module's background work, driven from the database:
//   - sweep-deadlines (scheduled): Art. 32 deemed acceptance, due dates of stopped clocks, yellow /
//     red / overdue marks and overdue 容缺 commitments.
//   - notify-applicant (outbox subscriber): every case event carrying a notice goes to the
//     applicant's inbox and, when a phone is on file, by SMS (logged in development). The event id
//     keys each notice, so a redelivered event notifies nobody twice.

export const SWEEP_DEADLINES_EVERY_SECONDS = 600;

export const sweepDeadlinesJob = (platform: Platform) =>
  defineJob({
    name: 'cases.sweep-deadlines',
    payload: Type.Object({}),
    singleton: true,
    handler: async () => {
      await sweepDeadlines(platform);
    },
  });

export function registerCasesJobs(platform: Platform) {
  platform.jobs.schedule(sweepDeadlinesJob(platform), SWEEP_DEADLINES_EVERY_SECONDS);
  platform.jobs.subscribe('cases.case.*', 'cases.notify-applicant', async (event, ctx) => {
    const notice = event.payload.notice as { title?: unknown; body?: unknown } | undefined;
    const caseId = event.payload.caseId;
    if (!notice || typeof notice.title !== 'string' || typeof notice.body !== 'string' || typeof caseId !== 'string') return;
    const c = await repo.findCase(platform.db, caseId);
    if (!c) return;
    const phone = c.applicant_phone_enc ? platform.pii.decrypt(c.applicant_phone_enc) : null;
    await runtimeOf(platform).notifier.notify(
      platform.db,
      { accountId: c.applicant_account_id, caseId, eventId: event.id, kind: event.topic.split('.').at(-1)!, title: notice.title, body: notice.body, phone },
      ctx.clock.now(),
    );
  });
}
