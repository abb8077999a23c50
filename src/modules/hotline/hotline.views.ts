import { writeAudit } from '../../platform/audit.ts';
import { canActOn } from '../../platform/auth/roles.ts';
import { isPhoneNumber, maskName, maskPhone, normalisePhone } from '../../platform/crypto/pii.ts';
import type { Queryable } from '../../platform/db.ts';
import { badRequest, forbidden, notFound } from '../../platform/errors.ts';
import type { Platform } from '../../platform/module.ts';
import { casesViews } from '../cases/index.ts';
import { searchArticles } from '../knowledge/index.ts';
import { badgeOf } from './hotline.deadlines.ts';
import { computeMetrics, computeScorecards, type MetricEvent } from './hotline.metrics.ts';
import {
  adviseOn,
  categoriesOf,
  classesOf,
  handlePaths,
  iso,
  locateStreet,
  NO_SUGGESTION,
  orderNotFound,
  unitOf,
  type Ctx,
  type DispatchSuggestion,
} from './hotline.reference.ts';
import * as repo from './hotline.repository.ts';
import type { WorkOrderRow } from './hotline.repository.ts';
import type { Kind, Progress, WorkOrderDetail, WorkOrderSummary } from './hotline.schemas.ts';
import { DUPLICATE_THRESHOLD, matterSimilarity } from './hotline.similarity.ts';
import { ACTIONS, isAllowed, isFinished, STATUS_LABELS, TRANSITIONS, type Action, type ActorClass, type Status } from './hotline.transitions.ts';

// The read side of the hotline: what the hotline centre, a handling unit, a citizen and other modules
// see of orders (caller masked, hidden from units when confidential), the queues, the intake
// suggestions, the caller's history and the audited reveal, the learner's view and the metrics.

// ---------------------------------------------------------------- what a citizen sees

const PROGRESS_LABELS: Record<string, string> = {
  created: '已受理', dispatched: '已派单至承办单位', redispatched: '已重新派单', signed: '承办单位已签收', started: '办理中',
  replied: '承办单位已回复', called_back: '已回访', redone: '重新办理', closed: '已办结', answered: '已答复办结',
  archived: '已归档', merged: '已与相同诉求合并办理', split: '已拆分为多张工单办理', transferred: '已转交相关部门',
  extension_approved: '办理期限已延长', rated: '已评价',
};

export async function progressOf(platform: Platform, order: WorkOrderRow): Promise<Progress> {
  const events = await repo.listEvents(platform.db, order.id);
  const category = (await categoriesOf(platform)).byCode.get(order.category_code);
  const unit = order.lead_unit_code ? await unitOf(platform, order.lead_unit_code) : null;
  const isOpen = !isFinished(order.status);
  return {
    number: order.number,
    kind: order.kind as Kind,
    categoryName: category?.name ?? order.category_code,
    status: order.status,
    statusLabel: STATUS_LABELS[order.status],
    isOpen,
    handlingUnitName: unit?.name ?? null,
    createdAt: iso(order.created_at)!,
    finishDueOn: isOpen ? order.finish_due_on : null,
    reply: order.status === 'replied' || order.status === 'callback' || !isOpen ? order.reply : null,
    timeline: events.filter((e) => PROGRESS_LABELS[e.type]).map((e) => ({ type: e.type, at: iso(e.at)!, label: PROGRESS_LABELS[e.type]! })),
    canRate: (order.status === 'closed' || order.status === 'archived') && order.rating_level === null,
    rating: order.rating_level !== null ? { level: order.rating_level, at: iso(order.rated_at)! } : null,
  };
}

// ---------------------------------------------------------------- views for staff

type Viewer = 'centre' | 'unit' | 'citizen';

function viewerOf(ctx: Ctx): Viewer {
  const p = ctx.principal;
  if (p?.permissions.has('hotline:dispatch') || p?.permissions.has('hotline:supervise') || ctx.actor.kind === 'system') return 'centre';
  if (p?.permissions.has('hotline:handle')) return 'unit';
  return 'citizen';
}

function maskedCaller(platform: Platform, o: WorkOrderRow, viewer: Viewer) {
  // A confidential caller is hidden from handling units altogether, not just masked.
  if (viewer === 'unit' && o.is_confidential) return { callerNameMasked: null, callerPhoneMasked: null };
  return {
    callerNameMasked: o.caller_name_enc ? maskName(platform.pii.decrypt(o.caller_name_enc)) : null,
    callerPhoneMasked: o.caller_phone_enc ? maskPhone(platform.pii.decrypt(o.caller_phone_enc)) : null,
  };
}

async function unitNames(platform: Platform, codes: (string | null)[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const code of new Set(codes.filter((c): c is string => Boolean(c)))) {
    const unit = await unitOf(platform, code);
    out.set(code, unit?.name ?? code);
  }
  return out;
}

async function toSummaries(platform: Platform, rows: WorkOrderRow[], viewer: Viewer): Promise<WorkOrderSummary[]> {
  const { byCode } = await categoriesOf(platform);
  const names = await unitNames(platform, rows.map((r) => r.lead_unit_code));
  const now = platform.clock.now();
  return rows.map((o) => {
    const isOpen = !isFinished(o.status);
    const isPaused = o.status === 'returned';
    const dueAt = (d: Date | null) => (d ? new Date(d) : null);
    return {
      id: o.id,
      number: o.number,
      channel: o.channel as WorkOrderSummary['channel'],
      kind: o.kind as Kind,
      priority: o.priority,
      categoryCode: o.category_code,
      categoryName: byCode.get(o.category_code)?.name ?? o.category_code,
      description: o.description,
      address: o.address,
      streetCode: o.street_code,
      status: o.status,
      statusLabel: STATUS_LABELS[o.status],
      isOpen,
      leadUnitCode: o.lead_unit_code,
      leadUnitName: o.lead_unit_code ? (names.get(o.lead_unit_code) ?? null) : null,
      ...maskedCaller(platform, o, viewer),
      isConfidential: o.is_confidential,
      signDueAt: iso(o.sign_due_at),
      finishDueOn: o.finish_due_on,
      finishDueAt: iso(o.finish_due_at),
      badges: {
        sign: o.status === 'dispatched' ? badgeOf(now, dueAt(o.sign_due_at), dueAt(o.sign_warn_at)) : 'none',
        finish: ['dispatched', 'signed', 'in_progress', 'returned'].includes(o.status) ? badgeOf(now, dueAt(o.finish_due_at), dueAt(o.finish_warn_at), isPaused) : 'none',
      },
      urgeCount: o.urge_count,
      supervisionLevel: o.supervision_level,
      isReported: o.is_reported,
      redoCount: o.redo_count,
      createdAt: iso(o.created_at)!,
      updatedAt: iso(o.updated_at)!,
    };
  });
}

/** The Chinese name of every event type an order can record. */
export const EVENT_LABELS: Record<string, string> = {
  ...Object.fromEntries(Object.values(TRANSITIONS).map((t) => [t.event, t.label])),
  absorbed: '并入重复工单',
  duplicates_found: '发现疑似重复工单',
  repeat_linked: '关联为重复诉求',
  sign_warned: '签收即将超时',
  sign_overdue: '签收超时',
  finish_warned: '办结即将超时',
  finish_overdue: '办结超时',
};

/** May this caller see the order at all? Centre and supervisors: every order; units: their assignments; citizens: their own. */
async function visibleOrder(platform: Platform, ref: string, ctx: Ctx): Promise<{ order: WorkOrderRow; assignments: repo.AssignmentRow[]; classes: Set<ActorClass> }> {
  const order = await repo.findWorkOrder(platform.db, ref);
  if (!order) throw orderNotFound(ref);
  const assignments = await repo.listAssignments(platform.db, order.id);
  const classes = classesOf(ctx, order, assignments.filter((a) => a.is_active));
  if (classes.size === 0) throw orderNotFound(ref);
  return { order, assignments, classes };
}

/**
 * The actions the caller may take on the order now, by status and by who they are for this order (the
 * service re-checks on every action; this only spares the screens from offering what would be refused).
 */
function allowedActionsOf(order: WorkOrderRow, classes: Set<ActorClass>): Action[] {
  return ACTIONS.filter((a) => a !== 'create' && isAllowed(a, order.status) && TRANSITIONS[a].by.some((c: ActorClass) => classes.has(c)));
}

async function detailOf(
  platform: Platform,
  order: WorkOrderRow,
  assignments: repo.AssignmentRow[],
  viewer: Viewer,
  classes: Set<ActorClass> = new Set(),
): Promise<WorkOrderDetail> {
  const [summary] = await toSummaries(platform, [order], viewer);
  const [pending, pauses, events, linked] = [
    await repo.listPendingRequestsOf(platform.db, order.id),
    await repo.listPauses(platform.db, order.id),
    await repo.listEvents(platform.db, order.id),
    await repo.linkedOrderIds(platform.db, order.id),
  ];
  const names = await unitNames(platform, assignments.map((a) => a.unit_code));
  return {
    ...summary!,
    viewer,
    allowedActions: allowedActionsOf(order, classes),
    latitude: order.latitude,
    longitude: order.longitude,
    attributes: order.attributes,
    attachmentIds: order.attachment_ids,
    timeLimitDays: order.time_limit_days,
    extendedDays: order.extended_days,
    isPaused: order.status === 'returned',
    suggestion: order.suggestion,
    duplicateCandidates: order.duplicate_candidates,
    links: {
      mergedInto: order.merged_into,
      splitFrom: order.split_from,
      repeatOf: order.repeat_of,
      redoOf: order.redo_of,
      mergedFrom: linked.filter((l) => l.link === 'merged').map((l) => l.id),
      splitInto: linked.filter((l) => l.link === 'split').map((l) => l.id),
    },
    transferTo: order.transfer_to,
    reply: order.reply,
    repliedAt: iso(order.replied_at),
    article: order.article_id ? { id: order.article_id, version: order.article_version ?? 1 } : null,
    callback: order.callback_at
      ? { at: iso(order.callback_at)!, isReached: order.is_callback_reached === true, isResolved: order.is_resolved, satisfaction: order.satisfaction }
      : null,
    rating: order.rating_level !== null ? { level: order.rating_level, comment: order.rating_comment, at: iso(order.rated_at)! } : null,
    closedAt: iso(order.closed_at),
    archivedAt: iso(order.archived_at),
    assignments: assignments.map((a) => ({
      unitCode: a.unit_code,
      unitName: names.get(a.unit_code) ?? a.unit_code,
      role: a.role,
      isActive: a.is_active,
      assignedAt: iso(a.assigned_at)!,
      endedAt: iso(a.ended_at),
      signedAt: iso(a.signed_at),
      opinion: a.opinion,
    })),
    pendingRequests: pending.map(pendingView),
    pauses: pauses.map((p) => ({ reason: p.reason, startedAt: iso(p.started_at)!, endedAt: iso(p.ended_at), workingDays: p.working_days })),
    events: events.map((e) => ({
      type: e.type,
      label: EVENT_LABELS[e.type] ?? e.type,
      at: iso(e.at)!,
      fromStatus: e.from_status,
      toStatus: e.to_status,
      // Handling units see which unit acted, not the names of the hotline's staff.
      actorLabel: viewer === 'centre' ? e.actor_label : null,
      unitCode: e.unit_code,
      data: e.data,
    })),
  };
}

const pendingView = (r: repo.PendingRequestRow) => ({
  id: r.id,
  kind: r.kind,
  unitCode: r.unit_code,
  state: r.state,
  data: r.data,
  requestedAt: iso(r.requested_at)!,
  decidedAt: iso(r.decided_at),
  decisionNote: r.decision_note,
});

/** One order for a staff member or citizen allowed to see it, caller masked. */
export async function getWorkOrderDetail(platform: Platform, ref: string, ctx: Ctx): Promise<WorkOrderDetail> {
  const { order, assignments, classes } = await visibleOrder(platform, ref, ctx);
  return detailOf(platform, order, assignments, viewerOf(ctx), classes);
}

/** A photo of an order, for whoever may see the order (its handling units, the centre, its citizen). */
export async function getOrderPhoto(platform: Platform, ref: string, photoId: string, ctx: Ctx) {
  const { order } = await visibleOrder(platform, ref, ctx);
  const found = order.attachment_ids.includes(photoId) ? await casesViews.readAttachment(platform, photoId) : undefined;
  if (!found) throw notFound('WORK_ORDER_PHOTO_NOT_FOUND', `工单 ${order.number} 没有这张照片 (no such photo on this order)`);
  return { mediaType: found.attachment.media_type, bytes: found.bytes };
}

/** For other modules (Open311): one order by id or number, as the hotline centre sees it (caller masked). */
export async function getWorkOrder(platform: Platform, idOrNumber: string): Promise<WorkOrderDetail | undefined> {
  const order = await repo.findWorkOrder(platform.db, idOrNumber);
  if (!order) return undefined;
  return detailOf(platform, order, await repo.listAssignments(platform.db, order.id), 'centre');
}

export interface WorkOrderFilter {
  ids?: string[];
  numbers?: string[];
  categoryCodes?: string[];
  status?: 'open' | 'closed';
  from?: Date;
  to?: Date;
  limit: number;
}

const OPEN_STATUSES: Status[] = ['created', 'dispatched', 'signed', 'in_progress', 'returned', 'replied', 'callback'];
const CLOSED_STATUSES: Status[] = ['closed', 'archived', 'merged', 'split', 'transferred'];

/** For other modules (Open311): orders matching the filter, newest first, caller masked, with their coordinates. */
export async function listWorkOrders(
  platform: Platform,
  filter: WorkOrderFilter,
): Promise<(WorkOrderSummary & { latitude: number | null; longitude: number | null })[]> {
  const { rows } = await repo.listWorkOrderRows(platform.db, {
    ids: filter.ids,
    numbers: filter.numbers?.map((n) => n.toUpperCase()),
    categoryCodes: filter.categoryCodes,
    statuses: filter.status === 'open' ? OPEN_STATUSES : filter.status === 'closed' ? CLOSED_STATUSES : undefined,
    from: filter.from,
    to: filter.to,
    limit: Math.min(Math.max(1, Math.trunc(filter.limit)), 1000),
  });
  const summaries = await toSummaries(platform, rows, 'centre');
  return summaries.map((o, i) => ({ ...o, latitude: rows[i]!.latitude, longitude: rows[i]!.longitude }));
}

/** The staff search: the centre sees every order, a handling unit the orders assigned to its subtree. */
export async function searchWorkOrders(
  platform: Platform,
  q: { q?: string; status?: string; categoryCode?: string; unitCode?: string; from?: string; to?: string; limit: number; offset: number },
  ctx: Ctx,
): Promise<{ items: WorkOrderSummary[]; total: number }> {
  const viewer = viewerOf(ctx);
  const statuses = q.status === 'open' ? OPEN_STATUSES : q.status === 'finished' ? CLOSED_STATUSES : q.status ? [q.status as Status] : undefined;
  const { rows, total } = await repo.listWorkOrderRows(platform.db, {
    statuses,
    categoryCodes: q.categoryCode ? [q.categoryCode] : undefined,
    unitCode: q.unitCode,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    unitPaths: viewer === 'centre' ? undefined : handlePaths(ctx.principal),
    // Full-width digits and letters as a citizen may type them; otherwise the words as typed.
    terms: q.q ? [...new Set(q.q.normalize('NFKC').split(/\s+/).filter(Boolean))].slice(0, 5) : undefined,
    limit: q.limit,
    offset: q.offset,
  });
  return { items: await toSummaries(platform, rows, viewer), total };
}

/** A citizen's own orders (signed in). */
export async function listMyOrders(platform: Platform, ctx: Ctx): Promise<Progress[]> {
  const { rows } = await repo.listWorkOrderRows(platform.db, { citizenAccountId: ctx.principal!.userId, limit: 50 });
  const out: Progress[] = [];
  for (const r of rows) out.push(await progressOf(platform, r));
  return out;
}

/** 承办单位待办: open orders on the caller's units, most urgent first, with deadline badges. */
export async function unitInbox(platform: Platform, ctx: Ctx) {
  const paths = handlePaths(ctx.principal);
  if (paths.length === 0) return { items: [] };
  const { rows } = await repo.listWorkOrderRows(platform.db, {
    statuses: ['dispatched', 'signed', 'in_progress', 'returned'],
    unitPaths: paths,
    limit: 200,
    order: 'oldest',
  });
  const summaries = await toSummaries(platform, rows, 'unit');
  const active = await repo.listActiveAssignmentsOf(platform.db, rows.map((r) => r.id));
  const kinds = await repo.pendingKindsOf(platform.db, rows.map((r) => r.id));
  const p = ctx.principal!;
  const items = summaries.map((s) => {
    const mine = active.filter((a) => a.order_id === s.id && canActOn(p, 'hotline:handle', a.unit_path));
    return {
      ...s,
      myRole: mine.some((a) => a.role === 'lead') ? ('lead' as const) : ('co' as const),
      pendingRequestKinds: kinds.filter((k) => k.order_id === s.id).map((k) => k.kind),
    };
  });
  const rank = { overdue: 0, warning: 1, normal: 2, paused: 3, none: 4 } as const;
  const worst = (s: WorkOrderSummary) => Math.min(rank[s.badges.sign], rank[s.badges.finish]);
  items.sort((a, b) => worst(a) - worst(b) || (a.finishDueAt ?? '').localeCompare(b.finishDueAt ?? ''));
  return { items };
}

/** 热线中心审核: returns, extension and co-handling requests waiting, and merge suggestions. */
export async function reviewQueue(platform: Platform) {
  const pending = await repo.listOpenPendingRequests(platform.db, 300);
  const orders = await repo.findWorkOrdersByIds(platform.db, [...new Set(pending.map((p) => p.order_id))]);
  const summaries = new Map((await toSummaries(platform, orders, 'centre')).map((s) => [s.id, s]));
  const of = (kind: repo.PendingRequestRow['kind']) =>
    pending.filter((p) => p.kind === kind && summaries.has(p.order_id)).map((p) => ({ order: summaries.get(p.order_id)!, request: pendingView(p) }));
  const withDuplicates = await repo.ordersWithDuplicates(platform.db, 100);
  const candidateRows = await repo.findWorkOrdersByIds(platform.db, [...new Set(withDuplicates.flatMap((o) => o.duplicate_candidates.map((d) => d.id)))]);
  const stillOpen = new Set(candidateRows.filter((r) => !isFinished(r.status)).map((r) => r.id));
  const mergeOrders = withDuplicates.filter((o) => o.duplicate_candidates.some((d) => stillOpen.has(d.id)));
  const mergeSummaries = await toSummaries(platform, mergeOrders, 'centre');
  return {
    returns: of('return'),
    extensions: of('extension'),
    coHandling: of('co_handling'),
    merges: mergeOrders.map((o, i) => ({ order: mergeSummaries[i]!, candidates: o.duplicate_candidates.filter((d) => stillOpen.has(d.id)) })),
  };
}

// ---------------------------------------------------------------- personal data

/** 查看来电人信息: the full name and phone, for a stated reason, audited; hidden from units when confidential. */
export async function revealCaller(platform: Platform, ref: string, reason: string, ctx: Ctx): Promise<{ name: string | null; phone: string | null }> {
  const { order, classes } = await visibleOrder(platform, ref, ctx);
  const isCentre = classes.has('centre') || classes.has('supervisor');
  if (!isCentre && !(classes.has('lead') || classes.has('co'))) throw orderNotFound(ref);
  if (!isCentre && order.is_confidential) {
    throw forbidden('WORK_ORDER_CONFIDENTIAL', '来电人要求保密，承办单位不能查看其信息 (the caller asked for confidentiality)');
  }
  await platform.db.tx((tx) =>
    writeAudit(tx, { ...ctx, action: 'hotline.work_order.caller.read', objectType: 'work_order', objectId: order.id, at: platform.clock.now(), data: { number: order.number, reason } }),
  );
  return {
    name: order.caller_name_enc ? platform.pii.decrypt(order.caller_name_enc) : null,
    phone: order.caller_phone_enc ? platform.pii.decrypt(order.caller_phone_enc) : null,
  };
}

/** 来电人历史: an agent looks up a caller's earlier orders by phone (audited; shown masked). */
export async function lookupCaller(platform: Platform, phone: string, ctx: Ctx) {
  if (!isPhoneNumber(phone)) throw badRequest('PHONE_INVALID', '请填写正确的手机号或固定电话 (not a valid phone number)');
  const hash = platform.pii.blindIndex('phone', normalisePhone(phone));
  const { rows } = await repo.listWorkOrderRows(platform.db, { callerPhoneHash: hash, limit: 20 });
  await platform.db.tx((tx) =>
    writeAudit(tx, { ...ctx, action: 'hotline.caller.lookup', objectType: 'caller', at: platform.clock.now(), data: { phoneMasked: maskPhone(phone), found: rows.length } }),
  );
  const { byCode } = await categoriesOf(platform);
  return {
    callerPhoneMasked: maskPhone(phone),
    orders: rows.map((o) => ({
      id: o.id,
      number: o.number,
      kind: o.kind as Kind,
      categoryName: byCode.get(o.category_code)?.name ?? o.category_code,
      description: o.description,
      status: o.status,
      statusLabel: STATUS_LABELS[o.status],
      createdAt: iso(o.created_at)!,
      satisfaction: o.satisfaction,
    })),
  };
}

// ---------------------------------------------------------------- duplicates and intake suggestions

export const DUPLICATE_WINDOW_DAYS = 7;
export const REPEAT_WINDOW_DAYS = 30;
export const DAY_MS = 86_400_000;

export async function findDuplicates(platform: Platform, q: Queryable, m: { description: string; address: string | null; streetCode: string | null; since: Date; excludeId?: string }) {
  const candidates = await repo.openOrdersSince(q, { since: m.since, streetCode: m.streetCode, excludeId: m.excludeId, limit: 300 });
  return candidates
    .map((c) => ({ c, score: matterSimilarity(m, c) }))
    .filter((x) => x.score >= DUPLICATE_THRESHOLD)
    .sort((a, b) => b.score - a.score)
    .slice(0, 5);
}

/** What the agent sees while typing: the advisor's units, the category's usual unit, similar open orders. */
export async function intakeSuggestions(platform: Platform, q: { text: string; address?: string; categoryCode?: string; streetCode?: string }) {
  const suggestion = (await adviseOn(platform, { text: q.text, address: q.address, categoryCode: q.categoryCode })) ?? NO_SUGGESTION;
  const category = q.categoryCode ? (await categoriesOf(platform)).byCode.get(q.categoryCode) : undefined;
  const streetCode = q.streetCode ?? suggestion.streetCode ?? (await locateStreet(platform, q.address ?? null, q.text));
  const now = platform.clock.now();
  const duplicates = await findDuplicates(platform, platform.db, { description: q.text, address: q.address ?? null, streetCode, since: new Date(now.getTime() - DUPLICATE_WINDOW_DAYS * DAY_MS) });
  // 知识库 side panel: articles about the matter, in force, best first.
  const found = await searchArticles(platform, q.text.slice(0, 200), { limit: 3 });
  return {
    dispatch: suggestion,
    articles: found.items.map((a) => ({ id: a.id, version: a.version, title: a.title, snippet: a.snippet })),
    streetCode,
    categoryDefaultUnitCode: category?.defaultUnitCode ?? null,
    duplicates: duplicates.map(({ c, score }) => ({ id: c.id, number: c.number, score: Math.round(score * 1000) / 1000, description: c.description, status: c.status, createdAt: iso(c.created_at)! })),
  };
}

// ---------------------------------------------------------------- for the dispatch learner

export interface WorkOrderForLearning {
  id: string;
  number: string;
  text: string;
  address: string | null;
  kind: string;
  categoryCode: string;
  streetCode: string | null;
  suggestion: DispatchSuggestion | null;
  /** The unit that finally handles (or handled) the order. */
  leadUnitCode: string | null;
  dispatches: { type: string; at: string; unitCode: string | null; fromUnitCode: string | null; isAuto: boolean }[];
  returns: { unitCode: string; reason: string; basis: unknown; state: string; requestedAt: string }[];
}

/** The order's text and dispatch history, without the caller: what the dispatch learner needs. */
export async function getWorkOrderForLearning(platform: Platform, id: string): Promise<WorkOrderForLearning | undefined> {
  const order = await repo.findWorkOrder(platform.db, id);
  if (!order) return undefined;
  const events = await repo.listEvents(platform.db, order.id);
  const requests = await repo.listPendingRequestsOf(platform.db, order.id);
  return {
    id: order.id,
    number: order.number,
    text: order.description,
    address: order.address,
    kind: order.kind,
    categoryCode: order.category_code,
    streetCode: order.street_code,
    suggestion: order.suggestion,
    leadUnitCode: order.lead_unit_code,
    dispatches: events
      .filter((e) => e.type === 'dispatched' || e.type === 'redispatched' || e.type === 'redone')
      .map((e) => ({
        type: e.type,
        at: iso(e.at)!,
        unitCode: e.unit_code,
        fromUnitCode: typeof e.data.fromUnitCode === 'string' ? e.data.fromUnitCode : null,
        isAuto: e.data.auto === true,
      })),
    returns: requests
      .filter((r) => r.kind === 'return')
      .map((r) => ({ unitCode: r.unit_code, reason: String(r.data.reason ?? ''), basis: r.data.basis ?? null, state: r.state, requestedAt: iso(r.requested_at)! })),
  };
}

// ---------------------------------------------------------------- metrics and scorecards

const DEFAULT_PERIOD_DAYS = 30;

function periodOf(platform: Platform, q: { from?: string; to?: string }) {
  const now = platform.clock.now();
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (!(from.getTime() < to.getTime())) throw badRequest('HOTLINE_PERIOD_INVALID', '统计区间的开始须早于结束 (from must be before to)');
  // Figures for a period that has not ended yet are as of now.
  return { from, to, asOf: to.getTime() < now.getTime() ? to : now };
}

async function metricEventsOf(platform: Platform, from: Date, to: Date): Promise<MetricEvent[]> {
  const rows = await repo.eventsOfOrdersCreatedBetween(platform.db, from, to);
  return rows.map((r) => ({ orderId: r.order_id, type: r.type, at: r.at, unitCode: r.unit_code, fromStatus: r.from_status, data: r.data }));
}

/** The district's metrics (or one unit's) over the orders created in the period. */
export async function hotlineMetrics(platform: Platform, q: { from?: string; to?: string; unitCode?: string }) {
  const { from, to, asOf } = periodOf(platform, q);
  const events = await metricEventsOf(platform, from, to);
  return { from: from.toISOString(), to: to.toISOString(), unitCode: q.unitCode ?? null, metrics: computeMetrics(events, { asOf, unitCode: q.unitCode }) };
}

/** 承办单位考核: one scorecard per unit that handled orders created in the period. */
export async function unitScorecards(platform: Platform, q: { from?: string; to?: string; unitCode?: string }) {
  const { from, to, asOf } = periodOf(platform, q);
  const cards = computeScorecards(await metricEventsOf(platform, from, to), { asOf }).filter((c) => !q.unitCode || c.unitCode === q.unitCode);
  const names = await unitNames(platform, cards.map((c) => c.unitCode));
  return { from: from.toISOString(), to: to.toISOString(), items: cards.map((c) => ({ unitCode: c.unitCode, unitName: names.get(c.unitCode) ?? c.unitCode, metrics: c.metrics })) };
}

/** Supervisors see every unit's scorecard; a handling unit sees the scorecards of its own subtree. */
export async function canReadScorecard(platform: Platform, unitCode: string, ctx: Ctx): Promise<boolean> {
  const p = ctx.principal;
  if (!p) return false;
  if (p.permissions.has('hotline:supervise') || p.permissions.has('hotline:dispatch')) return true;
  const unit = await unitOf(platform, unitCode);
  return Boolean(unit && canActOn(p, 'hotline:handle', unit.path));
}
