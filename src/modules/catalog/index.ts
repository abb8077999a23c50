// catalog: the service catalogue (事项库) — what the government does on application, with the
// GB/T 39046 element set in immutable published versions, the power list (权责清单), bundles
// (一件事一次办), and the public guides and their search. Cases pin the item version they follow.
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../platform/module.ts';
import { systemActor } from '../../platform/audit.ts';
import { catalogRoutes } from './catalog.routes.ts';
import { ensureSearchIndex, importCatalogOnce } from './catalog-file.service.ts';
import { BUNDLE_CODES, DEMO_ITEM_CODES, demoCatalog } from './fixtures/demo-catalog.ts';

export { exportCatalog, importCatalog, ensureSearchIndex } from './catalog-file.service.ts';
export {
  getItemVersion,
  getPublishedItemVersion,
  getBundleGuide,
  getBundleVersion,
  searchCatalog,
  catalogStats,
} from './catalog.service.ts';
export { acceptsApplications, CODE_LISTS } from './catalog.codes.ts';
export { timeLimitCompressionRate, mergeBundleMaterials, combinedLimit } from './catalog.rules.ts';
export type { ItemVersion, ItemElements, BundleGuide, CatalogFile, TimeLimit, Material, MergedMaterial, FormField, CombinedLimit } from './catalog.schemas.ts';
/** The demo catalogue and the codes of its well-known items and bundles (for other modules' tests and demos). */
export { demoCatalog, DEMO_ITEM_CODES, BUNDLE_CODES };

export const catalogModule = defineModule({
  name: 'catalog',
  migrations: { owner: 'catalog', dir: fileURLToPath(new URL('./migrations/', import.meta.url)) },
  routes(app, platform) {
    catalogRoutes(app, platform);
  },
  // The catalogue is public reference data: seeded on every database, demo or not, through the
  // same import as `yiwang` catalogue files; a file already imported is not imported again.
  async seed(platform, { log }) {
    const summary = await importCatalogOnce(platform, demoCatalog(), { actor: systemActor('seed') });
    if (summary) log(`catalog: imported ${summary.items} items (${summary.versionsCreated} new versions) and ${summary.bundles} bundles`);
    if (await ensureSearchIndex(platform)) log('catalog: rebuilt the search index for the current synonym table');
  },
});
