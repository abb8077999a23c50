import { AppError } from '../../platform/errors.ts';
import { parseUscc } from '../../platform/crypto/identity-numbers.ts';
import {
  acceptsApplications,
  BODY_NATURES,
  CASE_TYPES,
  CROSS_REGION_SCOPES,
  EXERCISE_LEVELS,
  HANDLING_FORMS,
  ITEM_TYPES,
  ONLINE_DEPTHS,
  RESULT_KINDS,
  SERVICE_OBJECTS,
  SPECIAL_PROCEDURES,
  type CodeList,
} from './catalog.codes.ts';
import type { BundleDefinition, CombinedLimit, FormField, ItemElements, Material, MergedMaterial, TimeLimit } from './catalog.schemas.ts';

// The catalogue's rules as pure functions: element checks beyond the schema, 时限压缩率, and how a
// bundle's items combine into one set of materials, one form and one deadline.

export interface Problem {
  code: string;
  path: string;
  message: string;
}

/** Throws the first problem's code as a 400, with every problem in `details`. */
export function throwProblems(problems: Problem[]): void {
  const first = problems[0];
  if (!first) return;
  throw new AppError(first.code, `${first.path}: ${first.message}`, 400, problems.slice(0, 20));
}

function checkCode(problems: Problem[], list: CodeList, value: string, path: string) {
  if (!(value in list.codes)) {
    problems.push({ code: 'CATALOG_CODE_UNKNOWN', path, message: `“${value}” is not a code of ${list.id} ${list.name} (${list.entries.map(([c]) => c).join(', ')})` });
  }
}

function checkUniqueKeys(problems: Problem[], keys: string[], path: string, what: string) {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) problems.push({ code: 'CATALOG_ELEMENTS_INVALID', path, message: `${what} key “${k}” appears twice` });
    seen.add(k);
  }
}

function checkFormFields(problems: Problem[], fields: FormField[], path: string) {
  checkUniqueKeys(problems, fields.map((f) => f.key), path, 'form field');
  fields.forEach((f, i) => {
    if ((f.type === 'select') !== Boolean(f.options?.length)) {
      problems.push({ code: 'CATALOG_ELEMENTS_INVALID', path: `${path}/${i}`, message: 'a select field needs options, and only a select field has them' });
    }
  });
}

const SOURCE_FIELD = { applicant: undefined, licence: 'licenceTypeCode', shared_data: 'resourceCode', item_result: 'itemCode' } as const;

function checkMaterial(problems: Problem[], m: Material, path: string) {
  if (!m.isRequired && !m.condition?.trim()) {
    problems.push({ code: 'CATALOG_MATERIAL_INVALID', path, message: `material “${m.name}” is conditional but says no condition (情形材料须写明适用情形)` });
  }
  if (m.isRequired && m.condition) {
    problems.push({ code: 'CATALOG_MATERIAL_INVALID', path, message: `material “${m.name}” is required yet has a condition; make it conditional or drop the condition` });
  }
  const needed = SOURCE_FIELD[m.source.kind];
  for (const field of ['licenceTypeCode', 'resourceCode', 'itemCode'] as const) {
    const has = m.source[field] !== undefined;
    if (field === needed && !has) problems.push({ code: 'CATALOG_MATERIAL_INVALID', path: `${path}/source`, message: `source ${m.source.kind} needs ${field}` });
    if (field !== needed && has) problems.push({ code: 'CATALOG_MATERIAL_INVALID', path: `${path}/source`, message: `source ${m.source.kind} takes no ${field}` });
  }
  if (m.copies.original + m.copies.copy === 0 && !m.forms.includes('electronic')) {
    problems.push({ code: 'CATALOG_MATERIAL_INVALID', path: `${path}/copies`, message: `material “${m.name}” asks for no copy on paper and no electronic file` });
  }
}

function checkLimits(problems: Problem[], e: ItemElements, path: string) {
  const promised = e.promisedLimit;
  if (e.caseTypeCode === '1' && promised.value !== 0) {
    problems.push({ code: 'CATALOG_TIME_LIMIT_INVALID', path: `${path}/promisedLimit`, message: '即办件 are decided on the spot: the promised limit must be 0' });
  }
  if (e.caseTypeCode === '2' && promised.value === 0) {
    problems.push({ code: 'CATALOG_TIME_LIMIT_INVALID', path: `${path}/promisedLimit`, message: '承诺件 need a promised limit above 0 (or make it a 即办件)' });
  }
  const legal = e.legalLimit;
  if (legal && legal.unit === promised.unit && promised.value > legal.value) {
    problems.push({ code: 'CATALOG_TIME_LIMIT_INVALID', path: `${path}/promisedLimit`, message: `the promised limit (${promised.value}) exceeds the legal limit (${legal.value})` });
  }
}

/**
 * Checks an element set beyond its schema: codes in their lists, the implementing body's USCC,
 * application-based type, materials, time limits, unique keys. Returns every problem found.
 */
export function checkElements(e: ItemElements, path = ''): Problem[] {
  const problems: Problem[] = [];
  checkCode(problems, ITEM_TYPES, e.typeCode, `${path}/typeCode`);
  if (e.typeCode in ITEM_TYPES.codes && !acceptsApplications(e.typeCode)) {
    problems.push({
      code: 'CATALOG_ITEM_NOT_APPLICATION_BASED',
      path: `${path}/typeCode`,
      message: `${ITEM_TYPES.codes[e.typeCode]} is exercised on the body's own initiative; it belongs in the power list, not among the items that take applications`,
    });
  }
  checkCode(problems, EXERCISE_LEVELS, e.levelCode, `${path}/levelCode`);
  checkCode(problems, BODY_NATURES, e.implementingBody.natureCode, `${path}/implementingBody/natureCode`);
  e.objectCodes.forEach((c, i) => checkCode(problems, SERVICE_OBJECTS, c, `${path}/objectCodes/${i}`));
  e.formCodes.forEach((c, i) => checkCode(problems, HANDLING_FORMS, c, `${path}/formCodes/${i}`));
  checkCode(problems, CASE_TYPES, e.caseTypeCode, `${path}/caseTypeCode`);
  checkCode(problems, ONLINE_DEPTHS, e.onlineDepthCode, `${path}/onlineDepthCode`);
  checkCode(problems, CROSS_REGION_SCOPES, e.crossRegionScopeCode, `${path}/crossRegionScopeCode`);
  e.results.forEach((r, i) => checkCode(problems, RESULT_KINDS, r.kindCode, `${path}/results/${i}/kindCode`));
  e.specialProcedures.forEach((s, i) => checkCode(problems, SPECIAL_PROCEDURES, s.code, `${path}/specialProcedures/${i}/code`));

  const uscc = parseUscc(e.implementingBody.uscc);
  if (!uscc.ok) problems.push({ code: 'CATALOG_USCC_INVALID', path: `${path}/implementingBody/uscc`, message: uscc.message });

  checkLimits(problems, e, path);
  checkUniqueKeys(problems, e.steps.map((s) => s.key), `${path}/steps`, 'step');
  checkUniqueKeys(problems, e.materials.map((m) => m.key), `${path}/materials`, 'material');
  e.materials.forEach((m, i) => checkMaterial(problems, m, `${path}/materials/${i}`));
  checkFormFields(problems, e.formFields, `${path}/formFields`);
  if (e.visits === 0 && e.onlineDepthCode !== '4' && !e.isMailSupported) {
    problems.push({ code: 'CATALOG_ELEMENTS_INVALID', path: `${path}/visits`, message: '不用跑 (0 visits) needs 全程网办 (online depth 4) or delivery by mail' });
  }
  if (e.onlineDepthCode === '4' && !e.formCodes.some((f) => f === '2' || f === '3')) {
    problems.push({ code: 'CATALOG_ELEMENTS_INVALID', path: `${path}/formCodes`, message: '全程网办 needs an online handling form (2 电脑端 or 3 移动端)' });
  }
  return problems;
}

export function checkBundleDefinition(d: BundleDefinition, path = ''): Problem[] {
  const problems: Problem[] = [];
  d.objectCodes.forEach((c, i) => checkCode(problems, SERVICE_OBJECTS, c, `${path}/objectCodes/${i}`));
  checkCode(problems, ONLINE_DEPTHS, d.onlineDepthCode, `${path}/onlineDepthCode`);
  checkFormFields(problems, d.formFields, `${path}/formFields`);
  const codes = d.items.map((i) => i.itemCode);
  checkUniqueKeys(problems, codes, `${path}/items`, 'bundle item');
  d.items.forEach((it, i) => {
    if (it.isOptional !== Boolean(it.condition)) {
      problems.push({ code: 'CATALOG_BUNDLE_INVALID', path: `${path}/items/${i}`, message: 'an optional bundle item says when it is needed (condition), and only an optional one' });
    }
    for (const dep of it.dependsOn) {
      if (!codes.includes(dep) || dep === it.itemCode) {
        problems.push({ code: 'CATALOG_BUNDLE_INVALID', path: `${path}/items/${i}/dependsOn`, message: `${dep} is not another item of this bundle` });
      }
    }
  });
  if (problems.length === 0 && hasCycle(d)) {
    problems.push({ code: 'CATALOG_BUNDLE_INVALID', path: `${path}/items`, message: 'the items’ dependsOn form a cycle' });
  }
  return problems;
}

function hasCycle(d: BundleDefinition): boolean {
  const deps = new Map(d.items.map((i) => [i.itemCode, i.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: string): boolean => {
    if (state.get(c) === 'done') return false;
    if (state.get(c) === 'visiting') return true;
    state.set(c, 'visiting');
    const cyclic = (deps.get(c) ?? []).some(visit);
    state.set(c, 'done');
    return cyclic;
  };
  return d.items.some((i) => visit(i.itemCode));
}

// ---------------------------------------------------------------- 时限压缩率

export interface CompressionRate {
  /** Σ(legal − promised) / Σ legal, or null when no item has a legal limit. */
  rate: number | null;
  counted: number;
  legalSum: number;
  promisedSum: number;
  /** Items with a legal limit in another unit than their promised one: not comparable, left out. */
  skipped: number;
}

/**
 * 时限压缩率 over the items that have a legal limit. Legal and promised limits are compared only in
 * the same unit (working or natural days); an item mixing the two would need a calendar to
 * compare and is reported as skipped rather than guessed.
 */
export function timeLimitCompressionRate(limits: { legalLimit: TimeLimit | null; promisedLimit: TimeLimit }[]): CompressionRate {
  let legalSum = 0;
  let promisedSum = 0;
  let counted = 0;
  let skipped = 0;
  for (const { legalLimit, promisedLimit } of limits) {
    if (!legalLimit) continue;
    if (legalLimit.unit !== promisedLimit.unit) {
      skipped += 1;
      continue;
    }
    legalSum += legalLimit.value;
    promisedSum += promisedLimit.value;
    counted += 1;
  }
  return { rate: legalSum > 0 ? (legalSum - promisedSum) / legalSum : null, counted, legalSum, promisedSum, skipped };
}

// ---------------------------------------------------------------- bundles

export interface BundleMember {
  code: string;
  elements: ItemElements;
}

/** Who spares the applicant most: a licence or shared data the government holds, then another item's result, then paper. */
const SOURCE_RANK = { licence: 0, shared_data: 1, item_result: 2, applicant: 3 } as const;
const FORM_ORDER = ['original', 'copy', 'electronic'];

/** The items each bundle item waits for, directly or through others. */
function upstreamOf(d: Pick<BundleDefinition, 'items'>): Map<string, Set<string>> {
  const deps = new Map(d.items.map((i) => [i.itemCode, i.dependsOn]));
  const memo = new Map<string, Set<string>>();
  const visit = (code: string, seen: Set<string>): Set<string> => {
    const known = memo.get(code);
    if (known) return known;
    const out = new Set<string>();
    for (const dep of deps.get(code) ?? []) {
      if (seen.has(dep)) continue; // cycles are refused by checkBundleDefinition
      out.add(dep);
      for (const x of visit(dep, new Set([...seen, dep]))) out.add(x);
    }
    memo.set(code, out);
    return out;
  };
  for (const i of d.items) visit(i.itemCode, new Set([i.itemCode]));
  return memo;
}

/**
 * One set of materials for a bundle. A document an item waits for from another bundle item — that
 * item's result, or a licence of the type it issues — is produced inside the bundle and not asked
 * of the applicant. Any other material several items ask for (same key) is asked once: required
 * if any item requires it, with the most copies any item wants, from the source that spares the
 * applicant most.
 */
export function mergeBundleMaterials(d: Pick<BundleDefinition, 'items'>, members: BundleMember[]): MergedMaterial[] {
  const upstream = upstreamOf(d);
  const licencesOf = new Map(members.map((m) => [m.code, new Set(m.elements.results.flatMap((r) => (r.licenceTypeCode ? [r.licenceTypeCode] : [])))]));
  const producedFor = (code: string, m: Material) =>
    [...(upstream.get(code) ?? [])].some(
      (p) => (m.source.kind === 'item_result' && m.source.itemCode === p) || (m.source.kind === 'licence' && licencesOf.get(p)?.has(m.source.licenceTypeCode!)),
    );
  const merged = new Map<string, MergedMaterial & { requiredSomewhere: boolean }>();
  for (const { code, elements } of members) {
    for (const m of elements.materials) {
      if (producedFor(code, m)) continue;
      const existing = merged.get(m.key);
      if (!existing) {
        merged.set(m.key, {
          key: m.key,
          name: m.name,
          forms: [...m.forms],
          isRequired: m.isRequired,
          requiredSomewhere: m.isRequired,
          conditions: m.isRequired || !m.condition ? [] : [m.condition],
          source: { ...m.source },
          copies: { ...m.copies },
          acceptanceStandard: m.acceptanceStandard,
          itemCodes: [code],
        });
        continue;
      }
      existing.itemCodes.push(code);
      for (const f of m.forms) if (!existing.forms.includes(f)) existing.forms.push(f);
      existing.forms.sort((a, b) => FORM_ORDER.indexOf(a) - FORM_ORDER.indexOf(b));
      existing.copies.original = Math.max(existing.copies.original, m.copies.original);
      existing.copies.copy = Math.max(existing.copies.copy, m.copies.copy);
      if (m.isRequired) existing.requiredSomewhere = true;
      else if (m.condition && !existing.conditions.includes(m.condition)) existing.conditions.push(m.condition);
      if (SOURCE_RANK[m.source.kind] < SOURCE_RANK[existing.source.kind as keyof typeof SOURCE_RANK]) existing.source = { ...m.source };
    }
  }
  return [...merged.values()].map(({ requiredSomewhere, ...m }) => ({
    ...m,
    isRequired: requiredSomewhere,
    conditions: requiredSomewhere ? [] : m.conditions,
  }));
}

/** The one combined form: each item's fields once (by key), then the bundle's own. */
export function mergeBundleFormFields(members: BundleMember[], own: FormField[]): FormField[] {
  const byKey = new Map<string, FormField>();
  for (const f of [...members.flatMap((m) => m.elements.formFields), ...own]) {
    const existing = byKey.get(f.key);
    if (!existing) byKey.set(f.key, { ...f });
    else if (f.isRequired) existing.isRequired = true;
  }
  return [...byKey.values()];
}

/**
 * The combined deadline of items handled in parallel: the longest chain of promised working days
 * through `dependsOn` (an item starts when the items it depends on finish). Natural-day items run
 * alongside and are reported separately. The bundle's own promise, when it has one, is the limit.
 */
export function combinedLimit(d: BundleDefinition, members: BundleMember[]): CombinedLimit {
  const byCode = new Map(members.map((m) => [m.code, m.elements]));
  const deps = new Map(d.items.map((i) => [i.itemCode, i.dependsOn]));
  const finish = new Map<string, number>();
  const workingDays = (code: string): number => {
    const known = finish.get(code);
    if (known !== undefined) return known;
    const limit = byCode.get(code)?.promisedLimit;
    const own = limit?.unit === 'working_days' ? limit.value : 0;
    const total = own + Math.max(0, ...(deps.get(code) ?? []).map(workingDays));
    finish.set(code, total);
    return total;
  };
  const criticalPathWorkingDays = Math.max(0, ...d.items.map((i) => workingDays(i.itemCode)));
  const natural = members.map((m) => m.elements.promisedLimit).filter((l) => l.unit === 'natural_days').map((l) => l.value);
  const longestNaturalDays = natural.length ? Math.max(...natural) : null;
  const promised: TimeLimit = d.promisedLimit ?? { value: criticalPathWorkingDays, unit: 'working_days' };
  return { promised, criticalPathWorkingDays, longestNaturalDays };
}
