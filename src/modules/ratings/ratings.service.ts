import { createHash } from 'node:crypto';
import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { systemActor, writeAudit } from '../../platform/audit.ts';
import { ROLE_PERMISSIONS } from '../../platform/auth/roles.ts';
import { isPhoneNumber, maskPhone } from '../../platform/crypto/pii.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import { randomToken, uuidv7 } from '../../platform/ids.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import { getPublishedItemVersion } from '../catalog/index.ts';
import { getWorkOrder } from '../hotline/index.ts';
import { accountsOf, listOrgUnits, orgViews } from '../org/index.ts';
import { addTallies, figuresOf, type Tally } from './ratings.formulas.ts';
import * as repo from './ratings.repository.ts';
import {
  INDICATOR_KIND_OF,
  indicatorProblem,
  isBadLevel,
  LEVEL_LABELS,
  OBJECT_LABELS,
  PRIMARY_OBJECT,
  scoresOf,
  type Channel,
  type Level,
  type ObjectType,
  type OccasionKind,
} from './ratings.rules.ts';
import type { CreateIndicatorSetBody, IndicatorSetView, OccasionView, RateInput, RatingView, Settings, SettingsPatch, Summary, SummaryQuery } from './ratings.schemas.ts';
import { smsSenderOf } from './ratings.sms.ts';
import { REVIEW_STATE_LABELS } from './ratings.transitions.ts';
import { openBadReview, rerateReview } from './reviews.service.ts';

// Use cases of rating: occasions (what can be rated) from other modules' events, rating by link,
// by account, on the hall tablet and on the phone, follow-ups, indicator sets, settings and the
// public disclosure figures. One transaction per use case; the bad-review loop is reviews.service.ts.

type Ctx = ActionContext;

const OFFSET_MS = 8 * 3600_000;
/** The district's local day (China Standard Time, UTC+8 all year). */
export const localDay = (at: Date): string => new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
const startOfLocalDay = (day: string): Date => new Date(`${day}T00:00:00.000+08:00`);
const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400_000).toISOString().slice(0, 10);

// ---------------------------------------------------------------- units, staff and items of other modules

interface UnitRef {
  id: string;
  code: string;
  path: string;
  name: string;
}

export async function unitByCode(platform: Platform, code: string): Promise<UnitRef | undefined> {
  const u = await orgViews.findUnitByCode(platform.db, code);
  return u ? { id: u.id, code: u.code, path: u.path, name: u.name } : undefined;
}

async function unitById(platform: Platform, id: string): Promise<UnitRef | undefined> {
  const u = (await listOrgUnits(platform.db)).find((x) => x.id === id);
  return u ? unitByCode(platform, u.code) : undefined;
}

/** The staff member's name and department: the unit of their window-clerk grant, else their first. */
async function staffOf(platform: Platform, accountId: string): Promise<{ name: string; unit?: UnitRef }> {
  try {
    const s = await accountsOf(platform).summary(accountId);
    const grant = s.roles.find((r) => r.role === 'window_clerk') ?? s.roles[0];
    return { name: s.displayName, unit: grant ? await unitByCode(platform, grant.orgUnitCode) : undefined };
  } catch (err) {
    if (err instanceof AppError && err.code === 'ACCOUNT_NOT_FOUND') return { name: '工作人员' };
    throw err;
  }
}

async function itemOf(platform: Platform, code: string, at: Date): Promise<{ name: string; unit?: UnitRef } | undefined> {
  const v = await getPublishedItemVersion(platform, code, at);
  if (!v) return undefined;
  return { name: v.elements.name, unit: await unitByCode(platform, v.unitCode) };
}

// ---------------------------------------------------------------- occasions from events

type ObjectInput = Omit<repo.RateableRow, 'id' | 'occasion_id' | 'created_at'>;

interface OccasionInput {
  kind: OccasionKind;
  sourceId: string;
  label: string;
  raterAccountId: string | null;
  staffAccountId: string | null;
  windowId: string | null;
  occurredAt: Date;
  objects: ObjectInput[];
}

const dims = (unit: UnitRef | undefined, item?: { code: string; name: string }, window?: { id: string; name: string }) => ({
  unit_id: unit?.id ?? null,
  unit_code: unit?.code ?? null,
  unit_path: unit?.path ?? null,
  unit_name: unit?.name ?? null,
  item_code: item?.code ?? null,
  item_name: item?.name ?? null,
  window_id: window?.id ?? null,
  window_name: window?.name ?? null,
});

/**
 * Records an occasion and its rateable objects. Events arrive at least once and in any order, so
 * this is an upsert: a second delivery adds nothing. Not audited: it is derived from the source
 * module's own audited change; the ratings given later are.
 */
async function recordOccasion(platform: Platform, input: OccasionInput): Promise<repo.OccasionRow> {
  const now = platform.clock.now();
  const settings = await repo.getSettings(platform.db);
  return platform.db.tx(async (tx) => {
    const { occasion, isNew } = await repo.upsertOccasion(tx, {
      id: uuidv7(),
      kind: input.kind,
      source_id: input.sourceId,
      label: input.label,
      indicator_kind: INDICATOR_KIND_OF[input.kind],
      rater_account_id: input.raterAccountId,
      staff_account_id: input.staffAccountId,
      window_id: input.windowId,
      invite_code: randomToken(12),
      invite_expires_at: new Date(input.occurredAt.getTime() + settings.invitation_days * 86400_000),
      occurred_at: input.occurredAt,
      created_at: now,
    });
    if (!isNew && input.raterAccountId && !occasion.rater_account_id) await repo.setOccasionRater(tx, occasion.id, input.raterAccountId);
    await repo.insertRateables(tx, input.objects.map((o) => ({ ...o, id: uuidv7(), occasion_id: occasion.id, created_at: now })));
    if (isNew) {
      await emit(tx, {
        topic: 'ratings.occasion.opened',
        key: occasion.id,
        payload: { occasionId: occasion.id, kind: occasion.kind, sourceId: occasion.source_id, raterAccountId: occasion.rater_account_id, windowId: occasion.window_id },
        at: now,
      });
    }
    return occasion;
  });
}

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const TicketFinishedPayload = Type.Object({
  ticketId: Type.String(),
  number: Type.String(),
  windowId: Type.String(),
  windowNumber: Type.Integer(),
  windowName: Type.String(),
  staffAccountId: Nullable(Type.String()),
  accountId: Nullable(Type.String()),
  servicesDelivered: Type.Array(Type.Object({ serviceId: Type.String(), code: Type.String(), name: Type.String(), catalogItemCode: Nullable(Type.String()) })),
  finishedAt: Type.String(),
  /** When the queue names the hall's department; otherwise the item's, else the clerk's. */
  orgUnitCode: Type.Optional(Type.String()),
});
export const CaseCompletedPayload = Type.Object({
  caseId: Type.String(),
  caseNumber: Type.String(),
  itemCode: Type.String(),
  unitId: Nullable(Type.String()),
  applicantAccountId: Nullable(Type.String()),
});
export const WorkOrderEventPayload = Type.Object({ orderId: Type.String(), level: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })) });

function checked<S extends TSchema>(schema: S) {
  const c = Compile(schema);
  return (topic: string, value: unknown): Static<S> => {
    if (c.Check(value)) return value as Static<S>;
    const problem = [...c.Errors(value)].slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    // A malformed event is a programming error in the emitting module: fail the delivery (it goes dead and is visible).
    throw new Error(`event ${topic} does not carry what ratings needs: ${problem}`);
  };
}
const asTicketFinished = checked(TicketFinishedPayload);
const asCaseCompleted = checked(CaseCompletedPayload);
const asWorkOrderEvent = checked(WorkOrderEventPayload);

/** queue.ticket.finished: the window, the clerk, each service delivered and the department become rateable. */
export async function recordTicketFinished(platform: Platform, payload: unknown): Promise<repo.OccasionRow> {
  const p = asTicketFinished('queue.ticket.finished', payload);
  const at = new Date(p.finishedAt);
  const staff = p.staffAccountId ? await staffOf(platform, p.staffAccountId) : undefined;
  const items: { code: string; name: string; unit?: UnitRef }[] = [];
  for (const s of p.servicesDelivered) {
    const catalogued = s.catalogItemCode ? await itemOf(platform, s.catalogItemCode, at) : undefined;
    // A hall service not linked to a catalogue item is still rated, under its own key.
    items.push(catalogued && s.catalogItemCode ? { code: s.catalogItemCode, ...catalogued } : { code: `service:${s.serviceId}`, name: s.name });
  }
  const department = (p.orgUnitCode ? await unitByCode(platform, p.orgUnitCode) : undefined) ?? items.find((i) => i.unit)?.unit ?? staff?.unit;
  const window = { id: p.windowId, name: `${p.windowNumber}号 ${p.windowName}` };
  const firstItem = items[0];
  const objects: ObjectInput[] = [{ object_type: 'window', object_id: p.windowId, object_name: window.name, ...dims(department, firstItem, window) }];
  if (p.staffAccountId && staff) objects.push({ object_type: 'staff', object_id: p.staffAccountId, object_name: staff.name, ...dims(department, firstItem, window) });
  for (const i of items) objects.push({ object_type: 'item', object_id: i.code, object_name: i.name, ...dims(i.unit ?? department, i, window) });
  if (department) objects.push({ object_type: 'department', object_id: department.id, object_name: department.name, ...dims(department, firstItem, window) });
  return recordOccasion(platform, {
    kind: 'ticket',
    sourceId: p.ticketId,
    label: `${p.number} · ${window.name}`,
    raterAccountId: p.accountId,
    staffAccountId: p.staffAccountId,
    windowId: p.windowId,
    occurredAt: at,
    objects,
  });
}

/** cases.case.completed: the case, its item and the department. */
export async function recordCaseCompleted(platform: Platform, payload: unknown, at: Date): Promise<repo.OccasionRow> {
  const p = asCaseCompleted('cases.case.completed', payload);
  const item = await itemOf(platform, p.itemCode, at);
  const department = (p.unitId ? await unitById(platform, p.unitId) : undefined) ?? item?.unit;
  const itemRef = { code: p.itemCode, name: item?.name ?? p.itemCode };
  const objects: ObjectInput[] = [
    { object_type: 'case', object_id: p.caseId, object_name: `办件 ${p.caseNumber}`, ...dims(department, itemRef) },
    { object_type: 'item', object_id: p.itemCode, object_name: itemRef.name, ...dims(department, itemRef) },
  ];
  if (department) objects.push({ object_type: 'department', object_id: department.id, object_name: department.name, ...dims(department, itemRef) });
  return recordOccasion(platform, {
    kind: 'case',
    sourceId: p.caseId,
    label: `办件 ${p.caseNumber} · ${itemRef.name}`,
    raterAccountId: p.applicantAccountId,
    staffAccountId: null,
    windowId: null,
    occurredAt: at,
    objects,
  });
}

/** A work order after its callback (or answered directly): the order and its lead unit. */
export async function recordWorkOrder(platform: Platform, orderId: string, at: Date): Promise<repo.OccasionRow | undefined> {
  const order = await getWorkOrder(platform, orderId);
  if (!order) return undefined;
  const department = order.leadUnitCode ? await unitByCode(platform, order.leadUnitCode) : undefined;
  const objects: ObjectInput[] = [{ object_type: 'work_order', object_id: order.id, object_name: `工单 ${order.number} · ${order.categoryName}`, ...dims(department) }];
  if (department) objects.push({ object_type: 'department', object_id: department.id, object_name: department.name, ...dims(department) });
  return recordOccasion(platform, {
    kind: 'work_order',
    sourceId: order.id,
    label: `12345 工单 ${order.number}`,
    raterAccountId: null,
    staffAccountId: null,
    windowId: null,
    occurredAt: at,
    objects,
  });
}

/** hotline.work_order.*: callback, direct answer and close make the order rateable; a rating on the tracking page is brought in. */
export async function recordWorkOrderEvent(platform: Platform, topic: string, payload: unknown, at: Date): Promise<void> {
  const p = asWorkOrderEvent(topic, payload);
  const occasion = await recordWorkOrder(platform, p.orderId, at);
  if (!occasion || topic !== 'hotline.work_order.rated' || p.level === undefined) return;
  // The citizen rated on the 12345 tracking page (number + phone checked by the hotline): the same rating, channel web.
  const primary = await repo.findRateableOf(platform.db, occasion.id, 'work_order');
  if (!primary || (await repo.hasFirstRating(platform.db, primary.id))) return;
  await submitRating(platform, { occasion, channel: 'web', raterAccountId: null, recordedBy: null, isViaLink: false }, { rateableId: primary.id, level: p.level }, { actor: systemActor('hotline.rated') }, true);
}

// ---------------------------------------------------------------- rating

export interface RaterAccess {
  occasion: repo.OccasionRow;
  channel: Channel;
  raterAccountId: string | null;
  /** Staff who took a rating on the phone. */
  recordedBy: string | null;
  /** Reached through the invitation code: it expires. */
  isViaLink: boolean;
}

const notRateable = (what: string) => conflict('RATING_NOT_RATEABLE', `${what}尚不能评价：服务完成后才能评价 (${what} cannot be rated: not finished, or not yours)`);

function toRatingView(r: repo.RatingRow, objectName: string, review?: Pick<repo.BadReviewRow, 'id' | 'number' | 'state'>): RatingView {
  return {
    id: r.id,
    rateableId: r.rateable_id,
    objectType: r.object_type,
    objectName,
    channel: r.channel,
    followUpNo: r.follow_up_no,
    level: r.level,
    levelLabel: LEVEL_LABELS[r.level as Level],
    isBad: r.is_bad,
    scores: r.scores,
    comment: r.comment,
    isValid: r.is_valid,
    createdAt: r.created_at.toISOString(),
    review: review ? { id: review.id, number: review.number, state: review.state, stateLabel: REVIEW_STATE_LABELS[review.state] } : null,
  };
}

/**
 * Rates one object of an occasion. One first rating per object and channel (the database enforces
 * it); follow-ups (追评) are numbered; staff never rate their own work; a bad first rating opens a
 * bad review in the same transaction.
 */
export async function submitRating(platform: Platform, access: RaterAccess, input: RateInput, ctx: Ctx, isImported = false): Promise<RatingView> {
  const { occasion } = access;
  const now = platform.clock.now();
  if (access.isViaLink && occasion.invite_expires_at.getTime() < now.getTime()) {
    throw new AppError('RATING_INVITATION_EXPIRED', '评价邀请已过期 (this rating invitation has expired)', 410);
  }
  const rateables = await repo.listRateables(platform.db, occasion.id);
  const target = input.rateableId ? rateables.find((r) => r.id === input.rateableId) : rateables.find((r) => r.object_type === PRIMARY_OBJECT[occasion.kind]);
  if (!target) throw notRateable('该对象');
  const me = ctx.principal?.userId ?? null;
  const staffIds = [occasion.staff_account_id, ...rateables.filter((r) => r.object_type === 'staff').map((r) => r.object_id)];
  if ((me && staffIds.includes(me)) || (access.recordedBy && staffIds.includes(access.recordedBy))) {
    throw forbidden('RATING_OWN_WORK', '工作人员不能评价本人经办的服务 (staff cannot rate their own work)');
  }
  const set = await repo.activeIndicatorSet(platform.db, occasion.indicator_kind);
  const scored = scoresOf(set?.indicators ?? [{ code: 'overall', name: '总体评价' }], input.level, input.scores);
  if ('problem' in scored) throw badRequest('RATING_SCORES_INVALID', `评价指标有误：${scored.problem}`);
  const phone = input.contactPhone?.trim();
  if (phone && !isPhoneNumber(phone)) throw badRequest('PHONE_INVALID', '请填写正确的手机号或固定电话 (not a valid phone number)');
  const name = input.contactName?.trim();
  const settings = await repo.getSettings(platform.db);
  // Loaded before the transaction: a bad review's first due day is counted on it.
  const year = Number(localDay(now).slice(0, 4));
  const cal = isBadLevel(input.level) && !input.isFollowUp ? await platform.calendar.snapshot(year, year + 1) : undefined;

  const saved = await platform.db.tx(async (tx) => {
    let followUpNo = 0;
    if (input.isFollowUp) {
      await repo.lockRateable(tx, target.id);
      if (!(await repo.hasFirstRating(tx, target.id))) throw conflict('RATING_FOLLOW_UP_FIRST', '请先评价，再追评 (a follow-up needs a rating first)');
      followUpNo = await repo.nextFollowUpNo(tx, target.id);
    }
    const row = await repo.insertRating(tx, {
      id: uuidv7(),
      rateable_id: target.id,
      occasion_id: occasion.id,
      object_type: target.object_type,
      channel: access.channel,
      follow_up_no: followUpNo,
      level: input.level,
      is_bad: isBadLevel(input.level),
      indicator_set_id: set?.id ?? null,
      scores: scored.scores,
      comment: input.comment?.trim() || null,
      rater_account_id: access.raterAccountId,
      contact_name_enc: name ? platform.pii.encrypt(name) : null,
      contact_phone_enc: phone ? platform.pii.encrypt(phone) : null,
      recorded_by: access.recordedBy,
      is_valid: true,
      unit_id: target.unit_id,
      unit_name: target.unit_name,
      item_code: target.item_code,
      item_name: target.item_name,
      window_id: target.window_id,
      window_name: target.window_name,
      created_at: now,
    });
    if (!row) {
      throw conflict('RATING_DUPLICATE', `「${target.object_name}」已在此渠道评价过，可以追评 (already rated on this channel; add a follow-up instead)`, { channel: access.channel, rateableId: target.id });
    }
    const review = cal && followUpNo === 0 ? await openBadReview(platform, tx, row, target, settings, cal, now, ctx) : undefined;
    await emit(tx, {
      topic: 'ratings.rating.submitted',
      key: row.id,
      payload: {
        ratingId: row.id, occasionId: occasion.id, occasionKind: occasion.kind, sourceId: occasion.source_id, objectType: target.object_type, objectId: target.object_id,
        channel: row.channel, level: row.level, isBad: row.is_bad, followUpNo, unitId: target.unit_id, itemCode: target.item_code, windowId: target.window_id, reviewId: review?.id ?? null,
      },
      at: now,
    });
    await writeAudit(tx, {
      ...ctx,
      at: now,
      action: isImported ? 'ratings.rating.import' : 'ratings.rating.submit',
      objectType: 'rating',
      objectId: row.id,
      orgUnitId: target.unit_id ?? undefined,
      data: { occasion: occasion.label, objectType: target.object_type, channel: row.channel, level: row.level, followUpNo, hasContact: Boolean(phone), reviewNumber: review?.number ?? null },
    });
    return { row, review };
  });
  return toRatingView(saved.row, target.object_name, saved.review);
}

// ---------------------------------------------------------------- what the rater sees

export async function occasionView(platform: Platform, occasion: repo.OccasionRow, opts: { withCode: boolean }): Promise<OccasionView> {
  const db = platform.db;
  const [rateables, ratings, set] = await Promise.all([repo.listRateables(db, occasion.id), repo.listRatingsOfOccasion(db, occasion.id), repo.activeIndicatorSet(db, occasion.indicator_kind)]);
  const names = new Map(rateables.map((r) => [r.id, r.object_name]));
  const reviews = await Promise.all(ratings.filter((r) => r.is_bad).map((r) => repo.findBadReviewOfRating(db, r.id)));
  const reviewOf = new Map(reviews.filter((r): r is repo.BadReviewRow => Boolean(r)).map((r) => [r.rating_id, r]));
  return {
    id: occasion.id,
    kind: occasion.kind,
    label: occasion.label,
    occurredAt: occasion.occurred_at.toISOString(),
    ...(opts.withCode ? { inviteCode: occasion.invite_code } : {}),
    objects: rateables.map((r) => ({
      rateableId: r.id,
      objectType: r.object_type,
      objectLabel: OBJECT_LABELS[r.object_type],
      objectName: r.object_name,
      isPrimary: r.object_type === PRIMARY_OBJECT[occasion.kind],
      ratedChannels: ratings.filter((x) => x.rateable_id === r.id && x.follow_up_no === 0).map((x) => x.channel),
    })),
    indicatorSet: set ? { id: set.id, kind: set.kind, version: set.version, indicators: set.indicators } : { id: '00000000-0000-7000-8000-000000000000', kind: occasion.indicator_kind, version: 0, indicators: [{ code: 'overall', name: '总体评价' }] },
    ratings: ratings.map((r) => toRatingView(r, names.get(r.rateable_id) ?? '', reviewOf.get(r.id))),
    reviews: [...reviewOf.values()].map((b) => ({
      id: b.id,
      number: b.number,
      ratingId: b.rating_id,
      state: b.state,
      stateLabel: REVIEW_STATE_LABELS[b.state],
      measures: b.measures,
      explanation: b.explanation,
      feedbackNote: b.feedback_note,
      rerateLevel: b.rerate_level,
      canRerate: b.state === 'fed_back',
    })),
  };
}

async function occasionByCode(platform: Platform, code: string): Promise<repo.OccasionRow> {
  const o = await repo.findOccasionByCode(platform.db, code);
  if (!o) throw notFound('RATING_INVITATION_NOT_FOUND', '评价链接无效 (no rating invitation with this code)');
  return o;
}

export async function invitationView(platform: Platform, code: string): Promise<OccasionView> {
  return occasionView(platform, await occasionByCode(platform, code), { withCode: true });
}

export async function rateByLink(platform: Platform, code: string, body: RateInput & { channel: Channel }, ctx: Ctx): Promise<RatingView> {
  const occasion = await occasionByCode(platform, code);
  const { channel, ...input } = body;
  const me = ctx.principal?.userKind === 'staff' ? null : (ctx.principal?.userId ?? null);
  return submitRating(platform, { occasion, channel, raterAccountId: me ?? occasion.rater_account_id, recordedBy: null, isViaLink: true }, input, ctx);
}

async function myOccasion(platform: Platform, occasionId: string, accountId: string): Promise<repo.OccasionRow> {
  const o = await repo.findOccasion(platform.db, occasionId);
  if (!o || o.rater_account_id !== accountId) throw notRateable('该服务');
  return o;
}

export async function myOccasions(platform: Platform, accountId: string): Promise<OccasionView[]> {
  const rows = await repo.listOccasionsOfRater(platform.db, accountId, 50);
  return Promise.all(rows.map((o) => occasionView(platform, o, { withCode: false })));
}

export async function rateMine(platform: Platform, occasionId: string, body: RateInput & { channel: Channel }, ctx: Ctx): Promise<RatingView> {
  const me = ctx.principal!.userId;
  const occasion = await myOccasion(platform, occasionId, me);
  const { channel, ...input } = body;
  return submitRating(platform, { occasion, channel, raterAccountId: me, recordedBy: null, isViaLink: false }, input, ctx);
}

/** Rates one of my cases, orders or windows by its id: refused with RATING_NOT_RATEABLE until it is finished. */
export async function rateMyObject(platform: Platform, objectType: ObjectType, objectId: string, body: Omit<RateInput, 'rateableId'> & { channel: Channel }, ctx: Ctx): Promise<RatingView> {
  const me = ctx.principal!.userId;
  const found = await repo.findRateableForRater(platform.db, me, objectType, objectId);
  if (!found) throw notRateable(OBJECT_LABELS[objectType]);
  const occasion = (await repo.findOccasion(platform.db, found.occasion_id))!;
  const { channel, ...input } = body;
  return submitRating(platform, { occasion, channel, raterAccountId: me, recordedBy: null, isViaLink: false }, { ...input, rateableId: found.id }, ctx);
}

/** The rater rates the rectification of their bad review, through the link or their account. */
export async function rerateByLink(platform: Platform, code: string, reviewId: string, body: { level: number; comment?: string }, ctx: Ctx) {
  const occasion = await occasionByCode(platform, code);
  await rerateReview(platform, reviewId, body, ctx, (rating) => rating.occasion_id === occasion.id);
  return occasionView(platform, occasion, { withCode: true });
}

export async function rerateMine(platform: Platform, reviewId: string, body: { level: number; comment?: string }, ctx: Ctx) {
  const me = ctx.principal!.userId;
  const rating = await rerateReview(platform, reviewId, body, ctx, async (r, tx) => r.rater_account_id === me || (await repo.findOccasion(tx, r.occasion_id))?.rater_account_id === me);
  return occasionView(platform, (await repo.findOccasion(platform.db, rating.occasion_id))!, { withCode: false });
}

// ---------------------------------------------------------------- hall tablets (评价器)

const keyHash = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

async function tabletOf(platform: Platform, key: string): Promise<repo.TabletRow> {
  const t = await repo.findTabletByKeyHash(platform.db, keyHash(key));
  if (!t) throw new AppError('RATING_TABLET_KEY_INVALID', '评价器未配对或已停用 (this tablet is not paired, or was revoked)', 401);
  return t;
}

export async function pairTablet(platform: Platform, body: { windowId: string; label: string }, ctx: Ctx) {
  const now = platform.clock.now();
  const id = uuidv7();
  const key = randomToken(24);
  await platform.db.tx(async (tx) => {
    await repo.insertTablet(tx, { id, windowId: body.windowId, label: body.label.trim(), keyHash: keyHash(key), createdBy: ctx.principal?.userId ?? null, now });
    await writeAudit(tx, { ...ctx, at: now, action: 'ratings.tablet.pair', objectType: 'rating_tablet', objectId: id, data: { windowId: body.windowId, label: body.label } });
  });
  return { id, windowId: body.windowId, label: body.label.trim(), createdAt: now.toISOString(), key };
}

export async function listTablets(platform: Platform) {
  return (await repo.listTablets(platform.db)).map((t) => ({ id: t.id, windowId: t.window_id, label: t.label, createdAt: t.created_at.toISOString() }));
}

export async function revokeTablet(platform: Platform, id: string, ctx: Ctx) {
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const t = await repo.revokeTablet(tx, id, now);
    if (!t) throw notFound('RATING_TABLET_NOT_FOUND', '没有这个评价器 (no such tablet)');
    await writeAudit(tx, { ...ctx, at: now, action: 'ratings.tablet.revoke', objectType: 'rating_tablet', objectId: id, data: { windowId: t.window_id } });
    return { id: t.id, windowId: t.window_id, label: t.label, createdAt: t.created_at.toISOString() };
  });
}

/** What the window's tablet shows: the ticket just served there, for a few minutes after it finished. */
export async function tabletPrompt(platform: Platform, key: string) {
  const tablet = await tabletOf(platform, key);
  const settings = await repo.getSettings(platform.db);
  const since = new Date(platform.clock.now().getTime() - settings.prompt_minutes * 60_000);
  const occasion = await repo.latestWindowOccasion(platform.db, tablet.window_id, since);
  return { windowId: tablet.window_id, label: tablet.label, occasion: occasion ? await occasionView(platform, occasion, { withCode: true }) : null };
}

export async function rateOnTablet(platform: Platform, key: string, body: RateInput & { occasionId: string }, ctx: Ctx): Promise<RatingView> {
  const tablet = await tabletOf(platform, key);
  const occasion = await repo.findOccasion(platform.db, body.occasionId);
  // A tablet rates only what its own window served.
  if (!occasion || occasion.window_id !== tablet.window_id) throw notRateable('该服务');
  const { occasionId: _, ...input } = body;
  return submitRating(platform, { occasion, channel: 'tablet', raterAccountId: occasion.rater_account_id, recordedBy: null, isViaLink: false }, input, ctx);
}

// ---------------------------------------------------------------- phone and SMS (staff)

export async function findOccasionForStaff(platform: Platform, kind: OccasionKind, source: string): Promise<OccasionView> {
  let sourceId = source;
  if (kind === 'work_order' && !/^[0-9a-f-]{36}$/i.test(source)) sourceId = (await getWorkOrder(platform, source))?.id ?? source;
  const o = await repo.findOccasionBySource(platform.db, kind, sourceId);
  if (!o) throw notRateable('该服务');
  return occasionView(platform, o, { withCode: false });
}

/** 电话评价: staff record what the person said on the phone (a callback, a hotline call). */
export async function recordPhoneRating(platform: Platform, occasionId: string, input: RateInput, ctx: Ctx): Promise<RatingView> {
  const occasion = await repo.findOccasion(platform.db, occasionId);
  if (!occasion) throw notRateable('该服务');
  return submitRating(platform, { occasion, channel: 'phone', raterAccountId: occasion.rater_account_id, recordedBy: ctx.principal?.userId ?? null, isViaLink: false }, input, ctx);
}

/** Sends the occasion's rating link by SMS (the development adapter only logs it). */
export async function sendSmsInvitation(platform: Platform, occasionId: string, phone: string, ctx: Ctx): Promise<{ sentTo: string }> {
  const occasion = await repo.findOccasion(platform.db, occasionId);
  if (!occasion) throw notRateable('该服务');
  if (!isPhoneNumber(phone)) throw badRequest('PHONE_INVALID', '请填写正确的手机号 (not a valid phone number)');
  const now = platform.clock.now();
  await platform.db.tx(async (tx) => {
    await writeAudit(tx, { ...ctx, at: now, action: 'ratings.invitation.sms', objectType: 'rating_occasion', objectId: occasion.id, data: { phone: maskPhone(phone) } });
  });
  await smsSenderOf(platform).send(phone.trim(), `【政务服务好差评】请对「${occasion.label}」评价：/rate/${occasion.invite_code}?via=sms`);
  return { sentTo: maskPhone(phone) };
}

// ---------------------------------------------------------------- indicator sets and settings

const toSetView = (s: repo.IndicatorSetRow): IndicatorSetView => ({
  id: s.id,
  kind: s.kind,
  version: s.version,
  indicators: s.indicators,
  status: s.status,
  note: s.note,
  createdAt: s.created_at.toISOString(),
  activatedAt: s.activated_at?.toISOString() ?? null,
});

export const listIndicatorSets = async (platform: Platform) => (await repo.listIndicatorSets(platform.db)).map(toSetView);

export async function createIndicatorSet(platform: Platform, body: CreateIndicatorSetBody, ctx: Ctx): Promise<IndicatorSetView> {
  const indicators = body.indicators.map((i) => ({ code: i.code, name: i.name.trim() }));
  const problem = indicatorProblem(indicators);
  if (problem) throw badRequest('RATING_INDICATORS_INVALID', `评价指标有误：${problem}`);
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const s = await repo.insertIndicatorSet(tx, { id: uuidv7(), kind: body.kind, indicators, note: body.note?.trim() || null, createdBy: ctx.principal?.userId ?? null, now });
    await writeAudit(tx, { ...ctx, at: now, action: 'ratings.indicator_set.create', objectType: 'rating_indicator_set', objectId: s.id, data: { kind: s.kind, version: s.version, codes: indicators.map((i) => i.code) } });
    return toSetView(s);
  });
}

/** Makes a draft version the one raters see; the previous version retires (old ratings keep theirs). */
export async function activateIndicatorSet(platform: Platform, id: string, ctx: Ctx): Promise<IndicatorSetView> {
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const s = await repo.findIndicatorSet(tx, id, true);
    if (!s) throw notFound('RATING_INDICATOR_SET_NOT_FOUND', '没有这个评价指标版本 (no such indicator set)');
    if (s.status !== 'draft') throw conflict('RATING_INDICATOR_SET_STATE', `只有草稿可以启用 (only a draft can be activated; this one is ${s.status})`);
    await repo.activateIndicatorSet(tx, s.id, s.kind, now);
    await writeAudit(tx, { ...ctx, at: now, action: 'ratings.indicator_set.activate', objectType: 'rating_indicator_set', objectId: s.id, data: { kind: s.kind, version: s.version } });
    await emit(tx, { topic: 'ratings.indicator_set.activated', key: s.id, payload: { setId: s.id, kind: s.kind, version: s.version }, at: now });
    return toSetView((await repo.findIndicatorSet(tx, s.id))!);
  });
}

const toSettings = (s: repo.SettingsRow): Settings => ({
  classifyDays: s.classify_days,
  verifyDays: s.verify_days,
  rectifyDays: s.rectify_days,
  feedbackDays: s.feedback_days,
  appealReviewDays: s.appeal_review_days,
  promptMinutes: s.prompt_minutes,
  invitationDays: s.invitation_days,
});

export const getSettings = async (platform: Platform) => toSettings(await repo.getSettings(platform.db));

export async function updateSettings(platform: Platform, patch: SettingsPatch, ctx: Ctx): Promise<Settings> {
  const cols: Record<keyof Settings, keyof repo.SettingsRow> = {
    classifyDays: 'classify_days', verifyDays: 'verify_days', rectifyDays: 'rectify_days', feedbackDays: 'feedback_days',
    appealReviewDays: 'appeal_review_days', promptMinutes: 'prompt_minutes', invitationDays: 'invitation_days',
  };
  const row: Record<string, number> = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) row[cols[k as keyof Settings]] = v;
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const s = Object.keys(row).length ? await repo.updateSettings(tx, row, ctx.principal?.userId ?? null, now) : await repo.getSettings(tx);
    await writeAudit(tx, { ...ctx, at: now, action: 'ratings.settings.update', objectType: 'rating_settings', data: patch });
    return toSettings(s);
  });
}

// ---------------------------------------------------------------- disclosure

export const FORMULAS = {
  goodRate: '好评率 = (非常满意 + 满意 + 基本满意) / 有效评价数',
  badCount: '差评数 = 有效的不满意 + 非常不满意评价数',
  rectificationRate: '整改率 = 已整改或已说明的差评 / 有效差评数',
  callbackRate: '回访率 = 已回访并联系上评价人的差评 / 有效差评数',
  counted: '只计首次评价（追评不重复计算）；申诉成立的差评不计入',
};

const MAX_SUMMARY_DAYS = 1100;

/** 好评率, 差评数, 整改率, 回访率 per department, item or window over local days [from, to]. */
export async function ratingSummary(platform: Platform, q: SummaryQuery): Promise<Summary> {
  const today = localDay(platform.clock.now());
  const from = q.from ?? `${today.slice(0, 4)}-01-01`;
  const to = q.to ?? today;
  const fromMs = Date.parse(`${from}T00:00:00Z`);
  const toMs = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(fromMs) || Number.isNaN(toMs) || new Date(fromMs).toISOString().slice(0, 10) !== from || new Date(toMs).toISOString().slice(0, 10) !== to || toMs < fromMs || toMs - fromMs > MAX_SUMMARY_DAYS * 86400_000) {
    throw badRequest('RATING_PERIOD_INVALID', `统计期间有误：须为真实日期，截止不早于开始，最长 ${MAX_SUMMARY_DAYS} 天 (from and to must be real dates, to not before from, at most ${MAX_SUMMARY_DAYS} days)`);
  }
  const rows = await repo.summaryTallies(platform.db, q.by, startOfLocalDay(from), startOfLocalDay(addDays(to, 1)));
  let total: Tally = { ratings: 0, good: 0, bad: 0, rectified: 0, calledBack: 0 };
  const row = (t: Tally) => ({ ...figuresOf(t), goodCount: t.good, rectifiedCount: t.rectified, calledBackCount: t.calledBack });
  const items = rows.map((r) => {
    total = addTallies(total, r);
    return { key: r.key, name: r.name ?? r.key, ...row(r) };
  });
  return { by: q.by, from, to, formulas: FORMULAS, total: row(total), items };
}

export async function listRatingsForSupervisors(platform: Platform, q: { from?: string; to?: string; isBad?: boolean; limit?: number }, ctx: Ctx) {
  const today = localDay(platform.clock.now());
  const from = q.from ?? addDays(today, -30);
  const to = q.to ?? today;
  const paths = ctx.principal!.grants.filter((g) => ROLE_PERMISSIONS[g.role].includes('ratings:supervise')).map((g) => g.orgPath);
  const rows = await repo.listRatings(platform.db, { from: startOfLocalDay(from), to: startOfLocalDay(addDays(to, 1)), isBad: q.isBad, unitPaths: paths, limit: q.limit ?? 200 });
  return rows.map((r) => ({
    ...toRatingView(r, r.object_name, r.review_id ? { id: r.review_id, number: r.review_number!, state: r.review_state! } : undefined),
    occasionLabel: r.occasion_label,
    unitName: r.unit_name,
    itemName: r.item_name,
    windowName: r.window_name,
  }));
}
