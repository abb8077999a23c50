import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { PiiVault } from '../../platform/crypto/pii.ts';
import { blockedUntil, checkInTokenOf, parseCheckInToken } from './appointments.service.ts';
import {
  ageOn,
  chinaDay,
  chinaMinutes,
  estimateWaitMinutes,
  formatNumber,
  isIssuingOpen,
  isOnTime,
  nextState,
  rangesOverlap,
  slotTimes,
  strongerReason,
  TRANSITIONS,
  type TicketAction,
  type TicketState,
} from './queue.rules.ts';
import { rate } from './metrics.service.ts';

describe('queue rules', () => {
  test('the ticket state machine allows exactly the listed transitions', () => {
    const states: TicketState[] = ['waiting', 'called', 'serving', 'held', 'finished', 'no_show', 'cancelled'];
    const expected: Record<TicketAction, Partial<Record<TicketState, TicketState>>> = {
      call: { waiting: 'called' },
      recall: { called: 'called' },
      start: { called: 'serving' },
      skip: { called: 'no_show' },
      hold: { serving: 'held' },
      resume: { held: 'serving' },
      transfer: { called: 'waiting', serving: 'waiting', held: 'waiting' },
      finish: { serving: 'finished' },
      cancel: { waiting: 'cancelled' },
      close_day: { waiting: 'cancelled', called: 'cancelled', serving: 'cancelled', held: 'cancelled' },
    };
    for (const action of Object.keys(TRANSITIONS) as TicketAction[]) {
      for (const from of states) {
        const to = expected[action][from];
        if (to) assert.equal(nextState(from, action), to, `${from} --${action}-->`);
        else assert.throws(() => nextState(from, action, 'A001'), (e: { code?: string; status?: number }) => e.code === 'TICKET_STATE_INVALID' && e.status === 409, `${from} --${action}--> must be refused`);
      }
    }
  });

  test('numbers are padded to the width of the range', () => {
    assert.equal(formatNumber('A', 12, 999), 'A012');
    assert.equal(formatNumber('B', 7, 99), 'B007');
    assert.equal(formatNumber('AB', 12, 1200), 'AB0012');
    assert.ok(rangesOverlap({ prefix: 'A', first: 1, last: 799 }, { prefix: 'A', first: 799, last: 999 }));
    assert.ok(!rangesOverlap({ prefix: 'A', first: 1, last: 799 }, { prefix: 'A', first: 801, last: 999 }));
    assert.ok(!rangesOverlap({ prefix: 'A', first: 1, last: 799 }, { prefix: 'B', first: 1, last: 799 }));
  });

  test('local time is China time, whatever the server zone', () => {
    const at = new Date('2026-11-18T16:30:00Z'); // 00:30 on the 19th in China
    assert.equal(chinaDay(at), '2026-11-19');
    assert.equal(chinaMinutes(at), 30);
    const hours = [{ from: '09:00', to: '12:00' }, { from: '13:30', to: '17:00' }];
    assert.ok(!isIssuingOpen(hours, new Date('2026-11-18T23:59:00Z'))); // 07:59
    assert.ok(isIssuingOpen(hours, new Date('2026-11-19T00:00:00Z'))); // 08:00, an hour early
    assert.ok(isIssuingOpen(hours, new Date('2026-11-19T08:59:00Z'))); // 16:59
    assert.ok(!isIssuingOpen(hours, new Date('2026-11-19T09:00:00Z'))); // 17:00
  });

  test('slots fill each opening period with whole slots only', () => {
    const slots = slotTimes([{ from: '09:00', to: '12:00' }, { from: '13:30', to: '17:00' }], 45);
    assert.deepEqual(slots.map((s) => s.from), ['09:00', '09:45', '10:30', '11:15', '13:30', '14:15', '15:00', '15:45']);
    assert.equal(slots.at(-1)!.to, '16:30');
  });

  test('age, lateness and the stronger priority', () => {
    assert.equal(ageOn('1956-11-19', '2026-11-18'), 69);
    assert.equal(ageOn('1956-11-18', '2026-11-18'), 70);
    const start = new Date('2026-11-18T02:00:00Z');
    assert.ok(isOnTime(start, new Date('2026-11-18T02:15:00Z'), 15));
    assert.ok(!isOnTime(start, new Date('2026-11-18T02:15:01Z'), 15));
    assert.equal(strongerReason('appointment', 'elderly'), 'elderly');
    assert.equal(strongerReason('disabled', 'appointment'), 'disabled');
    assert.equal(strongerReason(null, 'appointment'), 'appointment');
  });

  test('the wait estimate uses recent handling times once there are enough', () => {
    assert.equal(estimateWaitMinutes({ ahead: 0, openWindows: 2, recentHandlingSeconds: [], defaultHandlingMinutes: 10 }), 0);
    // Too few samples: the service's default, 10 minutes each, over two windows.
    assert.equal(estimateWaitMinutes({ ahead: 5, openWindows: 2, recentHandlingSeconds: [60, 60], defaultHandlingMinutes: 10 }), 25);
    // Recent mean 4 minutes: 5 × 4 / 2 = 10.
    assert.equal(estimateWaitMinutes({ ahead: 5, openWindows: 2, recentHandlingSeconds: [180, 240, 300], defaultHandlingMinutes: 10 }), 10);
    // No window open: counted as one.
    assert.equal(estimateWaitMinutes({ ahead: 3, openWindows: 0, recentHandlingSeconds: [], defaultHandlingMinutes: 7 }), 21);
  });

  test('three no-shows in 90 days block booking for 30 days after the last', () => {
    const s = { noShowLimit: 3, noShowWindowDays: 90, bookingBlockDays: 30 };
    assert.equal(blockedUntil(['2026-10-01', '2026-10-20'], '2026-11-01', s), null);
    assert.equal(blockedUntil(['2026-10-01', '2026-10-20', '2026-10-25'], '2026-11-01', s), '2026-11-24');
    assert.equal(blockedUntil(['2026-10-01', '2026-10-20', '2026-10-25'], '2026-11-24', s), null);
    // One of them fell out of the window.
    assert.equal(blockedUntil(['2026-06-01', '2026-10-20', '2026-10-25'], '2026-11-01', s), null);
  });

  test('check-in codes are signed: a changed id or signature is refused', () => {
    const pii = new PiiVault(randomBytes(32));
    const id = '01936a5e-8c3b-7d2e-9f10-1234567890ab';
    const token = checkInTokenOf(pii, id);
    assert.equal(token.length, 49);
    assert.equal(parseCheckInToken(pii, token), id);
    const other = checkInTokenOf(pii, '01936a5e-8c3b-7d2e-9f10-1234567890ac');
    const forged = `${other.split('.').slice(0, 2).join('.')}.${token.split('.')[2]}`;
    for (const bad of [forged, token.slice(0, -1), 'YW1.x.y', 'hello', `${token}.x`]) {
      assert.throws(() => parseCheckInToken(pii, bad), (e: { code?: string }) => e.code === 'CHECK_IN_TOKEN_INVALID', bad);
    }
    // Another platform key does not accept it.
    assert.throws(() => parseCheckInToken(new PiiVault(randomBytes(32)), token), (e: { code?: string }) => e.code === 'CHECK_IN_TOKEN_INVALID');
  });

  test('rates are null without a denominator', () => {
    assert.equal(rate(1, 3), 0.3333);
    assert.equal(rate(0, 0), null);
  });
});
