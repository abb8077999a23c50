// ratings: 好差评 — ratings on every service object (case, work order, window, staff member, item,
// department) from every channel, versioned indicators, the bad-review rectification loop on the
// working-day calendar, and the public disclosure of 好评率, 差评数, 整改率 and 回访率.
import { fileURLToPath } from 'node:url';
import { defineModule } from '../../platform/module.ts';
import { registerRatingsJobs } from './ratings.jobs.ts';
import { ratingsRoutes } from './ratings.routes.ts';

export { ratingSummary, FORMULAS } from './ratings.service.ts';
export { figuresOf, tally, type Figures, type Tally } from './ratings.formulas.ts';
export { LEVEL_LABELS, isBadLevel, CHANNELS, OBJECT_TYPES, type Channel, type ObjectType } from './ratings.rules.ts';
export { REVIEW_STATES, REVIEW_TRANSITIONS, type ReviewState, type ReviewAction } from './ratings.transitions.ts';
export { useSmsSender, type SmsSender } from './ratings.sms.ts';
export type { RatingView, OccasionView, Summary, BadReviewDetail } from './ratings.schemas.ts';

/**
 * Events other modules may subscribe to: ratings.rating.submitted (every rating, with its object,
 * channel, level and dimensions), ratings.occasion.opened, ratings.bad_review.<event> (created,
 * classified, verified, rectified, explained, fed_back, rerated, reopened, closed, appealed,
 * appeal_upheld, appeal_rejected, warned, escalated), ratings.indicator_set.activated.
 */
export const ratingsModule = defineModule({
  name: 'ratings',
  migrations: { owner: 'ratings', dir: fileURLToPath(new URL('./migrations/', import.meta.url)) },
  routes: ratingsRoutes,
  jobs: registerRatingsJobs,
});
