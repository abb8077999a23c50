// dispatch: intelligent dispatch (智能派单). Reads the dispatch catalogue (duties, gazetteer, rules)
// from org, learns from the hotline's corrections and closed orders, and suggests the handling unit
// and street for a request with calibrated scores, explanations and an honest auto-dispatch threshold.
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../platform/module.ts';
import { dispatchRoutes } from './dispatch.routes.ts';
import { registerDispatchJobs } from './dispatch.jobs.ts';

export { dispatcherOf, loadCatalogue, type Dispatcher } from './dispatch.service.ts';
export { runDispatchCommand, evaluateCommand, DISPATCH_USAGE } from './dispatch.cli.ts';
export type { SuggestionResponse, DispatchStatus } from './dispatch.schemas.ts';

export const dispatchModule = defineModule({
  name: 'dispatch',
  migrations: { owner: 'dispatch', dir: fileURLToPath(new URL('./migrations/', import.meta.url)) },
  routes: dispatchRoutes,
  jobs: registerDispatchJobs,
});
