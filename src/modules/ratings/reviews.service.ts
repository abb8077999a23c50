import { systemActor, writeAudit } from '../../platform/audit.ts';
import { canActOn, ROLE_PERMISSIONS, type Permission, type Principal } from '../../platform/auth/roles.ts';
import type { CalendarSnapshot } from '../../platform/calendar/calendar.ts';
import { maskName, maskPhone } from '../../platform/crypto/pii.ts';
import type { Tx } from '../../platform/db.ts';
import { badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import { accountsOf, orgViews } from '../org/index.ts';
import * as repo from './ratings.repository.ts';
import { isBadLevel, LEVEL_LABELS, type Level } from './ratings.rules.ts';
import type { AppealBody, BadReviewDetail, BadReviewSummary, ClassifyBody, ReviewListQuery, VerifyBody } from './ratings.schemas.ts';
import {
  FINAL_STATES,
  nextReviewState,
  REVIEW_ACTIONS,
  REVIEW_STATE_LABELS,
  REVIEW_TRANSITIONS,
  reviewTopicOf,
  STEP_DAYS_OF,
  type ReviewAction,
  type ReviewActor,
  type ReviewState,
} from './ratings.transitions.ts';

// The bad-review (差评) loop: every change runs through the transition table, writes the review,
// its log entry, its outbox event and its audit row in one transaction, and sets the working day
// the next step is due. A daily sweep warns on the due day and escalates (督办) the day after.

type Ctx = ActionContext;

const OFFSET_MS = 8 * 3600_000;
const localDay = (at: Date): string => new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);

/** The working-day calendar for this year and next, loaded before a transaction opens. */
const calendarNow = (platform: Platform, now: Date): Promise<CalendarSnapshot> => {
  const year = Number(localDay(now).slice(0, 4));
  return platform.calendar.snapshot(year, year + 1);
};

const dueOn = (cal: CalendarSnapshot, now: Date, settings: repo.SettingsRow, state: ReviewState): string | null => {
  const field = STEP_DAYS_OF[state];
  return field ? cal.addWorkingDays(localDay(now), settings[field]) : null;
};

const reviewNotFound = () => notFound('BAD_REVIEW_NOT_FOUND', '没有这条差评，或您无权查看 (no such bad review, or not one you may see)');

const actorRow = (ctx: Ctx) => ({ actor_kind: ctx.actor.kind, actor_id: ctx.actor.kind === 'user' || ctx.actor.kind === 'token' ? (ctx.actor.id ?? null) : null, actor_label: ctx.actor.label ?? null });

/** Opens the bad review of a bad first rating, inside the rating's transaction. */
export async function openBadReview(platform: Platform, tx: Tx, rating: repo.RatingRow, rateable: repo.RateableRow, settings: repo.SettingsRow, cal: CalendarSnapshot, now: Date, ctx: Ctx): Promise<repo.BadReviewRow> {
  const review = await repo.insertBadReview(tx, {
    id: uuidv7(),
    rating_id: rating.id,
    number: await repo.nextReviewNumber(tx, localDay(now)),
    state: 'submitted',
    responsible_unit_id: rateable.unit_id,
    responsible_unit_code: rateable.unit_code,
    responsible_unit_path: rateable.unit_path,
    responsible_unit_name: rateable.unit_name,
    step_due_on: dueOn(cal, now, settings, 'submitted'),
    created_at: now,
    updated_at: now,
  });
  await repo.insertReviewEvent(tx, { id: uuidv7(), review_id: review.id, type: 'created', from_state: null, to_state: 'submitted', ...actorRow(ctx), data: { level: rating.level, channel: rating.channel }, at: now });
  await emit(tx, {
    topic: 'ratings.bad_review.created',
    key: review.id,
    payload: { reviewId: review.id, number: review.number, ratingId: rating.id, level: rating.level, unitCode: review.responsible_unit_code, stepDueOn: review.step_due_on },
    at: now,
  });
  return review;
}

/** Who the caller is for this review: supervisor and/or unit, by their grants over its unit. */
function classesOf(p: Principal | undefined, review: Pick<repo.BadReviewRow, 'responsible_unit_path'>): Set<ReviewActor> {
  const classes = new Set<ReviewActor>();
  if (!p) return classes;
  const path = review.responsible_unit_path;
  // A review whose unit nobody could tell is the supervisors' to assign.
  const holds = (perm: Permission) => (path ? canActOn(p, perm, path) : perm === 'ratings:supervise' && p.permissions.has(perm));
  if (holds('ratings:supervise')) classes.add('supervisor');
  if (holds('ratings:handle')) classes.add('unit');
  return classes;
}

interface ApplyResult {
  patch?: repo.BadReviewPatch;
  /** For the log and the audit row (never personal data). */
  data?: Record<string, unknown>;
}

interface RunOptions {
  /** Instead of grants: the rater (checked against the rating) or the system. */
  as?: 'system' | { rater: (rating: repo.RatingRow, tx: Tx) => boolean | Promise<boolean> };
}

/**
 * Runs one action of the transition table on one review: lock, check who and from which state,
 * apply, then write the state, its next due day, the log entry, the outbox event and the audit row.
 * `apply` returning 'skip' leaves everything as it is (a sweep that lost a race).
 */
async function runReviewAction(platform: Platform, id: string, action: ReviewAction, ctx: Ctx, apply: (env: { tx: Tx; review: repo.BadReviewRow; rating: repo.RatingRow; to: ReviewState; now: Date }) => Promise<ApplyResult | 'skip'>, opts: RunOptions = {}): Promise<repo.BadReviewRow> {
  const now = platform.clock.now();
  const cal = await calendarNow(platform, now);
  const settings = await repo.getSettings(platform.db);
  return platform.db.tx(async (tx) => {
    const review = await repo.findBadReview(tx, id, true);
    if (!review) throw reviewNotFound();
    const rating = (await repo.findRating(tx, review.rating_id))!;
    let classes: Set<ReviewActor>;
    if (opts.as === 'system') classes = new Set(['system']);
    else if (opts.as) {
      if (!(await opts.as.rater(rating, tx))) throw reviewNotFound();
      classes = new Set(['rater']);
    } else classes = classesOf(ctx.principal, review);
    if (classes.size === 0) throw reviewNotFound();
    const rule = REVIEW_TRANSITIONS[action];
    if (!rule.by.some((c) => classes.has(c))) throw forbidden('FORBIDDEN', `无权${rule.label} (only ${rule.by.join(' / ')} may ${action} this bad review)`);
    const to = nextReviewState(action, review.state, review.state_before_appeal);
    const result = await apply({ tx, review, rating, to, now });
    if (result === 'skip') return review;
    const isMoving = to !== review.state;
    const patch: repo.BadReviewPatch = {
      ...(isMoving ? { step_due_on: dueOn(cal, now, settings, to), step_signal: 'none' as const } : {}),
      ...result.patch,
      state: to,
      updated_at: now,
    };
    await repo.updateBadReview(tx, review.id, patch);
    const data = result.data ?? {};
    await repo.insertReviewEvent(tx, { id: uuidv7(), review_id: review.id, type: rule.event, from_state: review.state, to_state: to, ...actorRow(ctx), data: { ...data, stepDueOn: patch.step_due_on ?? review.step_due_on }, at: now });
    await emit(tx, {
      topic: reviewTopicOf(action),
      key: review.id,
      payload: { reviewId: review.id, number: review.number, ratingId: review.rating_id, fromState: review.state, toState: to, unitCode: patch.responsible_unit_code ?? review.responsible_unit_code, stepDueOn: patch.step_due_on ?? review.step_due_on, escalationLevel: patch.escalation_level ?? review.escalation_level },
      at: now,
    });
    await writeAudit(tx, { ...ctx, at: now, action: `ratings.bad_review.${action}`, objectType: 'bad_review', objectId: review.id, orgUnitId: review.responsible_unit_id ?? undefined, data: { number: review.number, from: review.state, to, ...data } });
    return { ...review, ...patch } as repo.BadReviewRow;
  });
}

// ---------------------------------------------------------------- actions

/** 分类: what the review is about, and (when it was filed against the wrong one) the unit that answers for it. */
export async function classifyReview(platform: Platform, id: string, body: ClassifyBody, ctx: Ctx) {
  const unit = body.responsibleUnitCode ? await orgViews.findUnitByCode(platform.db, body.responsibleUnitCode) : undefined;
  if (body.responsibleUnitCode && !unit) throw badRequest('ORG_UNIT_UNKNOWN', `没有编码为 ${body.responsibleUnitCode} 的单位 (unknown unit code)`);
  await runReviewAction(platform, id, 'classify', ctx, async () => ({
    patch: { category: body.category, ...(unit ? { responsible_unit_id: unit.id, responsible_unit_code: unit.code, responsible_unit_path: unit.path, responsible_unit_name: unit.name } : {}) },
    data: { category: body.category, unitCode: unit?.code ?? null, note: body.note ?? null },
  }));
  return reviewDetail(platform, id, ctx);
}

/** 核实: the callback to the rater is recorded, reached or not; the unit's rectification clock starts. */
export async function verifyReview(platform: Platform, id: string, body: VerifyBody, ctx: Ctx) {
  await runReviewAction(platform, id, 'verify', ctx, async ({ now }) => ({
    patch: { callback_at: now, is_callback_reached: body.isReached, callback_note: body.note.trim() },
    data: { isReached: body.isReached, note: body.note.trim() },
  }));
  return reviewDetail(platform, id, ctx);
}

export async function rectifyReview(platform: Platform, id: string, measures: string, ctx: Ctx) {
  await runReviewAction(platform, id, 'rectify', ctx, async ({ now }) => ({ patch: { measures: measures.trim(), rectified_at: now }, data: { measures: measures.trim() } }));
  return reviewDetail(platform, id, ctx);
}

/** 情况说明: the complaint has no basis; it counts as handled for 整改率 once fed back. */
export async function explainReview(platform: Platform, id: string, explanation: string, ctx: Ctx) {
  await runReviewAction(platform, id, 'explain', ctx, async ({ now }) => ({ patch: { explanation: explanation.trim(), rectified_at: now }, data: { explanation: explanation.trim() } }));
  return reviewDetail(platform, id, ctx);
}

export async function feedbackReview(platform: Platform, id: string, note: string, ctx: Ctx) {
  await runReviewAction(platform, id, 'feedback', ctx, async ({ now }) => ({ patch: { feedback_note: note.trim(), fed_back_at: now }, data: { note: note.trim() } }));
  return reviewDetail(platform, id, ctx);
}

/** 复评: the rater rates the rectification. */
export async function rerateReview(platform: Platform, id: string, body: { level: number; comment?: string }, ctx: Ctx, isMine: (rating: repo.RatingRow, tx: Tx) => boolean | Promise<boolean>): Promise<repo.RatingRow> {
  let rated: repo.RatingRow | undefined;
  await runReviewAction(
    platform,
    id,
    'rerate',
    ctx,
    async ({ rating, now }) => {
      rated = rating;
      return { patch: { rerate_level: body.level, rerate_comment: body.comment?.trim() || null, rerated_at: now }, data: { level: body.level, hasComment: Boolean(body.comment?.trim()) } };
    },
    { as: { rater: isMine } },
  );
  return rated!;
}

/** 重新整改: the rater was still unhappy with the rectification. */
export async function reopenReview(platform: Platform, id: string, note: string, ctx: Ctx) {
  await runReviewAction(platform, id, 'reopen', ctx, async ({ review }) => {
    if (review.rerate_level === null || !isBadLevel(review.rerate_level)) {
      throw conflict('BAD_REVIEW_REOPEN_NOT_NEEDED', '评价人对整改结果满意，无需重新整改 (the rater was satisfied with the rectification)');
    }
    return { patch: { reopen_count: review.reopen_count + 1, rectified_at: null }, data: { note: note.trim(), rerateLevel: review.rerate_level } };
  });
  return reviewDetail(platform, id, ctx);
}

/** 办结: into the ledger. Without the rater's rating of the rectification a note says why. */
export async function closeReview(platform: Platform, id: string, note: string | undefined, ctx: Ctx) {
  await runReviewAction(platform, id, 'close', ctx, async ({ review, now }) => {
    if (review.state === 'fed_back' && !note?.trim()) {
      throw badRequest('BAD_REVIEW_CLOSE_NOTE_REQUIRED', '评价人尚未评价整改结果，办结须说明理由 (say why the review is closed before the rater rated the rectification)');
    }
    return { patch: { closed_at: now, close_note: note?.trim() || null }, data: { note: note?.trim() || null, rerateLevel: review.rerate_level } };
  });
  return reviewDetail(platform, id, ctx);
}

/** 申诉: the unit holds the review mistaken (误评), false (不实) or malicious (恶意). */
export async function appealReview(platform: Platform, id: string, body: AppealBody, ctx: Ctx) {
  await runReviewAction(platform, id, 'appeal', ctx, async ({ review }) => ({
    patch: { state_before_appeal: review.state, appeal_reason: body.reason, appeal_statement: body.statement.trim(), appeal_decision_note: null },
    data: { reason: body.reason, statement: body.statement.trim() },
  }));
  return reviewDetail(platform, id, ctx);
}

/** 申诉成立: the rating stops counting in every figure; the review ends. */
export async function upholdAppeal(platform: Platform, id: string, note: string, ctx: Ctx) {
  await runReviewAction(platform, id, 'uphold_appeal', ctx, async ({ tx, review, now }) => {
    await repo.invalidateRating(tx, review.rating_id);
    return { patch: { appeal_decision_note: note.trim(), closed_at: now, state_before_appeal: null }, data: { note: note.trim(), reason: review.appeal_reason } };
  });
  return reviewDetail(platform, id, ctx);
}

/** 驳回申诉: back to the step the appeal interrupted, with that step's full time again. */
export async function rejectAppeal(platform: Platform, id: string, note: string, ctx: Ctx) {
  await runReviewAction(platform, id, 'reject_appeal', ctx, async () => ({ patch: { appeal_decision_note: note.trim(), state_before_appeal: null }, data: { note: note.trim() } }));
  return reviewDetail(platform, id, ctx);
}

/**
 * The deadline sweep: a step due today is warned (临期预警) once; a step past its day is escalated
 * (超期督办) once per step, raising the review's escalation level. Safe to repeat.
 */
export async function sweepReviewDeadlines(platform: Platform): Promise<{ warned: number; escalated: number }> {
  const today = localDay(platform.clock.now());
  const ctx: Ctx = { actor: systemActor('ratings.sweep-deadlines') };
  let warned = 0;
  let escalated = 0;
  for (const r of await repo.listDueReviews(platform.db, today)) {
    const isOverdue = r.step_due_on! < today;
    if (!isOverdue && r.step_signal !== 'none') continue;
    const action: ReviewAction = isOverdue ? 'escalate' : 'warn';
    let isDone = false;
    await runReviewAction(
      platform,
      r.id,
      action,
      ctx,
      async ({ review }) => {
        // Someone acted since the list was read: the step (or its signal) is not what it was.
        if (review.step_due_on !== r.step_due_on || review.step_signal !== r.step_signal || review.state !== r.state) return 'skip';
        isDone = true;
        return isOverdue
          ? { patch: { step_signal: 'overdue', escalation_level: review.escalation_level + 1 }, data: { state: review.state, stepDueOn: review.step_due_on, escalationLevel: review.escalation_level + 1 } }
          : { patch: { step_signal: 'warned' }, data: { state: review.state, stepDueOn: review.step_due_on } };
      },
      { as: 'system' },
    );
    if (isDone && isOverdue) escalated += 1;
    else if (isDone) warned += 1;
  }
  return { warned, escalated };
}

// ---------------------------------------------------------------- views

function toSummary(r: repo.BadReviewListRow): BadReviewSummary {
  return {
    id: r.id,
    number: r.number,
    state: r.state,
    stateLabel: REVIEW_STATE_LABELS[r.state],
    level: r.level,
    levelLabel: LEVEL_LABELS[r.level as Level],
    channel: r.channel,
    comment: r.comment,
    objectType: r.object_type,
    objectName: r.object_name,
    occasionLabel: r.occasion_label,
    category: r.category,
    responsibleUnitCode: r.responsible_unit_code,
    responsibleUnitName: r.responsible_unit_name,
    stepDueOn: r.step_due_on,
    stepSignal: r.step_signal,
    escalationLevel: r.escalation_level,
    isRealName: r.is_real_name,
    ratedAt: r.rated_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const ACTION_LABELS = Object.fromEntries(REVIEW_ACTIONS.map((a) => [REVIEW_TRANSITIONS[a].event, REVIEW_TRANSITIONS[a].label]));

async function detailOf(platform: Platform, r: repo.BadReviewListRow, classes: Set<ReviewActor>): Promise<BadReviewDetail> {
  const rating = (await repo.findRating(platform.db, r.rating_id))!;
  const events = await repo.listReviewEvents(platform.db, r.id);
  const pii = platform.pii;
  return {
    ...toSummary(r),
    ratingId: r.rating_id,
    scores: rating.scores,
    raterContact: {
      nameMasked: rating.contact_name_enc ? maskName(pii.decrypt(rating.contact_name_enc)) : null,
      phoneMasked: rating.contact_phone_enc ? maskPhone(pii.decrypt(rating.contact_phone_enc)) : null,
      hasAccount: rating.rater_account_id !== null,
    },
    callback: r.callback_at ? { at: r.callback_at.toISOString(), isReached: r.is_callback_reached ?? false, note: r.callback_note } : null,
    measures: r.measures,
    explanation: r.explanation,
    feedbackNote: r.feedback_note,
    rerate: r.rerate_level !== null && r.rerated_at ? { level: r.rerate_level, levelLabel: LEVEL_LABELS[r.rerate_level as Level], comment: r.rerate_comment, at: r.rerated_at.toISOString() } : null,
    appeal: r.appeal_reason ? { reason: r.appeal_reason, statement: r.appeal_statement, decisionNote: r.appeal_decision_note } : null,
    reopenCount: r.reopen_count,
    closedAt: r.closed_at?.toISOString() ?? null,
    closeNote: r.close_note,
    allowedActions: REVIEW_ACTIONS.filter((a) => {
      const t = REVIEW_TRANSITIONS[a];
      return (t.from as readonly ReviewState[]).includes(r.state) && t.by.some((c) => classes.has(c) && c !== 'system' && c !== 'rater');
    }),
    events: events.map((e) => ({
      type: e.type,
      label: e.type === 'created' ? '差评' : (ACTION_LABELS[e.type] ?? e.type),
      at: e.at.toISOString(),
      fromState: e.from_state,
      toState: e.to_state,
      actorLabel: e.actor_label,
      data: e.data,
    })),
  };
}

export async function reviewDetail(platform: Platform, id: string, ctx: Ctx): Promise<BadReviewDetail> {
  const r = await repo.getBadReviewView(platform.db, id);
  if (!r) throw reviewNotFound();
  const classes = classesOf(ctx.principal, r);
  if (classes.size === 0) throw reviewNotFound();
  return detailOf(platform, r, classes);
}

/** The subtrees the caller sees reviews in (supervisors and units), and whether unassigned ones too. */
function scopeOf(p: Principal) {
  const paths = p.grants.filter((g) => ROLE_PERMISSIONS[g.role].some((x) => x === 'ratings:supervise' || x === 'ratings:handle')).map((g) => g.orgPath);
  return { paths, includeUnassigned: p.permissions.has('ratings:supervise') };
}

const OPEN_STATES = ['submitted', 'classified', 'rectifying', 'rectified', 'explained', 'fed_back', 'rerated', 'appealed'] as ReviewState[];

export async function listReviews(platform: Platform, q: ReviewListQuery, ctx: Ctx): Promise<BadReviewSummary[]> {
  const p = ctx.principal!;
  if (!p.permissions.has('ratings:supervise') && !p.permissions.has('ratings:handle')) throw forbidden('FORBIDDEN', '无权查看差评 (needs ratings:supervise or ratings:handle)');
  const states = q.state === 'open' ? OPEN_STATES : q.state === 'finished' ? [...FINAL_STATES] : q.state ? [q.state] : undefined;
  const rows = await repo.listBadReviews(platform.db, { states, ...scopeOf(p), limit: q.limit ?? 200 });
  return rows.map(toSummary);
}

/** 差评台账: every bad review created in the period with its whole handling, for the caller's subtree. */
export async function reviewLedger(platform: Platform, q: { from?: string; to?: string }, ctx: Ctx): Promise<BadReviewDetail[]> {
  const p = ctx.principal!;
  const today = localDay(platform.clock.now());
  const from = q.from ?? `${today.slice(0, 4)}-01-01`;
  const to = q.to ?? today;
  if (to < from) throw badRequest('RATING_PERIOD_INVALID', '截止日期早于开始日期 (to is before from)');
  const rows = await repo.listBadReviews(platform.db, { ...scopeOf(p), createdFrom: new Date(`${from}T00:00:00.000+08:00`), createdBefore: new Date(new Date(`${to}T00:00:00.000+08:00`).getTime() + 86400_000), limit: 500 });
  return Promise.all(rows.map((r) => detailOf(platform, r, classesOf(p, r))));
}

/** The rater's name and phone for the callback: supervisors only, with a stated reason, audited. */
export async function revealRater(platform: Platform, id: string, reason: string, ctx: Ctx) {
  const r = await repo.getBadReviewView(platform.db, id);
  if (!r) throw reviewNotFound();
  const classes = classesOf(ctx.principal, r);
  if (classes.size === 0) throw reviewNotFound();
  if (!classes.has('supervisor')) throw forbidden('FORBIDDEN', '只有负责回访的督办人员可以查看评价人 (only supervisors who call back may see the rater)');
  const rating = (await repo.findRating(platform.db, r.rating_id))!;
  const account = rating.rater_account_id ? await accountsOf(platform).summary(rating.rater_account_id).catch(() => undefined) : undefined;
  const now = platform.clock.now();
  await platform.db.tx((tx) => writeAudit(tx, { ...ctx, at: now, action: 'ratings.rater.reveal', objectType: 'bad_review', objectId: r.id, orgUnitId: r.responsible_unit_id ?? undefined, data: { number: r.number, reason } }));
  return {
    name: rating.contact_name_enc ? platform.pii.decrypt(rating.contact_name_enc) : null,
    phone: rating.contact_phone_enc ? platform.pii.decrypt(rating.contact_phone_enc) : null,
    accountName: account?.displayName ?? null,
    accountPhoneMasked: account?.phoneMasked ?? null,
  };
}
