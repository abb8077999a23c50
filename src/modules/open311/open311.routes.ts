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
  Open311Error,
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

const Text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const Coordinate = Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Number()]));
/**
 * The GeoReport v2 submission fields, form-encoded (every value text) or JSON. Types and sizes are
 * checked here so that nothing malformed reaches the service; what the fields mean (a location,
 * a known service, attribute values, the media_url) is the service's to check, with its own codes.
 */
const SubmitBody = Type.Object(
  {
    api_key: Text(200), jurisdiction_id: Text(100), service_code: Text(64),
    lat: Coordinate, long: Coordinate, address_string: Text(300), address_id: Text(100),
    email: Text(254), device_id: Text(200), account_id: Text(200), first_name: Text(25), last_name: Text(25), phone: Text(20),
    description: Text(8000),
    // No size here: an over-long link gets OPEN311_MEDIA_URL_INVALID from the service (the body limit bounds it).
    media_url: Type.Optional(Type.String()),
    attribute: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 })]))),
  },
  { additionalProperties: false },
);

const Discovery = Type.Object({
  changeset: Type.String(), contact: Type.String(), key_service: Type.String(),
  endpoints: Type.Array(Type.Object({ specification: Type.String(), url: Type.String(), changeset: Type.String(), type: Type.String(), formats: Type.Array(Type.String()) })),
});

/** A schema failure in words a client can act on: the field and what is wrong with it. */
function describeValidation(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return err.message;
  const params = first.params as { additionalProperty?: string };
  if (params.additionalProperty) return `unknown field ${params.additionalProperty}`;
  const field = first.instancePath.replace(/^\//, '').replace(/\//g, '.') || (err.validationContext ?? 'request');
  return `${field} ${first.message ?? 'is invalid'}`;
}

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
      // The GeoReport error list carries only the HTTP status and a description; the stable code
      // (docs/error-codes.md) goes in the X-Error-Code header and the log.
      scope.setErrorHandler((err: FastifyError | AppError, req, reply) => {
        const isValidation = !(err instanceof AppError) && !!(err as FastifyError).validation;
        const status = err instanceof AppError ? err.status : isValidation ? 400 : ((err as FastifyError).statusCode ?? 500);
        if (status >= 500) {
          req.log.error({ err }, 'open311 error');
          return reply.status(500).header('x-error-code', 'INTERNAL').send([{ code: 500, description: 'internal error' }]);
        }
        // Fastify's own refusals (malformed JSON, an unsupported content type, an oversized body).
        const code = err instanceof AppError ? err.code : isValidation ? 'OPEN311_FIELD_INVALID' : 'OPEN311_REQUEST_MALFORMED';
        req.log.info({ code, status }, 'open311 request refused');
        const description = isValidation
          ? describeValidation(err as FastifyError)
          : status === 415 ? 'send the fields form-encoded (application/x-www-form-urlencoded) or as JSON (application/json)' : err.message;
        return reply.status(status).header('x-error-code', code).send([{ code: status, description }]);
      });
      const noResource = (method: string, url: string) =>
        new Open311Error(404, 'OPEN311_NOT_FOUND', `no GeoReport v2 resource at ${method} ${url.split('?')[0]} (only .json is offered)`);
      scope.setNotFoundHandler((req, reply) => {
        reply.status(404).header('x-error-code', 'OPEN311_NOT_FOUND').send([{ code: 404, description: noResource(req.method, req.url).message }]);
      });
      // The web app answers every other GET path with its page; under /open311/v2 an unknown path is an API 404.
      scope.get('/*', { config: { scope: 'public', audit: false }, schema: { hide: true } }, async (req) => {
        throw noResource(req.method, req.url);
      });

      scope.get('/discovery.json', {
        config: { scope: 'public', audit: false },
        schema: { tags: ['open311'], summary: 'GeoReport v2 discovery', response: { 200: Discovery } },
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
          body: SubmitBody,
          response: { 200: Type.Array(Type.Object({ service_request_id: Type.String(), token: Type.String(), service_notice: Type.String(), account_id: Type.Optional(Type.String()) })), ...errs },
        },
      }, async (req) => {
        const body: SubmitFields = req.body;
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
            // Clients commonly send their key on every call; reading requests needs none.
            api_key: Type.Optional(Type.String({ maxLength: 200 })),
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
