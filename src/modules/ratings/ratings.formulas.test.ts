import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addTallies, callbackRate, figuresOf, goodRate, rate, rectificationRate, tally, type CountedRating } from './ratings.formulas.ts';
import { indicatorProblem, isBadLevel, isGoodLevel, scoresOf } from './ratings.rules.ts';

// The disclosed figures and the rating vocabulary, as pure functions.

const r = (level: number, extra: Partial<CountedRating> = {}): CountedRating => ({ level, followUpNo: 0, isValid: true, isRectified: false, isCalledBack: false, ...extra });

describe('rating formulas', () => {
  test('rate rounds to four decimals and has no value without a denominator', () => {
    assert.equal(rate(1, 3), 0.3333);
    assert.equal(rate(2, 3), 0.6667);
    assert.equal(rate(0, 5), 0);
    assert.equal(rate(5, 5), 1);
    assert.equal(rate(0, 0), null);
    assert.throws(() => rate(3, 2), RangeError);
    assert.throws(() => rate(-1, 2), RangeError);
  });

  test('good levels are 1–3, bad levels (差评) 4 and 5', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(isGoodLevel), [true, true, true, false, false]);
    assert.deepEqual([1, 2, 3, 4, 5].map(isBadLevel), [false, false, false, true, true]);
  });

  test('好评率, 差评数, 整改率 and 回访率 of a mixed list', () => {
    const rows = [
      r(1), r(2), r(3), r(1), r(2), // five good
      r(4, { isRectified: true, isCalledBack: true }),
      r(5, { isRectified: true, isCalledBack: false }),
      r(4, { isRectified: false, isCalledBack: true }),
      r(5), // a bad review nobody has touched yet
      r(5, { isValid: false, isRectified: true, isCalledBack: true }), // appeal upheld: not counted
      r(1, { followUpNo: 1 }), // a follow-up: not counted twice
      r(5, { followUpNo: 2 }),
    ];
    const t = tally(rows);
    assert.deepEqual(t, { ratings: 9, good: 5, bad: 4, rectified: 2, calledBack: 2 });
    assert.equal(goodRate(t), 0.5556);
    assert.equal(rectificationRate(t), 0.5);
    assert.equal(callbackRate(t), 0.5);
    assert.deepEqual(figuresOf(t), { ratings: 9, goodRate: 0.5556, badCount: 4, rectificationRate: 0.5, callbackRate: 0.5 });
  });

  test('without bad reviews 整改率 and 回访率 are null, not 100%', () => {
    const f = figuresOf(tally([r(1), r(2)]));
    assert.equal(f.goodRate, 1);
    assert.equal(f.badCount, 0);
    assert.equal(f.rectificationRate, null);
    assert.equal(f.callbackRate, null);
    assert.deepEqual(figuresOf(tally([])), { ratings: 0, goodRate: null, badCount: 0, rectificationRate: null, callbackRate: null });
  });

  test('tallies add up, and inconsistent counts are refused', () => {
    const a = tally([r(1), r(4, { isRectified: true })]);
    const b = tally([r(5, { isCalledBack: true })]);
    assert.deepEqual(addTallies(a, b), { ratings: 3, good: 1, bad: 2, rectified: 1, calledBack: 1 });
    assert.throws(() => figuresOf({ ratings: 3, good: 1, bad: 1, rectified: 0, calledBack: 0 }), RangeError);
  });
});

describe('indicators and scores', () => {
  const hall = [
    { code: 'overall', name: '总体评价' },
    { code: 'attitude', name: '服务态度' },
  ];

  test('an indicator list starts with overall and has unique snake_case codes', () => {
    assert.equal(indicatorProblem(hall), undefined);
    assert.match(indicatorProblem([{ code: 'attitude', name: '服务态度' }])!, /overall/);
    assert.match(indicatorProblem([...hall, { code: 'attitude', name: '又一个' }])!, /twice/);
    assert.match(indicatorProblem([...hall, { code: 'Bad-Code', name: 'x' }])!, /snake_case/);
    assert.match(indicatorProblem([])!, /between/);
  });

  test('scores carry the overall level; unknown indicators and contradictions are refused', () => {
    assert.deepEqual(scoresOf(hall, 4, { attitude: 5 }), { scores: { attitude: 5, overall: 4 } });
    assert.deepEqual(scoresOf(hall, 2), { scores: { overall: 2 } });
    assert.ok('problem' in scoresOf(hall, 2, { usability: 1 }));
    assert.ok('problem' in scoresOf(hall, 2, { overall: 3 }));
    assert.ok('problem' in scoresOf(hall, 2, { attitude: 6 }));
  });
});
