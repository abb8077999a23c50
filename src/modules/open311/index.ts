// open311: the Open311 GeoReport v2 API (/open311/v2/…) over the 12345 hotline, so apps and other
// systems can list service types, submit requests and follow them. Requests become work orders.
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../platform/module.ts';
import { systemActor } from '../../platform/audit.ts';
import { open311Routes } from './open311.routes.ts';
import { createApiClient, hasClientWithKey } from './open311.service.ts';

/** The demo client key, listed in the README; created only with the demo accounts (embedded demo mode). */
export const DEMO_OPEN311_KEY = 'demo-open311-key';

export const open311Module = defineModule({
  name: 'open311',
  migrations: { owner: 'open311', dir: fileURLToPath(new URL('./migrations/', import.meta.url)) },
  routes: open311Routes,
  async seed(platform, { demo, log }) {
    if (!demo || (await hasClientWithKey(platform, DEMO_OPEN311_KEY))) return;
    await createApiClient(platform, '演示客户端 demo client', { actor: systemActor('seed') }, DEMO_OPEN311_KEY);
    log(`open311: demo API key ${DEMO_OPEN311_KEY}`);
  },
});
