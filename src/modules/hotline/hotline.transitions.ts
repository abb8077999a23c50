import { conflict } from '../../platform/errors.ts';

// The work order state machine as data (GB/T 33358, DOMAIN §4): which action may run from which
// status, who runs it, where it leads and which event it records. The service never changes a
// status without looking the action up here, so this table is the whole truth about the flow.

export const STATUSES = [
  'created', // 已受理, waiting for dispatch
  'dispatched', // 已派单, waiting for the lead unit to sign
  'signed', // 已签收
  'in_progress', // 办理中
  'returned', // 退单, waiting for the hotline centre's review (clock paused)
  'replied', // 已回复, waiting for the callback
  'callback', // 已回访, waiting to be closed or redone
  'closed', // 已办结
  'archived', // 已归档
  'merged', // 已并单 into another order
  'split', // 已拆单 into new orders
  'transferred', // 已转 110/119/120/122
] as const;
export type Status = (typeof STATUSES)[number];

/** Orders in these statuses are finished for the citizen (Open311 'closed'). */
export const FINISHED_STATUSES: readonly Status[] = ['closed', 'archived', 'merged', 'split', 'transferred'];
export const isFinished = (s: Status) => FINISHED_STATUSES.includes(s);

/**
 * Who may run an action. centre: the hotline centre (hotline:dispatch); supervisor: hotline:supervise;
 * lead / co: staff of the order's active lead or co-handling unit (hotline:handle on its subtree);
 * system: jobs; citizen: the caller (own account, or number + phone).
 */
export type ActorClass = 'centre' | 'supervisor' | 'lead' | 'co' | 'system' | 'citizen';

export interface Transition {
  from: readonly Status[];
  /** 'same': the status does not change; 'before_return': back to where the return came from. */
  to: Status | 'same' | 'before_return';
  by: readonly ActorClass[];
  /** The event type; the outbox topic is `hotline.work_order.<event>`. */
  event: string;
  label: string;
}

const OPEN_HANDLING: readonly Status[] = ['dispatched', 'signed', 'in_progress'];

export const TRANSITIONS = {
  create: { from: [], to: 'created', by: ['centre', 'citizen', 'system'], event: 'created', label: '受理' },
  dispatch: { from: ['created'], to: 'dispatched', by: ['centre', 'system'], event: 'dispatched', label: '派单' },
  sign: { from: ['dispatched'], to: 'signed', by: ['lead'], event: 'signed', label: '签收' },
  start: { from: ['signed'], to: 'in_progress', by: ['lead'], event: 'started', label: '开始办理' },
  reply: { from: ['signed', 'in_progress'], to: 'replied', by: ['lead'], event: 'replied', label: '回复' },
  return: { from: OPEN_HANDLING, to: 'returned', by: ['lead'], event: 'returned', label: '退单' },
  redispatch: { from: ['returned', ...OPEN_HANDLING], to: 'dispatched', by: ['centre'], event: 'redispatched', label: '改派' },
  reject_return: { from: ['returned'], to: 'before_return', by: ['centre'], event: 'return_rejected', label: '驳回退单' },
  request_extension: { from: ['signed', 'in_progress'], to: 'same', by: ['lead'], event: 'extension_requested', label: '申请延期' },
  approve_extension: { from: ['signed', 'in_progress'], to: 'same', by: ['centre'], event: 'extension_approved', label: '批准延期' },
  refuse_extension: { from: ['signed', 'in_progress'], to: 'same', by: ['centre'], event: 'extension_refused', label: '不予延期' },
  request_co_handling: { from: ['signed', 'in_progress'], to: 'same', by: ['lead'], event: 'co_handling_requested', label: '申请协办' },
  add_co_units: { from: OPEN_HANDLING, to: 'same', by: ['centre'], event: 'co_units_added', label: '增加协办单位' },
  refuse_co_handling: { from: ['signed', 'in_progress'], to: 'same', by: ['centre'], event: 'co_handling_refused', label: '不予协办' },
  co_reply: { from: OPEN_HANDLING, to: 'same', by: ['co'], event: 'co_replied', label: '协办意见' },
  urge: { from: OPEN_HANDLING, to: 'same', by: ['centre', 'supervisor'], event: 'urged', label: '催办' },
  supervise: { from: [...OPEN_HANDLING, 'returned'], to: 'same', by: ['supervisor'], event: 'supervised', label: '督办' },
  report: {
    from: ['created', ...OPEN_HANDLING, 'returned', 'replied', 'callback'],
    to: 'same',
    by: ['centre'],
    event: 'reported',
    label: '呈报',
  },
  merge: { from: ['created', ...OPEN_HANDLING], to: 'merged', by: ['centre'], event: 'merged', label: '并单' },
  split: { from: ['created', 'returned'], to: 'split', by: ['centre'], event: 'split', label: '拆单' },
  transfer: { from: ['created', 'returned'], to: 'transferred', by: ['centre'], event: 'transferred', label: '转警/急救' },
  answer: { from: ['created'], to: 'closed', by: ['centre'], event: 'answered', label: '直接答复办结' },
  callback: { from: ['replied'], to: 'callback', by: ['centre'], event: 'called_back', label: '回访' },
  redo: { from: ['callback'], to: 'dispatched', by: ['centre', 'system'], event: 'redone', label: '重办' },
  close: { from: ['callback'], to: 'closed', by: ['centre'], event: 'closed', label: '办结' },
  archive: { from: ['closed', 'merged', 'split', 'transferred'], to: 'archived', by: ['centre', 'system'], event: 'archived', label: '归档' },
  rate: { from: ['closed', 'archived'], to: 'same', by: ['citizen'], event: 'rated', label: '评价' },
} as const satisfies Record<string, Transition>;

export type Action = keyof typeof TRANSITIONS;
export const ACTIONS = Object.keys(TRANSITIONS) as Action[];

export const STATUS_LABELS: Record<Status, string> = {
  created: '已受理',
  dispatched: '已派单',
  signed: '已签收',
  in_progress: '办理中',
  returned: '退单审核中',
  replied: '已回复',
  callback: '已回访',
  closed: '已办结',
  archived: '已归档',
  merged: '已并单',
  split: '已拆单',
  transferred: '已转办',
};

/** Whether `action` may run on an order in `status` (status only; the service checks the rest). */
export function isAllowed(action: Action, status: Status): boolean {
  return (TRANSITIONS[action].from as readonly Status[]).includes(status);
}

/**
 * The status after `action` on an order in `status`, or a 409 WORK_ORDER_TRANSITION_INVALID naming
 * what is allowed. `statusBeforeReturn` resolves a refused return.
 */
export function nextStatus(action: Action, status: Status, statusBeforeReturn?: Status | null): Status {
  const t: Transition = TRANSITIONS[action];
  if (!t.from.includes(status)) {
    throw conflict(
      'WORK_ORDER_TRANSITION_INVALID',
      `工单当前状态为「${STATUS_LABELS[status]}」，不能${t.label} (cannot ${action} an order that is ${status}; allowed from: ${t.from.join(', ') || 'none'})`,
      { action, status, allowedFrom: t.from },
    );
  }
  if (t.to === 'same') return status;
  if (t.to === 'before_return') {
    if (!statusBeforeReturn) throw new Error('a returned order without its previous status');
    return statusBeforeReturn;
  }
  return t.to;
}

export const topicOf = (action: Action) => `hotline.work_order.${TRANSITIONS[action].event}`;
