import { Type } from 'typebox';
import type { App } from '../../platform/http/server.ts';
import { actionContext } from '../../platform/http/server.ts';
import { errors } from '../../platform/http/schemas.ts';
import type { Platform } from '../../platform/module.ts';
import { ImportSummary, OrgUnitList } from './org.schemas.ts';
import { importDistrict, listOrgUnits } from './org.service.ts';

export function orgRoutes(app: App, platform: Platform) {
  app.get('/api/org/units', {
    config: { scope: 'public', audit: false },
    schema: {
      tags: ['org'],
      summary: 'The org tree in tree order (parents first); public, as a government directory is',
      querystring: Type.Object({ under: Type.Optional(Type.String({ maxLength: 300 })) }, { additionalProperties: false }),
      response: { 200: OrgUnitList },
    },
  }, async (req) => ({ items: await listOrgUnits(platform.db, req.query.under) }));

  app.post('/api/org/import', {
    config: { scope: 'org:write', audit: 'org.district.import' },
    bodyLimit: 10 * 1024 * 1024,
    schema: {
      tags: ['org'],
      summary: 'Import a district file (units, duties, gazetteer, dispatch rules)',
      body: Type.Object({}, { additionalProperties: true }),
      response: { 200: ImportSummary, ...errors(400, 401, 403) },
    },
  }, async (req) => importDistrict(platform.db, platform.clock, req.body, actionContext(req)));
}
