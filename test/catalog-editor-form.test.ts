import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { buildTestApp, type TestApp } from './app.ts';

// The catalogue editor (web/src/modules/catalog) must offer every element the API accepts: an element added to the server's schema
// that the form does not name would be carried along unseen and never be editable. The schema is
// read where clients read it, from the API description of “edit a draft”.
type Schema = { properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[] };

function propertyNames(s: Schema, out = new Set<string>()): Set<string> {
  for (const [name, sub] of Object.entries(s.properties ?? {})) {
    out.add(name);
    propertyNames(sub, out);
  }
  if (s.items) propertyNames(s.items, out);
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) propertyNames(alt, out);
  return out;
}

let t: TestApp;
before(async () => {
  t = await buildTestApp('pglite', { demo: false });
});
after(() => t.close());

test('the element form has a field for every element of a version, nested ones included', async () => {
  const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const body = doc.paths['/api/catalog/versions/{id}'].put.requestBody.content['application/json'].schema as Schema;
  const elements = body.properties!.elements!;
  const names = [...propertyNames(elements)];
  assert.ok(names.length > 60, `elements found: ${names.length}`);

  const dir = new URL('../web/src/modules/catalog/', import.meta.url);
  const files = ['ElementsForm.vue', ...fs.readdirSync(new URL('fields/', dir)).map((f) => `fields/${f}`)];
  const source = files.map((f) => fs.readFileSync(new URL(f, dir), 'utf8')).join('\n');
  // Each field is addressed by its path: "/name", `${path}/condition` …
  const missing = names.filter((n) => !new RegExp(`/${n}['"\`]`).test(source));
  assert.deepEqual(missing, []);
});
