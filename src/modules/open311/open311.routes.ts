import { Type } from 'typebox';
import type { FastifyError } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../platform/http/server.ts';
import { actionContext } from '../../platform/http/server.ts';
import { errors } from '../../platform/http/schemas.ts';
import { AppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/module.ts';
import {
  createApiClient,
  findRequest,
  findRequests,
  findToken,
  listServices,
  revokeApiClient,
  serviceDefinition,
  submitRequest,
  type SubmitFields,
} from './open311.service.ts';

// GeoReport v2 speaks its own dialect: `.json` paths, form-encoded POSTs, and errors as a list of
// { code, description } with the HTTP status as `code`. This plugin scope keeps that dialect here.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Open311Errors = Type.Array(Type.Object({ code: Type.Integer(), description: Type.String() }));
const errs = { 400: Open311Errors, 403: Open311Errors, 404: Open311Errors };

const Service = Type.Object({
  service_code: Type.String(), service_name: Type.String(), description: Nullable(Type.String()), metadata: Type.Boolean(),
  type: Type.String(), keywords: Nullable(Type.String()), group: Nullable(Type.String()),
});
const Request = Type.Object({
  service_request_id: Type.String(), status: Type.String(), status_notes: Nullable(Type.String()), service_name: Nullable(Type.String()),
  service_code: Type.String(), description: Nullable(Type.String()), agency_responsible: Nullable(Type.String()), service_notice: Nullable(Type.String()),
  requested_datetime: Type.String(), updated_datetime: Nullable(Type.String()), expected_datetime: Nullable(Type.String()), address: Nullable(Type.String()),
  address_id: Nullable(Type.String()), zipcode: Nullable(Type.String()), lat: Nullable(Type.Number()), long: Nullable(Type.Number()), media_url: Nullable(Type.String()),
});

/** `attribute[code]=v` and `attribute[code][]=v` form keys into { attribute: { code: v | v[] } }. */
export function parseForm(body: string): SubmitFields {
  const out: Record<string, unknown> & { attribute?: Record<string, string | string[]> } = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const m = /^attribute\[([^\]]+)\](\[\])?$/.exec(key);
    if (m) {
      out.attribute ??= {};
      const prev = out.attribute[m[1]!];
      out.attribute[m[1]!] = m[2] || prev !== undefined ? [...(prev === undefined ? [] : [prev].flat()), value] : value;
    } else out[key] = value;
  }
  return out as SubmitFields;
}

export function open311Routes(app: App, platform: Platform) {
  app.register(
    async (plain) => {
      const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
        done(null, parseForm(body as string));
      });
      scope.setErrorHandler((err: FastifyError | AppError, req, reply) => {
        const status = err instanceof AppError ? err.status : (err as FastifyError).validation ? 400 : ((err as FastifyError).statusCode ?? 500);
        if (status >= 500) req.log.error({ err }, 'open311 error');
        const description = status >= 500 ? 'internal error' : err.message;
        return reply.status(status >= 500 ? 500 : status).send([{ code: status, description }]);
      });

      scope.get('/discovery.json', {
        config: { scope: 'public', audit: false },
        schema: { tags: ['open311'], summary: 'GeoReport v2 discovery' },
      }, async (req) => {
        const base = `${req.protocol}://${req.host}/open311/v2`;
        return {
          changeset: '2026-11-22T00:00:00Z',
          contact: '12345 政务服务便民热线 — 云溪区政务服务数据管理局',
          key_service: 'API keys are issued by the district administrator (POST /api/open311/clients)',
          endpoints: [{ specification: 'http://wiki.open311.org/GeoReport_v2', url: base, changeset: '2026-11-22T00:00:00Z', type: 'production', formats: ['application/json'] }],
        };
      });

      scope.get('/services.json', {
        config: { scope: 'public', audit: false },
        schema: { tags: ['open311'], summary: 'Service types offered (hotline categories open to the public)', response: { 200: Type.Array(Service) } },
      }, async () => listServices(platform));

      scope.get('/services/:code.json', {
        config: { scope: 'public', audit: false },
        schema: { tags: ['open311'], summary: 'A service definition with its typed attributes', params: Type.Object({ code: Type.String({ maxLength: 64 }) }), response: { 200: Type.Object({ service_code: Type.String(), attributes: Type.Array(Type.Unknown()) }), ...errs } },
      }, async (req) => serviceDefinition(platform, req.params.code));

      scope.post('/requests.json', {
        config: { scope: 'public', audit: 'hotline.work_order.create' },
        schema: {
          tags: ['open311'],
          summary: 'Submit a service request (form-encoded or JSON; api_key required; Idempotency-Key honoured)',
          headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
          response: { 200: Type.Array(Type.Object({ service_request_id: Type.String(), token: Type.String(), service_notice: Nullable(Type.String()), account_id: Nullable(Type.String()) })), ...errs },
        },
      }, async (req) => {
        const body = (req.body ?? {}) as SubmitFields;
        if (typeof body !== 'object' || Array.isArray(body)) throw new AppError('OPEN311_FIELD_INVALID', 'the body must be form fields or a JSON object', 400);
        const key = req.headers['idempotency-key'];
        return submitRequest(platform, body, typeof key === 'string' ? key : undefined, actionContext(req));
      });

      scope.get('/requests.json', {
        config: { scope: 'public', audit: false },
        schema: {
          tags: ['open311'],
          summary: 'Query requests (service_request_id list, service_code, start_date, end_date, status)',
          querystring: Type.Object({
            service_request_id: Type.Optional(Type.String({ maxLength: 2000 })), service_code: Type.Optional(Type.String({ maxLength: 500 })),
            start_date: Type.Optional(Type.String({ maxLength: 40 })), end_date: Type.Optional(Type.String({ maxLength: 40 })),
            status: Type.Optional(Type.String({ maxLength: 20 })), jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })),
          }, { additionalProperties: false }),
          response: { 200: Type.Array(Request), ...errs },
        },
      }, async (req) => findRequests(platform, req.query));

      scope.get('/requests/:id.json', {
        config: { scope: 'public', audit: false },
        schema: { tags: ['open311'], summary: 'One request by its service_request_id', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Type.Array(Request), ...errs } },
      }, async (req) => findRequest(platform, req.params.id));

      scope.get('/tokens/:token.json', {
        config: { scope: 'public', audit: false },
        schema: { tags: ['open311'], summary: 'The service_request_id behind a submission token', params: Type.Object({ token: Type.String({ maxLength: 64 }) }), response: { 200: Type.Array(Type.Object({ service_request_id: Type.String(), token: Type.String() })), ...errs } },
      }, async (req) => findToken(platform, req.params.token));
    },
    { prefix: '/open311/v2' },
  );

  app.post('/api/open311/clients', {
    config: { scope: 'tokens:write', audit: 'open311.client.create' },
    schema: {
      tags: ['open311'],
      summary: 'Issue an Open311 API key for a client system (shown once)',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.String(), name: Type.String(), apiKey: Type.String() }), ...errors(400, 401, 403) },
    },
  }, async (req, reply) => reply.status(201).send(await createApiClient(platform, req.body.name, actionContext(req))));

  app.delete('/api/open311/clients/:id', {
    config: { scope: 'tokens:write', audit: 'open311.client.revoke' },
    schema: { tags: ['open311'], summary: 'Revoke an Open311 API key', params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 204: Type.Null(), ...errors(401, 403) } },
  }, async (req, reply) => {
    await revokeApiClient(platform, req.params.id, actionContext(req));
    return reply.status(204).send(null);
  });
}
