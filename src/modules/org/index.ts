// org: the district's org tree (district → departments, streets/towns → communities), its dispatch
// catalogue (duties, gazetteer, rules), and who may do what: accounts, role grants on units,
// sessions and API tokens. Every other module refers to people and units through this one.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineModule, type Platform } from '../../platform/module.ts';
import { systemActor } from '../../platform/audit.ts';
import { createAccounts, type Accounts } from './accounts.service.ts';
import { accountsRoutes } from './accounts.routes.ts';
import { orgRoutes } from './org.routes.ts';
import { importDistrict, listOrgUnits } from './org.service.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from './fixtures/demo.ts';
import * as accountsRepo from './accounts.repository.ts';
import * as orgRepo from './org.repository.ts';

export { createAccounts, type Accounts, importDistrict, listOrgUnits, DEMO_ACCOUNTS, DEMO_PASSWORD };
export { SESSION_COOKIE } from './accounts.routes.ts';
export type { OrgUnit } from './org.schemas.ts';
/** Read-only views other modules may use (dispatch reads the catalogue; hotline resolves units). */
export const orgViews = {
  findUnitByCode: orgRepo.findUnitByCode,
  listGazetteer: orgRepo.listGazetteer,
  listDispatchRules: orgRepo.listDispatchRules,
  latestDistrictImport: orgRepo.latestDistrictImport,
};

export const DEMO_DISTRICT_FILE = fileURLToPath(new URL('./fixtures/yunxi-district.json', import.meta.url));

/** The accounts service is per platform instance (it holds the login throttle). */
const accountsByPlatform = new WeakMap<Platform, Accounts>();
export function accountsOf(platform: Platform): Accounts {
  let a = accountsByPlatform.get(platform);
  if (!a) accountsByPlatform.set(platform, (a = createAccounts(platform)));
  return a;
}

export const orgModule = defineModule({
  name: 'org',
  migrations: { owner: 'org', dir: fileURLToPath(new URL('./migrations/', import.meta.url)) },
  routes(app, platform) {
    orgRoutes(app, platform);
    accountsRoutes(app, platform, accountsOf(platform));
  },
  async seed(platform, { demo, log }) {
    const ctx = { actor: systemActor('seed') };
    if (!(await orgRepo.findUnitByCode(platform.db, 'YX'))) {
      const summary = await importDistrict(platform.db, platform.clock, JSON.parse(fs.readFileSync(DEMO_DISTRICT_FILE, 'utf8')), ctx);
      log(`org: imported ${summary.district} (${summary.units} units, ${summary.gazetteerEntries} gazetteer entries, ${summary.dispatchRules} dispatch rules)`);
    }
    if (!demo) return;
    const accounts = accountsOf(platform);
    let created = 0;
    for (const d of DEMO_ACCOUNTS) {
      if (d.kind === 'staff') {
        if (await accountsRepo.findAccountByUsername(platform.db, d.username)) continue;
        await accounts.createStaff({ username: d.username, displayName: d.displayName, password: DEMO_PASSWORD, grants: [{ role: d.role, unitCode: d.unitCode }] }, ctx);
      } else {
        try {
          await accounts.register({ kind: d.kind, phone: d.phone, password: DEMO_PASSWORD, displayName: d.displayName, idNumber: d.idNumber, uscc: d.uscc }, ctx);
        } catch (err) {
          if ((err as { code?: string }).code !== 'ACCOUNT_EXISTS') throw err;
          continue;
        }
      }
      created += 1;
    }
    if (created) log(`org: created ${created} demo accounts`);
  },
});
