import type { Queryable, Tx } from '../../platform/db.ts';
import type { Platform } from '../../platform/module.ts';
import { writeAudit } from '../../platform/audit.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { canActOn, type Permission } from '../../platform/auth/roles.ts';
import { uuidv7 } from '../../platform/ids.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import { orgViews } from '../org/index.ts';
import * as repo from './catalog.repository.ts';
import {
  acceptsApplications,
  BODY_NATURES,
  CASE_TYPES,
  codeName,
  CROSS_REGION_SCOPES,
  EXERCISE_LEVELS,
  HANDLING_FORMS,
  ITEM_TYPES,
  ONLINE_DEPTHS,
  RESULT_KINDS,
  SERVICE_OBJECTS,
  SPECIAL_PROCEDURES,
} from './catalog.codes.ts';
import {
  checkElements,
  combinedLimit,
  mergeBundleFormFields,
  mergeBundleMaterials,
  throwProblems,
  timeLimitCompressionRate,
  type BundleMember,
  type Problem,
} from './catalog.rules.ts';
import { bundleSearchEntry, itemSearchEntry, parseQuery } from './catalog.search.ts';
import type {
  BundleDefinition,
  BundleGuide,
  CatalogStats,
  CreateItemBody,
  Guide,
  ItemElements,
  ItemVersion,
  PowerEntry,
  SearchHit,
  VersionStatus,
  VersionSummary,
} from './catalog.schemas.ts';

// Use cases of the service catalogue: the version lifecycle (draft → review →
// published, cancellation), and the public reads (search, guides, bundles, power list).

export type Ctx = Pick<ActionContext, 'actor' | 'requestId' | 'ip' | 'principal'>;

/** The calendar date in China (UTC+8, no daylight saving): effective dates are Chinese dates. */
export const chinaDate = (d: Date): string => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

const DATE = /^\d{4}-\d{2}-\d{2}$/;
function toDate(at: Date | string | undefined, platform: Platform): string {
  if (at === undefined) return chinaDate(platform.clock.now());
  if (typeof at === 'string') {
    if (!DATE.test(at)) throw badRequest('CATALOG_DATE_INVALID', `not a YYYY-MM-DD date: ${at}`);
    return at;
  }
  return chinaDate(at);
}

export const actorLabel = (ctx: Ctx) => ctx.actor.label ?? ctx.actor.id ?? null;

export async function unitOrFail(q: Queryable, code: string, path: string) {
  const unit = await orgViews.findUnitByCode(q, code);
  if (!unit) throw new AppError('CATALOG_UNIT_UNKNOWN', `${path}: no org unit with code ${code}`, 400, [{ path, value: code }]);
  return unit;
}

/** Staff act on the catalogue of units in their subtree; system callers (seed, CLI) have no principal. */
export function requireOn(ctx: Ctx, permission: Permission, unit: { path: string; name: string }) {
  if (ctx.principal && !canActOn(ctx.principal, permission, unit.path)) {
    throw forbidden('FORBIDDEN', `无权管理${unit.name}的事项 (needs ${permission} on ${unit.path})`);
  }
}

export function toItemVersion(item: repo.ItemRow, v: repo.VersionRow): ItemVersion {
  return {
    id: v.id,
    itemId: item.id,
    code: item.code,
    kind: item.kind,
    basicCode: item.basic_code,
    implementationCode: item.implementation_code,
    handlingCode: item.handling_code,
    parentCode: item.parent_code,
    unitCode: item.unit_code,
    powerCode: item.power_code,
    version: v.version,
    status: v.status,
    effectiveFrom: v.effective_from,
    effectiveUntil: v.effective_until,
    acceptsApplications: acceptsApplications(v.elements.typeCode),
    elements: v.elements,
  };
}

const toVersionSummary = (v: repo.VersionRow): VersionSummary => ({
  id: v.id,
  version: v.version,
  status: v.status,
  effectiveFrom: v.effective_from,
  effectiveUntil: v.effective_until,
  name: v.name,
  createdAt: new Date(v.created_at).toISOString(),
  submittedAt: v.submitted_at ? new Date(v.submitted_at).toISOString() : null,
  publishedAt: v.published_at ? new Date(v.published_at).toISOString() : null,
  returnReason: v.return_reason,
});

// ---------------------------------------------------------------- reads for other modules

/** One version by id, whatever its status: what a case filed under it keeps reading. */
export async function getItemVersion(platform: Platform, versionId: string): Promise<ItemVersion | undefined> {
  const v = await repo.findVersion(platform.db, versionId);
  if (!v) return undefined;
  return toItemVersion((await repo.findItemById(platform.db, v.item_id))!, v);
}

/** The published version of an item in force on `at` (default: today in China), or undefined. */
export async function getPublishedItemVersion(platform: Platform, code: string, at?: Date | string): Promise<ItemVersion | undefined> {
  const item = await repo.findItemByCode(platform.db, code);
  if (!item) return undefined;
  const v = await repo.findPublishedAt(platform.db, item.id, toDate(at, platform));
  return v ? toItemVersion(item, v) : undefined;
}

// ---------------------------------------------------------------- search index

async function refreshItemSearch(tx: Tx, item: repo.ItemRow) {
  await repo.deleteSearchEntries(tx, 'item', item.code);
  const parent = item.parent_id ? await repo.findItemById(tx, item.parent_id) : undefined;
  const parentName = parent ? (await repo.listPublishedVersions(tx, parent.id)).at(-1)?.name : undefined;
  const rows = (await repo.listPublishedVersions(tx, item.id)).map((v) => itemSearchEntry(item, { ...v, content: v.elements }, parentName));
  await repo.insertSearchEntries(tx, rows);
}

async function bundleMembers(q: Queryable, d: BundleDefinition, date: string): Promise<(BundleMember & { version: repo.VersionRow; item: repo.ItemRow })[]> {
  const members = [];
  for (const it of d.items) {
    const item = await repo.findItemByCode(q, it.itemCode);
    const version = item && (await repo.findPublishedAt(q, item.id, date));
    if (!item || !version) {
      throw conflict('CATALOG_BUNDLE_INCOMPLETE', `bundle item ${it.itemCode} has no published version in force on ${date}`);
    }
    members.push({ code: item.code, elements: version.elements, version, item });
  }
  return members;
}

async function refreshBundleSearch(tx: Tx, bundle: repo.BundleRow) {
  await repo.deleteSearchEntries(tx, 'bundle', bundle.code);
  const unit = await orgViews.findUnitByCode(tx, bundle.unit_code);
  const rows = [];
  for (const v of await repo.listBundleVersions(tx, bundle.id)) {
    if (v.status !== 'published') continue;
    let members: BundleMember[] | undefined = [];
    for (const it of v.definition.items) {
      const item = await repo.findItemByCode(tx, it.itemCode);
      const iv = item && (await repo.findPublishedAt(tx, item.id, v.effective_from!));
      if (iv) members?.push({ code: it.itemCode, elements: iv.elements });
      else members = undefined;
    }
    rows.push(bundleSearchEntry(bundle, { ...v, content: v.definition }, unit?.name ?? bundle.unit_code, members));
  }
  await repo.insertSearchEntries(tx, rows);
}

async function refreshBundlesOfItem(tx: Tx, itemCode: string) {
  for (const b of await repo.listBundleRows(tx)) {
    const versions = await repo.listBundleVersions(tx, b.id);
    if (versions.some((v) => v.definition.items.some((i) => i.itemCode === itemCode))) await refreshBundleSearch(tx, b);
  }
}

/** Each published version ends where the next one starts (or earlier, when cancelled). */
async function normalisePeriods(tx: Tx, itemId: string, now: Date) {
  const published = await repo.listPublishedVersions(tx, itemId);
  for (let i = 0; i + 1 < published.length; i++) {
    const v = published[i]!;
    const next = published[i + 1]!;
    if (next.version < v.version) {
      throw badRequest('CATALOG_VERSION_DATES_INVALID', `version ${next.version} takes effect after version ${v.version}: later versions must take effect later`);
    }
    if (v.effective_until === null || v.effective_until > next.effective_from!) {
      await repo.setVersionStatusAndEnd(tx, v.id, 'published', next.effective_from, now);
    }
  }
}

// ---------------------------------------------------------------- version lifecycle

interface Identity {
  kind: string;
  implementationCode: string;
  handlingCode?: string;
  basicCode: string;
  powerCode: string;
}

const identityOf = (item: repo.ItemRow): Identity => ({
  kind: item.kind,
  implementationCode: item.implementation_code,
  handlingCode: item.handling_code ?? undefined,
  basicCode: item.basic_code,
  powerCode: item.power_code,
});

/** An item's identity against the catalogue: codes, basic entry, power entry (same type), parent. */
async function checkIdentity(q: Queryable, input: Identity, elements: ItemElements[], path: string): Promise<repo.ItemRow | undefined> {
  const problems: Problem[] = [];
  if ((input.kind === 'handling') !== (input.handlingCode !== undefined)) {
    problems.push({ code: 'CATALOG_IDENTITY_INVALID', path, message: 'a handling item has a handling code, an implementation entry has none' });
  }
  if (input.handlingCode !== undefined && (!input.handlingCode.startsWith(input.implementationCode) || input.handlingCode === input.implementationCode)) {
    problems.push({ code: 'CATALOG_IDENTITY_INVALID', path: `${path}/handlingCode`, message: 'a handling code extends its implementation code (实施编码 + 业务办理项序号)' });
  }
  throwProblems(problems);
  if (!(await repo.findBasicEntry(q, input.basicCode))) {
    throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${path}/basicCode: no basic catalogue entry ${input.basicCode}`);
  }
  const power = await repo.findPowerEntry(q, input.powerCode);
  if (!power) throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${path}/powerCode: no power list entry ${input.powerCode}`);
  for (const e of elements) {
    if (e.typeCode !== power.type_code) {
      throw badRequest('CATALOG_TYPE_MISMATCH', `${path}: the item is ${codeName(ITEM_TYPES, e.typeCode)} but its power list entry ${power.code} is ${codeName(ITEM_TYPES, power.type_code)}`);
    }
  }
  if (input.kind !== 'handling') return undefined;
  const parent = await repo.findItemByCode(q, input.implementationCode);
  if (!parent || parent.kind !== 'implementation') {
    throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${path}: no implementation entry ${input.implementationCode} for this handling item`);
  }
  return parent;
}

/** What elements point at: other items (whose result is a material) and the units of steps. */
async function checkElementReferences(q: Queryable, e: ItemElements, path: string) {
  for (const [i, m] of e.materials.entries()) {
    if (m.source.kind === 'item_result' && !(await repo.findItemByCode(q, m.source.itemCode!))) {
      throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${path}/materials/${i}: material “${m.name}” comes from item ${m.source.itemCode}, which is not in the catalogue`);
    }
  }
  for (const [i, s] of e.steps.entries()) if (s.unitCode) await unitOrFail(q, s.unitCode, `${path}/steps/${i}/unitCode`);
}

function checkedElements(e: ItemElements, path = '/elements') {
  throwProblems(checkElements(e, path));
  return e;
}

/** Creates an item's identity and its first version, as a draft. */
export async function createItem(platform: Platform, body: CreateItemBody, ctx: Ctx): Promise<ItemVersion> {
  checkedElements(body.elements);
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const unit = await unitOrFail(tx, body.unitCode, '/unitCode');
    requireOn(ctx, 'catalog:write', unit);
    const code = body.handlingCode ?? body.implementationCode;
    if (await repo.findItemByCode(tx, code)) throw conflict('CATALOG_ITEM_EXISTS', `item ${code} already exists; add a version to it instead`);
    const parent = await checkIdentity(tx, body, [body.elements], '');
    await checkElementReferences(tx, body.elements, '/elements');
    const item = {
      id: uuidv7(),
      code,
      kind: body.kind,
      basic_code: body.basicCode,
      implementation_code: body.implementationCode,
      handling_code: body.handlingCode ?? null,
      parent_id: parent?.id ?? null,
      unit_code: body.unitCode,
      power_code: body.powerCode,
      variant: body.variant ?? null,
    };
    await repo.insertItem(tx, item, now);
    const versionId = uuidv7();
    await repo.insertVersion(tx, { id: versionId, itemId: item.id, version: 1, status: 'draft', effectiveFrom: null, effectiveUntil: null, elements: body.elements, by: actorLabel(ctx), publishedAt: null }, now);
    await writeAudit(tx, { ...ctx, at: now, action: 'catalog.item.create', objectType: 'service_item', objectId: item.id, orgUnitId: unit.id, data: { code, name: body.elements.name } });
    const row = (await repo.findItemById(tx, item.id))!;
    return toItemVersion(row, (await repo.findVersion(tx, versionId))!);
  });
}

async function itemOrFail(q: Queryable, code: string) {
  const item = await repo.findItemByCode(q, code);
  if (!item) throw notFound('CATALOG_ITEM_NOT_FOUND', `没有编码为 ${code} 的事项 (no item ${code})`);
  return item;
}

export const versionNotFound = (id: string) => notFound('CATALOG_VERSION_NOT_FOUND', `no catalogue version ${id}`);

async function versionOrFail(q: Queryable, id: string, lock = false) {
  const v = lock ? await repo.lockVersion(q, id) : await repo.findVersion(q, id);
  if (!v) throw versionNotFound(id);
  return v;
}

function expectStatus(v: repo.VersionRow, ...allowed: VersionStatus[]) {
  if (!allowed.includes(v.status)) {
    throw conflict('CATALOG_VERSION_STATE', `version ${v.version} is ${v.status}; this needs it to be ${allowed.join(' or ')}`, { status: v.status });
  }
}

/** A new draft, from the given elements or a copy of the latest version. One open version per item. */
export async function createDraftVersion(platform: Platform, code: string, elements: ItemElements | undefined, ctx: Ctx): Promise<ItemVersion> {
  if (elements) checkedElements(elements);
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const item = await itemOrFail(tx, code);
    const unit = await unitOrFail(tx, item.unit_code, '/unitCode');
    requireOn(ctx, 'catalog:write', unit);
    await repo.lockItem(tx, item.id);
    if (item.cancelled_on) throw conflict('CATALOG_ITEM_CANCELLED', `item ${code} was cancelled on ${item.cancelled_on}`);
    const versions = await repo.listVersions(tx, item.id);
    const open = versions.find((v) => v.status === 'draft' || v.status === 'review');
    if (open) throw conflict('CATALOG_DRAFT_EXISTS', `version ${open.version} of ${code} is still ${open.status}; finish it first`, { versionId: open.id });
    const content = elements ?? versions.at(-1)!.elements;
    await checkIdentity(tx, identityOf(item), [content], '');
    await checkElementReferences(tx, content, '/elements');
    const id = uuidv7();
    const version = (versions.at(-1)?.version ?? 0) + 1;
    await repo.insertVersion(tx, { id, itemId: item.id, version, status: 'draft', effectiveFrom: null, effectiveUntil: null, elements: content, by: actorLabel(ctx), publishedAt: null }, now);
    await writeAudit(tx, { ...ctx, at: now, action: 'catalog.version.create', objectType: 'item_version', objectId: id, orgUnitId: unit.id, data: { code, version } });
    return toItemVersion(item, (await repo.findVersion(tx, id))!);
  });
}

/** Runs a transition on one version: loads and locks it, checks the permission on its unit. */
async function onVersion<T>(
  platform: Platform,
  versionId: string,
  permission: Permission,
  ctx: Ctx,
  fn: (tx: Tx, v: repo.VersionRow, item: repo.ItemRow, unit: { id: string; path: string; name: string }, now: Date) => Promise<T>,
): Promise<T> {
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const found = await versionOrFail(tx, versionId);
    await repo.lockItem(tx, found.item_id);
    const v = await versionOrFail(tx, versionId, true);
    const item = (await repo.findItemById(tx, v.item_id))!;
    const unit = await unitOrFail(tx, item.unit_code, '/unitCode');
    requireOn(ctx, permission, unit);
    return fn(tx, v, item, unit, now);
  });
}

export async function updateDraft(platform: Platform, versionId: string, elements: ItemElements, ctx: Ctx): Promise<ItemVersion> {
  checkedElements(elements);
  return onVersion(platform, versionId, 'catalog:write', ctx, async (tx, v, item, unit, now) => {
    expectStatus(v, 'draft');
    await checkIdentity(tx, identityOf(item), [elements], '');
    await checkElementReferences(tx, elements, '/elements');
    await repo.updateVersionContent(tx, v.id, { status: 'draft', effectiveFrom: null, effectiveUntil: null, elements }, now);
    await writeAudit(tx, { ...ctx, at: now, action: 'catalog.version.update', objectType: 'item_version', objectId: v.id, orgUnitId: unit.id, data: { code: item.code, version: v.version } });
    return toItemVersion(item, (await repo.findVersion(tx, v.id))!);
  });
}

export async function submitVersion(platform: Platform, versionId: string, ctx: Ctx): Promise<ItemVersion> {
  return onVersion(platform, versionId, 'catalog:write', ctx, async (tx, v, item, unit, now) => {
    expectStatus(v, 'draft');
    if (item.cancelled_on) throw conflict('CATALOG_ITEM_CANCELLED', `item ${item.code} was cancelled on ${item.cancelled_on}`);
    await repo.markSubmitted(tx, v.id, actorLabel(ctx), now);
    await writeAudit(tx, { ...ctx, at: now, action: 'catalog.version.submit', objectType: 'item_version', objectId: v.id, orgUnitId: unit.id, data: { code: item.code, version: v.version } });
    await emit(tx, { topic: 'catalog.item_version.submitted', key: item.code, payload: { code: item.code, versionId: v.id, version: v.version }, at: now });
    return toItemVersion(item, (await repo.findVersion(tx, v.id))!);
  });
}

export async function returnVersion(platform: Platform, versionId: string, reason: string, ctx: Ctx): Promise<ItemVersion> {
  return onVersion(platform, versionId, 'catalog:review', ctx, async (tx, v, item, unit, now) => {
    expectStatus(v, 'review');
    await repo.markReturned(tx, v.id, reason, now);
    await writeAudit(tx, { ...ctx, at: now, action: 'catalog.version.return', objectType: 'item_version', objectId: v.id, orgUnitId: unit.id, data: { code: item.code, version: v.version, reason } });
    return toItemVersion(item, (await repo.findVersion(tx, v.id))!);
  });
}

/**
 * Publishes a reviewed version from `effectiveFrom` (today or later, after the current version's
 * start). The version it supersedes stays readable by id and keeps applying until that day; cases
 * filed under it keep it.
 */
export async function publishVersion(platform: Platform, versionId: string, effectiveFrom: string, ctx: Ctx): Promise<ItemVersion> {
  return onVersion(platform, versionId, 'catalog:review', ctx, async (tx, v, item, unit, now) => {
    expectStatus(v, 'review');
    if (item.cancelled_on) throw conflict('CATALOG_ITEM_CANCELLED', `item ${item.code} was cancelled on ${item.cancelled_on}`);
    const today = chinaDate(now);
    if (!DATE.test(effectiveFrom) || effectiveFrom < today) {
      throw badRequest('CATALOG_EFFECTIVE_DATE_INVALID', `the effective date ${effectiveFrom} is before today (${today}): a version cannot apply retroactively`);
    }
    const latest = (await repo.listPublishedVersions(tx, item.id)).at(-1);
    if (latest && effectiveFrom <= latest.effective_from!) {
      throw badRequest('CATALOG_EFFECTIVE_DATE_INVALID', `version ${latest.version} takes effect on ${latest.effective_from}; a later version must take effect after it`);
    }
    await repo.markPublished(tx, v.id, effectiveFrom, actorLabel(ctx), now);
    await normalisePeriods(tx, item.id, now);
    await refreshItemSearch(tx, item);
    await refreshBundlesOfItem(tx, item.code);
    await writeAudit(tx, { ...ctx, at: now, action: 'catalog.version.publish', objectType: 'item_version', objectId: v.id, orgUnitId: unit.id, data: { code: item.code, version: v.version, effectiveFrom } });
    await emit(tx, { topic: 'catalog.item_version.published', key: item.code, payload: { code: item.code, versionId: v.id, version: v.version, effectiveFrom, supersedes: latest?.id ?? null }, at: now });
    return toItemVersion(item, (await repo.findVersion(tx, v.id))!);
  });
}

/**
 * 事项取消: from `date` no version of the item applies. Published versions that would start on or
 * after it are withdrawn; the one in force ends that day. Cases already filed keep their version.
 */
export async function cancelItem(platform: Platform, code: string, input: { date: string; reason: string }, ctx: Ctx) {
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const item = await itemOrFail(tx, code);
    const unit = await unitOrFail(tx, item.unit_code, '/unitCode');
    requireOn(ctx, 'catalog:review', unit);
    await repo.lockItem(tx, item.id);
    if (item.cancelled_on) throw conflict('CATALOG_ITEM_CANCELLED', `item ${code} was already cancelled on ${item.cancelled_on}`);
    const today = chinaDate(now);
    if (input.date < today) throw badRequest('CATALOG_EFFECTIVE_DATE_INVALID', `the cancellation date ${input.date} is before today (${today})`);
    await applyCancellation(tx, item, input.date, now);
    await repo.setItemCancelled(tx, item.id, input.date, input.reason, now);
    await refreshItemSearch(tx, item);
    await refreshBundlesOfItem(tx, item.code);
    await writeAudit(tx, { ...ctx, at: now, action: 'catalog.item.cancel', objectType: 'service_item', objectId: item.id, orgUnitId: unit.id, data: { code, date: input.date, reason: input.reason } });
    await emit(tx, { topic: 'catalog.item.cancelled', key: code, payload: { code, date: input.date }, at: now });
    return { code, cancelledOn: input.date };
  });
}

async function applyCancellation(tx: Tx, item: repo.ItemRow, date: string, now: Date) {
  for (const v of await repo.listPublishedVersions(tx, item.id)) {
    if (v.effective_from! >= date) await repo.setVersionStatusAndEnd(tx, v.id, 'withdrawn', v.effective_until, now);
    else if (v.effective_until === null || v.effective_until > date) await repo.setVersionStatusAndEnd(tx, v.id, 'published', date, now);
  }
}

export async function listVersions(platform: Platform, code: string): Promise<VersionSummary[]> {
  const item = await itemOrFail(platform.db, code);
  return (await repo.listVersions(platform.db, item.id)).map(toVersionSummary);
}

export async function listItems(platform: Platform) {
  return (await repo.listItemsWithVersions(platform.db, chinaDate(platform.clock.now()))).map((r) => ({
    code: r.code,
    kind: r.kind,
    unitCode: r.unit_code,
    name: r.name,
    cancelledOn: r.cancelled_on,
    latestVersion: r.latest_version,
    latestStatus: r.latest_status,
    currentVersion: r.current_version,
  }));
}

// ---------------------------------------------------------------- public reads

export async function searchCatalog(platform: Platform, input: { q?: string; limit?: number; offset?: number }): Promise<{ query: string; total: number; items: SearchHit[] }> {
  const today = chinaDate(platform.clock.now());
  const limit = input.limit ?? 20;
  const offset = input.offset ?? 0;
  const q = input.q?.trim() ?? '';
  let rows: repo.SearchResultRow[];
  if (!q) rows = await repo.listCurrentEntries(platform.db, { today, limit, offset });
  else {
    const parsed = parseQuery(q);
    if (!parsed.tsquery) return { query: q, total: 0, items: [] };
    rows = await repo.searchEntries(platform.db, {
      tsquery: parsed.tsquery,
      text: parsed.text,
      phrases: parsed.preferred.map((p) => p.phrase),
      weights: parsed.preferred.map((p) => p.weight),
      today,
      limit,
      offset,
    });
  }
  return {
    query: q,
    total: rows[0]?.total ?? 0,
    items: rows.map((r) => ({
      type: r.kind,
      code: r.code,
      name: r.name,
      unitName: r.summary.unitName,
      visits: r.summary.visits,
      onlineDepthCode: r.summary.onlineDepthCode,
      onlineDepth: codeName(ONLINE_DEPTHS, r.summary.onlineDepthCode),
      promisedLimit: r.summary.promisedLimit,
      score: Math.round(Number(r.score) * 1000) / 1000,
    })),
  };
}

/** The public guide: the version in force today, its codes named, its place in the hierarchy. */
export async function getGuide(platform: Platform, code: string): Promise<Guide> {
  const db = platform.db;
  const today = chinaDate(platform.clock.now());
  const item = await repo.findItemByCode(db, code);
  const v = item && (await repo.findPublishedAt(db, item.id, today));
  if (!item || !v) throw notFound('CATALOG_ITEM_NOT_FOUND', `没有编码为 ${code} 的在办事项 (no published item ${code})`);
  const e = v.elements;
  const current = async (i: repo.ItemRow) => (await repo.findPublishedAt(db, i.id, today))?.name;
  const parentRow = item.parent_id ? await repo.findItemById(db, item.parent_id) : undefined;
  const parentName = parentRow && (await current(parentRow));
  const handlingItems = [];
  for (const c of await repo.listChildItems(db, item.id)) {
    const name = await current(c);
    if (name) handlingItems.push({ code: c.code, name });
  }
  return {
    code: item.code,
    kind: item.kind,
    basicCode: item.basic_code,
    implementationCode: item.implementation_code,
    handlingCode: item.handling_code,
    variant: item.variant,
    parent: parentRow && parentName ? { code: parentRow.code, name: parentName } : null,
    handlingItems,
    bundles: await repo.listBundlesWithItem(db, item.code, today),
    unitCode: item.unit_code,
    versionId: v.id,
    version: v.version,
    effectiveFrom: v.effective_from!,
    effectiveUntil: v.effective_until,
    acceptsApplications: acceptsApplications(e.typeCode),
    names: {
      type: codeName(ITEM_TYPES, e.typeCode),
      level: codeName(EXERCISE_LEVELS, e.levelCode),
      bodyNature: codeName(BODY_NATURES, e.implementingBody.natureCode),
      objects: e.objectCodes.map((c) => codeName(SERVICE_OBJECTS, c)),
      forms: e.formCodes.map((c) => codeName(HANDLING_FORMS, c)),
      caseType: codeName(CASE_TYPES, e.caseTypeCode),
      onlineDepth: codeName(ONLINE_DEPTHS, e.onlineDepthCode),
      crossRegionScope: codeName(CROSS_REGION_SCOPES, e.crossRegionScopeCode),
      results: e.results.map((r) => codeName(RESULT_KINDS, r.kindCode)),
      specialProcedures: e.specialProcedures.map((s) => codeName(SPECIAL_PROCEDURES, s.code)),
    },
    elements: e,
  };
}

async function describeBundle(q: Queryable, bundle: repo.BundleRow, v: repo.BundleVersionRow, date: string): Promise<BundleGuide> {
  const d = v.definition;
  const members = await bundleMembers(q, d, date);
  return {
    code: bundle.code,
    unitCode: bundle.unit_code,
    versionId: v.id,
    version: v.version,
    effectiveFrom: v.effective_from!,
    effectiveUntil: v.effective_until,
    definition: d,
    items: d.items.map((it) => {
      const m = members.find((x) => x.code === it.itemCode)!;
      return {
        code: m.code,
        name: m.elements.name,
        versionId: m.version.id,
        unitName: m.elements.implementingBody.name,
        isOptional: it.isOptional,
        condition: it.condition ?? null,
        dependsOn: it.dependsOn,
        promisedLimit: m.elements.promisedLimit,
        visits: m.elements.visits,
      };
    }),
    materials: mergeBundleMaterials(d, members),
    formFields: mergeBundleFormFields(members, d.formFields),
    limit: combinedLimit(d, members),
    materialsBeforeMerge: members.reduce((n, m) => n + m.elements.materials.length, 0),
  };
}

/**
 * A bundle as it applies on `at` (default today): its items pinned to the versions in force, one
 * merged set of materials, one form and the combined deadline. The cases module files a parent
 * case with these versions.
 */
export async function getBundleGuide(platform: Platform, code: string, at?: Date | string): Promise<BundleGuide> {
  const date = toDate(at, platform);
  const bundle = await repo.findBundleByCode(platform.db, code);
  const v = bundle && (await repo.findBundlePublishedAt(platform.db, bundle.id, date));
  if (!bundle || !v) throw notFound('CATALOG_BUNDLE_NOT_FOUND', `没有编码为 ${code} 的一件事 (no published bundle ${code})`);
  return describeBundle(platform.db, bundle, v, date);
}

/** A bundle version by id, resolved against the item versions in force on `at` (cases pin both). */
export async function getBundleVersion(platform: Platform, versionId: string, at?: Date | string): Promise<BundleGuide | undefined> {
  const v = await repo.findBundleVersion(platform.db, versionId);
  if (!v) return undefined;
  const bundle = (await repo.listBundleRows(platform.db)).find((b) => b.id === v.bundle_id)!;
  return describeBundle(platform.db, bundle, v, toDate(at, platform));
}

export async function listBundles(platform: Platform) {
  const today = chinaDate(platform.clock.now());
  const out = [];
  for (const b of await repo.listBundleRows(platform.db)) {
    const v = await repo.findBundlePublishedAt(platform.db, b.id, today);
    if (!v) continue;
    let promised = v.definition.promisedLimit ?? null;
    if (!promised) {
      try {
        promised = combinedLimit(v.definition, await bundleMembers(platform.db, v.definition, today)).promised;
      } catch {
        promised = null;
      }
    }
    out.push({ code: b.code, name: v.name, summary: v.definition.summary, itemCount: v.definition.items.length, visits: v.definition.visits, promisedLimit: promised });
  }
  return out;
}

export async function listPowerList(platform: Platform, filter: { unitCode?: string; typeCode?: string } = {}): Promise<PowerEntry[]> {
  return (await repo.listPowerEntries(platform.db, filter)).map((p) => ({
    code: p.code,
    name: p.name,
    typeCode: p.type_code,
    typeName: codeName(ITEM_TYPES, p.type_code),
    unitCode: p.unit_code,
    acceptsApplications: acceptsApplications(p.type_code),
    legalBasis: p.legal_basis,
    responsibilities: p.responsibilities,
    accountability: p.accountability,
    itemCodes: p.item_codes,
  }));
}

/** Figures of the catalogue in force today (时限压缩率 and the counts behind the 一网通办 rates). */
export async function catalogStats(platform: Platform): Promise<CatalogStats> {
  const today = chinaDate(platform.clock.now());
  const current = await repo.listCurrentElements(platform.db, today);
  const rate = timeLimitCompressionRate(current.map((c) => c.elements));
  return {
    items: current.length,
    bundles: await repo.countCurrentBundles(platform.db, today),
    timeLimitCompressionRate: rate.rate === null ? null : Math.round(rate.rate * 10000) / 10000,
    itemsWithLegalLimit: rate.counted,
    zeroVisitItems: current.filter((c) => c.elements.visits === 0).length,
    fullyOnlineItems: current.filter((c) => c.elements.onlineDepthCode === '4').length,
    onTheSpotItems: current.filter((c) => c.elements.caseTypeCode === '1').length,
  };
}
