import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../platform/errors.ts';
import { ACTIONS, isAllowed, nextStatus, STATUSES, TRANSITIONS, type Action, type Status } from './hotline.transitions.ts';

// Every action against every status: the allowed pairs lead where the table says, every other pair is
// refused with 409 WORK_ORDER_TRANSITION_INVALID. The expected results are written out here, not
// derived from the table, so a change to the table has to be made twice on purpose.

const EXPECTED: Record<Action, Partial<Record<Status, Status | 'same' | 'before_return'>>> = {
  create: {},
  dispatch: { created: 'dispatched' },
  sign: { dispatched: 'signed' },
  start: { signed: 'in_progress' },
  reply: { signed: 'replied', in_progress: 'replied' },
  return: { dispatched: 'returned', signed: 'returned', in_progress: 'returned' },
  redispatch: { returned: 'dispatched', dispatched: 'dispatched', signed: 'dispatched', in_progress: 'dispatched' },
  reject_return: { returned: 'before_return' },
  request_extension: { signed: 'same', in_progress: 'same' },
  approve_extension: { signed: 'same', in_progress: 'same' },
  refuse_extension: { signed: 'same', in_progress: 'same' },
  request_co_handling: { signed: 'same', in_progress: 'same' },
  add_co_units: { dispatched: 'same', signed: 'same', in_progress: 'same' },
  refuse_co_handling: { signed: 'same', in_progress: 'same' },
  co_reply: { dispatched: 'same', signed: 'same', in_progress: 'same' },
  urge: { dispatched: 'same', signed: 'same', in_progress: 'same' },
  supervise: { dispatched: 'same', signed: 'same', in_progress: 'same', returned: 'same' },
  report: { created: 'same', dispatched: 'same', signed: 'same', in_progress: 'same', returned: 'same', replied: 'same', callback: 'same' },
  merge: { created: 'merged', dispatched: 'merged', signed: 'merged', in_progress: 'merged' },
  split: { created: 'split', returned: 'split' },
  transfer: { created: 'transferred', returned: 'transferred' },
  answer: { created: 'closed' },
  callback: { replied: 'callback' },
  redo: { callback: 'dispatched' },
  close: { callback: 'closed' },
  archive: { closed: 'archived', merged: 'archived', split: 'archived', transferred: 'archived' },
  rate: { closed: 'same', archived: 'same' },
};

describe('work order transition table', () => {
  test('the expectations cover exactly the actions of the table', () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), [...ACTIONS].sort());
  });

  test('every action names who may run it and emits hotline.work_order.<past verb>', () => {
    for (const action of ACTIONS) {
      const t = TRANSITIONS[action];
      assert.ok(t.by.length > 0, action);
      assert.match(t.event, /^[a-z_]+$/, action);
    }
  });

  for (const action of ACTIONS) {
    for (const status of STATUSES) {
      const expected = EXPECTED[action][status];
      if (expected) {
        const to = expected === 'same' ? status : expected === 'before_return' ? 'signed' : expected;
        test(`${action} from ${status} → ${expected === 'before_return' ? 'the status before the return' : to}`, () => {
          assert.equal(isAllowed(action, status), true);
          assert.equal(nextStatus(action, status, 'signed'), to);
          if (expected === 'before_return') assert.equal(nextStatus(action, status, 'dispatched'), 'dispatched');
        });
      } else {
        test(`${action} from ${status} is refused (409)`, () => {
          assert.equal(isAllowed(action, status), false);
          assert.throws(
            () => nextStatus(action, status, 'signed'),
            (err: unknown) => err instanceof AppError && err.code === 'WORK_ORDER_TRANSITION_INVALID' && err.status === 409,
          );
        });
      }
    }
  }
});
