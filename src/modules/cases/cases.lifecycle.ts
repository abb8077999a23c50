import { createHash } from 'node:crypto';
import { canonicalJson, writeAudit } from '../../platform/audit.ts';
import type { Tx } from '../../platform/db.ts';
import { AppError, badRequest, conflict, forbidden } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import { getBundleGuide, getItemVersion, getPublishedItemVersion } from '../catalog/index.ts';
import { orgViews } from '../org/index.ts';
import {
  calendarFor,
  computeCaseDeadlines,
  CORRECTION_NOTICE_WORKING_DAYS,
  DELIVERY_WORKING_DAYS,
  localDate,
  signalOf,
  type StopInterval,
} from './cases.deadlines.ts';
import { checkForm, type Plan } from './cases.plan.ts';
import { actorClassesOf, type Ctx } from './cases.policy.ts';
import * as repo from './cases.repository.ts';
import type { CasePatch, CaseRow } from './cases.repository.ts';
import { currentStepInfo, isActionForKind, missingMaterials, planOf, readableCase, todayOf } from './cases.service.ts';
import { isFinal, nextState, STATE_LABELS, TRANSITIONS, type Action, type State } from './cases.transitions.ts';

// The lifecycle after submission (行政许可法): every action runs through `runAction`, which locks the
// case, checks who may act (cases.policy.ts) and where the action may lead (cases.transitions.ts),
// applies the change with its timeline event, audit row and outbox event in one transaction, and
// cascades inside a bundle (acceptance of the parent accepts its items; a completed item starts
// the items waiting for it; the last item to finish completes the bundle).

/** Rights a refusal must tell of (Art. 38; 行政复议法 60 days, 行政诉讼法 six months). */
export const REMEDIES_TEXT =
  '如对本决定不服，可以自收到本决定之日起六十日内依法申请行政复议，或者自知道或应当知道作出本决定之日起六个月内依法向人民法院提起行政诉讼。';

interface Notice {
  title: string;
  body: string;
}

interface Outcome {
  patch?: CasePatch;
  data?: Record<string, unknown>;
  notice?: Notice;
  stepKey?: string | null;
  /** Extra fields of the outbox event's payload. */
  payload?: Record<string, unknown>;
  /** Runs after the case row is updated (cascades). */
  after?: (tx: Tx, updated: CaseRow) => Promise<void>;
}

interface ActionInfo {
  now: Date;
  today: string;
  plan: Plan;
  /** Plans of the case's bundle relatives, read before the transaction (catalogue reads use their own connection). */
  plans: Plans;
  from: State;
  to: State;
}

export type Plans = Map<string, Plan>;

/** The plans a cascade may need: the case's own, and those of its bundle parent's items. */
async function loadPlans(platform: Platform, c: CaseRow, plan: Plan): Promise<Plans> {
  const plans: Plans = new Map([[c.id, plan]]);
  const parentId = c.kind === 'bundle' ? c.id : c.parent_id;
  if (parentId) for (const ch of await repo.listChildren(platform.db, parentId)) if (!plans.has(ch.id)) plans.set(ch.id, await planOf(platform, ch));
  return plans;
}

const actorLabel = (ctx: Ctx) => ctx.actor.label ?? ctx.actor.id ?? ctx.actor.kind;
export const systemCtx = (label: string): Ctx => ({ actor: { kind: 'system', label } });

/** Writes one transition of `c` (already locked): row, timeline event, audit row, outbox event. */
async function record(tx: Tx, c: CaseRow, action: Action | 'warned' | 'overdue' | 'commitment_overdue', to: State, outcome: Outcome, ctx: Ctx, now: Date, extraPayload: Record<string, unknown> = {}) {
  await repo.updateCase(tx, c.id, { ...outcome.patch, state: to, updated_at: now });
  await repo.insertEvent(tx, {
    id: uuidv7(),
    case_id: c.id,
    action,
    from_state: c.state,
    to_state: to,
    step_key: outcome.stepKey ?? null,
    actor_kind: ctx.actor.kind,
    actor_id: ctx.actor.id ?? null,
    actor_label: actorLabel(ctx),
    data: { ...outcome.data, ...(outcome.notice ? { notice: outcome.notice } : {}) },
    at: now,
  });
  await writeAudit(tx, { ...ctx, action: `cases.case.${action}`, objectType: 'case', objectId: c.id, at: now, data: { number: c.number, from: c.state, to, ...outcome.data } });
  const event = action in TRANSITIONS ? TRANSITIONS[action as Action].event : action;
  await emit(tx, {
    topic: `cases.case.${event}`,
    key: c.id,
    at: now,
    payload: { caseId: c.id, caseNumber: c.number, kind: c.kind, itemCode: c.item_code ?? c.bundle_code, from: c.state, to, ...(outcome.notice ? { notice: outcome.notice } : {}), ...outcome.payload, ...extraPayload },
  });
  const updated = (await repo.findCase(tx, c.id))!;
  await outcome.after?.(tx, updated);
  return updated;
}

/**
 * Runs one action on a case for a caller: authorisation by actor class, the transition table, the
 * handler's change and its cascade, all in one transaction.
 */
async function runAction(platform: Platform, id: string, action: Action, ctx: Ctx, handler: (tx: Tx, c: CaseRow, info: ActionInfo) => Promise<Outcome>): Promise<CaseRow> {
  const c0 = await readableCase(platform, id, ctx);
  const plan = await planOf(platform, c0);
  const plans = await loadPlans(platform, c0, plan);
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const c = (await repo.findCase(tx, id, true))!;
    if (!isActionForKind(action, c.kind)) {
      throw conflict(
        c.kind === 'bundle' ? 'CASE_BUNDLE_PARENT' : 'CASE_BUNDLE_ITEM',
        c.kind === 'bundle' ? `一件事的${TRANSITIONS[action].label}在各子项办件上进行 (act on the bundle's item cases)` : `子项办件的${TRANSITIONS[action].label}随一件事整体进行 (act on the bundle case)`,
      );
    }
    const step = await currentStepInfo(platform, c, plan, tx);
    const classes = actorClassesOf(ctx, c, step);
    const allowed = TRANSITIONS[action].by.filter((b) => classes.has(b));
    if (allowed.length === 0) {
      const p = ctx.principal;
      const isStaff = p?.userKind === 'staff' && (p.permissions.has('cases:intake') || p.permissions.has('cases:review'));
      throw forbidden(
        isStaff ? 'CASE_UNIT_FORBIDDEN' : 'CASE_ACTION_FORBIDDEN',
        isStaff
          ? `无权办理：${TRANSITIONS[action].label}需要${step ? `本环节「${step.name}」的${step.role}角色（${step.unitPath}）` : '受理或实施单位的窗口人员'} (outside your unit or role)`
          : `无权${TRANSITIONS[action].label} (not allowed for this caller)`,
      );
    }
    const to = nextState(action, c.state);
    const outcome = await handler(tx, c, { now, today: localDate(now), plan, plans, from: c.state, to });
    return record(tx, c, action, to, outcome, ctx, now);
  });
}

// ---------------------------------------------------------------- deadlines

async function deadlinesFor(platform: Platform, q: Tx, c: CaseRow, plan: Plan, acceptedOn: string, today: string, extensionDays: number, isDeemed: boolean) {
  const stops: StopInterval[] = (await repo.listClockStops(q, c.id)).map((s) => ({ name: s.procedure_name, startedOn: s.started_on, endedOn: s.ended_on }));
  const span = Math.max(plan.legalLimit?.value ?? 0, plan.promisedLimit?.value ?? 0) + extensionDays + 400;
  const cal = await calendarFor(q, acceptedOn, span);
  const d = computeCaseDeadlines(cal, { acceptedOn, legalLimit: plan.legalLimit, promisedLimit: plan.promisedLimit, stops, extensionDays, today, isDeemed });
  const signal = signalOf(cal, { today, promisedDueOn: d.promisedDueOn, legalDueOn: d.legalDueOn, isPaused: stops.some((s) => s.endedOn === null) });
  return {
    legal_due_on: d.legalDueOn,
    promised_due_on: d.promisedDueOn,
    deadline_explanation: d.explanation,
    warning_level: signal.level,
    is_overdue: signal.isOverdue,
    is_legal_overdue: signal.isLegalOverdue,
  } satisfies CasePatch;
}

/** Recomputes a case's due dates and marks (after a stop, a resumption, an extension, or daily). */
export async function refreshDeadlines(platform: Platform, tx: Tx, c: CaseRow, today: string, plan: Plan): Promise<CasePatch | undefined> {
  if (!c.accepted_on || c.kind === 'bundle') return undefined;
  return deadlinesFor(platform, tx, c, plan, c.accepted_on, today, c.extension_days, c.is_deemed_accepted);
}

// ---------------------------------------------------------------- submission

export interface SubmitResult {
  row: CaseRow;
  isNew: boolean;
}

/**
 * Submits a draft: the item version in force today is pinned, the form and materials are checked,
 * the case gets its number and is received (收件). With an Idempotency-Key a retry returns the case
 * as submitted the first time; without one, a second submit is refused as out of order.
 */
export async function submitCase(platform: Platform, id: string, ctx: Ctx, idempotencyKey?: string): Promise<SubmitResult> {
  const source = `${ctx.actor.kind}:${ctx.actor.id ?? 'anonymous'}`;
  const hash = createHash('sha256').update(canonicalJson({ submit: id })).digest('hex');
  if (idempotencyKey) {
    const seen = await repo.findIdempotencyKey(platform.db, source, idempotencyKey);
    if (seen) {
      if (seen.request_hash !== hash) throw conflict('IDEMPOTENCY_KEY_REUSED', '该幂等键已用于另一份申请 (this Idempotency-Key was used for a different request)');
      return { row: (await repo.findCase(platform.db, seen.case_id))!, isNew: false };
    }
  }
  const c0 = await readableCase(platform, id, ctx);
  // Re-pin: a draft follows the version in force when it is submitted, not when it was started.
  let pinned: { item_version_id?: string; bundle_version_id?: string } = {};
  if (c0.kind === 'single') {
    const v = await getPublishedItemVersion(platform, c0.item_code!);
    if (!v) throw new AppError('CASE_ITEM_UNAVAILABLE', `事项 ${c0.item_code} 当前不可申请：已取消或未发布 (no version in force today)`, 422, { itemCode: c0.item_code });
    pinned = { item_version_id: v.id };
  } else if (c0.kind === 'bundle') {
    const g = await getBundleGuide(platform, c0.bundle_code!).catch(() => undefined);
    if (!g) throw new AppError('CASE_BUNDLE_UNAVAILABLE', `一件事 ${c0.bundle_code} 当前不可申请`, 422, { bundleCode: c0.bundle_code });
    pinned = { bundle_version_id: g.versionId };
  }
  const plan = await planOf(platform, { ...c0, ...pinned });
  const form = JSON.parse(platform.pii.decrypt(c0.form_enc)) as Record<string, string | number>;
  const problems = checkForm(plan.formFields, form, true);
  if (problems.length) throw new AppError('CASE_FORM_INVALID', `申请表有 ${problems.length} 处需要填写或修改`, 422, problems);
  const missing = missingMaterials(plan, await repo.listMaterials(platform.db, id));
  if (missing.blocking.length) {
    throw new AppError('CASE_MATERIALS_MISSING', `缺少必要材料：${missing.blocking.map((m) => m.name).join('、')}`, 422, missing.blocking.map((m) => ({ key: m.key, name: m.name })));
  }
  // Bundle items and their units are read before the transaction (catalogue reads).
  const children: { code: string; versionId: string; title: string; unit: { code: string; path: string }; dependsOn: string[] }[] = [];
  if (plan.bundle) {
    const included = plan.bundle.items.filter((i) => !i.isOptional || c0.chosen_items.includes(i.code));
    const codes = new Set(included.map((i) => i.code));
    for (const it of included) {
      const v = (await getItemVersion(platform, it.versionId))!;
      const unit = await orgViews.findUnitByCode(platform.db, v.unitCode);
      if (!unit) throw badRequest('CASE_UNIT_UNKNOWN', `no org unit with code ${v.unitCode}`);
      children.push({ code: it.code, versionId: it.versionId, title: it.name, unit, dependsOn: it.dependsOn.filter((d) => codes.has(d)) });
    }
  }
  const now = platform.clock.now();
  const today = localDate(now);
  const cal = await calendarFor(platform.db, today, CORRECTION_NOTICE_WORKING_DAYS);
  const noticeDue = cal.addWorkingDays(today, CORRECTION_NOTICE_WORKING_DAYS);
  const prefix = `${c0.handling_unit_path.split('/')[0]}BJ`;

  const row = await platform.db.tx(async (tx) => {
    const c = (await repo.findCase(tx, id, true))!;
    if (idempotencyKey && !(await repo.claimIdempotencyKey(tx, { source, key: idempotencyKey, caseId: id, requestHash: hash, now }))) return undefined;
    const classes = actorClassesOf(ctx, c, undefined);
    if (!TRANSITIONS.submit.by.some((b) => classes.has(b)) || (c.applicant_account_id !== null && !classes.has('applicant'))) {
      throw forbidden('CASE_ACTION_FORBIDDEN', 'only the applicant submits an online application; a clerk submits the walk-in and mail ones');
    }
    nextState('submit', c.state);
    const number = await repo.nextCaseNumber(tx, today, prefix);
    const updated = await record(
      tx,
      c,
      'submit',
      'submitted',
      {
        patch: { ...pinned, number, submitted_at: now, received_at: now, correction_notice_due_on: noticeDue },
        data: { channel: c.channel, correctionNoticeDueOn: noticeDue, deferrableMissing: missing.deferrable.map((m) => m.key) },
        notice: { title: `已收到您的申请（${number}）`, body: `您申请的「${c.title}」已提交，办件编号 ${number}。需要补正的，我们将在 ${noticeDue} 前一次性告知。` },
      },
      ctx,
      now,
    );
    for (const [i, ch] of children.entries()) {
      const childId = uuidv7();
      await repo.insertCase(tx, {
        id: childId,
        number: `${number}-${String(i + 1).padStart(2, '0')}`,
        kind: 'bundle_item',
        parent_id: id,
        channel: c.channel,
        state: 'submitted',
        item_code: ch.code,
        item_version_id: ch.versionId,
        title: ch.title,
        depends_on: ch.dependsOn,
        handling_unit_code: ch.unit.code,
        handling_unit_path: ch.unit.path,
        receiving_unit_code: c.receiving_unit_code,
        receiving_unit_path: c.receiving_unit_path,
        applicant_account_id: c.applicant_account_id,
        applicant_type: c.applicant_type,
        applicant_name_enc: c.applicant_name_enc,
        applicant_id_type: c.applicant_id_type,
        applicant_id_enc: c.applicant_id_enc,
        applicant_id_hash: c.applicant_id_hash,
        applicant_phone_enc: c.applicant_phone_enc,
        form_enc: c.form_enc,
        created_by: c.created_by,
        created_at: now,
        submitted_at: now,
        received_at: now,
        updated_at: now,
      });
      await repo.insertEvent(tx, { id: uuidv7(), case_id: childId, action: 'submit', from_state: null, to_state: 'submitted', step_key: null, actor_kind: ctx.actor.kind, actor_id: ctx.actor.id ?? null, actor_label: actorLabel(ctx), data: { bundle: number }, at: now });
    }
    return updated;
  });
  if (!row) return submitCase(platform, id, ctx, idempotencyKey);
  return { row, isNew: true };
}

// ---------------------------------------------------------------- acceptance (受理)

/** Children of an accepted bundle: items without upstream start now, the others wait. */
async function acceptChildren(platform: Platform, tx: Tx, parent: CaseRow, plans: Plans, action: 'accept' | 'accept_deferred' | 'deem_accepted', acceptedOn: string, now: Date, ctx: Ctx) {
  for (const ch of await repo.listChildren(tx, parent.id, true)) {
    if (ch.state !== 'submitted' && ch.state !== 'pre_review' && ch.state !== 'correcting') continue;
    if (ch.depends_on.length > 0) {
      await record(tx, ch, action, 'waiting', { patch: { accepted_at: now }, data: { waitingFor: ch.depends_on } }, ctx, now);
      continue;
    }
    await startChild(platform, tx, ch, plans.get(ch.id)!, action, acceptedOn, now, ctx);
  }
}

async function startChild(platform: Platform, tx: Tx, ch: CaseRow, plan: Plan, action: Action, acceptedOn: string, now: Date, ctx: Ctx) {
  const d = await deadlinesFor(platform, tx, ch, plan, acceptedOn, localDate(now), 0, false);
  await record(tx, ch, action, 'in_review', { patch: { accepted_at: now, accepted_on: acceptedOn, current_step: 0, ...d }, data: { legalDueOn: d.legal_due_on, promisedDueOn: d.promised_due_on } }, ctx, now);
}

async function acceptancePatch(platform: Platform, tx: Tx, c: CaseRow, plan: Plan, acceptedOn: string, today: string, isDeemed: boolean): Promise<CasePatch> {
  if (c.kind === 'bundle') {
    const cal = await calendarFor(tx, acceptedOn, (plan.promisedLimit?.value ?? 0) + 60);
    const d = computeCaseDeadlines(cal, { acceptedOn, legalLimit: null, promisedLimit: plan.promisedLimit, stops: [], extensionDays: 0, today, isDeemed });
    return { accepted_on: acceptedOn, legal_due_on: null, promised_due_on: d.promisedDueOn, deadline_explanation: d.explanation, warning_level: 'green' };
  }
  return { accepted_on: acceptedOn, current_step: 0, ...(await deadlinesFor(platform, tx, c, plan, acceptedOn, today, 0, isDeemed)) };
}

const acceptanceNotice = (c: CaseRow, patch: CasePatch, extra = ''): Notice => ({
  title: `受理通知书（${c.number}）`,
  body: `您申请的「${c.title}」已于 ${patch.accepted_on} 受理。${patch.promised_due_on ? `承诺 ${patch.promised_due_on} 前办结` : ''}${patch.legal_due_on ? `（法定期限 ${patch.legal_due_on}）` : ''}。${extra}`,
});

export async function preReview(platform: Platform, id: string, ctx: Ctx) {
  return runAction(platform, id, 'pre_review', ctx, async () => ({ data: {} }));
}

/** 一次性告知补正: everything to correct, at once, and only once (Art. 32). */
export async function requestCorrection(platform: Platform, id: string, input: { items: { materialKey?: string; note: string }[]; note?: string }, ctx: Ctx) {
  if (input.items.length === 0) throw badRequest('CASE_CORRECTION_EMPTY', '补正告知须列明全部需要补正的内容 (list everything to correct)');
  return runAction(platform, id, 'request_correction', ctx, async (tx, c, { now, today, plan }) => {
    if (c.correction_sent_at) throw conflict('CASE_CORRECTION_ALREADY_SENT', '补正告知只能一次性发出 (the one-time correction notice was already sent)');
    if (c.correction_notice_due_on && today > c.correction_notice_due_on) {
      throw conflict('CASE_CORRECTION_TOO_LATE', `补正告知期限 ${c.correction_notice_due_on} 已过，申请自收到之日起即为受理 (too late: the application counts as accepted on receipt)`);
    }
    for (const it of input.items) if (it.materialKey && !plan.materials.some((m) => m.key === it.materialKey)) throw badRequest('CASE_MATERIAL_UNKNOWN', `no material ${it.materialKey} in this item`);
    const lines = input.items.map((it, i) => `${i + 1}. ${it.materialKey ? `${plan.materials.find((m) => m.key === it.materialKey)!.name}：` : ''}${it.note}`);
    return {
      patch: { correction_sent_at: now },
      data: { items: input.items, note: input.note ?? null },
      notice: { title: `补正材料通知书（${c.number}）`, body: `您申请的「${c.title}」需要一次性补正以下内容：\n${lines.join('\n')}${input.note ? `\n${input.note}` : ''}\n补正后请重新提交。` },
    };
  });
}

export async function resubmit(platform: Platform, id: string, ctx: Ctx) {
  return runAction(platform, id, 'resubmit', ctx, async (tx, c, { now, today, plan }) => {
    const missing = missingMaterials(plan, await repo.listMaterials(tx, c.id));
    if (missing.blocking.length) throw new AppError('CASE_MATERIALS_MISSING', `缺少必要材料：${missing.blocking.map((m) => m.name).join('、')}`, 422, missing.blocking.map((m) => ({ key: m.key, name: m.name })));
    // The corrected application is received anew; with no second notice possible, it counts as
    // accepted if no decision on acceptance follows within the same five working days.
    const cal = await calendarFor(tx, today, CORRECTION_NOTICE_WORKING_DAYS);
    const due = cal.addWorkingDays(today, CORRECTION_NOTICE_WORKING_DAYS);
    return { patch: { received_at: now, correction_notice_due_on: due }, data: { acceptanceDecisionDueOn: due } };
  });
}

export async function acceptCase(platform: Platform, id: string, ctx: Ctx) {
  return runAction(platform, id, 'accept', ctx, async (tx, c, { now, today, plan, plans }) => {
    const missing = missingMaterials(plan, await repo.listMaterials(tx, c.id));
    const all = [...missing.blocking, ...missing.deferrable];
    if (all.length) {
      throw new AppError('CASE_MATERIALS_MISSING', `缺少必要材料：${all.map((m) => m.name).join('、')}${missing.blocking.length ? '' : '（可容缺受理）'}`, 422, all.map((m) => ({ key: m.key, name: m.name, isDeferrable: m.isDeferrable })));
    }
    const patch = { ...(await acceptancePatch(platform, tx, c, plan, today, today, false)), accepted_at: now };
    return { patch, data: { acceptedOn: today, legalDueOn: patch.legal_due_on, promisedDueOn: patch.promised_due_on }, notice: acceptanceNotice(c, patch), after: c.kind === 'bundle' ? (t, u) => acceptChildren(platform, t, u, plans, 'accept', today, now, ctx) : undefined };
  });
}

/** 容缺受理: accepted with non-key materials missing, against a written commitment and a deadline. */
export async function acceptDeferred(platform: Platform, id: string, input: { materials: string[]; commitmentDueOn: string; commitment: string }, ctx: Ctx) {
  return runAction(platform, id, 'accept_deferred', ctx, async (tx, c, { now, today, plan, plans }) => {
    const missing = missingMaterials(plan, await repo.listMaterials(tx, c.id));
    if (missing.blocking.length) {
      throw new AppError('CASE_MATERIALS_MISSING', `缺少不可容缺的材料：${missing.blocking.map((m) => m.name).join('、')}`, 422, missing.blocking.map((m) => ({ key: m.key, name: m.name })));
    }
    const wanted = new Set(input.materials);
    for (const key of wanted) {
      const m = plan.materials.find((x) => x.key === key);
      if (!m || !m.isDeferrable) throw new AppError('CASE_MATERIAL_NOT_DEFERRABLE', `材料 ${m?.name ?? key} 不可容缺 (not marked deferrable in the item)`, 422, { key });
    }
    const notListed = missing.deferrable.filter((m) => !wanted.has(m.key));
    if (notListed.length) throw new AppError('CASE_MATERIALS_MISSING', `容缺材料须全部列明：${notListed.map((m) => m.name).join('、')}`, 422, notListed.map((m) => ({ key: m.key, name: m.name })));
    if (wanted.size === 0 || missing.deferrable.length === 0) throw badRequest('CASE_DEFERRAL_NOT_NEEDED', '材料齐全，无需容缺受理 (nothing is missing: accept instead)');
    if (input.commitmentDueOn <= today) throw badRequest('CASE_COMMITMENT_DATE_INVALID', '承诺补齐日期须晚于今天 (the commitment date must be after today)');
    const patch = { ...(await acceptancePatch(platform, tx, c, plan, today, today, false)), accepted_at: now, deferred_materials: [...wanted], commitment_due_on: input.commitmentDueOn };
    const names = plan.materials.filter((m) => wanted.has(m.key)).map((m) => m.name);
    return {
      patch,
      data: { acceptedOn: today, deferred: [...wanted], commitmentDueOn: input.commitmentDueOn, commitment: input.commitment },
      notice: acceptanceNotice(c, patch, `容缺受理：请于 ${input.commitmentDueOn} 前补齐 ${names.join('、')}。`),
      after: c.kind === 'bundle' ? (t, u) => acceptChildren(platform, t, u, plans, 'accept_deferred', today, now, ctx) : undefined,
    };
  });
}

/** Art. 32: no correction notice within five working days → accepted as of the day of receipt. */
export async function deemAccepted(platform: Platform, id: string) {
  const ctx = systemCtx('cases.sweep-deadlines');
  return runAction(platform, id, 'deem_accepted', ctx, async (tx, c, { now, today, plan, plans }) => {
    const receivedOn = localDate(new Date(c.received_at!));
    const patch = { ...(await acceptancePatch(platform, tx, c, plan, receivedOn, today, true)), accepted_at: now, is_deemed_accepted: true };
    return {
      patch,
      data: { acceptedOn: receivedOn, noticeWasDueOn: c.correction_notice_due_on },
      notice: acceptanceNotice(c, patch, '因未在法定期限内告知补正，依法自收到申请之日起即为受理。'),
      after: c.kind === 'bundle' ? (t, u) => acceptChildren(platform, t, u, plans, 'deem_accepted', receivedOn, now, ctx) : undefined,
    };
  });
}

export async function refuseAcceptance(platform: Platform, id: string, input: { reasons: string[]; remedies?: string }, ctx: Ctx) {
  if (input.reasons.length === 0) throw badRequest('CASE_REASONS_REQUIRED', '不予受理须说明理由 (give the reasons)');
  return runAction(platform, id, 'refuse_acceptance', ctx, async (tx, c, { now }) => ({
    patch: { closed_reason: input.reasons.join('；') },
    data: { reasons: input.reasons, remedies: input.remedies ?? REMEDIES_TEXT },
    notice: { title: `不予受理通知书（${c.number}）`, body: `您申请的「${c.title}」不予受理。理由：${input.reasons.join('；')}。${input.remedies ?? REMEDIES_TEXT}` },
    after: c.kind === 'bundle' ? (t, u) => closeChildren(t, u, 'refuse_acceptance', 'not_accepted', ctx, now) : undefined,
  }));
}

async function closeChildren(tx: Tx, parent: CaseRow, action: Action, to: State, ctx: Ctx, now: Date) {
  for (const ch of await repo.listChildren(tx, parent.id, true)) {
    if (isFinal(ch.state)) continue;
    await repo.endClockStop(tx, ch.id, { at: now, on: localDate(now), outcome: '办件结束', by: actorLabel(ctx) });
    await record(tx, ch, action, to, { patch: { closed_reason: `随一件事 ${parent.number} ${STATE_LABELS[to]}` } }, ctx, now);
  }
}

// ---------------------------------------------------------------- review (审查)

export async function passStep(platform: Platform, id: string, input: { opinion: string }, ctx: Ctx) {
  return runAction(platform, id, 'pass_step', ctx, async (tx, c, { plan }) => {
    await requireUpstreamDone(tx, c);
    const i = c.current_step ?? 0;
    if (i >= plan.reviewSteps.length - 1) throw conflict('CASE_STEP_FINAL', '已到最后一个环节，请作出决定 (this is the last step: decide)');
    return { patch: { current_step: i + 1 }, stepKey: plan.reviewSteps[i]!.key, data: { step: plan.reviewSteps[i]!.name, next: plan.reviewSteps[i + 1]!.name, opinion: input.opinion } };
  });
}

export async function returnStep(platform: Platform, id: string, input: { opinion: string }, ctx: Ctx) {
  return runAction(platform, id, 'return_step', ctx, async (tx, c, { plan }) => {
    const i = c.current_step ?? 0;
    if (i === 0) throw conflict('CASE_STEP_FIRST', '已是第一个审查环节，无法退回 (no earlier step)');
    return { patch: { current_step: i - 1 }, stepKey: plan.reviewSteps[i]!.key, data: { step: plan.reviewSteps[i]!.name, backTo: plan.reviewSteps[i - 1]!.name, opinion: input.opinion } };
  });
}

async function requireUpstreamDone(tx: Tx, c: CaseRow) {
  if (c.kind !== 'bundle_item' || c.depends_on.length === 0) return;
  const siblings = await repo.listChildren(tx, c.parent_id!);
  const pending = siblings.filter((s) => c.depends_on.includes(s.item_code!) && s.state !== 'completed' && s.state !== 'delivered');
  if (pending.length) throw conflict('CASE_WAITING_FOR_UPSTREAM', `须等待前置事项办结：${pending.map((s) => s.title).join('、')}`);
}

/** 特别程序 (Art. 45): hearing, inspection, testing, expert review… stop the clock; told to the applicant. */
export async function suspendCase(platform: Platform, id: string, input: { procedureCode: string; procedureName: string; reason: string; expectedDays?: number }, ctx: Ctx) {
  if (input.procedureCode === '1') throw badRequest('CASE_PROCEDURE_INVALID', '延长审批（A.7 代码 1）请使用延长期限 (use extend for code 1)');
  if (!/^[2-9]$/.test(input.procedureCode)) throw badRequest('CASE_PROCEDURE_INVALID', 'procedureCode must be an A.7 code other than 1');
  return runAction(platform, id, 'suspend', ctx, async (tx, c, { now, today, plan }) => {
    await repo.insertClockStop(tx, { id: uuidv7(), case_id: c.id, procedure_code: input.procedureCode, procedure_name: input.procedureName, reason: input.reason, started_at: now, started_on: today, started_by: actorLabel(ctx) });
    const d = await refreshDeadlines(platform, tx, c, today, plan);
    return {
      patch: { ...d, warning_level: 'paused' },
      data: { procedureCode: input.procedureCode, procedureName: input.procedureName, reason: input.reason },
      notice: { title: `特别程序告知书（${c.number}）`, body: `您申请的「${c.title}」自 ${today} 起进行${input.procedureName}，所需时间不计入办理期限（行政许可法第四十五条）。理由：${input.reason}` },
    };
  });
}

export async function resumeCase(platform: Platform, id: string, input: { outcome: string }, ctx: Ctx) {
  return runAction(platform, id, 'resume', ctx, async (tx, c, { now, today, plan }) => {
    await repo.endClockStop(tx, c.id, { at: now, on: today, outcome: input.outcome, by: actorLabel(ctx) });
    const d = await refreshDeadlines(platform, tx, c, today, plan);
    return { patch: d, data: { outcome: input.outcome, promisedDueOn: d?.promised_due_on, legalDueOn: d?.legal_due_on }, notice: { title: `恢复计时（${c.number}）`, body: `「${c.title}」的特别程序已结束，恢复计时。承诺办结日期 ${d?.promised_due_on ?? '—'}。` } };
  });
}

/** 延长审批 (Art. 42): once, capped, with reasons told to the applicant. */
export async function extendCase(platform: Platform, id: string, input: { days: number; reason: string; approvedBy: string }, ctx: Ctx) {
  return runAction(platform, id, 'extend', ctx, async (tx, c, { today, plan }) => {
    if (c.extension_days > 0) throw conflict('CASE_EXTENSION_ALREADY_USED', '审批期限只能延长一次 (the one extension was already granted)');
    if (input.days > plan.extensionCap) throw new AppError('CASE_EXTENSION_TOO_LONG', `最多延长 ${plan.extensionCap} 个工作日 (at most ${plan.extensionCap} working days)`, 422, { cap: plan.extensionCap });
    const d = await refreshDeadlines(platform, tx, { ...c, extension_days: input.days }, today, plan);
    return {
      patch: { ...d, extension_days: input.days },
      data: { days: input.days, reason: input.reason, approvedBy: input.approvedBy, legalDueOn: d?.legal_due_on, promisedDueOn: d?.promised_due_on },
      notice: { title: `延长审批期限告知书（${c.number}）`, body: `经${input.approvedBy}批准，「${c.title}」的办理期限延长 ${input.days} 个工作日，至 ${d?.legal_due_on ?? d?.promised_due_on}。理由：${input.reason}` },
    };
  });
}

/** 决定: grant, or refuse with reasons and the rights to reconsideration or litigation (Art. 38). */
export async function decideCase(platform: Platform, id: string, input: { decision: 'granted' | 'refused'; reasons?: string[]; summary?: string }, ctx: Ctx) {
  if (input.decision === 'refused' && !input.reasons?.length) throw badRequest('CASE_REASONS_REQUIRED', '不予许可须说明理由 (a refusal gives reasons)');
  return runAction(platform, id, 'decide', ctx, async (tx, c, { now, today, plan }) => {
    await requireUpstreamDone(tx, c);
    const i = c.current_step ?? 0;
    if (i < plan.reviewSteps.length - 1) throw conflict('CASE_STEPS_PENDING', `尚有审查环节未完成：${plan.reviewSteps.slice(i).map((s) => s.name).join('、')}`);
    const cal = await calendarFor(tx, today, DELIVERY_WORKING_DAYS);
    const deliveryDue = cal.addWorkingDays(today, DELIVERY_WORKING_DAYS);
    const isGranted = input.decision === 'granted';
    return {
      patch: { decision: input.decision, decided_at: now, decided_on: today, delivery_due_on: deliveryDue },
      stepKey: plan.reviewSteps[i]?.key ?? null,
      data: { decision: input.decision, reasons: input.reasons ?? [], summary: input.summary ?? null, ...(isGranted ? {} : { remedies: REMEDIES_TEXT }), deliveryDueOn: deliveryDue },
      notice: isGranted
        ? { title: `准予决定（${c.number}）`, body: `您申请的「${c.title}」准予。结果将在 ${deliveryDue} 前送达。` }
        : { title: `不予许可决定书（${c.number}）`, body: `您申请的「${c.title}」不予许可。理由：${input.reasons!.join('；')}。${REMEDIES_TEXT}` },
    };
  });
}

/** 办结: the result is made (licence number, notice). Emits cases.case.completed for ratings. */
export async function completeCase(platform: Platform, id: string, input: { result?: { summary?: string; licenceName?: string; licenceNumber?: string } }, ctx: Ctx) {
  return runAction(platform, id, 'complete', ctx, async (tx, c, { now, today, plans }) => completion(platform, tx, c, plans, input.result ?? {}, now, today, ctx));
}

async function completion(platform: Platform, tx: Tx, c: CaseRow, plans: Plans, result: Record<string, unknown>, now: Date, today: string, ctx: Ctx): Promise<Outcome> {
  const unit = await orgViews.findUnitByCode(tx, c.handling_unit_code);
  return {
    patch: { completed_at: now, completed_on: today, result, warning_level: 'none' },
    data: { decision: c.decision, result, completedOn: today, isOnTime: c.promised_due_on ? today <= c.promised_due_on : null },
    notice: { title: `办结通知（${c.number}）`, body: `您申请的「${c.title}」已办结（${c.decision === 'granted' ? '准予' : c.decision === 'partial' ? '部分准予' : '不予'}）。欢迎对本次服务作出评价。` },
    // cases.case.completed carries what other modules rely on (ratings subscribes): keep these fields stable.
    payload: { caseId: c.id, caseNumber: c.number, itemCode: c.item_code ?? c.bundle_code, unitId: unit?.id ?? null, applicantAccountId: c.applicant_account_id },
    after: async (t, updated) => {
      if (updated.kind === 'bundle_item') await afterChildCompleted(platform, t, updated, plans, now, ctx);
    },
  };
}

/** A completed bundle item starts the items that waited for it; the last one completes the bundle. */
async function afterChildCompleted(platform: Platform, tx: Tx, child: CaseRow, plans: Plans, now: Date, ctx: Ctx) {
  const sys = systemCtx('cases.bundle');
  const siblings = await repo.listChildren(tx, child.parent_id!, true);
  const done = new Set(siblings.filter((s) => (s.state === 'completed' || s.state === 'delivered') && s.decision !== 'refused').map((s) => s.item_code!));
  // An upstream item refused, terminated or withdrawn can never supply its result.
  const refused = new Set(siblings.filter((s) => isFinal(s.state) && !done.has(s.item_code!)).map((s) => s.item_code!));
  for (const s of siblings) {
    if (s.state !== 'waiting') continue;
    if (s.depends_on.some((d) => refused.has(d))) {
      await record(tx, s, 'terminate', 'terminated', { patch: { closed_reason: '前置事项未获准予，无法继续办理' }, data: { reason: 'upstream not granted', upstream: s.depends_on.filter((d) => refused.has(d)) } }, sys, now);
    } else if (s.depends_on.every((d) => done.has(d))) {
      await startChild(platform, tx, s, plans.get(s.id)!, 'start', localDate(now), now, sys);
    }
  }
  const after = await repo.listChildren(tx, child.parent_id!, true);
  if (!after.every((s) => isFinal(s.state))) return;
  const parent = (await repo.findCase(tx, child.parent_id!, true))!;
  if (parent.state !== 'in_review') return;
  const decided = after.filter((s) => s.decision);
  const decision = decided.every((s) => s.decision === 'granted') && decided.length > 0 ? 'granted' : decided.some((s) => s.decision === 'granted') ? 'partial' : 'refused';
  const today = localDate(now);
  await record(tx, parent, 'decide', 'decided', { patch: { decision, decided_at: now, decided_on: today }, data: { decision, items: after.map((s) => ({ number: s.number, state: s.state, decision: s.decision })) } }, sys, now);
  const decidedParent = (await repo.findCase(tx, parent.id, true))!;
  await record(tx, decidedParent, 'complete', 'completed', await completion(platform, tx, decidedParent, plans, { summary: `一件事共 ${after.length} 项，${after.filter((s) => s.decision === 'granted').length} 项准予` }, now, today, sys), sys, now);
  void ctx;
}

/** 送达: window pickup, post (tracking number) or e-licence. A bundle is delivered once, as one. */
export async function deliverCase(platform: Platform, id: string, input: { method: 'window' | 'post' | 'e_licence'; trackingNumber?: string; licenceNumber?: string; recipient?: string }, ctx: Ctx) {
  if (input.method === 'post' && !input.trackingNumber) throw badRequest('CASE_DELIVERY_INVALID', '邮寄送达须填写运单号 (post needs a tracking number)');
  if (input.method === 'e_licence' && !input.licenceNumber) throw badRequest('CASE_DELIVERY_INVALID', '电子证照送达须填写证照编号 (e-licence needs the licence number)');
  return runAction(platform, id, 'deliver', ctx, async (tx, c, { now, plan }) => {
    if (input.method === 'post' && !plan.isMailSupported) throw new AppError('CASE_DELIVERY_UNSUPPORTED', '该事项不支持邮寄送达 (the item does not deliver by post)', 422);
    if (input.method === 'e_licence' && !plan.hasLicenceResult) throw new AppError('CASE_DELIVERY_UNSUPPORTED', '该事项的结果不是证照 (the item issues no licence)', 422);
    const delivery = { method: input.method, trackingNumber: input.trackingNumber ?? null, licenceNumber: input.licenceNumber ?? null, recipient: input.recipient ?? null };
    const names = { window: '窗口领取', post: `邮寄（运单号 ${input.trackingNumber}）`, e_licence: `电子证照（${input.licenceNumber}）` };
    return {
      patch: { delivery_method: input.method, delivery, delivered_at: now },
      data: delivery,
      notice: { title: `结果已送达（${c.number}）`, body: `「${c.title}」的办理结果已通过${names[input.method]}送达。` },
      after: c.kind === 'bundle' ? (t, u) => deliverChildren(t, u, input.method, delivery, now, ctx) : undefined,
    };
  });
}

async function deliverChildren(tx: Tx, parent: CaseRow, method: 'window' | 'post' | 'e_licence', delivery: Record<string, unknown>, now: Date, ctx: Ctx) {
  for (const ch of await repo.listChildren(tx, parent.id, true)) {
    if (ch.state !== 'completed') continue;
    await record(tx, ch, 'deliver', 'delivered', { patch: { delivery_method: method, delivery: { ...delivery, bundle: parent.number }, delivered_at: now }, data: { bundle: parent.number } }, ctx, now);
  }
}

export async function withdrawCase(platform: Platform, id: string, input: { reason?: string }, ctx: Ctx) {
  return runAction(platform, id, 'withdraw', ctx, async (tx, c, { now, today }) => {
    await repo.endClockStop(tx, c.id, { at: now, on: today, outcome: '申请人撤回', by: actorLabel(ctx) });
    return {
      patch: { closed_reason: input.reason ?? '申请人撤回', warning_level: 'none' },
      data: { reason: input.reason ?? null },
      notice: { title: `申请已撤回（${c.number}）`, body: `您申请的「${c.title}」已撤回。` },
      after: c.kind === 'bundle' ? (t, u) => closeChildren(t, u, 'withdraw', 'withdrawn', ctx, now) : undefined,
    };
  });
}

/** 终止: ended by the body (the applicant died, the matter lapsed …), with the reason. */
export async function terminateCase(platform: Platform, id: string, input: { reason: string }, ctx: Ctx) {
  return runAction(platform, id, 'terminate', ctx, async (tx, c, { now, today, plans }) => {
    await repo.endClockStop(tx, c.id, { at: now, on: today, outcome: '终止办理', by: actorLabel(ctx) });
    return {
      patch: { closed_reason: input.reason, warning_level: 'none' },
      data: { reason: input.reason },
      notice: { title: `终止办理告知（${c.number}）`, body: `「${c.title}」终止办理。理由：${input.reason}。${REMEDIES_TEXT}` },
      after: c.kind === 'bundle_item' ? async (t, u) => afterChildCompleted(platform, t, u, plans, now, ctx) : undefined,
    };
  });
}

// ---------------------------------------------------------------- the deadline sweep (job)

/**
 * Once per run: deems accepted what waited too long for a correction notice, refreshes the due
 * dates of stopped clocks, and sets yellow/red/overdue marks and commitment overdue flags, writing
 * an event (and a notice) only when a mark changes.
 */
export async function sweepDeadlines(platform: Platform): Promise<{ deemed: number; marked: number; commitments: number }> {
  const today = todayOf(platform);
  let deemed = 0;
  let marked = 0;
  let commitments = 0;
  for (const c of await repo.listOpenCases(platform.db, ['submitted', 'pre_review'])) {
    if (c.kind === 'bundle_item') continue;
    if (c.correction_notice_due_on && today > c.correction_notice_due_on) {
      await deemAccepted(platform, c.id);
      deemed += 1;
    }
  }
  const sys = systemCtx('cases.sweep-deadlines');
  for (const c0 of await repo.listOpenCases(platform.db, ['in_review', 'suspended', 'decided', 'waiting'])) {
    if (!c0.accepted_on && c0.kind !== 'bundle') continue;
    const now = platform.clock.now();
    const plan = c0.kind === 'bundle' ? undefined : await planOf(platform, c0);
    await platform.db.tx(async (tx) => {
      const c = (await repo.findCase(tx, c0.id, true))!;
      let patch: CasePatch = {};
      if (c.kind === 'bundle' && c.state === 'in_review' && c.promised_due_on) {
        // A bundle's promise is fixed at acceptance (its items carry their own clocks).
        const cal = await calendarFor(tx, c.promised_due_on < today ? c.promised_due_on : today, 60);
        const sig = signalOf(cal, { today, promisedDueOn: c.promised_due_on, legalDueOn: null, isPaused: false });
        patch = { warning_level: sig.level, is_overdue: sig.isOverdue };
      } else if (c.kind !== 'bundle' && (c.state === 'in_review' || c.state === 'suspended') && c.accepted_on) {
        patch = (await refreshDeadlines(platform, tx, c, today, plan!)) ?? {};
      }
      const level = patch.warning_level ?? c.warning_level;
      const isNewMark = (level === 'yellow' || level === 'red') && level !== c.warning_level;
      const isNewOverdue = (patch.is_overdue ?? c.is_overdue) && !c.is_overdue;
      if (isNewOverdue) {
        await record(tx, c, 'overdue', c.state, { patch, data: { promisedDueOn: patch.promised_due_on ?? c.promised_due_on, level } }, sys, now);
        marked += 1;
      } else if (isNewMark) {
        await record(tx, c, 'warned', c.state, { patch, data: { level, promisedDueOn: patch.promised_due_on ?? c.promised_due_on } }, sys, now);
        marked += 1;
      } else if (Object.keys(patch).length) {
        await repo.updateCase(tx, c.id, { ...patch, updated_at: now });
      }
      if (c.commitment_due_on && !c.is_commitment_overdue && today > c.commitment_due_on && c.deferred_materials.length) {
        const fresh = (await repo.findCase(tx, c.id, true))!;
        await record(
          tx,
          fresh,
          'commitment_overdue',
          fresh.state,
          { patch: { is_commitment_overdue: true }, data: { materials: c.deferred_materials, commitmentDueOn: c.commitment_due_on }, notice: { title: `容缺材料逾期提醒（${c.number}）`, body: `您承诺于 ${c.commitment_due_on} 前补齐的材料尚未提交，请尽快补交。` } },
          sys,
          now,
        );
        commitments += 1;
      }
    });
  }
  return { deemed, marked, commitments };
}
