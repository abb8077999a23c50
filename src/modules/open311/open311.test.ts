import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { DEMO_OPEN311_KEY } from './index.ts';
import { parseForm } from './open311.routes.ts';

// The GeoReport v2 API end to end, with every response validated against the published JSON Schemas.

const SCHEMAS = new URL('../../../../shared/fixtures/open311/', import.meta.url);
const hasSchemas = fs.existsSync(SCHEMAS);

function validators() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  for (const f of ['request.json', 'requests.json', 'service.json', 'services.json', 'service-definition.json']) {
    ajv.addSchema(JSON.parse(fs.readFileSync(new URL(f, SCHEMAS), 'utf8')), f);
  }
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

for (const engine of ENGINES) {
  describe(`Open311 GeoReport v2 on ${engine}`, { skip: hasSchemas ? false : 'shared Open311 schemas not present' }, () => {
    let t: TestApp;
    let check: ReturnType<typeof validators>;
    before(async () => {
      t = await buildTestApp(engine);
      check = validators();
    });
    after(() => t.close());

    const get = (url: string) => t.app.inject({ method: 'GET', url });
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url: '/open311/v2/requests.json', payload: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

    test('discovery, services and service definitions validate', async () => {
      const d = (await get('/open311/v2/discovery.json')).json();
      assert.equal(d.endpoints[0].specification, 'http://wiki.open311.org/GeoReport_v2');
      const services = (await get('/open311/v2/services.json')).json();
      check('services.json', services);
      assert.ok(services.length >= 5);
      const withAttributes = services.find((s: { metadata: boolean }) => s.metadata);
      const def = (await get(`/open311/v2/services/${withAttributes.service_code}.json`)).json();
      check('service-definition.json', def);
      assert.ok(def.attributes.length > 0);
      const missing = await get('/open311/v2/services/NOPE.json');
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(Object.keys(missing.json()[0]).sort(), ['code', 'description']);
      assert.equal(missing.json()[0].code, 404);
    });

    test('a submitted request becomes a work order, idempotently, and follows it to closed', async () => {
      const fields = { api_key: DEMO_OPEN311_KEY, service_code: '1002', description: '桂香路公交站旁的垃圾桶满了两天没人清运', address_string: '云溪街道桂香路12号', 'attribute[bin_type]': 'household', first_name: '先生', last_name: '陈', phone: '13912345678' };
      const first = await post(fields, { 'idempotency-key': 'client-req-0001' });
      assert.equal(first.statusCode, 200, first.body);
      const [{ service_request_id: id, token }] = first.json();
      assert.match(id, /^YX\d{11}$/);
      const again = await post(fields, { 'idempotency-key': 'client-req-0001' });
      assert.equal(again.json()[0].service_request_id, id, 'the same key never creates a second order');
      assert.equal(again.json()[0].token, token);
      // Six identical submissions at once: one order and one token for all of them.
      const burst = await Promise.all(Array.from({ length: 6 }, () => post({ ...fields, description: `${fields.description}（同时提交）` }, { 'idempotency-key': 'client-req-0002' })));
      assert.ok(burst.every((r) => r.statusCode === 200), burst.map((r) => r.body).join());
      assert.equal(new Set(burst.map((r) => r.json()[0].service_request_id)).size, 1);
      assert.equal(new Set(burst.map((r) => r.json()[0].token)).size, 1);

      const one = (await get(`/open311/v2/requests/${id}.json`)).json();
      check('requests.json', one);
      assert.equal(one[0].status, 'open');
      assert.equal(one[0].service_code, '1002');
      assert.ok(!JSON.stringify(one).includes('13912345678'), 'no personal data in the public API');
      assert.deepEqual((await get(`/open311/v2/tokens/${token}.json`)).json(), [{ service_request_id: id, token }]);

      const open = (await get('/open311/v2/requests.json?status=open&service_code=1002')).json();
      check('requests.json', open);
      assert.ok(open.some((r: { service_request_id: string }) => r.service_request_id === id));

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
      const closedList = (await get('/open311/v2/requests.json?status=closed')).json();
      assert.ok(closedList.some((r: { service_request_id: string }) => r.service_request_id === id));
    });

    test('JSON bodies are accepted too', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/open311/v2/requests.json', payload: { api_key: DEMO_OPEN311_KEY, service_code: '1001', description: '湖畔公园门口有一堆垃圾', lat: 23.1, long: 113.3 } });
      assert.equal(r.statusCode, 200, r.body);
    });

    test('bad submissions get GeoReport errors with 400/403/404', async () => {
      const base = { api_key: DEMO_OPEN311_KEY, service_code: '1002', description: '垃圾桶满了', address_string: '桂香路', 'attribute[bin_type]': 'household' };
      const cases: [Record<string, string>, number, RegExp][] = [
        [{ ...base, api_key: '' }, 403, /api_key is required/],
        [{ ...base, api_key: 'wrong' }, 403, /unknown or revoked/],
        [{ ...base, service_code: 'NOPE' }, 400, /not offered/],
        [{ ...base, description: '' }, 400, /description is required/],
        [{ ...base, address_string: '' }, 400, /location is required/],
        [{ ...base, lat: 'north', long: '113' }, 400, /lat must be a number/],
        [{ ...base, 'attribute[bin_type]': 'rocket' }, 400, /must be one of/],
        [{ ...base, 'attribute[colour]': 'red' }, 400, /not defined/],
      ];
      for (const [fields, status, message] of cases) {
        const r = await post(fields);
        assert.equal(r.statusCode, status, `${JSON.stringify(fields)} → ${r.body}`);
        const body = r.json();
        assert.equal(body[0].code, status);
        assert.match(body[0].description, message);
      }
      const missing = await get('/open311/v2/requests/YX00000000000.json');
      assert.equal(missing.statusCode, 404);
      const badDate = await get('/open311/v2/requests.json?start_date=yesterday');
      assert.equal(badDate.statusCode, 400);
    });
  });
}
