import type { Principal } from '../../platform/auth/roles.ts';
import type { App } from '../../platform/http/server.ts';
import { actionContext } from '../../platform/http/server.ts';
import { errors } from '../../platform/http/schemas.ts';
import type { Platform } from '../../platform/module.ts';
import {
  Article,
  ArticleIdParams,
  ArticleVersion,
  ArticleVersionParams,
  CreateArticleBody,
  PublicArticle,
  PublicSearchQuery,
  PublishArticleBody,
  RetireArticleBody,
  SearchQuery,
  SearchResult,
  UpdateArticleBody,
} from './knowledge.schemas.ts';
import {
  createArticle,
  getArticle,
  getArticleVersion,
  getPublicArticle,
  publishArticle,
  retireArticle,
  searchArticles,
  updateArticle,
} from './knowledge.service.ts';

// Agents (hotline:use) read the whole knowledge base; editors (knowledge:write) also see drafts and
// change articles; the portal reads articles marked public, without signing in.

const isEditor = (p: Principal | undefined) => !!p?.permissions.has('knowledge:write');

export function knowledgeRoutes(app: App, platform: Platform) {
  const tags = ['knowledge'];

  app.get('/api/knowledge/articles', {
    config: { scope: 'hotline:use', audit: false },
    schema: {
      tags,
      summary: 'Search published articles (ranked, with highlighted snippets); without q, newest first',
      querystring: SearchQuery,
      response: { 200: SearchResult, ...errors(400, 401, 403) },
    },
  }, async (req) => {
    const { q, ...opts } = req.query;
    return searchArticles(platform, q, opts);
  });

  app.get('/api/knowledge/articles/:id', {
    config: { scope: 'hotline:use', audit: false },
    schema: { tags, summary: 'An article: current version and version history', params: ArticleIdParams, response: { 200: Article, ...errors(401, 403, 404) } },
  }, async (req) => getArticle(platform, req.params.id, { includeDrafts: isEditor(req.principal) }));

  app.get('/api/knowledge/articles/:id/versions/:version', {
    config: { scope: 'hotline:use', audit: false },
    schema: { tags, summary: 'One version of an article as it was published', params: ArticleVersionParams, response: { 200: ArticleVersion, ...errors(400, 401, 403, 404) } },
  }, async (req) => getArticleVersion(platform, req.params.id, req.params.version, { includeDrafts: isEditor(req.principal) }));

  app.post('/api/knowledge/articles', {
    config: { scope: 'knowledge:write', audit: 'knowledge.article.create' },
    schema: { tags, summary: 'Create an article as a draft', body: CreateArticleBody, response: { 201: Article, ...errors(400, 401, 403) } },
  }, async (req, reply) => reply.status(201).send(await createArticle(platform, req.body, actionContext(req))));

  app.put('/api/knowledge/articles/:id', {
    config: { scope: 'knowledge:write', audit: 'knowledge.article.update' },
    schema: {
      tags,
      summary: 'Write a new text: rewrites the open draft, or opens the next version as a draft',
      params: ArticleIdParams,
      body: UpdateArticleBody,
      response: { 200: Article, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (req) => updateArticle(platform, req.params.id, req.body, actionContext(req)));

  app.post('/api/knowledge/articles/:id/publish', {
    config: { scope: 'knowledge:write', audit: 'knowledge.article.publish' },
    schema: {
      tags,
      summary: 'Publish the draft (name its version); the previously published version is superseded',
      params: ArticleIdParams,
      body: PublishArticleBody,
      response: { 200: Article, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (req) => publishArticle(platform, req.params.id, req.body, actionContext(req)));

  app.post('/api/knowledge/articles/:id/retire', {
    config: { scope: 'knowledge:write', audit: 'knowledge.article.retire' },
    schema: { tags, summary: 'Withdraw the published version (kept in the history)', params: ArticleIdParams, body: RetireArticleBody, response: { 200: Article, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => retireArticle(platform, req.params.id, req.body.reason, actionContext(req)));

  app.get('/api/public/knowledge', {
    config: { scope: 'public', audit: false },
    schema: {
      tags,
      summary: 'Search the public articles in force (portal FAQ and guides)',
      querystring: PublicSearchQuery,
      response: { 200: SearchResult, ...errors(400) },
    },
  }, async (req) => {
    const { q, ...opts } = req.query;
    return searchArticles(platform, q, { ...opts, publicOnly: true, includeExpired: false });
  });

  app.get('/api/public/knowledge/:id', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: 'A public article in force', params: ArticleIdParams, response: { 200: PublicArticle, ...errors(400, 404) } },
  }, async (req) => getPublicArticle(platform, req.params.id));
}
