import { Type } from 'typebox';
import type { App } from '../http/server.ts';
import { errors } from '../http/schemas.ts';
import type { Platform } from '../module.ts';
import { countJobs, listJobs, type JobState } from './jobs.ts';
import { countOutbox } from './outbox.ts';

const JobStateSchema = Type.Union(['pending', 'running', 'done', 'failed', 'dead'].map((s) => Type.Literal(s)));

/** The administrator's view of background work: queue depth per job and state, the outbox backlog, failures. */
export function jobsRoutes(app: App, platform: Platform) {
  app.get('/api/admin/jobs', {
    config: { scope: 'jobs:read', audit: false },
    schema: {
      tags: ['ops'],
      summary: 'Job counts per name and state, the outbox backlog, and recent failed or dead jobs',
      querystring: Type.Object({ state: Type.Optional(JobStateSchema), limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          counts: Type.Array(Type.Object({ name: Type.String(), state: Type.String(), count: Type.Integer() })),
          outbox: Type.Object({ unrelayed: Type.Integer(), relayed: Type.Integer(), oldestUnrelayedAt: Type.Union([Type.String(), Type.Null()]) }),
          jobs: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), state: Type.String(), attempts: Type.Integer(), runAt: Type.String(), lastError: Type.Union([Type.String(), Type.Null()]) })),
        }),
        ...errors(400, 401, 403),
      },
    },
  }, async (req) => {
    const outbox = await countOutbox(platform.db);
    const jobs = await listJobs(platform.db, { state: (req.query.state ?? 'dead') as JobState, limit: req.query.limit });
    return {
      counts: await countJobs(platform.db),
      outbox: { ...outbox, oldestUnrelayedAt: outbox.oldestUnrelayedAt ? new Date(outbox.oldestUnrelayedAt).toISOString() : null },
      jobs: jobs.map((j) => ({ id: j.id, name: j.name, state: j.state, attempts: j.attempts, runAt: new Date(j.runAt).toISOString(), lastError: j.lastError })),
    };
  });
}
