import { Type } from 'typebox';
import type { App } from '../../platform/http/server.ts';
import { actionContext } from '../../platform/http/server.ts';
import { errors } from '../../platform/http/schemas.ts';
import type { Platform } from '../../platform/module.ts';
import {
  AccountRateBody,
  AppealBody,
  BadReviewDetail,
  BadReviewSummary,
  ClassifyBody,
  CodeAndReview,
  CreatedTablet,
  CreateIndicatorSetBody,
  CreateTabletBody,
  ExplainBody,
  FeedbackBody,
  IndicatorSetId,
  IndicatorSetView,
  InviteCode,
  LedgerQuery,
  LinkRateBody,
  NoteBody,
  ObjectTypeSchema,
  OccasionId,
  OccasionLookupQuery,
  OccasionView,
  OptionalNoteBody,
  PhoneRateBody,
  RaterIdentity,
  RatingListItem,
  RatingListQuery,
  RatingView,
  RectifyBody,
  RerateBody,
  RevealBody,
  ReviewId,
  ReviewListQuery,
  Settings,
  SettingsPatch,
  SmsInvitationBody,
  Summary,
  SummaryQuery,
  TabletHeaders,
  TabletId,
  TabletPrompt,
  TabletRateBody,
  TabletView,
  VerifyBody,
} from './ratings.schemas.ts';
import {
  activateIndicatorSet,
  createIndicatorSet,
  findOccasionForStaff,
  getSettings,
  invitationView,
  listIndicatorSets,
  listRatingsForSupervisors,
  listTablets,
  myOccasions,
  pairTablet,
  rateByLink,
  rateMine,
  rateMyObject,
  rateOnTablet,
  ratingSummary,
  recordPhoneRating,
  rerateByLink,
  rerateMine,
  revokeTablet,
  sendSmsInvitation,
  tabletPrompt,
  updateSettings,
} from './ratings.service.ts';
import {
  appealReview,
  classifyReview,
  closeReview,
  explainReview,
  feedbackReview,
  listReviews,
  rectifyReview,
  rejectAppeal,
  reopenReview,
  revealRater,
  reviewDetail,
  reviewLedger,
  upholdAppeal,
  verifyReview,
} from './reviews.service.ts';

const tags = ['ratings'];
const Items = <T extends Parameters<typeof Type.Array>[0]>(t: T) => Type.Object({ items: Type.Array(t) });

export function ratingsRoutes(app: App, platform: Platform) {
  // ---------- public: disclosure, invitation links, the hall tablet ----------

  app.get('/api/public/ratings/summary', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: '好差评公示: 好评率, 差评数, 整改率, 回访率 per department, item or window (formulas in the reply)', querystring: SummaryQuery, response: { 200: Summary, ...errors(400) } },
  }, async (req) => ratingSummary(platform, req.query));

  app.get('/api/public/ratings/invitations/:code', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: 'What a rating link (QR code, SMS) rates: the occasion, its objects, the indicators, ratings and bad reviews so far', params: InviteCode, response: { 200: OccasionView, ...errors(404) } },
  }, async (req) => invitationView(platform, req.params.code));

  app.post('/api/public/ratings/invitations/:code/ratings', {
    config: { scope: 'public', audit: 'ratings.rating.submit' },
    schema: { tags, summary: 'Rate through a link (one rating per object and channel; isFollowUp adds a numbered 追评)', params: InviteCode, body: LinkRateBody, response: { 201: RatingView, ...errors(400, 403, 404, 409, 410) } },
  }, async (req, reply) => reply.status(201).send(await rateByLink(platform, req.params.code, req.body, actionContext(req))));

  app.post('/api/public/ratings/invitations/:code/reviews/:reviewId/rerate', {
    config: { scope: 'public', audit: 'ratings.bad_review.rerate' },
    schema: { tags, summary: 'The rater rates the rectification of their bad review', params: CodeAndReview, body: RerateBody, response: { 200: OccasionView, ...errors(400, 403, 404, 409) } },
  }, async (req) => rerateByLink(platform, req.params.code, req.params.reviewId, req.body, actionContext(req)));

  app.get('/api/public/ratings/tablet/prompt', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: "The window tablet's prompt: the ticket just served at its window (poll it)", headers: TabletHeaders, response: { 200: TabletPrompt, ...errors(401) } },
  }, async (req) => tabletPrompt(platform, req.headers['x-tablet-key']));

  app.post('/api/public/ratings/tablet/ratings', {
    config: { scope: 'public', audit: 'ratings.rating.submit' },
    schema: { tags, summary: 'Rate on the window tablet (channel tablet)', headers: TabletHeaders, body: TabletRateBody, response: { 201: RatingView, ...errors(400, 401, 403, 409) } },
  }, async (req, reply) => reply.status(201).send(await rateOnTablet(platform, req.headers['x-tablet-key'], req.body, actionContext(req))));

  // ---------- citizens and enterprises ----------

  app.get('/api/ratings/mine', {
    config: { scope: 'portal:use', audit: false },
    schema: { tags, summary: 'What I can rate or have rated: my served tickets, finished cases, with my ratings and bad reviews', response: { 200: Items(OccasionView), ...errors(401, 403) } },
  }, async (req) => ({ items: await myOccasions(platform, req.principal!.userId) }));

  app.post('/api/ratings/mine/occasions/:occasionId/ratings', {
    config: { scope: 'portal:use', audit: 'ratings.rating.submit' },
    schema: { tags, summary: 'Rate an object of one of my occasions', params: OccasionId, body: AccountRateBody, response: { 201: RatingView, ...errors(400, 401, 403, 409) } },
  }, async (req, reply) => reply.status(201).send(await rateMine(platform, req.params.occasionId, req.body, actionContext(req))));

  app.post('/api/ratings/mine/objects/:objectType/:objectId/ratings', {
    config: { scope: 'portal:use', audit: 'ratings.rating.submit' },
    schema: {
      tags,
      summary: 'Rate my case, work order or window by its id (RATING_NOT_RATEABLE until it is finished)',
      params: Type.Object({ objectType: ObjectTypeSchema, objectId: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      body: Type.Omit(AccountRateBody, ['rateableId']),
      response: { 201: RatingView, ...errors(400, 401, 403, 409) },
    },
  }, async (req, reply) => reply.status(201).send(await rateMyObject(platform, req.params.objectType, req.params.objectId, req.body, actionContext(req))));

  app.post('/api/ratings/mine/reviews/:reviewId/rerate', {
    config: { scope: 'portal:use', audit: 'ratings.bad_review.rerate' },
    schema: { tags, summary: 'Rate the rectification of my bad review', params: ReviewId, body: RerateBody, response: { 200: OccasionView, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => rerateMine(platform, req.params.reviewId, req.body, actionContext(req)));

  // ---------- staff: phone ratings, SMS invitations ----------

  app.get('/api/ratings/occasions/lookup', {
    config: { scope: 'ratings:record', audit: false },
    schema: { tags, summary: 'Find the rating occasion of a ticket, work order (id or number) or case', querystring: OccasionLookupQuery, response: { 200: OccasionView, ...errors(401, 403, 409) } },
  }, async (req) => findOccasionForStaff(platform, req.query.kind, req.query.source));

  app.post('/api/ratings/occasions/:occasionId/phone-ratings', {
    config: { scope: 'ratings:record', audit: 'ratings.rating.submit' },
    schema: { tags, summary: '电话评价: record the rating the person gave on the phone', params: OccasionId, body: PhoneRateBody, response: { 201: RatingView, ...errors(400, 401, 403, 409) } },
  }, async (req, reply) => reply.status(201).send(await recordPhoneRating(platform, req.params.occasionId, req.body, actionContext(req))));

  app.post('/api/ratings/occasions/:occasionId/sms-invitation', {
    config: { scope: 'ratings:record', audit: 'ratings.invitation.sms' },
    schema: { tags, summary: 'Send the rating link by SMS', params: OccasionId, body: SmsInvitationBody, response: { 200: Type.Object({ sentTo: Type.String() }), ...errors(400, 401, 403, 409) } },
  }, async (req) => sendSmsInvitation(platform, req.params.occasionId, req.body.phone, actionContext(req)));

  // ---------- staff: the bad-review loop ----------

  app.get('/api/ratings/reviews', {
    config: { scope: 'authenticated', audit: false },
    schema: { tags, summary: 'Bad reviews of my subtree (supervisors and responsible units), soonest due first', querystring: ReviewListQuery, response: { 200: Items(BadReviewSummary), ...errors(401, 403) } },
  }, async (req) => ({ items: await listReviews(platform, req.query, actionContext(req)) }));

  app.get('/api/ratings/reviews/:reviewId', {
    config: { scope: 'authenticated', audit: false },
    schema: { tags, summary: 'One bad review with its log and the actions open to me', params: ReviewId, response: { 200: BadReviewDetail, ...errors(401, 404) } },
  }, async (req) => reviewDetail(platform, req.params.reviewId, actionContext(req)));

  const act = [
    ['classify', '分类 (supervisor)', ClassifyBody, (id: string, b: never, c: ReturnType<typeof actionContext>) => classifyReview(platform, id, b, c)],
    ['verify', '核实: record the callback to the rater (supervisor)', VerifyBody, (id: string, b: never, c: ReturnType<typeof actionContext>) => verifyReview(platform, id, b, c)],
    ['rectify', '整改: what the unit changed (unit)', RectifyBody, (id: string, b: { measures: string }, c: ReturnType<typeof actionContext>) => rectifyReview(platform, id, b.measures, c)],
    ['explain', '情况说明: why there is nothing to rectify (unit)', ExplainBody, (id: string, b: { explanation: string }, c: ReturnType<typeof actionContext>) => explainReview(platform, id, b.explanation, c)],
    ['feedback', '反馈: what the rater was told (supervisor)', FeedbackBody, (id: string, b: { note: string }, c: ReturnType<typeof actionContext>) => feedbackReview(platform, id, b.note, c)],
    ['reopen', '重新整改 after an unsatisfied rating of the rectification (supervisor)', NoteBody, (id: string, b: { note: string }, c: ReturnType<typeof actionContext>) => reopenReview(platform, id, b.note, c)],
    ['close', '办结 into the ledger (supervisor)', OptionalNoteBody, (id: string, b: { note?: string }, c: ReturnType<typeof actionContext>) => closeReview(platform, id, b.note, c)],
    ['appeal', '申诉: a mistaken, false or malicious review (unit)', AppealBody, (id: string, b: never, c: ReturnType<typeof actionContext>) => appealReview(platform, id, b, c)],
    ['uphold-appeal', '申诉成立: the rating stops counting (supervisor)', NoteBody, (id: string, b: { note: string }, c: ReturnType<typeof actionContext>) => upholdAppeal(platform, id, b.note, c)],
    ['reject-appeal', '驳回申诉: back to the interrupted step (supervisor)', NoteBody, (id: string, b: { note: string }, c: ReturnType<typeof actionContext>) => rejectAppeal(platform, id, b.note, c)],
  ] as const;
  for (const [action, summary, body, run] of act) {
    app.post(`/api/ratings/reviews/:reviewId/${action}`, {
      config: { scope: 'authenticated', audit: `ratings.bad_review.${action.replace('-', '_')}` },
      schema: { tags, summary, params: ReviewId, body, response: { 200: BadReviewDetail, ...errors(400, 401, 403, 404, 409) } },
    }, async (req) => (run as (id: string, b: unknown, c: ReturnType<typeof actionContext>) => Promise<never>)((req.params as { reviewId: string }).reviewId, req.body, actionContext(req)));
  }

  app.post('/api/ratings/reviews/:reviewId/reveal-rater', {
    config: { scope: 'ratings:supervise', audit: 'ratings.rater.reveal' },
    schema: { tags, summary: "The rater's name and phone for the callback (a stated reason; audited)", params: ReviewId, body: RevealBody, response: { 200: RaterIdentity, ...errors(400, 401, 403, 404) } },
  }, async (req) => revealRater(platform, req.params.reviewId, req.body.reason, actionContext(req)));

  app.get('/api/ratings/ledger', {
    config: { scope: 'ratings:supervise', audit: false },
    schema: { tags, summary: '差评台账: every bad review created in the period with its whole handling', querystring: LedgerQuery, response: { 200: Items(BadReviewDetail), ...errors(400, 401, 403) } },
  }, async (req) => ({ items: await reviewLedger(platform, req.query, actionContext(req)) }));

  app.get('/api/ratings', {
    config: { scope: 'ratings:supervise', audit: false },
    schema: { tags, summary: 'Ratings given in my subtree (default: the last 30 days)', querystring: RatingListQuery, response: { 200: Items(RatingListItem), ...errors(400, 401, 403) } },
  }, async (req) => ({ items: await listRatingsForSupervisors(platform, req.query, actionContext(req)) }));

  // ---------- administration ----------

  app.get('/api/ratings/indicator-sets', {
    config: { scope: 'ratings:manage', audit: false },
    schema: { tags, summary: 'Every version of both indicator sets (online, hall)', response: { 200: Items(IndicatorSetView), ...errors(401, 403) } },
  }, async () => ({ items: await listIndicatorSets(platform) }));

  app.post('/api/ratings/indicator-sets', {
    config: { scope: 'ratings:manage', audit: 'ratings.indicator_set.create' },
    schema: { tags, summary: "A new draft version of a set ('overall' first)", body: CreateIndicatorSetBody, response: { 201: IndicatorSetView, ...errors(400, 401, 403) } },
  }, async (req, reply) => reply.status(201).send(await createIndicatorSet(platform, req.body, actionContext(req))));

  app.post('/api/ratings/indicator-sets/:setId/activate', {
    config: { scope: 'ratings:manage', audit: 'ratings.indicator_set.activate' },
    schema: { tags, summary: 'Raters see this version from now on; the previous one retires', params: IndicatorSetId, response: { 200: IndicatorSetView, ...errors(401, 403, 404, 409) } },
  }, async (req) => activateIndicatorSet(platform, req.params.setId, actionContext(req)));

  app.get('/api/ratings/settings', {
    config: { scope: 'authenticated', audit: false },
    schema: { tags, summary: 'Time limits of the bad-review loop (working days) and of prompts and links', response: { 200: Settings, ...errors(401) } },
  }, async () => getSettings(platform));

  app.patch('/api/ratings/settings', {
    config: { scope: 'ratings:manage', audit: 'ratings.settings.update' },
    schema: { tags, summary: 'Change time limits (e.g. rectifyDays, default 5)', body: SettingsPatch, response: { 200: Settings, ...errors(400, 401, 403) } },
  }, async (req) => updateSettings(platform, req.body, actionContext(req)));

  app.get('/api/ratings/tablets', {
    config: { scope: 'hall:manage', audit: false },
    schema: { tags, summary: 'Paired window tablets (评价器)', response: { 200: Items(TabletView), ...errors(401, 403) } },
  }, async () => ({ items: await listTablets(platform) }));

  app.post('/api/ratings/tablets', {
    config: { scope: 'hall:manage', audit: 'ratings.tablet.pair' },
    schema: { tags, summary: 'Pair a tablet with a window; the key is shown once', body: CreateTabletBody, response: { 201: CreatedTablet, ...errors(400, 401, 403) } },
  }, async (req, reply) => reply.status(201).send(await pairTablet(platform, req.body, actionContext(req))));

  app.post('/api/ratings/tablets/:tabletId/revoke', {
    config: { scope: 'hall:manage', audit: 'ratings.tablet.revoke' },
    schema: { tags, summary: 'Stop a tablet', params: TabletId, response: { 200: TabletView, ...errors(401, 403, 404) } },
  }, async (req) => revokeTablet(platform, req.params.tabletId, actionContext(req)));
}
