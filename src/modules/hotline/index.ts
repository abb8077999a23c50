// hotline: the 12345 hotline (政务服务便民热线). Work orders from every channel in one model, their
// state machine (dispatch, sign, reply, return, extension, urging, supervision, merge, split, redo,
// callback, close), working-day time limits, caller privacy and the metrics computed from the event log.
import { fileURLToPath } from 'node:url';
import { systemActor, writeAudit } from '../../platform/audit.ts';
import { defineModule } from '../../platform/module.ts';
import { CATEGORY_SEED, flattenCategories } from './fixtures/categories.ts';
import { registerHotlineJobs } from './hotline.jobs.ts';
import * as repo from './hotline.repository.ts';
import { hotlineRoutes } from './hotline.routes.ts';
import { forgetCategories } from './hotline.reference.ts';

export { createWorkOrder, type CreatedWorkOrder } from './hotline.service.ts';
export { EVENT_LABELS, getWorkOrder, listWorkOrders, getWorkOrderForLearning, type WorkOrderFilter, type WorkOrderForLearning } from './hotline.views.ts';
export { listCategories, registerDispatchAdvisor, type DispatchAdvisor, type DispatchSuggestion } from './hotline.reference.ts';
export type { Category, CreateWorkOrderInput, Open311Attribute, WorkOrderDetail, WorkOrderSummary } from './hotline.schemas.ts';
export { STATUSES, STATUS_LABELS, FINISHED_STATUSES, type Status } from './hotline.transitions.ts';
export { computeMetrics, computeScorecards, type HotlineMetrics, type MetricEvent } from './hotline.metrics.ts';

export const hotlineModule = defineModule({
  name: 'hotline',
  migrations: { owner: 'hotline', dir: fileURLToPath(new URL('./migrations/', import.meta.url)) },
  routes: hotlineRoutes,
  jobs: registerHotlineJobs,
  async seed(platform, { log }) {
    // Categories are reference data the hotline cannot work without: loaded once, then the district's own.
    if ((await repo.countCategories(platform.db)) > 0) return;
    const rows: Parameters<typeof repo.upsertCategories>[1] = [];
    const byCode = new Map<string, (typeof rows)[number]>();
    for (const c of flattenCategories(CATEGORY_SEED)) {
      const parent = c.parentCode ? byCode.get(c.parentCode) : undefined;
      const row = {
        code: c.code,
        parent_code: c.parentCode,
        name: c.name,
        description: c.description ?? '',
        time_limit_days: c.timeLimitDays ?? null,
        default_unit_code: c.defaultUnitCode ?? parent?.default_unit_code ?? null,
        is_open_service: c.openService ?? false,
        is_location_required: c.isLocationRequired ?? parent?.is_location_required ?? false,
        attributes: c.attributes ?? [],
        keywords: c.keywords ?? [],
        sort: c.sort,
      };
      byCode.set(c.code, row);
      rows.push(row);
    }
    const now = platform.clock.now();
    await platform.db.tx(async (tx) => {
      await repo.upsertCategories(tx, rows, now);
      await writeAudit(tx, { actor: systemActor('seed'), action: 'hotline.category.import', objectType: 'hotline_category', at: now, data: { count: rows.length } });
    });
    forgetCategories(platform);
    log(`hotline: loaded ${rows.length} work order categories`);
  },
});
