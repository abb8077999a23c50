import { Type, type Static } from 'typebox';
import { CHANNELS, OBJECT_TYPES } from './ratings.rules.ts';
import { REVIEW_STATES } from './ratings.transitions.ts';

// Schemas of the ratings API: they validate, type and document. The type shares the schema's name.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Uuid = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (local day)' });
const obj = <P extends Parameters<typeof Type.Object>[0]>(p: P) => Type.Object(p, { additionalProperties: false });

export const Level = Type.Integer({ minimum: 1, maximum: 5, description: 'GB/T 39734 A.8: 1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意' });
export const ChannelSchema = Type.Enum(CHANNELS);
export const ObjectTypeSchema = Type.Enum(OBJECT_TYPES);
export const ReviewStateSchema = Type.Enum(REVIEW_STATES);
const Comment = Type.String({ maxLength: 500 });
const Note = Type.String({ minLength: 1, maxLength: 2000 });

export const Indicator = obj({ code: Type.String({ minLength: 1, maxLength: 40 }), name: Type.String({ minLength: 1, maxLength: 40 }) });

// ---------------------------------------------------------------- rater side

/** What the rater sends; the contact is asked for bad reviews so someone can call back (实名差评). */
const RateFields = {
  rateableId: Uuid,
  level: Level,
  scores: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }), Level)),
  comment: Type.Optional(Comment),
  contactName: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  contactPhone: Type.Optional(Type.String({ minLength: 1, maxLength: 30 })),
  isFollowUp: Type.Optional(Type.Boolean({ description: '追评: a numbered follow-up after the first rating' })),
};

export const LinkRateBody = obj({ ...RateFields, channel: Type.Union([Type.Literal('qr'), Type.Literal('sms'), Type.Literal('web'), Type.Literal('mobile')]) });
export type LinkRateBody = Static<typeof LinkRateBody>;
export const AccountRateBody = obj({ ...RateFields, channel: Type.Union([Type.Literal('web'), Type.Literal('mobile')]) });
export type AccountRateBody = Static<typeof AccountRateBody>;
export const TabletRateBody = obj({ ...RateFields, occasionId: Uuid });
export type TabletRateBody = Static<typeof TabletRateBody>;
export const PhoneRateBody = obj({ ...RateFields });
export type PhoneRateBody = Static<typeof PhoneRateBody>;
export type RateInput = Static<typeof PhoneRateBody>;

export const RerateBody = obj({ level: Level, comment: Type.Optional(Comment) });
export type RerateBody = Static<typeof RerateBody>;

export const RatingView = Type.Object({
  id: Uuid,
  rateableId: Uuid,
  objectType: ObjectTypeSchema,
  objectName: Type.String(),
  channel: ChannelSchema,
  followUpNo: Type.Integer({ description: '0: the rating; 1, 2 …: follow-ups (追评)' }),
  level: Level,
  levelLabel: Type.String(),
  isBad: Type.Boolean(),
  scores: Type.Record(Type.String(), Type.Integer()),
  comment: Nullable(Type.String()),
  isValid: Type.Boolean(),
  createdAt: Instant,
  review: Nullable(Type.Object({ id: Uuid, number: Type.String(), state: ReviewStateSchema, stateLabel: Type.String() })),
});
export type RatingView = Static<typeof RatingView>;

/** A bad review as the rater sees it: what was done, so the rater can rate the rectification. */
export const RaterReview = Type.Object({
  id: Uuid,
  number: Type.String(),
  ratingId: Uuid,
  state: ReviewStateSchema,
  stateLabel: Type.String(),
  measures: Nullable(Type.String()),
  explanation: Nullable(Type.String()),
  feedbackNote: Nullable(Type.String()),
  rerateLevel: Nullable(Level),
  canRerate: Type.Boolean(),
});

export const OccasionView = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('ticket'), Type.Literal('work_order'), Type.Literal('case')]),
  label: Type.String(),
  occurredAt: Instant,
  /** Only for the rater (their own page, the tablet): the link behind the QR code. */
  inviteCode: Type.Optional(Type.String()),
  objects: Type.Array(Type.Object({ rateableId: Uuid, objectType: ObjectTypeSchema, objectLabel: Type.String(), objectName: Type.String(), isPrimary: Type.Boolean(), ratedChannels: Type.Array(ChannelSchema) })),
  indicatorSet: Type.Object({ id: Uuid, kind: Type.String(), version: Type.Integer(), indicators: Type.Array(Indicator) }),
  ratings: Type.Array(RatingView),
  reviews: Type.Array(RaterReview),
});
export type OccasionView = Static<typeof OccasionView>;

export const InviteCode = obj({ code: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
export const OccasionId = obj({ occasionId: Uuid });
export const CodeAndReview = obj({ code: InviteCode.properties.code, reviewId: Uuid });
export const ReviewId = obj({ reviewId: Uuid });

export const TabletHeaders = Type.Object({ 'x-tablet-key': Type.String({ minLength: 20, maxLength: 100, description: 'the key shown once when the tablet was paired' }) });
export const TabletPrompt = Type.Object({
  windowId: Uuid,
  label: Type.String(),
  /** The occasion just served at the window, while the prompt lasts; null between citizens. */
  occasion: Nullable(OccasionView),
});

// ---------------------------------------------------------------- staff side

export const ReviewListQuery = obj({
  state: Type.Optional(Type.Union([ReviewStateSchema, Type.Literal('open'), Type.Literal('finished')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});
export type ReviewListQuery = Static<typeof ReviewListQuery>;

export const BadReviewSummary = Type.Object({
  id: Uuid,
  number: Type.String(),
  state: ReviewStateSchema,
  stateLabel: Type.String(),
  level: Level,
  levelLabel: Type.String(),
  channel: ChannelSchema,
  comment: Nullable(Type.String()),
  objectType: ObjectTypeSchema,
  objectName: Type.String(),
  occasionLabel: Type.String(),
  category: Nullable(Type.String()),
  responsibleUnitCode: Nullable(Type.String()),
  responsibleUnitName: Nullable(Type.String()),
  stepDueOn: Nullable(Day),
  stepSignal: Type.Union([Type.Literal('none'), Type.Literal('warned'), Type.Literal('overdue')]),
  escalationLevel: Type.Integer(),
  isRealName: Type.Boolean(),
  ratedAt: Instant,
  updatedAt: Instant,
});
export type BadReviewSummary = Static<typeof BadReviewSummary>;

export const BadReviewDetail = Type.Object({
  ...BadReviewSummary.properties,
  ratingId: Uuid,
  scores: Type.Record(Type.String(), Type.Integer()),
  /** Masked; the full contact only through reveal, for those who call back. */
  raterContact: Type.Object({ nameMasked: Nullable(Type.String()), phoneMasked: Nullable(Type.String()), hasAccount: Type.Boolean() }),
  callback: Nullable(Type.Object({ at: Instant, isReached: Type.Boolean(), note: Nullable(Type.String()) })),
  measures: Nullable(Type.String()),
  explanation: Nullable(Type.String()),
  feedbackNote: Nullable(Type.String()),
  rerate: Nullable(Type.Object({ level: Level, levelLabel: Type.String(), comment: Nullable(Type.String()), at: Instant })),
  appeal: Nullable(Type.Object({ reason: Type.String(), statement: Nullable(Type.String()), decisionNote: Nullable(Type.String()) })),
  reopenCount: Type.Integer(),
  closedAt: Nullable(Instant),
  closeNote: Nullable(Type.String()),
  allowedActions: Type.Array(Type.String()),
  events: Type.Array(Type.Object({ type: Type.String(), label: Type.String(), at: Instant, fromState: Nullable(Type.String()), toState: Nullable(Type.String()), actorLabel: Nullable(Type.String()), data: Type.Record(Type.String(), Type.Unknown()) })),
});
export type BadReviewDetail = Static<typeof BadReviewDetail>;

export const REVIEW_CATEGORIES = ['attitude', 'efficiency', 'competence', 'process', 'policy', 'system', 'environment', 'other'] as const;
export const ReviewCategory = Type.Enum(REVIEW_CATEGORIES);

export const ClassifyBody = obj({ category: ReviewCategory, responsibleUnitCode: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })), note: Type.Optional(Note) });
export type ClassifyBody = Static<typeof ClassifyBody>;
export const VerifyBody = obj({ isReached: Type.Boolean({ description: 'the callback reached the rater' }), note: Note });
export type VerifyBody = Static<typeof VerifyBody>;
export const RectifyBody = obj({ measures: Note });
export const ExplainBody = obj({ explanation: Note });
export const FeedbackBody = obj({ note: Note });
export const NoteBody = obj({ note: Note });
export const OptionalNoteBody = obj({ note: Type.Optional(Note) });
export const AppealBody = obj({ reason: Type.Union([Type.Literal('mistaken'), Type.Literal('false'), Type.Literal('malicious')]), statement: Note });
export type AppealBody = Static<typeof AppealBody>;
export const RevealBody = obj({ reason: Type.String({ minLength: 2, maxLength: 200 }) });
export const RaterIdentity = Type.Object({ name: Nullable(Type.String()), phone: Nullable(Type.String()), accountName: Nullable(Type.String()), accountPhoneMasked: Nullable(Type.String()) });

export const LedgerQuery = obj({ from: Type.Optional(Day), to: Type.Optional(Day) });
export type LedgerQuery = Static<typeof LedgerQuery>;

export const SmsInvitationBody = obj({ phone: Type.String({ minLength: 5, maxLength: 30 }) });
export const OccasionLookupQuery = obj({ kind: Type.Union([Type.Literal('ticket'), Type.Literal('work_order'), Type.Literal('case')]), source: Type.String({ minLength: 1, maxLength: 100, description: 'the ticket, order or case id (or order number)' }) });

// ---------------------------------------------------------------- administration

export const IndicatorSetView = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('online'), Type.Literal('hall')]),
  version: Type.Integer(),
  indicators: Type.Array(Indicator),
  status: Type.Union([Type.Literal('draft'), Type.Literal('active'), Type.Literal('retired')]),
  note: Nullable(Type.String()),
  createdAt: Instant,
  activatedAt: Nullable(Instant),
});
export type IndicatorSetView = Static<typeof IndicatorSetView>;
export const CreateIndicatorSetBody = obj({
  kind: Type.Union([Type.Literal('online'), Type.Literal('hall')]),
  indicators: Type.Array(Indicator, { minItems: 1, maxItems: 12 }),
  note: Type.Optional(Type.String({ maxLength: 500 })),
});
export type CreateIndicatorSetBody = Static<typeof CreateIndicatorSetBody>;
export const IndicatorSetId = obj({ setId: Uuid });

const Days = (max: number) => Type.Integer({ minimum: 1, maximum: max });
export const Settings = Type.Object({
  classifyDays: Days(30),
  verifyDays: Days(30),
  rectifyDays: Type.Integer({ minimum: 1, maximum: 60, description: 'working days to rectify or explain (default 5)' }),
  feedbackDays: Days(30),
  appealReviewDays: Days(30),
  promptMinutes: Type.Integer({ minimum: 1, maximum: 120 }),
  invitationDays: Type.Integer({ minimum: 1, maximum: 365 }),
});
export type Settings = Static<typeof Settings>;
export const SettingsPatch = Type.Partial(Settings, { additionalProperties: false });
export type SettingsPatch = Static<typeof SettingsPatch>;

export const CreateTabletBody = obj({ windowId: Uuid, label: Type.String({ minLength: 1, maxLength: 60 }) });
export const TabletView = Type.Object({ id: Uuid, windowId: Uuid, label: Type.String(), createdAt: Instant });
export const CreatedTablet = Type.Object({ ...TabletView.properties, key: Type.String({ description: 'shown once; the tablet page keeps it' }) });
export const TabletId = obj({ tabletId: Uuid });

// ---------------------------------------------------------------- disclosure

export const SummaryQuery = obj({
  by: Type.Union([Type.Literal('department'), Type.Literal('item'), Type.Literal('window')]),
  from: Type.Optional(Day),
  to: Type.Optional(Day),
});
export type SummaryQuery = Static<typeof SummaryQuery>;

export const SummaryRow = Type.Object({
  key: Type.String(),
  name: Type.String(),
  ratings: Type.Integer(),
  goodCount: Type.Integer(),
  goodRate: Nullable(Type.Number({ description: '好评率 = good ratings / valid ratings' })),
  badCount: Type.Integer({ description: '差评数' }),
  rectifiedCount: Type.Integer(),
  rectificationRate: Nullable(Type.Number({ description: '整改率 = bad reviews rectified or explained / bad reviews' })),
  calledBackCount: Type.Integer(),
  callbackRate: Nullable(Type.Number({ description: '回访率 = bad reviews whose rater was reached / bad reviews' })),
});
export const Summary = Type.Object({
  by: Type.String(),
  from: Day,
  to: Day,
  formulas: Type.Record(Type.String(), Type.String()),
  total: Type.Omit(SummaryRow, ['key', 'name']),
  items: Type.Array(SummaryRow),
});
export type Summary = Static<typeof Summary>;

export const RatingListQuery = obj({ from: Type.Optional(Day), to: Type.Optional(Day), isBad: Type.Optional(Type.Boolean()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) });
export const RatingListItem = Type.Object({ ...RatingView.properties, occasionLabel: Type.String(), unitName: Nullable(Type.String()), itemName: Nullable(Type.String()), windowName: Nullable(Type.String()) });
