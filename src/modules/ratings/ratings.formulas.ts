// The disclosed figures (DOMAIN §3) as pure functions of counts, so the formulas are in one place,
// tested, and the same for the public page, the JSON endpoint and the supervisors' reports.
//
//   好评率 goodRate          = good ratings / valid ratings         (good: 非常满意, 满意, 基本满意)
//   差评数 badCount          = valid bad ratings                    (bad: 不满意, 非常不满意)
//   整改率 rectificationRate = bad reviews rectified or explained / valid bad ratings
//   回访率 callbackRate      = bad reviews whose rater was reached by a callback / valid bad ratings
//
// Counted: first ratings only (follow-ups, 追评, are shown but not counted twice), and only valid
// ones: a bad review shown by an appeal to be mistaken or false is left out of every figure.
// A rate with nothing to divide by is null (shown as —), never 0 or 100%.

export interface Tally {
  ratings: number;
  good: number;
  bad: number;
  /** Bad reviews whose unit rectified the matter or explained why there was nothing to rectify. */
  rectified: number;
  /** Bad reviews whose rater was called back and reached. */
  calledBack: number;
}

export interface Figures {
  ratings: number;
  goodRate: number | null;
  badCount: number;
  rectificationRate: number | null;
  callbackRate: number | null;
}

/** A ratio rounded to four decimals (0.9375), or null without a denominator. */
export function rate(part: number, whole: number): number | null {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || part < 0 || whole < 0) throw new RangeError('counts must be non-negative numbers');
  if (part > whole) throw new RangeError(`part ${part} exceeds whole ${whole}`);
  if (whole === 0) return null;
  return Math.round((part / whole) * 10_000) / 10_000;
}

export const goodRate = (t: Tally) => rate(t.good, t.ratings);
export const rectificationRate = (t: Tally) => rate(t.rectified, t.bad);
export const callbackRate = (t: Tally) => rate(t.calledBack, t.bad);

export function figuresOf(t: Tally): Figures {
  if (t.good + t.bad !== t.ratings) throw new RangeError('good and bad ratings must add up to all ratings');
  return { ratings: t.ratings, goodRate: goodRate(t), badCount: t.bad, rectificationRate: rectificationRate(t), callbackRate: callbackRate(t) };
}

/** One counted rating, as the summary query reads it. */
export interface CountedRating {
  level: number;
  followUpNo: number;
  isValid: boolean;
  /** The bad review's unit rectified or explained. */
  isRectified: boolean;
  isCalledBack: boolean;
}

/** The tally of a list of ratings under the rules above. */
export function tally(rows: readonly CountedRating[]): Tally {
  const t: Tally = { ratings: 0, good: 0, bad: 0, rectified: 0, calledBack: 0 };
  for (const r of rows) {
    if (r.followUpNo !== 0 || !r.isValid) continue;
    t.ratings += 1;
    if (r.level >= 4) {
      t.bad += 1;
      if (r.isRectified) t.rectified += 1;
      if (r.isCalledBack) t.calledBack += 1;
    } else {
      t.good += 1;
    }
  }
  return t;
}

/** Adds tallies (a department's windows into the department, say). */
export const addTallies = (a: Tally, b: Tally): Tally => ({
  ratings: a.ratings + b.ratings,
  good: a.good + b.good,
  bad: a.bad + b.bad,
  rectified: a.rectified + b.rectified,
  calledBack: a.calledBack + b.calledBack,
});
