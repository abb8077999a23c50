import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeMetrics, computeScorecards, type MetricEvent, type Rate } from './hotline.metrics.ts';

// Metrics on a hand-built event log of seven orders, each figure worked out by hand in the comments.

const at = (local: string) => `${local}+08:00`;
const end = (day: string) => at(`${day}T23:59:59.999`);
const ev = (orderId: string, type: string, local: string, unitCode: string | null, data: Record<string, unknown> = {}, fromStatus?: string): MetricEvent => ({
  orderId, type, at: at(local), unitCode, data, fromStatus,
});
const CGJ = 'YX-CGJ';
const ZJJ = 'YX-ZJJ';
const SJJ = 'YX-SJJ';

const LOG: MetricEvent[] = [
  // A: CGJ signs and replies on time; reached, satisfied, resolved. The advisor had said ZJJ.
  ev('A', 'created', '2026-11-23T09:00', null),
  ev('A', 'dispatched', '2026-11-23T09:05', CGJ, { unitCode: CGJ, signDueAt: end('2026-11-23'), finishDueAt: end('2026-12-07'), suggested: [ZJJ], chosen: CGJ }),
  ev('A', 'signed', '2026-11-23T10:00', CGJ),
  ev('A', 'replied', '2026-11-24T10:00', CGJ),
  ev('A', 'called_back', '2026-11-25T10:00', CGJ, { isReached: true, isResolved: true, satisfaction: 'satisfied' }),
  ev('A', 'closed', '2026-11-25T11:00', CGJ),
  // B: CGJ signs late and replies late, urged once; unsatisfied → redo; then on time and basically satisfied.
  ev('B', 'created', '2026-11-23T09:00', null),
  ev('B', 'dispatched', '2026-11-23T09:10', CGJ, { unitCode: CGJ, signDueAt: end('2026-11-23'), finishDueAt: end('2026-11-26') }),
  ev('B', 'urged', '2026-11-24T09:00', CGJ),
  ev('B', 'signed', '2026-11-24T10:00', CGJ),
  ev('B', 'replied', '2026-11-27T10:00', CGJ),
  ev('B', 'called_back', '2026-11-28T09:00', CGJ, { isReached: true, isResolved: false, satisfaction: 'unsatisfied' }),
  ev('B', 'redone', '2026-11-28T10:00', CGJ, { unitCode: CGJ, signDueAt: end('2026-11-30'), finishDueAt: end('2026-12-03') }),
  ev('B', 'signed', '2026-11-30T09:00', CGJ),
  ev('B', 'replied', '2026-12-01T09:00', CGJ),
  ev('B', 'called_back', '2026-12-02T09:00', CGJ, { isReached: true, isResolved: true, satisfaction: 'basically_satisfied' }),
  ev('B', 'closed', '2026-12-02T10:00', CGJ),
  // C: ZJJ returns before its sign deadline (neither on time nor late); re-dispatched to CGJ, which never signs.
  ev('C', 'created', '2026-11-23T09:00', null),
  ev('C', 'dispatched', '2026-11-23T09:20', ZJJ, { unitCode: ZJJ, signDueAt: end('2026-11-23'), finishDueAt: end('2026-12-07') }),
  ev('C', 'returned', '2026-11-23T15:00', ZJJ),
  ev('C', 'redispatched', '2026-11-24T09:00', CGJ, { unitCode: CGJ, fromUnitCode: ZJJ, signDueAt: end('2026-11-24'), finishDueAt: end('2026-12-08') }, 'returned'),
  // D: a consultation answered directly, linked at intake to A as a repeat.
  ev('D', 'created', '2026-11-23T09:00', null, { repeatOf: 'A' }),
  ev('D', 'answered', '2026-11-23T09:30', null),
  // E: SJJ, the advisor's choice; an approved extension makes a late-looking reply on time.
  ev('E', 'created', '2026-11-23T09:00', null),
  ev('E', 'dispatched', '2026-11-23T09:30', SJJ, { unitCode: SJJ, signDueAt: end('2026-11-23'), finishDueAt: end('2026-12-07'), suggested: [SJJ], chosen: SJJ }),
  ev('E', 'signed', '2026-11-23T12:00', SJJ),
  ev('E', 'extension_approved', '2026-12-05T10:00', SJJ, { finishDueAt: end('2026-12-10') }),
  ev('E', 'replied', '2026-12-09T10:00', SJJ),
  // F: ZJJ returns after signing; the centre refuses, the finish deadline moves on, the reply is on time.
  ev('F', 'created', '2026-11-23T09:00', null),
  ev('F', 'dispatched', '2026-11-23T09:40', ZJJ, { unitCode: ZJJ, signDueAt: end('2026-11-23'), finishDueAt: end('2026-11-26') }),
  ev('F', 'signed', '2026-11-23T10:00', ZJJ),
  ev('F', 'returned', '2026-11-25T10:00', ZJJ),
  ev('F', 'return_rejected', '2026-11-27T10:00', ZJJ, { finishDueAt: end('2026-11-30') }),
  ev('F', 'replied', '2026-11-29T10:00', ZJJ),
  // G: linked after intake as a repeat of A (handled by CGJ), then transferred to 110 at intake.
  ev('G', 'created', '2026-11-23T09:00', null),
  ev('G', 'repeat_linked', '2026-11-23T09:01', null, { repeatOf: 'A', repeatOfUnitCode: CGJ }),
  ev('G', 'transferred', '2026-11-23T09:02', null, {}, 'created'),
];

const AS_OF = new Date(at('2026-12-10T00:00'));
const r = (numerator: number, denominator: number): Rate => ({ numerator, denominator, rate: denominator ? numerator / denominator : null });

describe('hotline metrics on a hand-built event log', () => {
  test('district figures', () => {
    const m = computeMetrics(LOG, { asOf: AS_OF });
    // signed on time: A, B-redo, E, F; late: B (signed late), C at CGJ (never signed, deadline passed)
    assert.deepEqual(m.onTimeSignRate, r(4, 6));
    // replied on time: A, B-redo, E (extended), F (return refused); late: B, C at CGJ (deadline passed)
    assert.deepEqual(m.onTimeFinishRate, r(4, 6));
    // callbacks reached: A satisfied, B unsatisfied, B-redo basically satisfied
    assert.deepEqual(m.satisfactionRate, r(2, 3));
    assert.deepEqual(m.resolutionRate, r(2, 3));
    // returns: C, F over assignments A, B, B-redo, C×2, E, F
    assert.deepEqual(m.returnRate, r(2, 7));
    assert.deepEqual(m.redoRate, r(1, 3));
    // urged: B, of assigned orders A, B, C, E, F
    assert.deepEqual(m.urgeRate, r(1, 5));
    // repeats: D (at intake), G (linked later) of 7 orders
    assert.deepEqual(m.repeatCallRate, r(2, 7));
    // dispatches A, B, C→ZJJ, C→CGJ, E, F; wrong: C→ZJJ
    assert.deepEqual(m.dispatchAccuracy, r(5, 6));
    // suggestions: A (ZJJ suggested, CGJ chosen), E (SJJ both)
    assert.deepEqual(m.advisorAgreement, r(1, 2));
    assert.deepEqual(m.counts, { created: 7, assignments: 7, replied: 5, closed: 3, callbacks: 3 });
  });

  test("one unit's figures", () => {
    const cgj = computeMetrics(LOG, { asOf: AS_OF, unitCode: CGJ });
    assert.deepEqual(cgj.onTimeSignRate, r(2, 4));
    assert.deepEqual(cgj.onTimeFinishRate, r(2, 4));
    assert.deepEqual(cgj.satisfactionRate, r(2, 3));
    assert.deepEqual(cgj.returnRate, r(0, 4));
    assert.deepEqual(cgj.redoRate, r(1, 3));
    assert.deepEqual(cgj.urgeRate, r(1, 3));
    // G repeats A, which CGJ closed; CGJ closed A and B
    assert.deepEqual(cgj.repeatCallRate, r(1, 2));
    assert.deepEqual(cgj.dispatchAccuracy, r(3, 3));

    const zjj = computeMetrics(LOG, { asOf: AS_OF, unitCode: ZJJ });
    assert.deepEqual(zjj.onTimeSignRate, r(1, 1));
    assert.deepEqual(zjj.onTimeFinishRate, r(1, 1));
    assert.deepEqual(zjj.returnRate, r(2, 2));
    assert.deepEqual(zjj.dispatchAccuracy, r(1, 2));
    assert.deepEqual(zjj.satisfactionRate, r(0, 0));
    assert.equal(zjj.satisfactionRate.rate, null);

    const unknown = computeMetrics(LOG, { asOf: AS_OF, unitCode: 'YX-NONE' });
    assert.equal(unknown.counts.assignments, 0);
    assert.equal(unknown.onTimeSignRate.rate, null);
  });

  test('scorecards list every unit in the log, in code order', () => {
    const cards = computeScorecards(LOG, { asOf: AS_OF });
    assert.deepEqual(cards.map((c) => c.unitCode), [CGJ, SJJ, ZJJ]);
    assert.deepEqual(cards[1]!.metrics.onTimeFinishRate, r(1, 1));
    assert.deepEqual(cards[0]!.metrics, computeMetrics(LOG, { asOf: AS_OF, unitCode: CGJ }));
  });

  test('events after asOf do not count, and deadlines not yet passed are not late', () => {
    const m = computeMetrics(LOG, { asOf: new Date(at('2026-11-23T12:00')) });
    // signed by noon: A, E, F; C's ZJJ deadline has not passed and its return is in the future
    assert.deepEqual(m.onTimeSignRate, r(3, 3));
    assert.deepEqual(m.onTimeFinishRate, r(0, 0));
    assert.deepEqual(m.returnRate, r(0, 5));
  });

  test('the log order of the input does not matter', () => {
    const shuffled = [...LOG].reverse();
    assert.deepEqual(computeMetrics(shuffled, { asOf: AS_OF }), computeMetrics(LOG, { asOf: AS_OF }));
  });

  test('a return after the sign deadline leaves the sign late', () => {
    const log = [
      ev('X', 'created', '2026-11-23T09:00', null),
      ev('X', 'dispatched', '2026-11-23T09:00', ZJJ, { unitCode: ZJJ, signDueAt: end('2026-11-23'), finishDueAt: end('2026-12-07') }),
      ev('X', 'returned', '2026-11-24T09:00', ZJJ),
    ];
    const m = computeMetrics(log, { asOf: AS_OF, unitCode: ZJJ });
    assert.deepEqual(m.onTimeSignRate, r(0, 1));
    // the finish clock stopped with the return, before its deadline
    assert.deepEqual(m.onTimeFinishRate, r(0, 0));
  });

  test('a return that ends in a transfer counts the dispatch as wrong', () => {
    const log = [
      ev('Y', 'created', '2026-11-23T09:00', null),
      ev('Y', 'dispatched', '2026-11-23T09:00', ZJJ, { unitCode: ZJJ, signDueAt: end('2026-11-23'), finishDueAt: end('2026-12-07') }),
      ev('Y', 'returned', '2026-11-23T10:00', ZJJ),
      ev('Y', 'transferred', '2026-11-23T11:00', ZJJ, {}, 'returned'),
    ];
    assert.deepEqual(computeMetrics(log, { asOf: AS_OF }).dispatchAccuracy, r(0, 1));
  });

  test('an empty log gives empty rates, not zeros', () => {
    const m = computeMetrics([], { asOf: AS_OF });
    for (const k of ['onTimeSignRate', 'onTimeFinishRate', 'satisfactionRate', 'dispatchAccuracy'] as const) assert.equal(m[k].rate, null, k);
  });
});
