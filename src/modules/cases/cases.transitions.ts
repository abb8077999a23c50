import { conflict } from '../../platform/errors.ts';

// The case lifecycle as data (行政许可法, DOMAIN §2): which action may run from which state, who runs
// it, where it leads and which event it records. The service never changes a state without looking
// the action up here, so this table is the whole truth about the flow.
//
//   draft → submitted(收件) → [pre_review → correcting ⇄ pre_review] → in_review | not_accepted
//   in_review (steps: pass / return) ⇄ suspended(特别程序) → decided → completed → delivered
//   side states: withdrawn (by the applicant), terminated (终止); bundle items wait in `waiting`
//   until the items they depend on are completed.

export const STATES = [
  'draft', // 草稿
  'submitted', // 已提交（收件）
  'pre_review', // 预审中
  'correcting', // 补正中 (the one-time correction notice was sent)
  'not_accepted', // 不予受理
  'waiting', // 等待前置事项 (a bundle item whose upstream items are not completed yet)
  'in_review', // 审查中 (受理后，按环节审查)
  'suspended', // 特别程序中，停止计时
  'decided', // 已决定（准予/不予）
  'completed', // 已办结
  'delivered', // 已送达
  'withdrawn', // 已撤回
  'terminated', // 已终止
] as const;
export type State = (typeof STATES)[number];

/** A case in one of these states is finished: no clock runs and nothing but reading is left. */
export const FINAL_STATES: readonly State[] = ['not_accepted', 'completed', 'delivered', 'withdrawn', 'terminated'];
export const isFinal = (s: State) => FINAL_STATES.includes(s);
/** States whose deadlines run (or are stopped but still owed). */
export const OPEN_STATES: readonly State[] = ['submitted', 'pre_review', 'correcting', 'waiting', 'in_review', 'suspended', 'decided'];

/**
 * Who may run an action. applicant: the account that applied; clerk: cases:intake on the case's
 * receiving or handling unit (subtree); reviewer: the role the current process step names, on the
 * step's unit; system: jobs and cascades inside a bundle.
 */
export type ActorClass = 'applicant' | 'clerk' | 'reviewer' | 'system';

export interface Transition {
  from: readonly State[];
  /** 'same': the state does not change. */
  to: State | 'same';
  by: readonly ActorClass[];
  /** The event; the outbox topic is `cases.case.<event>`. */
  event: string;
  label: string;
}

const BEFORE_ACCEPTANCE: readonly State[] = ['submitted', 'pre_review'];

export const TRANSITIONS = {
  submit: { from: ['draft'], to: 'submitted', by: ['applicant', 'clerk'], event: 'submitted', label: '提交' },
  pre_review: { from: ['submitted'], to: 'pre_review', by: ['clerk'], event: 'pre_reviewed', label: '预审' },
  request_correction: { from: BEFORE_ACCEPTANCE, to: 'correcting', by: ['clerk'], event: 'correction_requested', label: '一次性告知补正' },
  resubmit: { from: ['correcting'], to: 'pre_review', by: ['applicant', 'clerk'], event: 'resubmitted', label: '补正后重新提交' },
  accept: { from: BEFORE_ACCEPTANCE, to: 'in_review', by: ['clerk'], event: 'accepted', label: '受理' },
  accept_deferred: { from: BEFORE_ACCEPTANCE, to: 'in_review', by: ['clerk'], event: 'accepted_deferred', label: '容缺受理' },
  deem_accepted: { from: BEFORE_ACCEPTANCE, to: 'in_review', by: ['system'], event: 'deemed_accepted', label: '逾期未告知补正，自收到申请之日起即为受理' },
  refuse_acceptance: { from: [...BEFORE_ACCEPTANCE, 'correcting'], to: 'not_accepted', by: ['clerk'], event: 'acceptance_refused', label: '不予受理' },
  start: { from: ['waiting'], to: 'in_review', by: ['system'], event: 'started', label: '前置事项办结，开始审查' },
  pass_step: { from: ['in_review'], to: 'same', by: ['reviewer'], event: 'step_passed', label: '环节通过' },
  return_step: { from: ['in_review'], to: 'same', by: ['reviewer'], event: 'step_returned', label: '环节退回' },
  suspend: { from: ['in_review'], to: 'suspended', by: ['reviewer'], event: 'suspended', label: '启动特别程序（停止计时）' },
  resume: { from: ['suspended'], to: 'in_review', by: ['reviewer'], event: 'resumed', label: '特别程序结束（恢复计时）' },
  extend: { from: ['in_review'], to: 'same', by: ['reviewer'], event: 'extended', label: '延长审批期限' },
  decide: { from: ['in_review'], to: 'decided', by: ['reviewer'], event: 'decided', label: '作出决定' },
  complete: { from: ['decided'], to: 'completed', by: ['reviewer', 'clerk', 'system'], event: 'completed', label: '办结' },
  deliver: { from: ['completed'], to: 'delivered', by: ['clerk', 'reviewer'], event: 'delivered', label: '送达' },
  withdraw: { from: ['submitted', 'pre_review', 'correcting', 'waiting', 'in_review', 'suspended'], to: 'withdrawn', by: ['applicant', 'clerk', 'system'], event: 'withdrawn', label: '撤回申请' },
  terminate: { from: ['correcting', 'waiting', 'in_review', 'suspended'], to: 'terminated', by: ['reviewer', 'clerk', 'system'], event: 'terminated', label: '终止办理' },
} as const satisfies Record<string, Transition>;

export type Action = keyof typeof TRANSITIONS;
export const ACTIONS = Object.keys(TRANSITIONS) as Action[];

export const STATE_LABELS: Record<State, string> = {
  draft: '草稿',
  submitted: '已提交',
  pre_review: '预审中',
  correcting: '待补正',
  not_accepted: '不予受理',
  waiting: '等待前置事项',
  in_review: '审查中',
  suspended: '特别程序中',
  decided: '已决定',
  completed: '已办结',
  delivered: '已送达',
  withdrawn: '已撤回',
  terminated: '已终止',
};

export function isAllowed(action: Action, state: State): boolean {
  return (TRANSITIONS[action].from as readonly State[]).includes(state);
}

/** The state after `action` on a case in `state`, or 409 CASE_TRANSITION_INVALID naming what is allowed. */
export function nextState(action: Action, state: State): State {
  const t: Transition = TRANSITIONS[action];
  if (!t.from.includes(state)) {
    throw conflict(
      'CASE_TRANSITION_INVALID',
      `办件当前状态为「${STATE_LABELS[state]}」，不能${t.label} (cannot ${action} a case that is ${state}; allowed from: ${t.from.join(', ')})`,
      { action, state, allowedFrom: t.from },
    );
  }
  return t.to === 'same' ? state : t.to;
}

export const topicOf = (action: Action) => `cases.case.${TRANSITIONS[action].event}`;
