import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../platform/errors.ts';
import { FINAL_STATES, isReviewActionAllowed, nextReviewState, REVIEW_ACTIONS, REVIEW_STATES, REVIEW_TRANSITIONS, STEP_DAYS_OF, type ReviewState } from './ratings.transitions.ts';

// The bad-review state machine, one test per transition and one per refused transition: every
// action from every state either leads where the table says or is refused with a stable 409.

describe('bad-review transitions', () => {
  for (const action of REVIEW_ACTIONS) {
    const t = REVIEW_TRANSITIONS[action];
    for (const state of REVIEW_STATES) {
      const isAllowed = (t.from as readonly ReviewState[]).includes(state);
      if (isAllowed) {
        test(`${action} from ${state} → ${t.to === 'same' ? state : t.to === 'before_appeal' ? 'the state before the appeal' : t.to}`, () => {
          assert.equal(isReviewActionAllowed(action, state), true);
          if (t.to === 'before_appeal') {
            assert.equal(nextReviewState(action, state, 'rectifying'), 'rectifying');
            assert.equal(nextReviewState(action, state, 'classified'), 'classified');
            assert.throws(() => nextReviewState(action, state, null));
          } else {
            assert.equal(nextReviewState(action, state), t.to === 'same' ? state : t.to);
          }
        });
      } else {
        test(`${action} from ${state} is refused`, () => {
          assert.equal(isReviewActionAllowed(action, state), false);
          assert.throws(
            () => nextReviewState(action, state, 'rectifying'),
            (err: unknown) => err instanceof AppError && err.code === 'BAD_REVIEW_TRANSITION_INVALID' && err.status === 409,
          );
        });
      }
    }
  }

  test('the loop reaches the ledger: classify → verify → rectify → feedback → rerate → close', () => {
    let s: ReviewState = 'submitted';
    for (const a of ['classify', 'verify', 'rectify', 'feedback', 'rerate', 'close'] as const) s = nextReviewState(a, s);
    assert.equal(s, 'closed');
    s = 'submitted';
    for (const a of ['classify', 'verify', 'explain', 'feedback', 'close'] as const) s = nextReviewState(a, s);
    assert.equal(s, 'closed');
  });

  test('nothing leaves a final state, and final states have nothing due', () => {
    for (const state of FINAL_STATES) {
      assert.deepEqual(REVIEW_ACTIONS.filter((a) => isReviewActionAllowed(a, state)), []);
      assert.equal(STEP_DAYS_OF[state], null);
    }
  });

  test('every state a review waits in for staff has a time limit; the rater is not chased', () => {
    for (const state of ['submitted', 'classified', 'rectifying', 'rectified', 'explained', 'appealed'] as const) assert.notEqual(STEP_DAYS_OF[state], null, state);
    assert.equal(STEP_DAYS_OF.fed_back, null);
    assert.equal(STEP_DAYS_OF.rectifying, 'rectify_days');
  });

  test('warnings and escalations apply exactly where a time limit runs', () => {
    const timed = REVIEW_STATES.filter((s) => STEP_DAYS_OF[s] !== null);
    assert.deepEqual([...REVIEW_TRANSITIONS.warn.from].sort(), [...timed].sort());
    assert.deepEqual([...REVIEW_TRANSITIONS.escalate.from].sort(), [...timed].sort());
  });
});
