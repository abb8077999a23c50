import { timeLimitCompressionRate, type ItemElements } from '../catalog/index.ts';

// The 一网通办 figures, as pure functions of catalogue elements and case facts. Each definition is
// written beside its code; a rate with nothing to count is null, never 0 or 1.
//
// Over the catalogue (application-based items in force; each item counts once):
//   网上可办率 online availability = items applicable online (online depth 3 网上受理 or 4 全程网办) / items
//   零跑动率 zero-visit rate       = items with 到办事现场次数 0 / items
//   最多跑一次率 at-most-one-visit = items with at most one visit / items
//   即办件率 on-the-spot rate      = items of case type 1 即办件 / items
//   时限压缩率 compression rate    = Σ(legal − promised) / Σ legal (the catalogue's definition, reused)
// Over cases (single cases and bundle items; bundle parents are containers, not counted):
//   按期办结率 on-time completion  = completed cases finished on or before their promised due date / completed cases with a promised date
//   平均办结用时 average working days = mean over completed cases of the working days from acceptance to completion,
//                                    less the working days special procedures stopped the clock
//   零跑动办件占比 zero-visit cases = completed cases applied online and not collected at a window / completed cases

export interface Ratio {
  numerator: number;
  denominator: number;
  /** numerator / denominator rounded to 4 places, or null when the denominator is 0. */
  rate: number | null;
}

export const ratio = (numerator: number, denominator: number): Ratio => ({
  numerator,
  denominator,
  rate: denominator === 0 ? null : Math.round((numerator / denominator) * 10000) / 10000,
});

export type CatalogueFacts = Pick<ItemElements, 'onlineDepthCode' | 'visits' | 'caseTypeCode' | 'legalLimit' | 'promisedLimit'>;

export function onlineAvailabilityRate(items: CatalogueFacts[]): Ratio {
  return ratio(items.filter((i) => i.onlineDepthCode === '3' || i.onlineDepthCode === '4').length, items.length);
}

export function zeroVisitRate(items: CatalogueFacts[]): Ratio {
  return ratio(items.filter((i) => i.visits === 0).length, items.length);
}

export function atMostOneVisitRate(items: CatalogueFacts[]): Ratio {
  return ratio(items.filter((i) => i.visits <= 1).length, items.length);
}

export function onTheSpotRate(items: CatalogueFacts[]): Ratio {
  return ratio(items.filter((i) => i.caseTypeCode === '1').length, items.length);
}

export function compressionRate(items: CatalogueFacts[]): Ratio & { counted: number; skipped: number } {
  const r = timeLimitCompressionRate(items);
  return { ...ratio(r.legalSum - r.promisedSum, r.legalSum), counted: r.counted, skipped: r.skipped };
}

/** What a metric needs to know about one case. */
export interface CaseFacts {
  channel: 'online' | 'window' | 'mail';
  isCompleted: boolean;
  acceptedOn: string | null;
  completedOn: string | null;
  promisedDueOn: string | null;
  deliveryMethod: 'window' | 'post' | 'e_licence' | null;
  /** Working days from acceptance to completion, less stopped days; null when not completed. */
  workingDaysToComplete: number | null;
}

export function onTimeCompletionRate(cases: CaseFacts[]): Ratio {
  const done = cases.filter((c) => c.isCompleted && c.completedOn && c.promisedDueOn);
  return ratio(done.filter((c) => c.completedOn! <= c.promisedDueOn!).length, done.length);
}

export function averageWorkingDaysToCompletion(cases: CaseFacts[]): { average: number | null; counted: number } {
  const days = cases.flatMap((c) => (c.isCompleted && c.workingDaysToComplete !== null ? [c.workingDaysToComplete] : []));
  if (days.length === 0) return { average: null, counted: 0 };
  return { average: Math.round((days.reduce((a, b) => a + b, 0) / days.length) * 100) / 100, counted: days.length };
}

export function zeroVisitCaseRate(cases: CaseFacts[]): Ratio {
  const done = cases.filter((c) => c.isCompleted);
  return ratio(done.filter((c) => c.channel === 'online' && c.deliveryMethod !== 'window').length, done.length);
}

export interface Metrics {
  catalogue: {
    items: number;
    onlineAvailability: Ratio;
    zeroVisit: Ratio;
    atMostOneVisit: Ratio;
    onTheSpot: Ratio;
    timeLimitCompression: Ratio & { counted: number; skipped: number };
  };
  cases: {
    submitted: number;
    completed: number;
    onTimeCompletion: Ratio;
    averageWorkingDaysToCompletion: { average: number | null; counted: number };
    zeroVisitCases: Ratio;
  };
}

export function computeMetrics(items: CatalogueFacts[], cases: CaseFacts[]): Metrics {
  return {
    catalogue: {
      items: items.length,
      onlineAvailability: onlineAvailabilityRate(items),
      zeroVisit: zeroVisitRate(items),
      atMostOneVisit: atMostOneVisitRate(items),
      onTheSpot: onTheSpotRate(items),
      timeLimitCompression: compressionRate(items),
    },
    cases: {
      submitted: cases.length,
      completed: cases.filter((c) => c.isCompleted).length,
      onTimeCompletion: onTimeCompletionRate(cases),
      averageWorkingDaysToCompletion: averageWorkingDaysToCompletion(cases),
      zeroVisitCases: zeroVisitCaseRate(cases),
    },
  };
}
