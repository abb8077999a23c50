// cases: applications (办件) against the catalogue's item versions — online, at the one window and
// by mail, single items and bundles (一件事) — through their lifecycle under the 行政许可法 with
// statutory deadlines on the working-day calendar, content-addressed materials, notices, metrics
// and the GB/T 39046 exchange export.
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../platform/module.ts';
import { orgViews } from '../org/index.ts';
import { registerCasesJobs } from './cases.jobs.ts';
import { casesRoutes, readAttachment, storeAttachment } from './cases.routes.ts';
import { RECEIVING_UNIT_SETTING } from './cases.service.ts';
import * as repo from './cases.repository.ts';
import { runtimeOf } from './cases.runtime.ts';
import { DEMO_RECEIVING_UNIT } from './fixtures/demo-settings.ts';

export { configureCases, runtimeOf as casesRuntimeOf } from './cases.runtime.ts';
export { sweepDeadlines } from './cases.lifecycle.ts';
export { computeCaseMetrics, exportCases, exportItems } from './cases.reports.ts';
export { LocalFileStore, S3FileStore, type FileStore, type FileLimits } from './cases.files.ts';
export type { MessageAdapter } from './cases.notify.ts';
/** Files outside a case (the hotline's photos): checked, hashed and stored like materials. */
export { storeAttachment };
export const casesViews = {
  findAttachment: repo.findAttachment,
  readAttachment,
};

export const casesModule = defineModule({
  name: 'cases',
  migrations: { owner: 'cases', dir: fileURLToPath(new URL('./migrations/', import.meta.url)) },
  async routes(app, platform) {
    await casesRoutes(app, platform);
  },
  jobs(platform) {
    runtimeOf(platform); // a wrong file-store setting stops the start, not the first upload
    registerCasesJobs(platform);
  },
  // The reference district's one window receives online applications; other districts set theirs
  // with PUT /api/cases/settings/receiving-unit.
  async seed(platform, { log }) {
    if (await repo.getSetting(platform.db, RECEIVING_UNIT_SETTING)) return;
    if (!(await orgViews.findUnitByCode(platform.db, DEMO_RECEIVING_UNIT))) return;
    await repo.putSetting(platform.db, RECEIVING_UNIT_SETTING, DEMO_RECEIVING_UNIT, platform.clock.now());
    log(`cases: online applications are received by ${DEMO_RECEIVING_UNIT}`);
  },
});
