import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acceptsApplications, ITEM_TYPES } from './catalog.codes.ts';
import { checkBundleDefinition, checkElements, combinedLimit, mergeBundleFormFields, mergeBundleMaterials, timeLimitCompressionRate } from './catalog.rules.ts';
import type { BundleDefinition, ItemElements, Material } from './catalog.schemas.ts';
import { BUNDLE_CODES, DEMO_ITEM_CODES, demoCatalog } from './fixtures/demo-catalog.ts';

const demo = demoCatalog();
const elementsOf = (code: string): ItemElements => {
  const item = demo.items.find((i) => (i.handlingCode ?? i.implementationCode) === code)!;
  return structuredClone(item.versions.at(-1)!.elements);
};
const bundleOf = (code: string): BundleDefinition => structuredClone(demo.bundles.find((b) => b.code === code)!.versions[0]!.definition);
const membersOf = (d: BundleDefinition) => d.items.map((i) => ({ code: i.itemCode, elements: elementsOf(i.itemCode) }));

describe('时限压缩率', () => {
  test('Σ(legal − promised) / Σ legal over the items that have a legal limit', () => {
    const r = timeLimitCompressionRate([
      { legalLimit: { value: 20, unit: 'working_days' }, promisedLimit: { value: 5, unit: 'working_days' } },
      { legalLimit: { value: 10, unit: 'working_days' }, promisedLimit: { value: 10, unit: 'working_days' } },
      { legalLimit: { value: 30, unit: 'natural_days' }, promisedLimit: { value: 15, unit: 'natural_days' } },
      // no legal limit: not counted
      { legalLimit: null, promisedLimit: { value: 3, unit: 'working_days' } },
      // units differ: not comparable without a calendar, reported as skipped
      { legalLimit: { value: 15, unit: 'natural_days' }, promisedLimit: { value: 7, unit: 'working_days' } },
    ]);
    assert.equal(r.counted, 3);
    assert.equal(r.skipped, 1);
    assert.equal(r.legalSum, 60);
    assert.equal(r.promisedSum, 30);
    assert.equal(r.rate, 0.5);
  });

  test('即办件 compress fully; no legal limit anywhere gives no rate', () => {
    assert.equal(timeLimitCompressionRate([{ legalLimit: { value: 3, unit: 'working_days' }, promisedLimit: { value: 0, unit: 'working_days' } }]).rate, 1);
    assert.equal(timeLimitCompressionRate([{ legalLimit: null, promisedLimit: { value: 0, unit: 'working_days' } }]).rate, null);
    assert.equal(timeLimitCompressionRate([]).rate, null);
  });
});

describe('power list: who takes applications', () => {
  test('only 许可, 给付, 确认, 奖励, 裁决, 其他 and 公共服务 take applications', () => {
    const taking = ITEM_TYPES.entries.filter(([c]) => acceptsApplications(c)).map(([, name]) => name);
    assert.deepEqual(taking, ['行政许可', '行政给付', '行政确认', '行政奖励', '行政裁决', '其他行政权力', '公共服务']);
    for (const code of ['02', '03', '04', '06']) assert.equal(acceptsApplications(code), false, ITEM_TYPES.codes[code]);
    assert.equal(acceptsApplications('99'), false, 'an unknown type takes nothing');
  });
});

describe('element checks', () => {
  const base = () => elementsOf(DEMO_ITEM_CODES.individualBusiness);

  test('the demo items pass', () => {
    for (const item of demo.items) for (const v of item.versions) assert.deepEqual(checkElements(v.elements), [], v.elements.name);
  });

  test('codes outside their lists are refused with CATALOG_CODE_UNKNOWN and the path', () => {
    const cases: [string, (e: ItemElements) => void, string][] = [
      ['A.1', (e) => void (e.typeCode = '13'), '/typeCode'],
      ['A.2', (e) => void (e.levelCode = '8'), '/levelCode'],
      ['A.3', (e) => void (e.implementingBody.natureCode = '4'), '/implementingBody/natureCode'],
      ['A.4', (e) => void (e.objectCodes = ['1', '7']), '/objectCodes/1'],
      ['A.5', (e) => void (e.formCodes = ['5']), '/formCodes/0'],
      ['A.6', (e) => void (e.caseTypeCode = '3'), '/caseTypeCode'],
      ['A.7', (e) => void (e.specialProcedures = [{ code: '3', name: '听证' }]), '/specialProcedures/0/code'],
      ['online depth', (e) => void (e.onlineDepthCode = '5'), '/onlineDepthCode'],
      ['通办', (e) => void (e.crossRegionScopeCode = '9'), '/crossRegionScopeCode'],
      ['result kind', (e) => void (e.results[0]!.kindCode = '4'), '/results/0/kindCode'],
    ];
    for (const [list, mutate, path] of cases) {
      const e = base();
      mutate(e);
      const problems = checkElements(e);
      assert.ok(problems.some((p) => p.code === 'CATALOG_CODE_UNKNOWN' && p.path === path), `${list}: ${JSON.stringify(problems)}`);
    }
  });

  test('a type that does not take applications, a bad USCC, a bad limit, a bad material', () => {
    const codesOf = (mutate: (e: ItemElements) => void) => {
      const e = base();
      mutate(e);
      return checkElements(e).map((p) => p.code);
    };
    assert.deepEqual(codesOf((e) => void (e.typeCode = '02')), ['CATALOG_ITEM_NOT_APPLICATION_BASED']);
    assert.deepEqual(codesOf((e) => void (e.implementingBody.uscc = '11449917MB2C410178')), ['CATALOG_USCC_INVALID']);
    assert.deepEqual(codesOf((e) => void (e.promisedLimit = { value: 5, unit: 'working_days' })), ['CATALOG_TIME_LIMIT_INVALID'], 'promised above legal');
    assert.deepEqual(codesOf((e) => void (e.caseTypeCode = '1')), ['CATALOG_TIME_LIMIT_INVALID'], '即办件 with a limit');
    const conditional = (m: Partial<Material>) => (e: ItemElements) => void Object.assign(e.materials[0]!, m);
    assert.deepEqual(codesOf(conditional({ isRequired: false })), ['CATALOG_MATERIAL_INVALID'], 'conditional without condition');
    assert.deepEqual(codesOf(conditional({ source: { kind: 'licence' } })), ['CATALOG_MATERIAL_INVALID'], 'licence without type');
    assert.deepEqual(codesOf(conditional({ source: { kind: 'applicant', resourceCode: 'RK-1' } })), ['CATALOG_MATERIAL_INVALID']);
    assert.deepEqual(codesOf((e) => void e.materials.push(structuredClone(e.materials[0]!))), ['CATALOG_ELEMENTS_INVALID'], 'key twice');
    assert.deepEqual(codesOf((e) => void ((e.onlineDepthCode = '3'), (e.isMailSupported = false))), ['CATALOG_ELEMENTS_INVALID'], '不用跑 needs 全程网办 or mail');
  });
});

describe('bundles', () => {
  test('开餐馆一件事: one set of materials, each asked once, nothing the bundle itself produces', () => {
    const d = bundleOf(BUNDLE_CODES.restaurant);
    const members = membersOf(d);
    const merged = mergeBundleMaterials(d, members);
    const keys = merged.map((m) => m.key);
    assert.equal(new Set(keys).size, keys.length, 'no key twice');
    const before = members.reduce((n, m) => n + m.elements.materials.length, 0);
    assert.ok(merged.length < before - 5, `${before} materials asked by the items, ${merged.length} after merging`);

    // The 营业执照 is the first item's result (named as such, or as the licence it issues): no item
    // of the bundle asks the applicant for it.
    assert.equal(keys.includes('business-licence'), false);
    const idCard = merged.find((m) => m.key === 'applicant-id-card')!;
    assert.deepEqual(idCard.itemCodes, [DEMO_ITEM_CODES.individualBusiness, DEMO_ITEM_CODES.foodLicenceNew]);
    assert.equal(idCard.source.kind, 'licence');
    const premises = merged.find((m) => m.key === 'premises-proof')!;
    assert.equal(premises.itemCodes.length, 4);
    assert.equal(premises.isRequired, true);
    // Asked only when someone else applies on the applicant's behalf: stays conditional, one condition.
    const attorney = merged.find((m) => m.key === 'power-of-attorney')!;
    assert.equal(attorney.isRequired, false);
    assert.deepEqual(attorney.conditions, ['委托他人代为办理的']);
  });

  test('merging keeps the strictest need and the source that spares the applicant most', () => {
    const m = (over: Partial<Material>): Material => ({
      key: 'x', name: 'X', forms: ['copy'], isRequired: false, condition: 'A', source: { kind: 'applicant' },
      acceptanceStandard: 's', copies: { original: 0, copy: 1 }, ...over,
    });
    const e = (materials: Material[]) => ({ ...elementsOf(DEMO_ITEM_CODES.individualBusiness), materials });
    const items = ['I1', 'I2', 'I3'].map((itemCode) => ({ itemCode, isOptional: false, dependsOn: [] }));
    const merged = mergeBundleMaterials({ items }, [
      { code: 'I1', elements: e([m({})]) },
      { code: 'I2', elements: e([m({ condition: 'B', copies: { original: 1, copy: 0 }, forms: ['original'] })]) },
      { code: 'I3', elements: e([m({ isRequired: true, condition: undefined, source: { kind: 'shared_data', resourceCode: 'RK-1' } })]) },
    ]);
    assert.equal(merged.length, 1);
    assert.deepEqual(merged[0], {
      key: 'x', name: 'X', forms: ['original', 'copy'], isRequired: true, conditions: [], source: { kind: 'shared_data', resourceCode: 'RK-1' },
      copies: { original: 1, copy: 1 }, acceptanceStandard: 's', itemCodes: ['I1', 'I2', 'I3'],
    });
  });

  test('出生一件事: the birth certificate and the new 户口簿 are produced inside, for the items that wait for them', () => {
    const d = bundleOf(BUNDLE_CODES.birth);
    const merged = mergeBundleMaterials(d, membersOf(d));
    const keys = merged.map((m) => m.key);
    assert.ok(!keys.includes('birth-certificate'), '落户 and 接种证 wait for the 出生医学证明');
    // 落户 itself needs the parents' 户口簿 (it issues the new one); 医保参保 waits for 落户 and gets the new one.
    assert.deepEqual(merged.find((m) => m.key === 'household-register')!.itemCodes, [DEMO_ITEM_CODES.birthRegistration]);
    // Without the dependency the document would have to come from elsewhere, so it is asked.
    const parallel = { items: d.items.map((i) => ({ ...i, dependsOn: [] })) };
    assert.ok(mergeBundleMaterials(parallel, membersOf(d)).some((m) => m.key === 'birth-certificate'));
  });

  test('one combined form: each field once', () => {
    const d = bundleOf(BUNDLE_CODES.restaurant);
    const fields = mergeBundleFormFields(membersOf(d), d.formFields);
    const keys = fields.map((f) => f.key);
    assert.equal(new Set(keys).size, keys.length);
    for (const k of ['business-name', 'applicant-id-number', 'premises-address', 'food-business-kind', 'seats']) assert.ok(keys.includes(k), k);
  });

  test('the combined deadline is the critical path through the dependencies', () => {
    const birth = bundleOf(BUNDLE_CODES.birth);
    // 出生医学证明 2 → 落户 0 → 社保卡 10; 接种证 and 医保 run alongside.
    assert.deepEqual(combinedLimit(birth, membersOf(birth)), { promised: { value: 12, unit: 'working_days' }, criticalPathWorkingDays: 12, longestNaturalDays: null });
    const retirement = bundleOf(BUNDLE_CODES.retirement);
    // 养老保险待遇 10 working days; 公积金 1 natural day in parallel after it.
    assert.deepEqual(combinedLimit(retirement, membersOf(retirement)), { promised: { value: 10, unit: 'working_days' }, criticalPathWorkingDays: 10, longestNaturalDays: 1 });
    const restaurant = bundleOf(BUNDLE_CODES.restaurant);
    const limit = combinedLimit(restaurant, membersOf(restaurant));
    assert.equal(limit.criticalPathWorkingDays, 6, '营业执照 1 + 食品经营许可 5');
    assert.deepEqual(limit.promised, restaurant.promisedLimit, 'the bundle’s own promise when it has one');
  });

  test('bundle definitions: dependencies inside the bundle, no cycles, optional items say when', () => {
    const d = bundleOf(BUNDLE_CODES.birth);
    assert.deepEqual(checkBundleDefinition(d), []);
    d.items[0]!.dependsOn = [d.items[3]!.itemCode];
    d.items[3]!.dependsOn = [d.items[1]!.itemCode];
    assert.deepEqual(checkBundleDefinition(d).map((p) => p.code), ['CATALOG_BUNDLE_INVALID'], 'cycle');
    const e = bundleOf(BUNDLE_CODES.birth);
    e.items[1]!.dependsOn = ['0000000000'];
    e.items[2]!.isOptional = true;
    assert.deepEqual(checkBundleDefinition(e).map((p) => p.code), ['CATALOG_BUNDLE_INVALID', 'CATALOG_BUNDLE_INVALID']);
  });
});
