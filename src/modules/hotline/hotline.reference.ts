import type { Actor } from '../../platform/audit.ts';
import { canActOn, ROLE_PERMISSIONS, type Principal } from '../../platform/auth/roles.ts';
import type { CalendarSnapshot } from '../../platform/calendar/calendar.ts';
import type { Queryable } from '../../platform/db.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import type { Platform } from '../../platform/module.ts';
import { listOrgUnits, orgViews } from '../org/index.ts';
import { localDate, timeLimitOf, type Calendar } from './hotline.deadlines.ts';
import * as repo from './hotline.repository.ts';
import type { WorkOrderRow } from './hotline.repository.ts';
import type { Category } from './hotline.schemas.ts';
import type { ActorClass } from './hotline.transitions.ts';

// What every hotline use case leans on: the dispatch advisor plug-in point, the category tree and
// org units (cached briefly per platform), the calendar loaded before a transaction, and who the
// caller is with respect to an order (centre, supervisor, lead or co-handling unit, citizen).

export type Ctx = ActionContext;

// ---------------------------------------------------------------- dispatch advisor (plug-in point)

export interface DispatchSuggestion {
  units: { unitCode: string; score: number; explanation: string[] }[];
  streetCode: string | null;
  autoDispatch: boolean;
}

/** Suggests handling units for a text and place; the intelligent dispatch module registers one. */
export interface DispatchAdvisor {
  suggest(input: { text: string; address?: string; categoryCode?: string }): Promise<DispatchSuggestion>;
}

const advisors = new WeakMap<Platform, DispatchAdvisor>();
const ADVISOR_TIMEOUT_MS = 3000;
export const NO_SUGGESTION: DispatchSuggestion = Object.freeze({ units: [], streetCode: null, autoDispatch: false }) as DispatchSuggestion;

export function registerDispatchAdvisor(platform: Platform, advisor: DispatchAdvisor): void {
  advisors.set(platform, advisor);
}

/** Back to "no advisor" (tests that must not depend on the dispatch module's model). */
export function clearDispatchAdvisor(platform: Platform): void {
  advisors.delete(platform);
}

/** Asks the registered advisor; none, a failure or a slow answer all mean "no suggestion": the agent picks. */
export async function adviseOn(platform: Platform, input: { text: string; address?: string; categoryCode?: string }): Promise<DispatchSuggestion | null> {
  const advisor = advisors.get(platform);
  if (!advisor) return null;
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      advisor.suggest(input),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('dispatch advisor timed out')), ADVISOR_TIMEOUT_MS);
      }),
    ]);
    const units = Array.isArray(answer?.units)
      ? answer.units
          .filter((u) => typeof u?.unitCode === 'string' && Number.isFinite(u.score))
          .slice(0, 5)
          .map((u) => ({ unitCode: u.unitCode, score: u.score, explanation: Array.isArray(u.explanation) ? u.explanation.map(String).slice(0, 10) : [] }))
      : [];
    return { units, streetCode: typeof answer?.streetCode === 'string' ? answer.streetCode : null, autoDispatch: answer?.autoDispatch === true && units.length > 0 };
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- reference data: categories, units, district

export interface CategoryInfo extends Category {
  isActive: boolean;
}

const categoryCache = new WeakMap<Platform, { at: number; byCode: Map<string, CategoryInfo>; list: CategoryInfo[] }>();
const CATEGORY_CACHE_MS = 30_000;

export async function categoriesOf(platform: Platform): Promise<{ byCode: Map<string, CategoryInfo>; list: CategoryInfo[] }> {
  const now = Date.now();
  const hit = categoryCache.get(platform);
  if (hit && now - hit.at < CATEGORY_CACHE_MS) return hit;
  const rows = await repo.listCategoryRows(platform.db);
  const raw = new Map(rows.map((r) => [r.code, r]));
  const limitOf = (r: repo.CategoryRow | undefined, depth = 0): number | null =>
    !r || depth > 10 ? null : (r.time_limit_days ?? limitOf(r.parent_code ? raw.get(r.parent_code) : undefined, depth + 1));
  const list = rows.map((r) => ({
    code: r.code,
    parentCode: r.parent_code,
    name: r.name,
    description: r.description,
    timeLimitDays: timeLimitOf(limitOf(r), 'normal'),
    defaultUnitCode: r.default_unit_code,
    openService: r.is_open_service,
    isLocationRequired: r.is_location_required,
    attributes: r.attributes,
    keywords: r.keywords,
    isActive: r.is_active,
  }));
  const entry = { at: now, byCode: new Map(list.map((c) => [c.code, c])), list };
  categoryCache.set(platform, entry);
  return entry;
}

export function forgetCategories(platform: Platform) {
  categoryCache.delete(platform);
}

export async function listCategories(platform: Platform): Promise<Category[]> {
  return (await categoriesOf(platform)).list.map(({ isActive: _, ...c }) => c);
}

export async function categoryOf(platform: Platform, code: string): Promise<CategoryInfo> {
  const c = (await categoriesOf(platform)).byCode.get(code);
  if (!c) throw badRequest('HOTLINE_CATEGORY_UNKNOWN', `没有编码为 ${code} 的工单分类 (unknown category ${code})`);
  return c;
}

export interface UnitInfo {
  code: string;
  name: string;
  path: string;
  kind: string;
  isActive: boolean;
}

const unitCache = new WeakMap<Platform, Map<string, { unit: UnitInfo | null; at: number }>>();
const UNIT_CACHE_MS = 60_000;

/** A unit by code, cached briefly; `q` lets a transaction read it (PGlite cannot read beside one). */
export async function unitOf(platform: Platform, code: string, q: Queryable = platform.db): Promise<UnitInfo | null> {
  let cache = unitCache.get(platform);
  if (!cache) unitCache.set(platform, (cache = new Map()));
  const hit = cache.get(code);
  if (hit && Date.now() - hit.at < UNIT_CACHE_MS) return hit.unit;
  const row = await orgViews.findUnitByCode(q, code);
  const unit = row ? { code: row.code, name: row.short_name ?? row.name, path: row.path, kind: row.kind, isActive: row.is_active } : null;
  if (cache.size > 5000) cache.clear();
  cache.set(code, { unit, at: Date.now() });
  return unit;
}

export async function handlingUnit(platform: Platform, code: string, q?: Queryable): Promise<UnitInfo> {
  const unit = await unitOf(platform, code, q);
  if (!unit || !unit.isActive || unit.kind === 'district') {
    throw badRequest('ORG_UNIT_UNKNOWN', `没有可承办工单的单位 ${code} (no handling unit ${code})`);
  }
  return unit;
}

const districtCodes = new WeakMap<Platform, string>();
export async function districtCodeOf(platform: Platform): Promise<string> {
  let code = districtCodes.get(platform);
  if (!code) {
    const root = (await listOrgUnits(platform.db)).find((u) => u.depth === 0);
    code = root?.code ?? 'WO';
    districtCodes.set(platform, code);
  }
  return code;
}

const placeCache = new WeakMap<Platform, { at: number; places: { name: string; streetCode: string }[] }>();

/**
 * 属地: the street/town a text names, through the district's gazetteer (communities, roads, places)
 * and the streets' own names. Only an unambiguous match counts: the address first, then the text;
 * two streets named, or none, locate nothing (the dispatch advisor or the agent decides then).
 */
export async function locateStreet(platform: Platform, address: string | null, text: string): Promise<string | null> {
  let cached = placeCache.get(platform);
  if (!cached || Date.now() - cached.at > UNIT_CACHE_MS * 5) {
    const units = await listOrgUnits(platform.db);
    const streets = units.filter((u) => u.kind === 'street' || u.kind === 'town');
    const streetCodes = new Set(streets.map((u) => u.code));
    const places = [
      ...streets.flatMap((u) => [u.name, u.shortName, u.name.replace(/(办事处|人民政府)$/, '')].filter((n): n is string => Boolean(n)).map((name) => ({ name, streetCode: u.code }))),
      ...(await orgViews.listGazetteer(platform.db)).filter((g) => streetCodes.has(g.unit_code)).map((g) => ({ name: g.name, streetCode: g.unit_code })),
    ].filter((p) => p.name.length >= 2);
    cached = { at: Date.now(), places };
    placeCache.set(platform, cached);
  }
  const streetsIn = (s: string | null) => new Set(s ? cached.places.filter((p) => s.includes(p.name)).map((p) => p.streetCode) : []);
  for (const found of [streetsIn(address), streetsIn(text)]) {
    if (found.size === 1) return [...found][0]!;
    if (found.size > 1) return null;
  }
  return null;
}

/** A calendar loaded before a transaction: PGlite runs one statement stream, so no read may wait beside it. */
export async function calendarFor(platform: Platform): Promise<Calendar> {
  const year = Number(localDate(platform.clock.now()).slice(0, 4));
  const s: CalendarSnapshot = await platform.calendar.snapshot(year - 1, year + 1);
  return {
    isWorkingDay: async (d) => s.isWorkingDay(d),
    addWorkingDays: async (d, n) => s.addWorkingDays(d, n),
    workingDaysBetween: async (a, b) => s.workingDaysBetween(a, b),
  };
}

// ---------------------------------------------------------------- who is acting

export const actorLabel = (a: Actor) => a.label ?? a.id ?? a.kind;
export const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export function handlePaths(p: Principal | undefined): string[] {
  if (!p) return [];
  return p.grants.filter((g) => ROLE_PERMISSIONS[g.role].includes('hotline:handle')).map((g) => g.orgPath);
}

export function classesOf(ctx: Ctx, order: WorkOrderRow, active: repo.AssignmentRow[], isCitizenVerified = false): Set<ActorClass> {
  const s = new Set<ActorClass>();
  if (ctx.actor.kind === 'system') s.add('system');
  const p = ctx.principal;
  if (p) {
    if (p.permissions.has('hotline:dispatch')) s.add('centre');
    if (p.permissions.has('hotline:supervise')) s.add('supervisor');
    if (p.permissions.has('hotline:handle')) {
      for (const a of active) if (canActOn(p, 'hotline:handle', a.unit_path)) s.add(a.role === 'lead' ? 'lead' : 'co');
    }
    if (order.citizen_account_id && p.userId === order.citizen_account_id) s.add('citizen');
  }
  if (isCitizenVerified) s.add('citizen');
  return s;
}

export const orderNotFound = (ref: string) => notFound('WORK_ORDER_NOT_FOUND', `工单 ${ref} 不存在或无权查看 (no such work order)`);
