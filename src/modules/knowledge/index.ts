// knowledge: the 12345 knowledge base (知识库) — laws, policies, unit duties, service guides and FAQs,
// versioned (draft → published → superseded), with validity dates, searchable in Chinese. Agents
// answer consultations from it; the hotline records which article version an answer came from.
import { fileURLToPath } from 'node:url';
import { systemActor } from '../../platform/audit.ts';
import { defineModule } from '../../platform/module.ts';
import { DEMO_ARTICLES } from './fixtures/demo-articles.ts';
import { knowledgeJobs } from './knowledge.jobs.ts';
import { knowledgeRoutes } from './knowledge.routes.ts';
import { importArticles, reindexArticles, syncUnitDutyArticles } from './knowledge.service.ts';

export { getArticle, getArticleVersion, searchArticles, type ReadOptions, type SearchOptions } from './knowledge.service.ts';
export type { Article, ArticleKind, ArticleVersion, SearchHit, SearchResult } from './knowledge.schemas.ts';

export const knowledgeModule = defineModule({
  name: 'knowledge',
  migrations: { owner: 'knowledge', dir: fileURLToPath(new URL('./migrations/', import.meta.url)) },
  routes: knowledgeRoutes,
  jobs(platform) {
    knowledgeJobs(platform);
  },
  // Always seeded (not only in demo mode): the reference district's articles and one 单位职责
  // article per unit. Existing articles are left as editors made them.
  async seed(platform, { log }) {
    const ctx = { actor: systemActor('seed') };
    await reindexArticles(platform);
    const created = await importArticles(platform, DEMO_ARTICLES, ctx, 'demo:');
    const duties = await syncUnitDutyArticles(platform, ctx);
    if (created || duties.created || duties.updated) {
      log(`knowledge: ${created} articles, ${duties.created} unit duty articles created, ${duties.updated} updated`);
    }
  },
});
