import { createHash } from 'node:crypto';
import { canonicalJson, systemActor, writeAudit, writeAudits, type Actor } from '../../platform/audit.ts';
import { canActOn } from '../../platform/auth/roles.ts';
import { isPhoneNumber, normalisePhone } from '../../platform/crypto/pii.ts';
import type { Tx } from '../../platform/db.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { groupCommit } from '../../platform/group-commit.ts';
import { emit, emitMany } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import { assertValid } from '../../platform/validate.ts';
import { casesViews, storeAttachment } from '../cases/index.ts';
import { getArticleVersion } from '../knowledge/index.ts';
import {
  dispatchDeadlines,
  finishDeadlineOn,
  localDate,
  MAX_EXTENSION_DAYS,
  pausedWorkingDays,
  signDeadline,
  timeLimitOf,
  type Calendar,
} from './hotline.deadlines.ts';
import {
  actorLabel,
  adviseOn,
  calendarFor,
  categoryOf,
  classesOf,
  districtCodeOf,
  handlingUnit,
  iso,
  locateStreet,
  orderNotFound,
  unitOf,
  type Ctx,
  type DispatchSuggestion,
  type UnitInfo,
} from './hotline.reference.ts';
import * as repo from './hotline.repository.ts';
import type { WorkOrderPatch, WorkOrderRow } from './hotline.repository.ts';
import {
  CreateWorkOrderInput,
  KIND_LABELS,
  PLACE_BOUND_KINDS,
  type AnswerBody,
  type CallbackBody,
  type DispatchBody,
  type Kind,
  type Open311Attribute,
  type Progress,
  type ReturnBody,
  type SplitBody,
} from './hotline.schemas.ts';
import { isFinished, nextStatus, TRANSITIONS, topicOf, type Action, type ActorClass, type Status } from './hotline.transitions.ts';
import { progressOf } from './hotline.views.ts';

// Use cases that change work orders: intake from every channel, and the actions of the transition
// table, each in one transaction that writes the change, its event-log row, its outbox event and its
// audit row. Citizens reach their orders with the number and the phone they gave.

// ---------------------------------------------------------------- intake

export interface CreatedWorkOrder {
  id: string;
  number: string;
  status: Status;
  created: boolean;
}

function checkAttributes(defs: Open311Attribute[], values: Record<string, unknown>) {
  const byCode = new Map(defs.map((d) => [d.code, d]));
  const bad = (message: string) => badRequest('WORK_ORDER_ATTRIBUTE_INVALID', message);
  for (const [code, value] of Object.entries(values)) {
    const def = byCode.get(code);
    if (!def) throw bad(`该分类没有属性 ${code} (unknown attribute ${code})`);
    const keys = new Set((def.values ?? []).map((v) => v.key));
    const ok =
      def.datatype === 'number' ? typeof value === 'number' && Number.isFinite(value)
      : def.datatype === 'datetime' ? typeof value === 'string' && !Number.isNaN(Date.parse(value))
      : def.datatype === 'singlevaluelist' ? typeof value === 'string' && keys.has(value)
      : def.datatype === 'multivaluelist' ? Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && keys.has(v))
      : typeof value === 'string';
    if (!ok) throw bad(`属性 ${code} 的值不符合 ${def.datatype} (attribute ${code} must be a valid ${def.datatype})`);
  }
  for (const def of defs) {
    if (def.required && values[def.code] === undefined) throw bad(`缺少必填属性 ${def.code}「${def.description}」 (attribute ${def.code} is required)`);
  }
}

interface PreparedIntake {
  categoryCode: string;
  kind: Kind;
  description: string;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  streetCode: string | null;
  priority: 'normal' | 'urgent';
  timeLimitDays: number;
  attributes: Record<string, unknown>;
  attachmentIds: string[];
}

async function prepareIntake(
  platform: Platform,
  input: { kind: Kind; categoryCode: string; description: string; address?: string; latitude?: number; longitude?: number; streetCode?: string; priority?: 'normal' | 'urgent'; attributes?: Record<string, unknown>; attachmentIds?: string[] },
  uploaderId: string | null = null,
): Promise<PreparedIntake> {
  const description = input.description.trim();
  if (!description) throw badRequest('WORK_ORDER_DESCRIPTION_REQUIRED', '请描述诉求内容 (describe the matter)');
  const category = await categoryOf(platform, input.categoryCode);
  if ((input.latitude === undefined) !== (input.longitude === undefined)) {
    throw badRequest('WORK_ORDER_LOCATION_INVALID', '经纬度须同时提供 (give latitude and longitude together)');
  }
  const address = input.address?.trim() || null;
  if (category.isLocationRequired && PLACE_BOUND_KINDS.includes(input.kind) && !address && input.latitude === undefined) {
    throw badRequest('WORK_ORDER_LOCATION_REQUIRED', `「${category.name}」类诉求须说明地点 (this category needs an address or coordinates)`);
  }
  const attributes = input.attributes ?? {};
  checkAttributes(category.attributes, attributes);
  if (input.streetCode) {
    const street = await unitOf(platform, input.streetCode);
    if (!street || (street.kind !== 'street' && street.kind !== 'town')) {
      throw badRequest('ORG_UNIT_UNKNOWN', `${input.streetCode} 不是街道或镇 (not a street or town)`);
    }
  }
  const priority = input.priority ?? 'normal';
  return {
    categoryCode: category.code,
    kind: input.kind,
    description,
    address,
    latitude: input.latitude ?? null,
    longitude: input.longitude ?? null,
    streetCode: input.streetCode ?? null,
    priority,
    timeLimitDays: timeLimitOf(category.timeLimitDays, priority),
    attributes,
    attachmentIds: await checkPhotos(platform, input.attachmentIds ?? [], uploaderId),
  };
}

// ---------------------------------------------------------------- photos

export const PHOTO_PURPOSE = 'hotline.photo';
const PHOTO_TYPES = ['image/jpeg', 'image/png'];

/** Stores a photo for a request about to be sent (the public form uploads before it submits). */
export async function uploadPhoto(platform: Platform, bytes: Buffer, fileName: string | undefined, ctx: Ctx) {
  if (ctx.ip && limitersOf(platform).photos.hit(ctx.ip, platform.clock.now().getTime())) throw rateLimited();
  return storeAttachment(platform, bytes, { purpose: PHOTO_PURPOSE, fileName, allowedTypes: PHOTO_TYPES }, ctx);
}

/**
 * The photos named by a new order: each a stored hotline photo, uploaded anonymously (its id, a
 * UUIDv7 with 74 random bits, is the caller's to give) or by the account creating the order.
 */
async function checkPhotos(platform: Platform, ids: string[], uploaderId: string | null): Promise<string[]> {
  const unique = [...new Set(ids)];
  for (const id of unique) {
    const a = await casesViews.findAttachment(platform.db, id);
    if (!a || a.purpose !== PHOTO_PURPOSE || (a.owner_account_id !== null && a.owner_account_id !== uploaderId)) {
      throw badRequest('WORK_ORDER_PHOTO_UNKNOWN', `照片 ${id} 不存在或不属于本次提交 (no such photo uploaded for this request)`);
    }
  }
  return unique;
}

interface CallerData {
  nameEnc: string | null;
  phoneEnc: string | null;
  phoneHash: string | null;
  isConfidential: boolean;
}

function encryptCaller(platform: Platform, caller: { name?: string; phone?: string; isConfidential?: boolean } | undefined): CallerData {
  const phone = caller?.phone ? normalisePhone(caller.phone) : null;
  if (caller?.phone && !isPhoneNumber(caller.phone)) {
    throw badRequest('PHONE_INVALID', '请填写正确的手机号或固定电话 (not a valid phone number)');
  }
  const name = caller?.name?.trim() || null;
  return {
    nameEnc: name ? platform.pii.encrypt(name) : null,
    phoneEnc: phone ? platform.pii.encrypt(phone) : null,
    phoneHash: phone ? platform.pii.blindIndex('phone', phone) : null,
    isConfidential: caller?.isConfidential ?? false,
  };
}

/**
 * Human-readable order numbers: the district code, the local day as YYMMDD and the day's sequence
 * (5 digits, more after 99999), e.g. YX26112300001. Unique in the district and increasing within a
 * day; a value can be skipped (a refused or duplicate submission takes one). Taken before the order's
 * transaction, in one short transaction of their own, so intakes do not queue behind each other.
 */
async function takeOrderNumbers(platform: Platform, now: Date, count: number): Promise<string[]> {
  const prefix = await districtCodeOf(platform);
  const day = localDate(now);
  const last = await repo.takeDayNumbers(platform.db, day, count);
  const yymmdd = day.slice(2).replaceAll('-', '');
  return Array.from({ length: count }, (_, i) => `${prefix}${yymmdd}${String(last - count + 1 + i).padStart(5, '0')}`);
}

/** A new order, ready to write: everything is checked and computed; only its number is still to take. */
interface NewOrder {
  id: string;
  channel: string;
  prepared: PreparedIntake;
  caller: CallerData;
  citizenAccountId: string | null;
  suggestion: DispatchSuggestion | null;
  isAutoDispatch: boolean;
  splitFrom?: string;
  /** For a keyed submission: written only if the key is new. */
  claim?: { source: string; key: string; requestHash: string };
  ctx: Ctx;
  now: Date;
}

/**
 * Writes new orders, their 'created' events, outbox events and audit rows, in `tx`, with the numbers
 * given (one per order, in order). Returns the ids written: an order whose idempotency key another
 * submission claimed first is not.
 */
async function insertNewOrders(tx: Tx, orders: NewOrder[], numbers: string[]): Promise<Set<string>> {
  const dataOf = (o: NewOrder) => ({
    channel: o.channel,
    kind: o.prepared.kind,
    categoryCode: o.prepared.categoryCode,
    streetCode: o.prepared.streetCode,
    isAutoDispatch: o.isAutoDispatch,
    ...(o.splitFrom ? { splitFrom: o.splitFrom } : {}),
  });
  const written = await repo.insertNewWorkOrders(
    tx,
    orders.map((o, i) => {
      const p = o.prepared;
      return {
        order: {
          id: o.id,
          number: numbers[i]!,
          channel: o.channel,
          kind: p.kind,
          priority: p.priority,
          category_code: p.categoryCode,
          description: p.description,
          address: p.address,
          latitude: p.latitude,
          longitude: p.longitude,
          street_code: p.streetCode,
          attributes: p.attributes,
          attachment_ids: p.attachmentIds,
          caller_name_enc: o.caller.nameEnc,
          caller_phone_enc: o.caller.phoneEnc,
          caller_phone_hash: o.caller.phoneHash,
          citizen_account_id: o.citizenAccountId,
          is_confidential: o.caller.isConfidential,
          time_limit_days: p.timeLimitDays,
          suggestion: o.suggestion,
          split_from: o.splitFrom ?? null,
          redo_of: null,
          created_by: actorLabel(o.ctx.actor),
          created_at: o.now,
        },
        event: { id: uuidv7(), actor_kind: o.ctx.actor.kind, actor_id: o.ctx.actor.id ?? null, actor_label: o.ctx.actor.label ?? null, data: dataOf(o) },
        ...(o.claim ? { claim: o.claim } : {}),
      };
    }),
  );
  const fresh = orders.map((o, i) => ({ o, number: numbers[i]! })).filter(({ o }) => written.has(o.id));
  await emitMany(tx, fresh.map(({ o }) => ({ topic: topicOf('create'), key: o.id, at: o.now, payload: { orderId: o.id, ...dataOf(o) } })));
  // Last: the audit chain's lock is held from here to the commit.
  await writeAudits(
    tx,
    fresh.map(({ o, number }) => ({ ...o.ctx, action: 'hotline.work_order.create', objectType: 'work_order', objectId: o.id, at: o.now, data: { number, ...dataOf(o) } })),
  );
  return written;
}

type Written = { created: true; number: string } | { created: false; orderId: string; requestHash: string };

/**
 * One batch of intakes (group commit): numbers for all in one statement, then one transaction for
 * all. A submission whose key was claimed meanwhile answers with the order that claim created.
 */
async function writeIntakeBatch(platform: Platform, orders: NewOrder[]): Promise<Written[]> {
  const numbers: string[] = [];
  // Numbers run per local day; a batch almost always falls on one.
  for (let i = 0; i < orders.length; ) {
    const day = localDate(orders[i]!.now);
    let j = i;
    while (j < orders.length && localDate(orders[j]!.now) === day) j += 1;
    numbers.push(...(await takeOrderNumbers(platform, orders[i]!.now, j - i)));
    i = j;
  }
  const written = await platform.db.tx((tx) => insertNewOrders(tx, orders, numbers));
  const lost = orders.filter((o) => !written.has(o.id));
  const claims = await repo.findIdempotencyKeys(platform.db, lost.map((o) => o.claim!));
  return orders.map((o, i) => {
    if (written.has(o.id)) return { created: true, number: numbers[i]! };
    const claim = claims.get(repo.idempotencyId(o.claim!.source, o.claim!.key));
    if (!claim) throw new Error(`idempotency key of order ${o.id} neither written nor found`);
    return { created: false, ...claim };
  });
}

interface IntakeBatchers {
  write: (order: NewOrder) => Promise<Written>;
  seen: (pair: { source: string; key: string }) => Promise<{ orderId: string; requestHash: string } | null>;
}
const batchersOf = new WeakMap<Platform, IntakeBatchers>();

/** The platform's intake group commits: one for writing new orders, one for looking up their keys. */
function intakeBatchers(platform: Platform): IntakeBatchers {
  let b = batchersOf.get(platform);
  if (!b) {
    b = {
      write: groupCommit((orders: NewOrder[]) => writeIntakeBatch(platform, orders), { maxBatch: 32, concurrency: 2 }),
      seen: groupCommit(async (pairs: { source: string; key: string }[]) => {
        const found = await repo.findIdempotencyKeys(platform.db, pairs);
        return pairs.map((p) => found.get(repo.idempotencyId(p.source, p.key)) ?? null);
      }, { maxBatch: 64, concurrency: 2 }),
    };
    batchersOf.set(platform, b);
  }
  return b;
}

/**
 * Accepts a work order from any channel. With an idempotency key, the same submission from the same
 * source returns the order it first created (created: false); the same key with other content is
 * refused. When the dispatch advisor is sure (autoDispatch) and no hotline agent is creating the
 * order, a job dispatches it; the job is driven from the outbox, so a crash cannot lose it.
 * Concurrent intakes are written together (group commit): under load one transaction carries many.
 */
export async function createWorkOrder(platform: Platform, input: CreateWorkOrderInput, ctx: Ctx): Promise<CreatedWorkOrder> {
  const valid = assertValid(CreateWorkOrderInput, input, 'WORK_ORDER_INVALID', 'work order');
  const { idempotencyKey, idempotencySource, ...content } = valid;
  const source = idempotencySource ?? (ctx.actor.id ? `${ctx.actor.kind}:${ctx.actor.id}` : `${ctx.actor.kind}:${valid.channel}`);
  const requestHash = createHash('sha256').update(canonicalJson(content)).digest('hex');
  const batchers = intakeBatchers(platform);
  const existingFor = async (orderId: string, hash: string): Promise<CreatedWorkOrder> => {
    if (hash !== requestHash) {
      throw conflict('IDEMPOTENCY_KEY_REUSED', '该幂等键已用于另一份不同的诉求 (this Idempotency-Key was used for a different request)');
    }
    const row = await repo.findWorkOrder(platform.db, orderId);
    return { id: row!.id, number: row!.number, status: row!.status, created: false };
  };
  // A replay answers with its order before anything is checked again (its photos are taken, say).
  if (idempotencyKey) {
    const seen = await batchers.seen({ source, key: idempotencyKey });
    if (seen) return existingFor(seen.orderId, seen.requestHash);
  }

  const prepared = await prepareIntake(platform, content, ctx.principal?.userId ?? null);
  const caller = encryptCaller(platform, content.caller);
  const suggestion = await adviseOn(platform, { text: prepared.description, address: prepared.address ?? undefined, categoryCode: prepared.categoryCode });
  if (!prepared.streetCode && suggestion?.streetCode) {
    const street = await unitOf(platform, suggestion.streetCode);
    if (street && (street.kind === 'street' || street.kind === 'town')) prepared.streetCode = street.code;
  }
  prepared.streetCode ??= await locateStreet(platform, prepared.address, prepared.description);
  const isCentre = ctx.principal?.permissions.has('hotline:dispatch') ?? false;
  const isAutoDispatch = !isCentre && suggestion?.autoDispatch === true;
  const citizenAccountId = ctx.principal && ctx.principal.userKind !== 'staff' && ctx.principal.via === 'session' ? ctx.principal.userId : null;

  const id = uuidv7();
  const written = await batchers.write({
    id,
    channel: valid.channel,
    prepared,
    caller,
    citizenAccountId,
    suggestion,
    isAutoDispatch,
    ...(idempotencyKey ? { claim: { source, key: idempotencyKey, requestHash } } : {}),
    ctx,
    now: platform.clock.now(),
  });
  if (!written.created) return existingFor(written.orderId, written.requestHash);
  return { id, number: written.number, status: 'created', created: true };
}

// ---------------------------------------------------------------- the transition engine

interface ActionResult {
  patch?: WorkOrderPatch;
  /** Kept in the event log (may hold text, e.g. a reply). */
  data?: Record<string, unknown>;
  /** Text-free extras for the outbox event (ids, codes, flags). */
  outbox?: Record<string, unknown>;
}

interface ActionEnv {
  tx: Tx;
  order: WorkOrderRow;
  active: repo.AssignmentRow[];
  to: Status;
  now: Date;
  classes: Set<ActorClass>;
}

export async function appendEvent(
  tx: Tx,
  order: { id: string },
  e: { type: string; from: string | null; to: string | null; unitCode: string | null; data: Record<string, unknown>; now: Date },
  actor: Actor,
) {
  await repo.insertEvent(tx, {
    id: uuidv7(),
    order_id: order.id,
    at: e.now,
    type: e.type,
    from_status: e.from,
    to_status: e.to,
    actor_kind: actor.kind,
    actor_id: actor.id ?? null,
    actor_label: actor.label ?? null,
    unit_code: e.unitCode,
    data: e.data,
  });
}

/**
 * Runs one action of the transition table on one order: lock, check who and from which status, apply,
 * then write the status, the event, the audit row and the outbox event in the same transaction.
 */
async function runAction(
  platform: Platform,
  ref: string,
  action: Action,
  ctx: Ctx,
  apply: (env: ActionEnv) => Promise<ActionResult>,
  opts: { isCitizenVerified?: boolean } = {},
): Promise<WorkOrderRow> {
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const order = await repo.findWorkOrder(tx, ref, true);
    if (!order) throw orderNotFound(ref);
    const active = (await repo.listAssignments(tx, order.id)).filter((a) => a.is_active);
    const classes = classesOf(ctx, order, active, opts.isCitizenVerified);
    if (classes.size === 0) throw orderNotFound(ref);
    const rule = TRANSITIONS[action];
    if (!rule.by.some((c) => classes.has(c))) {
      throw forbidden('FORBIDDEN', `无权${rule.label} (only ${rule.by.join(' / ')} may ${action} this order)`);
    }
    const to = nextStatus(action, order.status, order.status_before_return);
    const result = await apply({ tx, order, active, to, now, classes });
    const patch: WorkOrderPatch = { ...result.patch, status: to, updated_at: now };
    await repo.updateWorkOrder(tx, order.id, patch);
    const unitCode = patch.lead_unit_code !== undefined ? patch.lead_unit_code : order.lead_unit_code;
    const data = result.data ?? {};
    await appendEvent(tx, order, { type: rule.event, from: order.status, to, unitCode, data, now }, ctx.actor);
    await emit(tx, {
      topic: topicOf(action),
      key: order.id,
      at: now,
      payload: { orderId: order.id, number: order.number, fromStatus: order.status, toStatus: to, unitCode, ...result.outbox },
    });
    // Last: the audit chain's lock is held from here to the commit.
    await writeAudit(tx, { ...ctx, action: `hotline.work_order.${action}`, objectType: 'work_order', objectId: order.id, at: now, data: { number: order.number, from: order.status, to, ...data } });
    return { ...order, ...patch } as WorkOrderRow;
  });
}

/** Deadline columns for a fresh (re-)dispatch at `now`. */
function deadlinePatch(d: Awaited<ReturnType<typeof dispatchDeadlines>>): WorkOrderPatch {
  return {
    sign_due_at: d.signDueAt,
    sign_warn_at: d.signWarnAt,
    sign_signal: 'none',
    finish_due_on: d.finishDueOn,
    finish_due_at: d.finishDueAt,
    finish_warn_at: d.finishWarnAt,
    finish_signal: 'none',
    paused_at: null,
    extended_days: 0,
  };
}

async function assignUnits(platform: Platform, tx: Tx, orderId: string, lead: UnitInfo, coCodes: string[], now: Date): Promise<string[]> {
  const co: UnitInfo[] = [];
  for (const code of [...new Set(coCodes)]) {
    if (code === lead.code) continue;
    co.push(await handlingUnit(platform, code, tx));
  }
  await repo.insertAssignments(tx, [
    { id: uuidv7(), order_id: orderId, unit_code: lead.code, unit_path: lead.path, role: 'lead', assigned_at: now },
    ...co.map((u) => ({ id: uuidv7(), order_id: orderId, unit_code: u.code, unit_path: u.path, role: 'co' as const, assigned_at: now })),
  ]);
  return co.map((u) => u.code);
}

// ---------------------------------------------------------------- dispatch, sign, handle, reply

/** 派单: to a lead unit (and co-handling units), with deadlines from now. `isAuto`: the advisor decided. */
export async function dispatchWorkOrder(platform: Platform, id: string, body: DispatchBody & { isAuto?: boolean }, ctx: Ctx) {
  const calendar = await calendarFor(platform);
  return runAction(platform, id, 'dispatch', ctx, async ({ tx, order, now }) => {
    const lead = await handlingUnit(platform, body.leadUnitCode, tx);
    const deadlines = await dispatchDeadlines(calendar, now, order.time_limit_days);
    const coUnitCodes = await assignUnits(platform, tx, order.id, lead, body.coUnitCodes ?? [], now);
    const suggested = (order.suggestion?.units ?? []).map((u) => u.unitCode);
    const isAuto = body.isAuto === true;
    const learning = { suggested, chosen: lead.code, auto: isAuto, isCorrection: suggested.length > 0 && suggested[0] !== lead.code };
    return {
      patch: { lead_unit_code: lead.code, ...deadlinePatch(deadlines) },
      data: { unitCode: lead.code, coUnitCodes, signDueAt: iso(deadlines.signDueAt), finishDueAt: iso(deadlines.finishDueAt), note: body.note ?? null, ...learning },
      outbox: { categoryCode: order.category_code, coUnitCodes, ...learning },
    };
  });
}

export const signWorkOrder = (platform: Platform, id: string, ctx: Ctx) =>
  runAction(platform, id, 'sign', ctx, async ({ tx, order, now }) => {
    await repo.markLeadSigned(tx, order.id, now);
    const isOnTime = order.sign_due_at ? now.getTime() <= new Date(order.sign_due_at).getTime() : true;
    return { data: { signDueAt: iso(order.sign_due_at), isOnTime }, outbox: { isOnTime } };
  });

export const startWorkOrder = (platform: Platform, id: string, ctx: Ctx) => runAction(platform, id, 'start', ctx, async () => ({}));

export const replyWorkOrder = (platform: Platform, id: string, reply: string, ctx: Ctx) =>
  runAction(platform, id, 'reply', ctx, async ({ tx, order, now }) => {
    const text = reply.trim();
    if (text.length < 2) throw badRequest('WORK_ORDER_REPLY_REQUIRED', '请填写办理结果 (write what was done)');
    const withdrawn = await repo.withdrawPendingRequests(tx, order.id, ['extension', 'co_handling'], now);
    const isOnTime = order.finish_due_at ? now.getTime() <= new Date(order.finish_due_at).getTime() : true;
    return {
      patch: { reply: text, replied_at: now },
      data: { reply: text, finishDueAt: iso(order.finish_due_at), isOnTime, withdrawnRequests: withdrawn.map((w) => w.kind) },
      outbox: { isOnTime },
    };
  });

// ---------------------------------------------------------------- returns and re-dispatch

/** 退单: the lead unit sends the order back, citing the duty or law; the clock stops during review. */
export const returnWorkOrder = (platform: Platform, id: string, body: ReturnBody, ctx: Ctx) =>
  runAction(platform, id, 'return', ctx, async ({ tx, order, now }) => {
    if (body.suggestedUnitCode) await handlingUnit(platform, body.suggestedUnitCode, tx);
    await repo.withdrawPendingRequests(tx, order.id, ['extension', 'co_handling'], now);
    await repo.insertPendingRequest(tx, {
      id: uuidv7(),
      order_id: order.id,
      kind: 'return',
      unit_code: order.lead_unit_code!,
      data: { reason: body.reason, basis: body.basis, suggestedUnitCode: body.suggestedUnitCode ?? null },
      requested_at: now,
      requested_by: actorLabel(ctx.actor),
    });
    await repo.insertPause(tx, { id: uuidv7(), orderId: order.id, reason: 'return_review', startedAt: now });
    return {
      patch: { status_before_return: order.status, paused_at: now },
      data: { reason: body.reason, basis: body.basis, suggestedUnitCode: body.suggestedUnitCode ?? null },
      outbox: { basisKind: body.basis.kind, suggestedUnitCode: body.suggestedUnitCode ?? null },
    };
  });

/** 改派: after an upheld return, or on the centre's own initiative, to another lead unit with fresh deadlines. */
export async function redispatchWorkOrder(platform: Platform, id: string, body: DispatchBody, ctx: Ctx) {
  const calendar = await calendarFor(platform);
  return runAction(platform, id, 'redispatch', ctx, async ({ tx, order, now }) => {
    const lead = await handlingUnit(platform, body.leadUnitCode, tx);
    if (lead.code === order.lead_unit_code) {
      throw badRequest('WORK_ORDER_SAME_UNIT', `工单已由 ${lead.name} 承办，改派须换单位 (re-dispatch needs another unit)`);
    }
    const isReturnUpheld = order.status === 'returned';
    if (isReturnUpheld) {
      const pending = await repo.findPendingRequest(tx, order.id, 'return');
      if (pending) await repo.decidePendingRequest(tx, pending.id, { state: 'approved', by: actorLabel(ctx.actor), note: body.note ?? null, now });
      await repo.endPause(tx, order.id, now, await pausedWorkingDays(calendar, new Date(order.paused_at ?? now), now));
    }
    await repo.withdrawPendingRequests(tx, order.id, ['extension', 'co_handling'], now);
    await repo.endAssignments(tx, order.id, now);
    const coUnitCodes = await assignUnits(platform, tx, order.id, lead, body.coUnitCodes ?? [], now);
    const deadlines = await dispatchDeadlines(calendar, now, order.time_limit_days);
    const ids = { fromUnitCode: order.lead_unit_code, toUnitCode: lead.code, isReturnUpheld, categoryCode: order.category_code };
    return {
      patch: { lead_unit_code: lead.code, status_before_return: null, ...deadlinePatch(deadlines) },
      data: { unitCode: lead.code, coUnitCodes, signDueAt: iso(deadlines.signDueAt), finishDueAt: iso(deadlines.finishDueAt), note: body.note ?? null, ...ids },
      outbox: ids,
    };
  });
}

/** 驳回退单: the unit keeps the order; the clock resumes and the finish day moves on by the review's working days. */
export async function rejectReturn(platform: Platform, id: string, note: string, ctx: Ctx) {
  const calendar = await calendarFor(platform);
  return runAction(platform, id, 'reject_return', ctx, async ({ tx, order, to, now }) => {
    const pending = await repo.findPendingRequest(tx, order.id, 'return');
    if (pending) await repo.decidePendingRequest(tx, pending.id, { state: 'refused', by: actorLabel(ctx.actor), note, now });
    const pausedDays = await pausedWorkingDays(calendar, new Date(order.paused_at ?? now), now);
    await repo.endPause(tx, order.id, now, pausedDays);
    const patch: WorkOrderPatch = { status_before_return: null, paused_at: null };
    if (order.finish_due_on) {
      const dueOn = await calendar.addWorkingDays(order.finish_due_on, pausedDays);
      Object.assign(patch, { ...finishDeadlineOnPatch(await finishDeadlineOn(calendar, dueOn, now)) });
    }
    if (to === 'dispatched') {
      const sign = await signDeadline(calendar, now);
      Object.assign(patch, { sign_due_at: sign.signDueAt, sign_warn_at: sign.signWarnAt, sign_signal: 'none' });
    }
    return {
      patch,
      data: { note, pausedDays, signDueAt: iso(patch.sign_due_at ?? order.sign_due_at), finishDueAt: iso(patch.finish_due_at ?? order.finish_due_at) },
      outbox: { pausedDays },
    };
  });
}

const finishDeadlineOnPatch = (d: Awaited<ReturnType<typeof finishDeadlineOn>>): WorkOrderPatch => ({
  finish_due_on: d.finishDueOn,
  finish_due_at: d.finishDueAt,
  finish_warn_at: d.finishWarnAt,
  finish_signal: 'none',
});

// ---------------------------------------------------------------- extensions and co-handling

export const requestExtension = (platform: Platform, id: string, body: { days: number; reason: string }, ctx: Ctx) =>
  runAction(platform, id, 'request_extension', ctx, async ({ tx, order, now }) => {
    if (await repo.findPendingRequest(tx, order.id, 'extension')) {
      throw conflict('WORK_ORDER_REQUEST_PENDING', '已有待审核的延期申请 (an extension request is already pending)');
    }
    await repo.insertPendingRequest(tx, {
      id: uuidv7(), order_id: order.id, kind: 'extension', unit_code: order.lead_unit_code!, data: { days: body.days, reason: body.reason },
      requested_at: now, requested_by: actorLabel(ctx.actor),
    });
    return { data: { days: body.days, reason: body.reason, finishDueOn: order.finish_due_on }, outbox: { days: body.days } };
  });

/** 批准延期: the finish day moves on by the granted working days (at most what was asked). */
export async function approveExtension(platform: Platform, id: string, body: { days?: number; note?: string }, ctx: Ctx) {
  const calendar = await calendarFor(platform);
  return runAction(platform, id, 'approve_extension', ctx, async ({ tx, order, now }) => {
    const pending = await repo.findPendingRequest(tx, order.id, 'extension');
    if (!pending) throw conflict('WORK_ORDER_NO_PENDING_REQUEST', '没有待审核的延期申请 (no extension request is pending)');
    const asked = Number(pending.data.days);
    const days = body.days ?? asked;
    if (days > asked || days > MAX_EXTENSION_DAYS) {
      throw badRequest('WORK_ORDER_EXTENSION_INVALID', `批准天数不能超过申请的 ${asked} 个工作日 (grant at most the ${asked} working days asked)`);
    }
    await repo.decidePendingRequest(tx, pending.id, { state: 'approved', by: actorLabel(ctx.actor), note: body.note ?? null, now });
    const dueOn = await calendar.addWorkingDays(order.finish_due_on!, days);
    const d = await finishDeadlineOn(calendar, dueOn, now);
    return {
      patch: { ...finishDeadlineOnPatch(d), extended_days: order.extended_days + days },
      data: { days, note: body.note ?? null, previousFinishDueOn: order.finish_due_on, finishDueOn: dueOn, finishDueAt: iso(d.finishDueAt) },
      outbox: { days },
    };
  });
}

export const refuseExtension = (platform: Platform, id: string, note: string, ctx: Ctx) =>
  runAction(platform, id, 'refuse_extension', ctx, async ({ tx, order, now }) => {
    const pending = await repo.findPendingRequest(tx, order.id, 'extension');
    if (!pending) throw conflict('WORK_ORDER_NO_PENDING_REQUEST', '没有待审核的延期申请 (no extension request is pending)');
    await repo.decidePendingRequest(tx, pending.id, { state: 'refused', by: actorLabel(ctx.actor), note, now });
    return { data: { note } };
  });

export const requestCoHandling = (platform: Platform, id: string, body: { unitCodes: string[]; reason: string }, ctx: Ctx) =>
  runAction(platform, id, 'request_co_handling', ctx, async ({ tx, order, now }) => {
    for (const code of body.unitCodes) await handlingUnit(platform, code, tx);
    if (await repo.findPendingRequest(tx, order.id, 'co_handling')) {
      throw conflict('WORK_ORDER_REQUEST_PENDING', '已有待审核的协办申请 (a co-handling request is already pending)');
    }
    await repo.insertPendingRequest(tx, {
      id: uuidv7(), order_id: order.id, kind: 'co_handling', unit_code: order.lead_unit_code!, data: { unitCodes: body.unitCodes, reason: body.reason },
      requested_at: now, requested_by: actorLabel(ctx.actor),
    });
    return { data: { unitCodes: body.unitCodes, reason: body.reason }, outbox: { unitCodes: body.unitCodes } };
  });

/** 协办: the centre adds co-handling units (and so settles a pending co-handling request). */
export const addCoUnits = (platform: Platform, id: string, body: { unitCodes: string[]; note?: string }, ctx: Ctx) =>
  runAction(platform, id, 'add_co_units', ctx, async ({ tx, order, active, now }) => {
    const have = new Set(active.map((a) => a.unit_code));
    const added: UnitInfo[] = [];
    for (const code of [...new Set(body.unitCodes)]) {
      const unit = await handlingUnit(platform, code, tx);
      if (!have.has(unit.code)) added.push(unit);
    }
    if (added.length === 0) throw conflict('WORK_ORDER_UNITS_ALREADY_ASSIGNED', '这些单位已在承办此工单 (these units already handle the order)');
    await repo.insertAssignments(tx, added.map((u) => ({ id: uuidv7(), order_id: order.id, unit_code: u.code, unit_path: u.path, role: 'co' as const, assigned_at: now })));
    const pending = await repo.findPendingRequest(tx, order.id, 'co_handling');
    if (pending) await repo.decidePendingRequest(tx, pending.id, { state: 'approved', by: actorLabel(ctx.actor), note: body.note ?? null, now });
    const unitCodes = added.map((u) => u.code);
    return { data: { unitCodes, note: body.note ?? null }, outbox: { unitCodes } };
  });

/** The centre refuses a lead unit's co-handling request, saying why; the lead unit handles alone. */
export const refuseCoHandling = (platform: Platform, id: string, note: string, ctx: Ctx) =>
  runAction(platform, id, 'refuse_co_handling', ctx, async ({ tx, order, now }) => {
    const pending = await repo.findPendingRequest(tx, order.id, 'co_handling');
    if (!pending) throw conflict('WORK_ORDER_NO_PENDING_REQUEST', '没有待审核的协办申请 (no co-handling request is pending)');
    await repo.decidePendingRequest(tx, pending.id, { state: 'refused', by: actorLabel(ctx.actor), note, now });
    return { data: { note }, outbox: {} };
  });

/** 协办意见: a co-handling unit's part, for the lead unit's reply. */
export const coReply = (platform: Platform, id: string, opinion: string, ctx: Ctx) =>
  runAction(platform, id, 'co_reply', ctx, async ({ tx, active, now }) => {
    const mine = active.find((a) => a.role === 'co' && ctx.principal && canActOn(ctx.principal, 'hotline:handle', a.unit_path));
    await repo.recordOpinion(tx, mine!.id, opinion, now);
    return { data: { coUnitCode: mine!.unit_code, opinion }, outbox: { coUnitCode: mine!.unit_code } };
  });

// ---------------------------------------------------------------- urging, supervision, reporting

export const urgeWorkOrder = (platform: Platform, id: string, note: string | undefined, ctx: Ctx) =>
  runAction(platform, id, 'urge', ctx, async ({ order }) => {
    const count = order.urge_count + 1;
    return { patch: { urge_count: count }, data: { note: note ?? null, count }, outbox: { count } };
  });

export const SUPERVISION_LABELS = ['', '督办', '重点督办', '挂牌督办'] as const;

/** 督办: after urging (or once overdue), at a strictly higher level each time. */
export const superviseWorkOrder = (platform: Platform, id: string, body: { level: number; note: string }, ctx: Ctx) =>
  runAction(platform, id, 'supervise', ctx, async ({ order, now }) => {
    const isOverdue = order.finish_due_at !== null && now.getTime() > new Date(order.finish_due_at).getTime();
    if (order.urge_count === 0 && !isOverdue) {
      throw conflict('WORK_ORDER_URGE_FIRST', '未超期的工单须先催办再督办 (urge before supervising an order that is not overdue)');
    }
    if (body.level <= order.supervision_level) {
      throw conflict('WORK_ORDER_SUPERVISION_LEVEL', `已是${SUPERVISION_LABELS[order.supervision_level]}，督办只能升级 (supervision only escalates)`);
    }
    return {
      patch: { supervision_level: body.level },
      data: { level: body.level, label: SUPERVISION_LABELS[body.level], note: body.note, previousLevel: order.supervision_level },
      outbox: { level: body.level },
    };
  });

export const reportWorkOrder = (platform: Platform, id: string, body: { note: string; to?: string }, ctx: Ctx) =>
  runAction(platform, id, 'report', ctx, async () => ({ patch: { is_reported: true }, data: { note: body.note, to: body.to ?? null } }));

// ---------------------------------------------------------------- merge, split, transfer, direct answer

/** Ends what an order had open when it leaves the handling flow (merge, split, transfer). */
async function leaveHandling(tx: Tx, order: WorkOrderRow, now: Date, calendar: Calendar | null, ctx: Ctx, isReturnUpheld: boolean) {
  await repo.endAssignments(tx, order.id, now);
  await repo.withdrawPendingRequests(tx, order.id, ['extension', 'co_handling'], now);
  if (order.status === 'returned') {
    const pending = await repo.findPendingRequest(tx, order.id, 'return');
    if (pending) await repo.decidePendingRequest(tx, pending.id, { state: isReturnUpheld ? 'approved' : 'withdrawn', by: actorLabel(ctx.actor), note: null, now });
    const days = calendar && order.paused_at ? await pausedWorkingDays(calendar, new Date(order.paused_at), now) : 0;
    await repo.endPause(tx, order.id, now, days);
  }
}

/** 并单: the order joins another open order about the same matter, which answers both. */
export async function mergeWorkOrder(platform: Platform, id: string, body: { intoId: string; note?: string }, ctx: Ctx) {
  const calendar = await calendarFor(platform);
  return runAction(platform, id, 'merge', ctx, async ({ tx, order, now }) => {
    const target = await repo.findWorkOrder(tx, body.intoId, true);
    if (!target) throw notFound('WORK_ORDER_NOT_FOUND', `并入的工单 ${body.intoId} 不存在 (no such target order)`);
    if (target.id === order.id || isFinished(target.status) || target.merged_into) {
      throw conflict('WORK_ORDER_MERGE_INVALID', '只能并入另一张未办结的工单 (merge into another open order)');
    }
    await leaveHandling(tx, order, now, calendar, ctx, false);
    await appendEvent(tx, target, { type: 'absorbed', from: target.status, to: target.status, unitCode: target.lead_unit_code, data: { mergedId: order.id, mergedNumber: order.number }, now }, ctx.actor);
    await repo.updateWorkOrder(tx, target.id, {
      duplicate_candidates: target.duplicate_candidates.filter((d) => d.id !== order.id),
      updated_at: now,
    });
    return {
      patch: { merged_into: target.id, closed_at: now, paused_at: null, status_before_return: null },
      data: { into: target.id, intoNumber: target.number, note: body.note ?? null },
      outbox: { into: target.id },
    };
  });
}

/** 拆单: one call about several matters becomes several orders, each dispatched on its own. */
export async function splitWorkOrder(platform: Platform, id: string, body: SplitBody, ctx: Ctx) {
  const calendar = await calendarFor(platform);
  const current = await repo.findWorkOrder(platform.db, id);
  if (!current) throw orderNotFound(id);
  const parts: PreparedIntake[] = [];
  for (const part of body.parts) {
    parts.push(
      await prepareIntake(platform, {
        kind: part.kind ?? (current.kind as Kind),
        categoryCode: part.categoryCode,
        description: part.description,
        address: part.address ?? current.address ?? undefined,
        streetCode: current.street_code ?? undefined,
        priority: current.priority,
      }),
    );
  }
  const numbers = await takeOrderNumbers(platform, platform.clock.now(), parts.length);
  const children: { id: string; number: string }[] = [];
  await runAction(platform, id, 'split', ctx, async ({ tx, order, now }) => {
    await leaveHandling(tx, order, now, calendar, ctx, true);
    const caller = { nameEnc: order.caller_name_enc, phoneEnc: order.caller_phone_enc, phoneHash: order.caller_phone_hash, isConfidential: order.is_confidential };
    const news: NewOrder[] = parts.map((prepared) => ({
      id: uuidv7(), channel: order.channel, prepared, caller, citizenAccountId: order.citizen_account_id,
      suggestion: null, isAutoDispatch: false, splitFrom: order.id, ctx, now,
    }));
    await insertNewOrders(tx, news, numbers);
    children.push(...news.map((n, i) => ({ id: n.id, number: numbers[i]! })));
    return {
      patch: { closed_at: now, paused_at: null, status_before_return: null },
      data: { into: children, note: body.note ?? null },
      outbox: { into: children.map((c) => c.id) },
    };
  });
  return children;
}

/** 转办: emergencies to 110/119/120/122, recorded and finished here. */
export async function transferWorkOrder(platform: Platform, id: string, body: { to: '110' | '119' | '120' | '122'; note?: string }, ctx: Ctx) {
  const calendar = await calendarFor(platform);
  return runAction(platform, id, 'transfer', ctx, async ({ tx, order, now }) => {
    await leaveHandling(tx, order, now, calendar, ctx, true);
    return {
      patch: { transfer_to: body.to, closed_at: now, paused_at: null, status_before_return: null },
      data: { to: body.to, note: body.note ?? null },
      outbox: { to: body.to },
    };
  });
}

/**
 * 直接答复办结: a consultation answered by the agent and closed. The knowledge base article version the
 * answer came from is checked (it must exist and be in force) and recorded with its title.
 */
export async function answerWorkOrder(platform: Platform, id: string, body: AnswerBody, ctx: Ctx) {
  const article = body.article ? await getArticleVersion(platform, body.article.id, body.article.version) : null;
  if (article && article.validity !== 'in_force') {
    throw conflict('WORK_ORDER_ARTICLE_NOT_IN_FORCE', `知识「${article.title}」第 ${article.version} 版不在有效期内，不能据此答复 (the article version is ${article.validity})`);
  }
  return runAction(platform, id, 'answer', ctx, async ({ order, now }) => {
    if (order.kind !== 'consultation') {
      throw conflict('WORK_ORDER_NOT_CONSULTATION', `只有咨询类工单可以直接答复办结，此单为${KIND_LABELS[order.kind as Kind]} (only consultations are answered directly)`);
    }
    const ref = article ? { id: article.articleId, version: article.version, title: article.title } : null;
    return {
      patch: { reply: body.answer, replied_at: now, closed_at: now, article_id: ref?.id ?? null, article_version: ref?.version ?? null },
      data: { answer: body.answer, article: ref },
      outbox: { articleId: ref?.id ?? null, articleVersion: ref?.version ?? null },
    };
  });
}

// ---------------------------------------------------------------- callback, redo, close, archive, rate

const isUnsatisfactory = (o: Pick<WorkOrderRow, 'is_callback_reached' | 'is_resolved' | 'satisfaction'>) =>
  o.is_callback_reached === true && (o.is_resolved === false || o.satisfaction === 'unsatisfied');

/**
 * Times an order is redone by itself after an unresolved or unsatisfied callback. After that the
 * hotline centre decides: redo once more, or close with a stated reason (some matters cannot be
 * settled to the caller's wish, and the order must not circle for ever).
 */
export const AUTO_REDO_LIMIT = 2;

/**
 * 回访: resolved or not × 满意/基本满意/不满意; an unreached caller is recorded as such. An unresolved
 * or unsatisfied callback reopens the order as a redo (重办) to the same unit, up to AUTO_REDO_LIMIT
 * times, as the system, right after the callback is recorded.
 */
export async function callbackWorkOrder(platform: Platform, id: string, body: CallbackBody, ctx: Ctx) {
  const order = await runAction(platform, id, 'callback', ctx, async ({ now }) => {
    if (body.isReached && (body.isResolved === undefined || body.satisfaction === undefined)) {
      throw badRequest('WORK_ORDER_CALLBACK_RESULT_REQUIRED', '回访接通时须记录是否解决和满意度 (a reached callback records isResolved and satisfaction)');
    }
    const result = body.isReached
      ? { isReached: true, isResolved: body.isResolved!, satisfaction: body.satisfaction! }
      : { isReached: false, isResolved: null, satisfaction: null };
    return {
      patch: { callback_at: now, is_callback_reached: result.isReached, is_resolved: result.isResolved, satisfaction: result.satisfaction },
      data: { ...result, note: body.note ?? null },
      outbox: result,
    };
  });
  if (!isUnsatisfactory(order) || order.redo_count >= AUTO_REDO_LIMIT) return order;
  const why = order.is_resolved === false ? '未解决' : '不满意';
  return redoWorkOrder(
    platform,
    order.id,
    { note: `回访${why}，自动重办 (callback ${order.is_resolved === false ? 'unresolved' : 'unsatisfied'}: redone automatically)` },
    { ...ctx, actor: systemActor('hotline-auto-redo'), principal: undefined },
  );
}

/** 重办: after an unresolved or unsatisfied callback, back to a unit (the same by default) with fresh deadlines. */
export async function redoWorkOrder(platform: Platform, id: string, body: { note: string; leadUnitCode?: string }, ctx: Ctx) {
  const calendar = await calendarFor(platform);
  return runAction(platform, id, 'redo', ctx, async ({ tx, order, now }) => {
    if (!isUnsatisfactory(order)) {
      throw conflict('WORK_ORDER_REDO_NOT_NEEDED', '回访结果为已解决且满意，无需重办 (redo follows an unresolved or unsatisfied callback)');
    }
    const lead = await handlingUnit(platform, body.leadUnitCode ?? order.lead_unit_code!, tx);
    await repo.endAssignments(tx, order.id, now);
    await assignUnits(platform, tx, order.id, lead, [], now);
    const deadlines = await dispatchDeadlines(calendar, now, order.time_limit_days);
    const redoCount = order.redo_count + 1;
    return {
      patch: {
        lead_unit_code: lead.code, redo_count: redoCount, ...deadlinePatch(deadlines),
        reply: null, replied_at: null, callback_at: null, is_callback_reached: null, is_resolved: null, satisfaction: null,
      },
      data: {
        unitCode: lead.code, note: body.note, redoCount, signDueAt: iso(deadlines.signDueAt), finishDueAt: iso(deadlines.finishDueAt),
        previousReply: order.reply, callback: { isResolved: order.is_resolved, satisfaction: order.satisfaction },
      },
      outbox: { redoCount, fromUnitCode: order.lead_unit_code, toUnitCode: lead.code },
    };
  });
}

/** 办结: after the callback; closing over an unsatisfactory callback needs a stated reason. */
export const closeWorkOrder = (platform: Platform, id: string, note: string | undefined, ctx: Ctx) =>
  runAction(platform, id, 'close', ctx, async ({ order, now }) => {
    if (isUnsatisfactory(order) && !note?.trim()) {
      throw badRequest('WORK_ORDER_CLOSE_REASON_REQUIRED', '回访不满意或未解决，办结须说明理由 (say why an unsatisfactory order is closed instead of redone)');
    }
    return {
      patch: { closed_at: now },
      data: { note: note ?? null, isResolved: order.is_resolved, satisfaction: order.satisfaction },
      outbox: { isResolved: order.is_resolved, satisfaction: order.satisfaction },
    };
  });

export const archiveWorkOrder = (platform: Platform, id: string, ctx: Ctx) =>
  runAction(platform, id, 'archive', ctx, async ({ now }) => ({ patch: { archived_at: now } }));

async function rateOrder(platform: Platform, ref: string, body: { level: number; comment?: string }, ctx: Ctx, isCitizenVerified: boolean) {
  return runAction(
    platform,
    ref,
    'rate',
    ctx,
    async ({ order, now }) => {
      if (order.rating_level !== null) throw conflict('WORK_ORDER_ALREADY_RATED', '此工单已评价 (this order has been rated)');
      return {
        patch: { rating_level: body.level, rating_comment: body.comment?.trim() || null, rated_at: now },
        data: { level: body.level, hasComment: Boolean(body.comment?.trim()) },
        outbox: { level: body.level },
      };
    },
    { isCitizenVerified },
  );
}

/** A signed-in citizen rates an own closed order. */
export const rateWorkOrder = (platform: Platform, id: string, body: { level: number; comment?: string }, ctx: Ctx) =>
  rateOrder(platform, id, body, ctx, false);

// ---------------------------------------------------------------- citizen access by number + phone

const LOOKUP_WINDOW_MS = 10 * 60_000;
const LOOKUP_MAX_PER_ADDRESS = 30;
const LOOKUP_MAX_FAILURES_PER_NUMBER = 5;
const SUBMIT_MAX_PER_ADDRESS = 20;
const PHOTO_MAX_PER_ADDRESS = 60;

/** Fixed windows per process: enough to stop guessing phone numbers for a known order number. */
class Limiter {
  private readonly hits = new Map<string, { start: number; count: number }>();
  constructor(private readonly windowMs: number, private readonly max: number) {}
  /** Counts one attempt; true when the key is over its limit. */
  hit(key: string, now: number): boolean {
    const e = this.hits.get(key);
    if (!e || now - e.start > this.windowMs) {
      if (this.hits.size > 10_000) this.hits.clear();
      this.hits.set(key, { start: now, count: 1 });
      return 1 > this.max;
    }
    e.count += 1;
    return e.count > this.max;
  }
  isOver(key: string, now: number): boolean {
    const e = this.hits.get(key);
    return Boolean(e && now - e.start <= this.windowMs && e.count >= this.max);
  }
}

const limiters = new WeakMap<Platform, { byAddress: Limiter; failuresByNumber: Limiter; submits: Limiter; photos: Limiter }>();
function limitersOf(platform: Platform) {
  let l = limiters.get(platform);
  if (!l) {
    l = {
      byAddress: new Limiter(LOOKUP_WINDOW_MS, LOOKUP_MAX_PER_ADDRESS),
      failuresByNumber: new Limiter(LOOKUP_WINDOW_MS, LOOKUP_MAX_FAILURES_PER_NUMBER),
      submits: new Limiter(LOOKUP_WINDOW_MS, SUBMIT_MAX_PER_ADDRESS),
      photos: new Limiter(LOOKUP_WINDOW_MS, PHOTO_MAX_PER_ADDRESS),
    };
    limiters.set(platform, l);
  }
  return l;
}

const rateLimited = () => new AppError('HOTLINE_RATE_LIMITED', '查询或提交过于频繁，请稍后再试 (too many attempts; wait a few minutes)', 429);

/** Counts a public web submission from an address; refuses above the limit. */
export function throttleSubmission(platform: Platform, ip: string | undefined) {
  if (ip && limitersOf(platform).submits.hit(ip, platform.clock.now().getTime())) throw rateLimited();
}

/** Finds an order by number + caller phone, or one 404 for both "no such order" and "wrong phone". */
async function verifyCaller(platform: Platform, number: string, phone: string, ctx: Ctx): Promise<WorkOrderRow> {
  const l = limitersOf(platform);
  const now = platform.clock.now().getTime();
  const key = number.trim().toUpperCase();
  if ((ctx.ip && l.byAddress.hit(ctx.ip, now)) || l.failuresByNumber.isOver(key, now)) throw rateLimited();
  const order = await repo.findWorkOrder(platform.db, key);
  const hash = isPhoneNumber(phone) ? platform.pii.blindIndex('phone', normalisePhone(phone)) : null;
  if (!order || !hash || order.caller_phone_hash !== hash) {
    l.failuresByNumber.hit(key, now);
    await platform.db.tx((tx) => writeAudit(tx, { ...ctx, action: 'hotline.work_order.lookup', objectType: 'work_order', at: platform.clock.now(), data: { number: key, isFound: false } }));
    throw notFound('WORK_ORDER_NOT_FOUND', '未找到该工单，请核对工单编号和手机号 (no order with this number and phone)');
  }
  return order;
}

/** 查询进度: a citizen looks an order up with its number and the phone given at submission (audited). */
export async function lookupProgress(platform: Platform, number: string, phone: string, ctx: Ctx): Promise<Progress> {
  const order = await verifyCaller(platform, number, phone, ctx);
  await platform.db.tx((tx) => writeAudit(tx, { ...ctx, action: 'hotline.work_order.lookup', objectType: 'work_order', objectId: order.id, at: platform.clock.now(), data: { number: order.number, isFound: true } }));
  return progressOf(platform, order);
}

/** 评价: a citizen rates a closed order through number + phone. */
export async function rateByCaller(platform: Platform, body: { number: string; phone: string; level: number; comment?: string }, ctx: Ctx): Promise<Progress> {
  const order = await verifyCaller(platform, body.number, body.phone, ctx);
  const rated = await rateOrder(platform, order.id, body, ctx, true);
  return progressOf(platform, rated);
}
