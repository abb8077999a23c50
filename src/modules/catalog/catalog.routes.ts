import { Type } from 'typebox';
import type { App } from '../../platform/http/server.ts';
import { actionContext } from '../../platform/http/server.ts';
import { errors } from '../../platform/http/schemas.ts';
import type { Platform } from '../../platform/module.ts';
import { CODE_LISTS } from './catalog.codes.ts';
import {
  BundleGuide,
  BundleSummary,
  CatalogFile,
  CatalogStats,
  CreateItemBody,
  DateText,
  Guide,
  ImportSummary,
  ItemCode,
  ItemElements,
  ItemListEntry,
  ItemVersion,
  PowerEntry,
  SearchReply,
  VersionSummary,
} from './catalog.schemas.ts';
import * as service from './catalog.service.ts';
import { exportCatalog, importCatalog } from './catalog-file.service.ts';

const CodeParams = Type.Object({ code: ItemCode });
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export function catalogRoutes(app: App, platform: Platform) {
  // ------------------------------------------------------------ public: guides and search

  app.get('/api/public/items', {
    config: { scope: 'public', audit: false },
    schema: {
      tags: ['catalog'],
      summary: 'Search the service guides (ranked; without q, browse everything in force)',
      querystring: Type.Object(
        {
          q: Type.Optional(Type.String({ maxLength: 100 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          offset: Type.Integer({ minimum: 0, maximum: 10000, default: 0 }),
        },
        { additionalProperties: false },
      ),
      response: { 200: SearchReply, ...errors(400) },
    },
  }, async (req) => service.searchCatalog(platform, req.query));

  app.get('/api/public/items/:code', {
    config: { scope: 'public', audit: false },
    schema: { tags: ['catalog'], summary: 'The guide (办事指南) of an item: its published version in force today', params: CodeParams, response: { 200: Guide, ...errors(400, 404) } },
  }, async (req) => service.getGuide(platform, req.params.code));

  app.get('/api/public/bundles', {
    config: { scope: 'public', audit: false },
    schema: { tags: ['catalog'], summary: 'Bundles (一件事一次办) in force today', response: { 200: Type.Object({ items: Type.Array(BundleSummary) }) } },
  }, async () => ({ items: await service.listBundles(platform) }));

  app.get('/api/public/bundles/:code', {
    config: { scope: 'public', audit: false },
    schema: {
      tags: ['catalog'],
      summary: 'A bundle: its items, one merged set of materials, one form, the combined deadline',
      params: CodeParams,
      response: { 200: BundleGuide, ...errors(400, 404, 409) },
    },
  }, async (req) => service.getBundleGuide(platform, req.params.code));

  app.get('/api/public/power-list', {
    config: { scope: 'public', audit: false },
    schema: {
      tags: ['catalog'],
      summary: 'The power list (权责清单), public by law; filter by unit or A.1 type',
      querystring: Type.Object(
        { unitCode: Type.Optional(Type.String({ maxLength: 64 })), typeCode: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })) },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ items: Type.Array(PowerEntry) }), ...errors(400) },
    },
  }, async (req) => ({ items: await service.listPowerList(platform, req.query) }));

  app.get('/api/public/catalog/codes', {
    config: { scope: 'public', audit: false },
    schema: {
      tags: ['catalog'],
      summary: 'The code lists (GB/T 39046 A.1–A.8 and the guide template’s) with Chinese names',
      response: {
        200: Type.Object({
          lists: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), codes: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })) })),
        }),
      },
    },
  }, async () => ({ lists: CODE_LISTS.map((l) => ({ id: l.id, name: l.name, codes: l.entries.map(([code, name]) => ({ code, name })) })) }));

  app.get('/api/public/catalog/stats', {
    config: { scope: 'public', audit: false },
    schema: { tags: ['catalog'], summary: 'Figures of the catalogue in force today, including 时限压缩率', response: { 200: CatalogStats } },
  }, async () => service.catalogStats(platform));

  // ------------------------------------------------------------ staff: editing and versions

  app.get('/api/catalog/items', {
    config: { scope: 'catalog:write', audit: false },
    schema: { tags: ['catalog'], summary: 'Every item with its latest version and the version in force', response: { 200: Type.Object({ items: Type.Array(ItemListEntry) }), ...errors(401, 403) } },
  }, async () => ({ items: await service.listItems(platform) }));

  app.post('/api/catalog/items', {
    config: { scope: 'catalog:write', audit: 'catalog.item.create' },
    schema: { tags: ['catalog'], summary: 'Create an item with its first version as a draft', body: CreateItemBody, response: { 201: ItemVersion, ...errors(400, 401, 403, 409) } },
  }, async (req, reply) => reply.status(201).send(await service.createItem(platform, req.body, actionContext(req))));

  app.get('/api/catalog/items/:code/versions', {
    config: { scope: 'catalog:write', audit: false },
    schema: { tags: ['catalog'], summary: 'The versions of an item', params: CodeParams, response: { 200: Type.Object({ items: Type.Array(VersionSummary) }), ...errors(401, 403, 404) } },
  }, async (req) => ({ items: await service.listVersions(platform, req.params.code) }));

  app.post('/api/catalog/items/:code/versions', {
    config: { scope: 'catalog:write', audit: 'catalog.version.create' },
    schema: {
      tags: ['catalog'],
      summary: 'Start a new draft version (a copy of the latest unless elements are given)',
      params: CodeParams,
      body: Type.Object({ elements: Type.Optional(ItemElements) }, { additionalProperties: false }),
      response: { 201: ItemVersion, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (req, reply) => reply.status(201).send(await service.createDraftVersion(platform, req.params.code, req.body.elements, actionContext(req))));

  app.post('/api/catalog/items/:code/cancel', {
    config: { scope: 'catalog:review', audit: 'catalog.item.cancel' },
    schema: {
      tags: ['catalog'],
      summary: 'Cancel an item (事项取消) from a date; cases already filed keep their version',
      params: CodeParams,
      body: Type.Object({ date: DateText, reason: Type.String({ minLength: 2, maxLength: 500 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ code: Type.String(), cancelledOn: DateText }), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (req) => service.cancelItem(platform, req.params.code, req.body, actionContext(req)));

  app.get('/api/catalog/versions/:id', {
    config: { scope: 'catalog:write', audit: false },
    schema: { tags: ['catalog'], summary: 'One version by id, whatever its status', params: IdParams, response: { 200: ItemVersion, ...errors(401, 403, 404) } },
  }, async (req) => {
    const v = await service.getItemVersion(platform, req.params.id);
    if (!v) throw service.versionNotFound(req.params.id);
    return v;
  });

  app.put('/api/catalog/versions/:id', {
    config: { scope: 'catalog:write', audit: 'catalog.version.update' },
    schema: {
      tags: ['catalog'],
      summary: 'Edit a draft version',
      params: IdParams,
      body: Type.Object({ elements: ItemElements }, { additionalProperties: false }),
      response: { 200: ItemVersion, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (req) => service.updateDraft(platform, req.params.id, req.body.elements, actionContext(req)));

  app.post('/api/catalog/versions/:id/submit', {
    config: { scope: 'catalog:write', audit: 'catalog.version.submit' },
    schema: { tags: ['catalog'], summary: 'Submit a draft for review', params: IdParams, response: { 200: ItemVersion, ...errors(401, 403, 404, 409) } },
  }, async (req) => service.submitVersion(platform, req.params.id, actionContext(req)));

  app.post('/api/catalog/versions/:id/return', {
    config: { scope: 'catalog:review', audit: 'catalog.version.return' },
    schema: {
      tags: ['catalog'],
      summary: 'Return a version in review to its author, with the reason',
      params: IdParams,
      body: Type.Object({ reason: Type.String({ minLength: 2, maxLength: 500 }) }, { additionalProperties: false }),
      response: { 200: ItemVersion, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (req) => service.returnVersion(platform, req.params.id, req.body.reason, actionContext(req)));

  app.post('/api/catalog/versions/:id/publish', {
    config: { scope: 'catalog:review', audit: 'catalog.version.publish' },
    schema: {
      tags: ['catalog'],
      summary: 'Publish a reviewed version from a date (today or later)',
      params: IdParams,
      body: Type.Object({ effectiveFrom: DateText }, { additionalProperties: false }),
      response: { 200: ItemVersion, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (req) => service.publishVersion(platform, req.params.id, req.body.effectiveFrom, actionContext(req)));

  // Reviewers (catalog:review without catalog:write, e.g. 督办) read what they are asked to publish,
  // return or cancel: the same lists and versions as the editors, under their own scope.
  app.get('/api/catalog/review/items', {
    config: { scope: 'catalog:review', audit: false },
    schema: { tags: ['catalog'], summary: 'Every item with its latest version and the version in force (for reviewers)', response: { 200: Type.Object({ items: Type.Array(ItemListEntry) }), ...errors(401, 403) } },
  }, async () => ({ items: await service.listItems(platform) }));

  app.get('/api/catalog/review/items/:code/versions', {
    config: { scope: 'catalog:review', audit: false },
    schema: { tags: ['catalog'], summary: 'The versions of an item (for reviewers)', params: CodeParams, response: { 200: Type.Object({ items: Type.Array(VersionSummary) }), ...errors(401, 403, 404) } },
  }, async (req) => ({ items: await service.listVersions(platform, req.params.code) }));

  app.get('/api/catalog/review/versions/:id', {
    config: { scope: 'catalog:review', audit: false },
    schema: { tags: ['catalog'], summary: 'One version by id, whatever its status (for reviewers)', params: IdParams, response: { 200: ItemVersion, ...errors(401, 403, 404) } },
  }, async (req) => {
    const v = await service.getItemVersion(platform, req.params.id);
    if (!v) throw service.versionNotFound(req.params.id);
    return v;
  });

  // ------------------------------------------------------------ import / export

  app.get('/api/catalog/export', {
    config: { scope: 'catalog:write', audit: false },
    schema: { tags: ['catalog'], summary: 'The whole catalogue as JSON (the import format)', response: { 200: CatalogFile, ...errors(401, 403) } },
  }, async () => exportCatalog(platform));

  app.post('/api/catalog/import', {
    config: { scope: 'catalog:write', audit: 'catalog.import' },
    bodyLimit: 20 * 1024 * 1024,
    schema: {
      tags: ['catalog'],
      summary: 'Import a catalogue file: adds and updates; published versions never change',
      body: Type.Object({}, { additionalProperties: true }),
      response: { 200: ImportSummary, ...errors(400, 401, 403, 409) },
    },
  }, async (req) => importCatalog(platform, req.body, actionContext(req)));
}
