import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { systemActor } from '../../platform/audit.ts';
import { listWorkOrders } from '../hotline/index.ts';
import { DEMO_OPEN311_KEY } from './index.ts';
import { parseForm } from './open311.routes.ts';
import { checkMediaUrl, createApiClient, revokeApiClient } from './open311.service.ts';

// The GeoReport v2 API end to end, with every response validated against the published schemas.

const SCHEMAS = new URL('../../../../shared/fixtures/open311/', import.meta.url);
const hasSchemas = fs.existsSync(SCHEMAS);

/** Schemas for what the published set leaves out, written from the GeoReport v2 specification's field lists. */
const SPEC_SCHEMAS = {
  // "Service discovery": changeset, contact, key_service and the endpoints with their formats.
  'discovery.json': {
    type: 'object',
    required: ['changeset', 'contact', 'key_service', 'endpoints'],
    properties: {
      changeset: { type: 'string', format: 'date-time' },
      contact: { type: 'string', minLength: 1 },
      key_service: { type: 'string', minLength: 1 },
      endpoints: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['specification', 'url', 'changeset', 'type', 'formats'],
          properties: {
            specification: { type: 'string', format: 'uri' },
            url: { type: 'string', format: 'uri' },
            changeset: { type: 'string', format: 'date-time' },
            type: { enum: ['production', 'test'] },
            formats: { type: 'array', minItems: 1, items: { type: 'string' }, contains: { const: 'application/json' } },
          },
        },
      },
    },
  },
  // "Errors": a list of { code, description }, code the HTTP status.
  'errors.json': {
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      required: ['code', 'description'],
      additionalProperties: false,
      properties: { code: { type: 'integer', minimum: 400, maximum: 599 }, description: { type: 'string', minLength: 1 } },
    },
  },
  // POST requests answers service_request_id or token (or both) for each request.
  'request-response.json': {
    type: 'array',
    minItems: 1,
    items: { allOf: [{ $ref: 'swagger#/definitions/RequestResponse' }, { anyOf: [{ required: ['service_request_id'] }, { required: ['token'] }] }] },
  },
  'token-response.json': {
    type: 'array',
    minItems: 1,
    items: { allOf: [{ $ref: 'swagger#/definitions/TokenResponse' }, { required: ['service_request_id', 'token'] }] },
  },
};

function validators() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  // The Swagger description's own formats: uid (an identifier, any string) and uint.
  ajv.addFormat('uid', /./);
  ajv.addFormat('uint', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  for (const f of ['request.json', 'requests.json', 'service.json', 'services.json', 'service-definition.json']) {
    ajv.addSchema(JSON.parse(fs.readFileSync(new URL(f, SCHEMAS), 'utf8')), f);
  }
  const swagger = JSON.parse(fs.readFileSync(new URL('swagger.json', SCHEMAS), 'utf8'));
  ajv.addSchema({ definitions: swagger.definitions }, 'swagger');
  for (const [name, schema] of Object.entries(SPEC_SCHEMAS)) ajv.addSchema(schema, name);
  return (schema: string, data: unknown) => {
    const validate = ajv.getSchema(schema)!;
    assert.ok(validate(data), `${schema}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(data).slice(0, 500)}`);
  };
}

// Engines first: a test registered before a top-level await lets the runner finish before the
// suites below are declared (they were silently never run).
const ENGINES = await engines();

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

test('form keys attribute[x] and attribute[x][] become attribute values', () => {
  assert.deepEqual(parseForm('service_code=1002&attribute%5Bbin_type%5D=kitchen&attribute%5Bm%5D%5B%5D=a&attribute%5Bm%5D%5B%5D=b'), {
    service_code: '1002',
    attribute: { bin_type: 'kitchen', m: ['a', 'b'] },
  });
});

test('media_url: absolute http(s) links only, bounded, kept in their encoded form', () => {
  assert.equal(checkMediaUrl(undefined), null);
  assert.equal(checkMediaUrl('  '), null);
  assert.equal(checkMediaUrl('https://img.example.org/p/1.jpg'), 'https://img.example.org/p/1.jpg');
  assert.equal(checkMediaUrl('https://例子.中国/照片 1.jpg'), 'https://xn--fsqu00a.xn--fiqs8s/%E7%85%A7%E7%89%87%201.jpg');
  for (const bad of ['ftp://example.org/a.jpg', 'file:///etc/passwd', 'javascript:alert(1)', 'data:image/png;base64,AAAA', '/photos/1.jpg', 'https://user:secret@example.org/a.jpg', `https://example.org/${'a'.repeat(2000)}`]) {
    assert.throws(() => checkMediaUrl(bad), (e: { code?: string }) => e.code === 'OPEN311_MEDIA_URL_INVALID', bad);
  }
});

for (const engine of ENGINES) {
  describe(`Open311 GeoReport v2 on ${engine}`, { skip: hasSchemas ? false : 'shared Open311 schemas not present' }, () => {
    let t: TestApp;
    let check: ReturnType<typeof validators>;
    let ip = 0;
    before(async () => {
      t = await buildTestApp(engine);
      check = validators();
    });
    after(() => t.close());

    const get = (url: string) => t.app.inject({ method: 'GET', url });
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url: '/open311/v2/requests.json', payload: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
    /** A refusal: its status, the GeoReport error list (validated), its description and stable code. */
    const refused = (r: Awaited<ReturnType<typeof get>>, status: number, description: RegExp, code?: string) => {
      assert.equal(r.statusCode, status, r.body);
      const body = r.json();
      check('errors.json', body);
      assert.equal(body[0].code, status);
      assert.match(body[0].description, description);
      if (code) assert.equal(r.headers['x-error-code'], code);
    };
    const submitted = async (fields: Record<string, string>, headers: Record<string, string> = {}) => {
      const r = await post(fields, headers);
      assert.equal(r.statusCode, 200, r.body);
      check('request-response.json', r.json());
      return r.json()[0] as { service_request_id: string; token: string };
    };
    const base = { api_key: DEMO_OPEN311_KEY, service_code: '1002', description: '垃圾桶满了', address_string: '桂香路', 'attribute[bin_type]': 'household' };

    test('discovery, services and every service definition validate', async () => {
      const d = (await get('/open311/v2/discovery.json')).json();
      check('discovery.json', d);
      assert.equal(d.endpoints[0].specification, 'http://wiki.open311.org/GeoReport_v2');
      const services = (await get('/open311/v2/services.json')).json();
      check('services.json', services);
      assert.ok(services.length >= 5);
      const datatypes = new Set<string>();
      for (const s of services as { service_code: string; metadata: boolean }[]) {
        check('service.json', s);
        const r = await get(`/open311/v2/services/${s.service_code}.json`);
        assert.equal(r.statusCode, 200, r.body);
        const def = r.json();
        check('service-definition.json', def);
        assert.equal(def.service_code, s.service_code);
        assert.equal(def.attributes.length > 0, s.metadata, `${s.service_code}: metadata says whether there are attributes`);
        for (const a of def.attributes) {
          datatypes.add(a.datatype);
          if (a.datatype.endsWith('valuelist')) assert.ok(a.values?.length > 0, `${s.service_code}.${a.code} lists its values`);
        }
      }
      assert.ok(datatypes.has('singlevaluelist'), `typed attributes, among them a list: ${[...datatypes]}`);
      refused(await get('/open311/v2/services/NOPE.json'), 404, /not offered/, 'OPEN311_SERVICE_UNKNOWN');
    });

    test('a submitted request becomes a work order, idempotently, and follows it to closed', async () => {
      const fields = { api_key: DEMO_OPEN311_KEY, service_code: '1002', description: '桂香路公交站旁的垃圾桶满了两天没人清运', address_string: '云溪街道桂香路12号', 'attribute[bin_type]': 'household', first_name: '先生', last_name: '陈', phone: '13912345678' };
      const { service_request_id: id, token } = await submitted(fields, { 'idempotency-key': 'client-req-0001' });
      assert.match(id, /^YX\d{11}$/);
      const again = await submitted(fields, { 'idempotency-key': 'client-req-0001' });
      assert.equal(again.service_request_id, id, 'the same key never creates a second order');
      assert.equal(again.token, token);
      // The same key for different content is refused, not taken as a second order.
      refused(await post({ ...fields, description: '另一件事：桂香路路灯不亮' }, { 'idempotency-key': 'client-req-0001' }), 409, /different request/, 'IDEMPOTENCY_KEY_REUSED');
      // Without a key, the same text is a new request.
      assert.notEqual((await submitted(fields)).service_request_id, id);

      const one = (await get(`/open311/v2/requests/${id}.json`)).json();
      check('requests.json', one);
      assert.equal(one.length, 1);
      assert.equal(one[0].status, 'open');
      assert.equal(one[0].service_code, '1002');
      assert.equal(one[0].media_url, null);
      assert.ok(!JSON.stringify(one).includes('13912345678'), 'no personal data in the public API');
      const byToken = (await get(`/open311/v2/tokens/${token}.json`)).json();
      check('token-response.json', byToken);
      assert.deepEqual(byToken, [{ service_request_id: id, token }]);

      // Through the hotline's lifecycle: dispatch → sign → reply → callback → close.
      const agent = await login(t.app, 'agent');
      const handler = await login(t.app, 'handler');
      const orderId = (await t.app.inject({ method: 'GET', url: `/api/hotline/orders/${id}`, headers: agent.cookieOnly })).json().id;
      const act = async (who: typeof agent, path: string, payload?: object) => {
        const r = await t.app.inject({ method: 'POST', url: `/api/hotline/orders/${orderId}/${path}`, headers: who.headers, ...(payload ? { payload } : {}) });
        assert.equal(r.statusCode, 200, `${path}: ${r.body}`);
      };
      await act(agent, 'dispatch', { leadUnitCode: 'YX-CGJ' });
      await act(handler, 'sign');
      await act(handler, 'reply', { reply: '已安排环卫人员当天清运，并增加清运频次。' });
      await act(agent, 'callback', { isReached: true, isResolved: true, satisfaction: 'satisfied' });
      await act(agent, 'close', {});
      const closed = (await get(`/open311/v2/requests/${id}.json`)).json();
      check('requests.json', closed);
      assert.equal(closed[0].status, 'closed');
      assert.match(closed[0].agency_responsible, /城管/);
      assert.ok(closed[0].updated_datetime >= closed[0].requested_datetime);
    });

    test('identical submissions at once with one Idempotency-Key make one order and one token', async () => {
      const description = `湖畔路口的垃圾桶被撞倒了（同时提交 ${randomBytes(4).toString('hex')}）`;
      const fields = { ...base, description, media_url: 'https://img.example.org/bins/42.jpg' };
      const burst = await Promise.all(Array.from({ length: 8 }, () => post(fields, { 'idempotency-key': 'client-req-burst' })));
      assert.deepEqual(burst.map((r) => r.statusCode), Array(8).fill(200), burst.map((r) => r.body).join('\n'));
      for (const r of burst) check('request-response.json', r.json());
      assert.equal(new Set(burst.map((r) => r.json()[0].service_request_id)).size, 1);
      assert.equal(new Set(burst.map((r) => r.json()[0].token)).size, 1);
      // Counted in the hotline itself, not only in what the API answered.
      const orders = (await listWorkOrders(t.platform, { categoryCodes: ['1002'], limit: 1000 })).filter((o) => o.description === description);
      assert.equal(orders.length, 1);
      const [shown] = (await get(`/open311/v2/requests/${orders[0]!.number}.json`)).json();
      assert.equal(shown.media_url, fields.media_url);
      // A replay of that key with another media_url is a different request.
      refused(await post({ ...fields, media_url: 'https://img.example.org/bins/43.jpg' }, { 'idempotency-key': 'client-req-burst' }), 409, /different media_url/, 'IDEMPOTENCY_KEY_REUSED');
    });

    test('GET requests.json: each filter, and every answer validates', async () => {
      const tag = randomBytes(4).toString('hex');
      const a = await submitted({ api_key: DEMO_OPEN311_KEY, service_code: '1001', description: `井盖松动 ${tag}`, lat: '23.10', long: '113.30' });
      const b = await submitted({ ...base, description: `垃圾桶满了 ${tag}` });
      const c = await submitted({ ...base, description: `垃圾满溢 ${tag}`, address_string: '', address_id: 'YX-ADDR-0042' });
      const list = async (query: string) => {
        const r = await get(`/open311/v2/requests.json?${query}`);
        assert.equal(r.statusCode, 200, `${query}: ${r.body}`);
        check('requests.json', r.json());
        return (r.json() as { service_request_id: string; service_code: string; status: string; requested_datetime: string }[]);
      };
      const ids = (rows: { service_request_id: string }[]) => rows.map((r) => r.service_request_id);

      const picked = await list(`service_request_id=${a.service_request_id},${c.service_request_id}`);
      assert.deepEqual(ids(picked).sort(), [a.service_request_id, c.service_request_id].sort());
      const [located] = picked.filter((r) => r.service_request_id === a.service_request_id) as unknown as { lat: number; long: number }[];
      assert.deepEqual([located!.lat, located!.long], [23.1, 113.3]);

      const roads = await list('service_code=1001');
      assert.ok(roads.length > 0 && roads.every((r) => r.service_code === '1001'));
      assert.ok(ids(roads).includes(a.service_request_id) && !ids(roads).includes(b.service_request_id));
      const both = await list('service_code=1001,1002');
      assert.ok([a, b, c].every((x) => ids(both).includes(x.service_request_id)));

      const open = await list('status=open');
      assert.ok(open.every((r) => r.status === 'open') && ids(open).includes(b.service_request_id));
      const closed = await list('status=closed');
      assert.ok(closed.every((r) => r.status === 'closed') && !ids(closed).includes(b.service_request_id));

      // Dates: both ends included, to the millisecond.
      const [bRow] = await list(`service_request_id=${b.service_request_id}`);
      const at = Date.parse(bRow!.requested_datetime);
      const iso = (ms: number) => new Date(ms).toISOString();
      assert.ok(ids(await list(`start_date=${iso(at)}&end_date=${iso(at)}`)).includes(b.service_request_id));
      assert.ok(!ids(await list(`start_date=${iso(at + 1)}`)).includes(b.service_request_id));
      assert.ok(!ids(await list(`end_date=${iso(at - 1)}`)).includes(b.service_request_id));
      // A client that sends its key and jurisdiction on every call is not refused.
      assert.ok(ids(await list(`api_key=${DEMO_OPEN311_KEY}&jurisdiction_id=yunxi&service_request_id=${b.service_request_id}`)).includes(b.service_request_id));

      refused(await get('/open311/v2/requests.json?status=pending'), 400, /open or closed/, 'OPEN311_FIELD_INVALID');
      refused(await get('/open311/v2/requests.json?start_date=yesterday'), 400, /start_date/, 'OPEN311_FIELD_INVALID');
      refused(await get('/open311/v2/requests.json?colour=red'), 400, /unknown field colour/, 'OPEN311_FIELD_INVALID');
    });

    test('media_url: stored as a link, handed back, never fetched by the server', async () => {
      // A server standing in for a host inside the network: the API must never call it.
      let hits = 0;
      const inside = http.createServer((_req, res) => {
        hits++;
        res.end('secret');
      });
      await new Promise<void>((resolve) => inside.listen(0, '127.0.0.1', resolve));
      try {
        const mediaUrl = `http://127.0.0.1:${(inside.address() as AddressInfo).port}/admin/photo.jpg`;
        const { service_request_id: id } = await submitted({ ...base, description: '垃圾桶旁有人倾倒建筑垃圾，见照片', media_url: mediaUrl });
        const [one] = (await get(`/open311/v2/requests/${id}.json`)).json();
        assert.equal(one.media_url, mediaUrl);
        const listed = (await get(`/open311/v2/requests.json?service_request_id=${id}`)).json();
        check('requests.json', listed);
        assert.equal(listed[0].media_url, mediaUrl);
        assert.equal(hits, 0, 'the server never fetches a media_url');
      } finally {
        await new Promise((resolve) => inside.close(resolve));
      }

      // Normalised to a valid URI (the schema's format), non-ASCII percent-encoded.
      const { service_request_id: id2 } = await submitted({ ...base, description: '桂香路垃圾桶破损', media_url: 'https://图片.example.org/桂香路/1.jpg' });
      const shown = (await get(`/open311/v2/requests/${id2}.json`)).json();
      check('requests.json', shown);
      assert.match(shown[0].media_url, /^https:\/\/xn--[a-z0-9]+\.example\.org\/%E6%A1%82%E9%A6%99%E8%B7%AF\/1\.jpg$/);

      // Refused links create no order.
      const count = async () => (await listWorkOrders(t.platform, { categoryCodes: ['1002'], limit: 1000 })).length;
      const before = await count();
      for (const [mediaUrl, why] of [
        ['ftp://files.example.org/a.jpg', /http or https/],
        ['file:///etc/passwd', /http or https/],
        ['not a url', /absolute http or https URL/],
        ['https://me:pw@example.org/a.jpg', /user name or password/],
        [`https://example.org/${'x'.repeat(2001)}`, /longer than 2000/],
      ] as const) {
        refused(await post({ ...base, media_url: mediaUrl }), 400, why, 'OPEN311_MEDIA_URL_INVALID');
      }
      assert.equal(await count(), before);
    });

    test('photos citizens upload through the portal are not published by the API', async () => {
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]);
      const photo = await t.app.inject({ method: 'POST', url: '/api/hotline/public/photos', remoteAddress: `10.3.1.${++ip}`, headers: { 'content-type': 'image/png' }, payload: png });
      assert.equal(photo.statusCode, 201, photo.body);
      const order = await t.app.inject({
        method: 'POST', url: '/api/hotline/public/orders', remoteAddress: `10.3.2.${++ip}`,
        payload: { kind: 'complaint', categoryCode: '1001', description: '云溪路井盖缺失，夜里很危险（附照片）', address: '云溪路', caller: { phone: '13822224444' }, attachmentIds: [photo.json().id] },
      });
      assert.equal(order.statusCode, 201, order.body);
      const r = await get(`/open311/v2/requests/${order.json().number}.json`);
      check('requests.json', r.json());
      assert.equal(r.json()[0].media_url, null);
      assert.ok(!r.body.includes(photo.json().id), 'the photo is not named either');
      const listed = await get(`/open311/v2/requests.json?service_request_id=${order.json().number}`);
      assert.equal(listed.json()[0].media_url, null);
    });

    test('JSON bodies are accepted too, with the same checks', async () => {
      const json = (payload: unknown) => t.app.inject({ method: 'POST', url: '/open311/v2/requests.json', payload: payload as object });
      const r = await json({ api_key: DEMO_OPEN311_KEY, service_code: '1001', description: '湖畔公园门口有一堆垃圾', lat: 23.1, long: 113.3 });
      assert.equal(r.statusCode, 200, r.body);
      check('request-response.json', r.json());
      refused(await json({ api_key: DEMO_OPEN311_KEY, service_code: '1001', description: 123, lat: 23.1, long: 113.3 }), 400, /description must be string/, 'OPEN311_FIELD_INVALID');
      refused(await json({ api_key: DEMO_OPEN311_KEY, service_code: '1001', description: '垃圾', lat: { north: 1 }, long: 113.3 }), 400, /lat/, 'OPEN311_FIELD_INVALID');
      refused(await json([{ api_key: DEMO_OPEN311_KEY }]), 400, /must be object/, 'OPEN311_FIELD_INVALID');
      refused(await json({ api_key: DEMO_OPEN311_KEY, service_code: '1002', description: '垃圾', address_string: '桂香路', attribute: 'household' }), 400, /attribute must be object/, 'OPEN311_FIELD_INVALID');
      const typed = await json({ api_key: DEMO_OPEN311_KEY, service_code: '1002', description: '垃圾桶满了', address_string: '桂香路', attribute: { bin_type: 'household' } });
      assert.equal(typed.statusCode, 200, typed.body);
      const broken = await t.app.inject({ method: 'POST', url: '/open311/v2/requests.json', payload: '{"api_key": ', headers: { 'content-type': 'application/json' } });
      refused(broken, 400, /JSON/, 'OPEN311_REQUEST_MALFORMED');
    });

    test('bad submissions get GeoReport errors with 400/403/404, never a 500', async () => {
      const revoked = await createApiClient(t.platform, 'retired app', { actor: systemActor('test') });
      await revokeApiClient(t.platform, revoked.id, { actor: systemActor('test') });
      const cases: [Record<string, string>, number, RegExp, string][] = [
        [{ ...base, api_key: '' }, 403, /api_key is required/, 'OPEN311_API_KEY_REQUIRED'],
        [{ ...base, api_key: 'wrong' }, 403, /unknown or revoked/, 'OPEN311_API_KEY_INVALID'],
        [{ ...base, api_key: revoked.apiKey }, 403, /unknown or revoked/, 'OPEN311_API_KEY_INVALID'],
        [{ ...base, service_code: '' }, 400, /service_code is required/, 'OPEN311_FIELD_REQUIRED'],
        [{ ...base, service_code: 'NOPE' }, 400, /not offered/, 'OPEN311_SERVICE_UNKNOWN'],
        [{ ...base, description: '' }, 400, /description is required/, 'OPEN311_FIELD_REQUIRED'],
        [{ ...base, description: '   ' }, 400, /description is required/, 'OPEN311_FIELD_REQUIRED'],
        [{ ...base, description: '满'.repeat(4001) }, 400, /longer than 4000/, 'OPEN311_FIELD_INVALID'],
        [{ ...base, address_string: '' }, 400, /location is required/, 'OPEN311_LOCATION_REQUIRED'],
        [{ ...base, address_string: '', lat: '23.1' }, 400, /lat and long go together/, 'OPEN311_FIELD_INVALID'],
        [{ ...base, lat: 'north', long: '113' }, 400, /lat must be a number/, 'OPEN311_FIELD_INVALID'],
        [{ ...base, lat: '95', long: '113' }, 400, /lat must be between/, 'OPEN311_FIELD_INVALID'],
        [{ ...base, 'attribute[bin_type]': 'rocket' }, 400, /must be one of/, 'OPEN311_ATTRIBUTE_INVALID'],
        [{ ...base, 'attribute[colour]': 'red' }, 400, /not defined/, 'OPEN311_ATTRIBUTE_UNKNOWN'],
        [{ ...base, colour: 'red' }, 400, /unknown field colour/, 'OPEN311_FIELD_INVALID'],
      ];
      for (const [fields, status, message, code] of cases) refused(await post(fields), status, message, code);
      const multipart = await t.app.inject({ method: 'POST', url: '/open311/v2/requests.json', payload: '--x\r\n', headers: { 'content-type': 'multipart/form-data; boundary=x' } });
      refused(multipart, 415, /x-www-form-urlencoded.*json/, 'OPEN311_REQUEST_MALFORMED');
      refused(await get('/open311/v2/requests/YX00000000000.json'), 404, /not found/, 'OPEN311_REQUEST_UNKNOWN');
      refused(await get('/open311/v2/tokens/nosuchtoken.json'), 404, /not found/, 'OPEN311_TOKEN_UNKNOWN');
      refused(await get('/open311/v2/services.xml'), 404, /no GeoReport v2 resource/, 'OPEN311_NOT_FOUND');
    });
  });
}
