import { conflict } from '../../platform/errors.ts';

// The bad-review (差评) loop as data (DOMAIN §3): classify → verify by calling the rater back →
// rectify within N working days, or explain when the complaint has no basis → feedback to the rater
// → the rater rates the rectification → close into the ledger; an appeal for a mistaken or false
// review is decided by the supervisors. The service changes a state only through this table.

export const REVIEW_STATES = [
  'submitted', // 待分类
  'classified', // 待核实 (call the rater back)
  'rectifying', // 整改中, N working days
  'rectified', // 已整改, waiting for feedback to the rater
  'explained', // 已说明 (no basis), waiting for feedback to the rater
  'fed_back', // 已反馈, waiting for the rater to rate the rectification
  'rerated', // 已复评
  'appealed', // 申诉中
  'invalidated', // 申诉成立: the review no longer counts
  'closed', // 已办结, in the ledger
] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export const REVIEW_STATE_LABELS: Record<ReviewState, string> = {
  submitted: '待分类',
  classified: '待核实',
  rectifying: '整改中',
  rectified: '已整改',
  explained: '已说明',
  fed_back: '已反馈',
  rerated: '已复评',
  appealed: '申诉中',
  invalidated: '申诉成立',
  closed: '已办结',
};

/** Finished states: nothing is due any more. */
export const FINAL_STATES: readonly ReviewState[] = ['invalidated', 'closed'];

/**
 * Who may act. supervisor: ratings:supervise on the responsible unit (the hall or hotline centre's
 * supervisors, 效能监督); unit: ratings:handle on the responsible unit (who handled it answers for
 * it); rater: the person who gave the rating; system: jobs.
 */
export type ReviewActor = 'supervisor' | 'unit' | 'rater' | 'system';

export interface ReviewTransition {
  from: readonly ReviewState[];
  /** 'same': the state does not change; 'before_appeal': back to where the appeal came from. */
  to: ReviewState | 'same' | 'before_appeal';
  by: readonly ReviewActor[];
  /** The log entry and the outbox topic `ratings.bad_review.<event>`. */
  event: string;
  label: string;
}

export const REVIEW_TRANSITIONS = {
  classify: { from: ['submitted'], to: 'classified', by: ['supervisor'], event: 'classified', label: '分类' },
  verify: { from: ['classified'], to: 'rectifying', by: ['supervisor'], event: 'verified', label: '核实回访' },
  rectify: { from: ['rectifying'], to: 'rectified', by: ['unit'], event: 'rectified', label: '提交整改' },
  explain: { from: ['rectifying'], to: 'explained', by: ['unit'], event: 'explained', label: '情况说明' },
  feedback: { from: ['rectified', 'explained'], to: 'fed_back', by: ['supervisor'], event: 'fed_back', label: '反馈评价人' },
  rerate: { from: ['fed_back'], to: 'rerated', by: ['rater'], event: 'rerated', label: '评价整改结果' },
  reopen: { from: ['rerated'], to: 'rectifying', by: ['supervisor'], event: 'reopened', label: '重新整改' },
  close: { from: ['fed_back', 'rerated'], to: 'closed', by: ['supervisor'], event: 'closed', label: '办结归档' },
  appeal: { from: ['classified', 'rectifying'], to: 'appealed', by: ['unit'], event: 'appealed', label: '申诉' },
  uphold_appeal: { from: ['appealed'], to: 'invalidated', by: ['supervisor'], event: 'appeal_upheld', label: '申诉成立' },
  reject_appeal: { from: ['appealed'], to: 'before_appeal', by: ['supervisor'], event: 'appeal_rejected', label: '驳回申诉' },
  warn: { from: ['submitted', 'classified', 'rectifying', 'rectified', 'explained', 'appealed'], to: 'same', by: ['system'], event: 'warned', label: '临期预警' },
  escalate: { from: ['submitted', 'classified', 'rectifying', 'rectified', 'explained', 'appealed'], to: 'same', by: ['system'], event: 'escalated', label: '超期督办' },
} as const satisfies Record<string, ReviewTransition>;

export type ReviewAction = keyof typeof REVIEW_TRANSITIONS;
export const REVIEW_ACTIONS = Object.keys(REVIEW_TRANSITIONS) as ReviewAction[];

export function isReviewActionAllowed(action: ReviewAction, state: ReviewState): boolean {
  return (REVIEW_TRANSITIONS[action].from as readonly ReviewState[]).includes(state);
}

/** The state after `action`, or 409 BAD_REVIEW_TRANSITION_INVALID naming the states it is allowed from. */
export function nextReviewState(action: ReviewAction, state: ReviewState, stateBeforeAppeal?: ReviewState | null): ReviewState {
  const t: ReviewTransition = REVIEW_TRANSITIONS[action];
  if (!t.from.includes(state)) {
    throw conflict(
      'BAD_REVIEW_TRANSITION_INVALID',
      `差评当前为「${REVIEW_STATE_LABELS[state]}」，不能${t.label} (cannot ${action} a bad review that is ${state}; allowed from: ${t.from.join(', ')})`,
      { action, state, allowedFrom: t.from },
    );
  }
  if (t.to === 'same') return state;
  if (t.to === 'before_appeal') {
    if (!stateBeforeAppeal) throw new Error('an appealed review without its previous state');
    return stateBeforeAppeal;
  }
  return t.to;
}

/** Which settings field gives the working days for the step a review is in (null: nothing is due). */
export const STEP_DAYS_OF: Record<ReviewState, 'classify_days' | 'verify_days' | 'rectify_days' | 'feedback_days' | 'appeal_review_days' | null> = {
  submitted: 'classify_days',
  classified: 'verify_days',
  rectifying: 'rectify_days',
  rectified: 'feedback_days',
  explained: 'feedback_days',
  appealed: 'appeal_review_days',
  fed_back: null,
  rerated: null,
  invalidated: null,
  closed: null,
};

export const reviewTopicOf = (action: ReviewAction) => `ratings.bad_review.${REVIEW_TRANSITIONS[action].event}`;
