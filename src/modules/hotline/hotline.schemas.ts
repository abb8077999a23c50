import { Type, type Static } from 'typebox';
import { STATUSES } from './hotline.transitions.ts';

// Shapes of the hotline: what intake accepts from every channel, what staff and citizens see, and
// the bodies of the order actions. The same schema validates, types and documents each of them.

export const CHANNELS = ['phone', 'web', 'open311', 'app', 'sms', 'email', 'wechat'] as const;
export const KINDS = ['consultation', 'request', 'complaint', 'report', 'suggestion', 'praise'] as const;
/** 咨询 求助 投诉 举报 建议 表扬 */
export const KIND_LABELS: Record<(typeof KINDS)[number], string> = {
  consultation: '咨询',
  request: '求助',
  complaint: '投诉',
  report: '举报',
  suggestion: '建议',
  praise: '表扬',
};
/** Kinds whose matter happens somewhere: a category that needs a place needs it for these. */
export const PLACE_BOUND_KINDS: readonly Kind[] = ['request', 'complaint', 'report'];

export const Channel = Type.Enum(CHANNELS);
export type Channel = Static<typeof Channel>;
export const Kind = Type.Enum(KINDS);
export type Kind = Static<typeof Kind>;
export const Priority = Type.Enum(['normal', 'urgent']);
export const StatusSchema = Type.Enum(STATUSES);
export const Satisfaction = Type.Enum(['satisfied', 'basically_satisfied', 'unsatisfied']);
export type Satisfaction = Static<typeof Satisfaction>;
export const TransferTarget = Type.Enum(['110', '119', '120', '122'], { description: '110 police, 119 fire, 120 ambulance, 122 traffic police' });
export const Badge = Type.Enum(['none', 'normal', 'warning', 'overdue', 'paused']);

const UnitCode = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' });
const CategoryCode = Type.String({ minLength: 1, maxLength: 32 });
const Note = Type.String({ minLength: 1, maxLength: 2000 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

// ---------------------------------------------------------------- categories

/** Open311 GeoReport v2 attribute definition, stored and served as the standard spells it. */
export const Open311Attribute = Type.Object({
  variable: Type.Boolean(),
  code: Type.String(),
  datatype: Type.Enum(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist']),
  required: Type.Boolean(),
  datatype_description: Type.String(),
  order: Type.Integer(),
  description: Type.String(),
  values: Type.Optional(Type.Array(Type.Object({ key: Type.String(), name: Type.String() }))),
});
export type Open311Attribute = Static<typeof Open311Attribute>;

export const Category = Type.Object({
  code: Type.String(),
  parentCode: Nullable(Type.String()),
  name: Type.String(),
  description: Type.String(),
  /** Working days to finish, after inheritance from the parent and the district default. */
  timeLimitDays: Type.Integer(),
  defaultUnitCode: Nullable(Type.String()),
  /** Offered as a service through the Open311 API. */
  openService: Type.Boolean(),
  isLocationRequired: Type.Boolean(),
  attributes: Type.Array(Open311Attribute),
  keywords: Type.Array(Type.String()),
});
export type Category = Static<typeof Category>;

// ---------------------------------------------------------------- intake

export const CallerInput = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    phone: Type.Optional(Type.String({ minLength: 5, maxLength: 20 })),
    /** 保密: handling units never see who called. */
    isConfidential: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const AttributeValue = Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 })]);

const intakeFields = {
  kind: Kind,
  categoryCode: CategoryCode,
  description: Type.String({ minLength: 1, maxLength: 4000 }),
  address: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  attributes: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), AttributeValue)),
  attachmentIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 9 })),
};

/** What every channel hands to createWorkOrder. */
export const CreateWorkOrderInput = Type.Object(
  {
    channel: Channel,
    ...intakeFields,
    priority: Type.Optional(Priority),
    /** The street/town (org unit code) the matter is in, when the caller or agent knows it. */
    streetCode: Type.Optional(UnitCode),
    caller: Type.Optional(CallerInput),
    /** The same key from the same source never creates a second order. */
    idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Who the key belongs to (an API client, say); defaults to the calling account. */
    idempotencySource: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type CreateWorkOrderInput = Static<typeof CreateWorkOrderInput>;

export const AgentCreateBody = Type.Object(
  {
    channel: Type.Optional(Channel),
    ...intakeFields,
    priority: Type.Optional(Priority),
    streetCode: Type.Optional(UnitCode),
    caller: Type.Optional(CallerInput),
  },
  { additionalProperties: false },
);

export const PublicCreateBody = Type.Object(
  {
    ...intakeFields,
    caller: Type.Object(
      {
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
        phone: Type.String({ minLength: 5, maxLength: 20, description: 'needed for the callback and to look the order up' }),
        isConfidential: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' })),
});

export const CreatedReply = Type.Object({
  id: Type.String(),
  number: Type.String(),
  status: StatusSchema,
  /** false: the idempotency key had been used, and this is the order it created. */
  created: Type.Boolean(),
});

// ---------------------------------------------------------------- views

export const Badges = Type.Object({ sign: Badge, finish: Badge });

export const WorkOrderSummary = Type.Object({
  id: Type.String(),
  number: Type.String(),
  channel: Channel,
  kind: Kind,
  priority: Priority,
  categoryCode: Type.String(),
  categoryName: Type.String(),
  description: Type.String(),
  address: Nullable(Type.String()),
  streetCode: Nullable(Type.String()),
  status: StatusSchema,
  statusLabel: Type.String(),
  isOpen: Type.Boolean(),
  leadUnitCode: Nullable(Type.String()),
  leadUnitName: Nullable(Type.String()),
  callerNameMasked: Nullable(Type.String()),
  callerPhoneMasked: Nullable(Type.String()),
  isConfidential: Type.Boolean(),
  signDueAt: Nullable(DateTime),
  finishDueOn: Nullable(Type.String()),
  finishDueAt: Nullable(DateTime),
  badges: Badges,
  urgeCount: Type.Integer(),
  supervisionLevel: Type.Integer(),
  isReported: Type.Boolean(),
  redoCount: Type.Integer(),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type WorkOrderSummary = Static<typeof WorkOrderSummary>;

export const AssignmentView = Type.Object({
  unitCode: Type.String(),
  unitName: Type.String(),
  role: Type.Enum(['lead', 'co']),
  isActive: Type.Boolean(),
  assignedAt: DateTime,
  endedAt: Nullable(DateTime),
  signedAt: Nullable(DateTime),
  opinion: Nullable(Type.String()),
});

export const PendingRequestView = Type.Object({
  id: Type.String(),
  kind: Type.Enum(['return', 'extension', 'co_handling']),
  unitCode: Type.String(),
  state: Type.Enum(['pending', 'approved', 'refused', 'withdrawn']),
  data: Type.Record(Type.String(), Type.Unknown()),
  requestedAt: DateTime,
  decidedAt: Nullable(DateTime),
  decisionNote: Nullable(Type.String()),
});

export const EventView = Type.Object({
  type: Type.String(),
  label: Type.String(),
  at: DateTime,
  fromStatus: Nullable(Type.String()),
  toStatus: Nullable(Type.String()),
  actorLabel: Nullable(Type.String()),
  unitCode: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
});

const Suggestion = Type.Object({
  units: Type.Array(Type.Object({ unitCode: Type.String(), score: Type.Number(), explanation: Type.Array(Type.String()) })),
  streetCode: Nullable(Type.String()),
  autoDispatch: Type.Boolean(),
});

const DuplicateRef = Type.Object({ id: Type.String(), number: Type.String(), score: Type.Number() });

export const WorkOrderDetail = Type.Object({
  ...WorkOrderSummary.properties,
  viewer: Type.Enum(['centre', 'unit', 'citizen'], { description: 'how the caller sees the order: the hotline centre, a handling unit, or the citizen' }),
  allowedActions: Type.Array(Type.String(), { description: 'transition actions the caller may take now (see the transition table)' }),
  latitude: Nullable(Type.Number()),
  longitude: Nullable(Type.Number()),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  attachmentIds: Type.Array(Type.String()),
  timeLimitDays: Type.Integer(),
  extendedDays: Type.Integer(),
  isPaused: Type.Boolean(),
  suggestion: Nullable(Suggestion),
  duplicateCandidates: Type.Array(DuplicateRef),
  links: Type.Object({
    mergedInto: Nullable(Type.String()),
    splitFrom: Nullable(Type.String()),
    repeatOf: Nullable(Type.String()),
    redoOf: Nullable(Type.String()),
    mergedFrom: Type.Array(Type.String()),
    splitInto: Type.Array(Type.String()),
  }),
  transferTo: Nullable(Type.String()),
  reply: Nullable(Type.String()),
  repliedAt: Nullable(DateTime),
  article: Nullable(Type.Object({ id: Type.String(), version: Type.Integer() })),
  callback: Nullable(
    Type.Object({
      at: DateTime,
      isReached: Type.Boolean(),
      isResolved: Nullable(Type.Boolean()),
      satisfaction: Nullable(Satisfaction),
    }),
  ),
  rating: Nullable(Type.Object({ level: Type.Integer(), comment: Nullable(Type.String()), at: DateTime })),
  closedAt: Nullable(DateTime),
  archivedAt: Nullable(DateTime),
  assignments: Type.Array(AssignmentView),
  pendingRequests: Type.Array(PendingRequestView),
  pauses: Type.Array(
    Type.Object({ reason: Type.String(), startedAt: DateTime, endedAt: Nullable(DateTime), workingDays: Nullable(Type.Integer()) }),
  ),
  events: Type.Array(EventView),
});
export type WorkOrderDetail = Static<typeof WorkOrderDetail>;

export const WorkOrderList = Type.Object({ items: Type.Array(WorkOrderSummary), total: Type.Integer() });

/** What a citizen sees of an order: progress, no personal data, no staff names. */
export const Progress = Type.Object({
  number: Type.String(),
  kind: Kind,
  categoryName: Type.String(),
  status: StatusSchema,
  statusLabel: Type.String(),
  isOpen: Type.Boolean(),
  handlingUnitName: Nullable(Type.String()),
  createdAt: DateTime,
  finishDueOn: Nullable(Type.String()),
  reply: Nullable(Type.String()),
  timeline: Type.Array(Type.Object({ type: Type.String(), at: DateTime, label: Type.String() })),
  canRate: Type.Boolean(),
  rating: Nullable(Type.Object({ level: Type.Integer(), at: DateTime })),
});
export type Progress = Static<typeof Progress>;

export const CallerHistory = Type.Object({
  callerPhoneMasked: Type.String(),
  orders: Type.Array(
    Type.Object({
      id: Type.String(),
      number: Type.String(),
      kind: Kind,
      categoryName: Type.String(),
      description: Type.String(),
      status: StatusSchema,
      statusLabel: Type.String(),
      createdAt: DateTime,
      satisfaction: Nullable(Satisfaction),
    }),
  ),
});

export const IntakeSuggestions = Type.Object({
  dispatch: Suggestion,
  /** Knowledge base articles about the matter (snippet: escaped HTML with <mark>ed terms). */
  articles: Type.Array(Type.Object({ id: Type.String(), version: Type.Integer(), title: Type.String(), snippet: Type.String() })),
  /** The street/town the matter is in: given, the advisor's, or found through the gazetteer. */
  streetCode: Nullable(Type.String()),
  categoryDefaultUnitCode: Nullable(Type.String()),
  duplicates: Type.Array(
    Type.Object({ id: Type.String(), number: Type.String(), score: Type.Number(), description: Type.String(), status: StatusSchema, createdAt: DateTime }),
  ),
});

export const InboxItem = Type.Object({
  ...WorkOrderSummary.properties,
  myRole: Type.Enum(['lead', 'co']),
  pendingRequestKinds: Type.Array(Type.String()),
});
export const Inbox = Type.Object({ items: Type.Array(InboxItem) });

export const ReviewQueue = Type.Object({
  returns: Type.Array(Type.Object({ order: WorkOrderSummary, request: PendingRequestView })),
  extensions: Type.Array(Type.Object({ order: WorkOrderSummary, request: PendingRequestView })),
  coHandling: Type.Array(Type.Object({ order: WorkOrderSummary, request: PendingRequestView })),
  merges: Type.Array(Type.Object({ order: WorkOrderSummary, candidates: Type.Array(DuplicateRef) })),
});

const RateSchema = Type.Object({ numerator: Type.Integer(), denominator: Type.Integer(), rate: Nullable(Type.Number()) });
export const MetricsSchema = Type.Object({
  onTimeSignRate: RateSchema,
  onTimeFinishRate: RateSchema,
  satisfactionRate: RateSchema,
  resolutionRate: RateSchema,
  returnRate: RateSchema,
  redoRate: RateSchema,
  urgeRate: RateSchema,
  repeatCallRate: RateSchema,
  dispatchAccuracy: RateSchema,
  advisorAgreement: RateSchema,
  counts: Type.Object({ created: Type.Integer(), assignments: Type.Integer(), replied: Type.Integer(), closed: Type.Integer(), callbacks: Type.Integer() }),
});
export const MetricsReply = Type.Object({ from: DateTime, to: DateTime, unitCode: Nullable(Type.String()), metrics: MetricsSchema });
export const ScorecardsReply = Type.Object({
  from: DateTime,
  to: DateTime,
  items: Type.Array(Type.Object({ unitCode: Type.String(), unitName: Type.String(), metrics: MetricsSchema })),
});
export const PeriodQuery = Type.Object(
  { from: Type.Optional(DateTime), to: Type.Optional(DateTime), unitCode: Type.Optional(UnitCode) },
  { additionalProperties: false },
);

// ---------------------------------------------------------------- action bodies

const obj = <P extends Parameters<typeof Type.Object>[0]>(p: P) => Type.Object(p, { additionalProperties: false });

export const DispatchBody = obj({ leadUnitCode: UnitCode, coUnitCodes: Type.Optional(Type.Array(UnitCode, { maxItems: 10 })), note: Type.Optional(Note) });
export type DispatchBody = Static<typeof DispatchBody>;
export const NoteBody = obj({ note: Type.Optional(Note) });
export const ReplyBody = obj({ reply: Type.String({ minLength: 2, maxLength: 4000 }) });
export const ReturnBody = obj({
  reason: Type.String({ minLength: 2, maxLength: 2000 }),
  /** 退单依据: the duty (三定/权责清单) or the law that puts the matter outside the unit's remit. */
  basis: obj({ kind: Type.Enum(['duty', 'law']), citation: Type.String({ minLength: 2, maxLength: 500 }) }),
  suggestedUnitCode: Type.Optional(UnitCode),
});
export type ReturnBody = Static<typeof ReturnBody>;
export const ExtensionRequestBody = obj({ days: Type.Integer({ minimum: 1, maximum: 15 }), reason: Type.String({ minLength: 2, maxLength: 2000 }) });
export const ExtensionDecisionBody = obj({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 15 })), note: Type.Optional(Note) });
export const CoHandlingRequestBody = obj({ unitCodes: Type.Array(UnitCode, { minItems: 1, maxItems: 10 }), reason: Type.String({ minLength: 2, maxLength: 2000 }) });
export const CoUnitsBody = obj({ unitCodes: Type.Array(UnitCode, { minItems: 1, maxItems: 10 }), note: Type.Optional(Note) });
export const OpinionBody = obj({ opinion: Type.String({ minLength: 2, maxLength: 4000 }) });
export const SuperviseBody = obj({ level: Type.Integer({ minimum: 1, maximum: 3, description: '1 督办, 2 重点督办, 3 挂牌督办' }), note: Note });
export const ReportBody = obj({ note: Note, to: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) });
export const MergeBody = obj({ intoId: Type.String({ format: 'uuid' }), note: Type.Optional(Note) });
export const SplitBody = obj({
  parts: Type.Array(
    obj({ description: Type.String({ minLength: 1, maxLength: 4000 }), categoryCode: CategoryCode, kind: Type.Optional(Kind), address: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })) }),
    { minItems: 2, maxItems: 5 },
  ),
  note: Type.Optional(Note),
});
export type SplitBody = Static<typeof SplitBody>;
export const TransferBody = obj({ to: TransferTarget, note: Type.Optional(Note) });
export const AnswerBody = obj({
  answer: Type.String({ minLength: 2, maxLength: 4000 }),
  article: Type.Optional(obj({ id: Type.String({ minLength: 1, maxLength: 64 }), version: Type.Integer({ minimum: 1 }) })),
});
export type AnswerBody = Static<typeof AnswerBody>;
export const CallbackBody = obj({
  isReached: Type.Boolean(),
  isResolved: Type.Optional(Type.Boolean()),
  satisfaction: Type.Optional(Satisfaction),
  note: Type.Optional(Note),
});
export type CallbackBody = Static<typeof CallbackBody>;
export const RedoBody = obj({ note: Note, leadUnitCode: Type.Optional(UnitCode) });
export const RateBody = obj({ level: Type.Integer({ minimum: 1, maximum: 5, description: 'GB/T 39734 A.8: 1 非常满意 … 5 非常不满意' }), comment: Type.Optional(Type.String({ maxLength: 500 })) });
export const PublicRateBody = obj({
  number: Type.String({ minLength: 5, maxLength: 32 }),
  phone: Type.String({ minLength: 5, maxLength: 20 }),
  level: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Type.Optional(Type.String({ maxLength: 500 })),
});
export const LookupBody = obj({ number: Type.String({ minLength: 5, maxLength: 32 }), phone: Type.String({ minLength: 5, maxLength: 20 }) });
export const RevealBody = obj({ reason: Type.String({ minLength: 2, maxLength: 200 }) });
export const CallerLookupBody = obj({ phone: Type.String({ minLength: 5, maxLength: 20 }) });
export const SuggestQuery = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 2000 }),
    address: Type.Optional(Type.String({ maxLength: 300 })),
    categoryCode: Type.Optional(CategoryCode),
    streetCode: Type.Optional(UnitCode),
  },
  { additionalProperties: false },
);
export const ListQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'words that must all appear in the description or address, or the start of an order number' }),
    ),
    status: Type.Optional(Type.Enum(['open', 'finished', ...STATUSES], { description: "open, finished (closed, archived, merged, split or transferred), or one status" })),
    categoryCode: Type.Optional(CategoryCode),
    unitCode: Type.Optional(UnitCode),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
  },
  { additionalProperties: false },
);

export const Photo = Type.Object({
  id: Type.String({ format: 'uuid' }),
  sha256: Type.String(),
  size: Type.Integer(),
  mediaType: Type.String(),
  fileName: Type.Union([Type.String(), Type.Null()]),
});
