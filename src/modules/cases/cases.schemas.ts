import { Type, type TSchema } from 'typebox';
import { STATES, ACTIONS } from './cases.transitions.ts';

// The cases API's shapes. Bodies are strict (unknown fields refused); replies list every field.

const N = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const DateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (local date, UTC+8)' });
const Instant = Type.String({ format: 'date-time' });
const Code = Type.String({ pattern: '^[0-9A-Z]{4,40}$' });
const MaterialKey = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const Text = (max = 2000) => Type.String({ minLength: 1, maxLength: max });

export const CaseId = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const CaseMaterialParams = Type.Object({ id: Type.String({ format: 'uuid' }), key: MaterialKey });
export const CaseFileParams = Type.Object({ id: Type.String({ format: 'uuid' }), materialId: Type.String({ format: 'uuid' }) });
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ pattern: '^[\\w.:-]{8,100}$', description: 'A retried request with the same key returns the first result instead of a second case' })),
});

const FormValues = Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }), Type.Union([Type.String({ maxLength: 2000 }), Type.Number()]), {
  description: 'values keyed by the item’s (or bundle’s) form field keys',
});

export const Applicant = Type.Object(
  {
    type: Type.Union([Type.Literal('person'), Type.Literal('organisation')]),
    name: Text(200),
    idType: Type.Optional(Type.Union([Type.Literal('id_card'), Type.Literal('uscc'), Type.Literal('passport'), Type.Literal('other')])),
    idNumber: Type.Optional(Type.String({ minLength: 4, maxLength: 40 })),
    phone: Type.Optional(Type.String({ minLength: 5, maxLength: 30 })),
  },
  { additionalProperties: false },
);

export const CreateCaseBody = Type.Object(
  {
    itemCode: Type.Optional(Code),
    bundleCode: Type.Optional(Code),
    optionalItems: Type.Optional(Type.Array(Code, { maxItems: 20 })),
    channel: Type.Union([Type.Literal('online'), Type.Literal('window'), Type.Literal('mail')], { description: 'online: citizens and enterprises; window and mail: registered by a clerk' }),
    applicant: Type.Optional(Applicant),
    form: Type.Optional(FormValues),
    receivingUnitCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'window/mail: the unit whose one window takes it (default: the clerk’s)' })),
    mailTracking: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  },
  { additionalProperties: false },
);

export const UpdateDraftBody = Type.Object(
  {
    form: Type.Optional(FormValues),
    applicant: Type.Optional(Applicant),
    optionalItems: Type.Optional(Type.Array(Code, { maxItems: 20 })),
    mailTracking: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  },
  { additionalProperties: false },
);

export const AddMaterialBody = Type.Object(
  {
    source: Type.Union([Type.Literal('reuse'), Type.Literal('paper')], { description: 'reuse: 材料复用 of an earlier file of the applicant; paper: original checked at the window' }),
    materialId: Type.Optional(Type.String({ format: 'uuid' })),
    note: Type.Optional(Text(500)),
  },
  { additionalProperties: false },
);

export const CorrectionBody = Type.Object(
  {
    items: Type.Array(Type.Object({ materialKey: Type.Optional(MaterialKey), note: Text(1000) }, { additionalProperties: false }), { maxItems: 50 }),
    note: Type.Optional(Text(2000)),
  },
  { additionalProperties: false },
);
export const AcceptDeferredBody = Type.Object(
  { materials: Type.Array(MaterialKey, { minItems: 1, maxItems: 20 }), commitmentDueOn: DateText, commitment: Text(1000) },
  { additionalProperties: false },
);
export const RefuseBody = Type.Object({ reasons: Type.Array(Text(1000), { maxItems: 20 }), remedies: Type.Optional(Text(1000)) }, { additionalProperties: false });
export const OpinionBody = Type.Object({ opinion: Text(2000) }, { additionalProperties: false });
export const SuspendBody = Type.Object(
  {
    procedureCode: Type.String({ pattern: '^[0-9]$', description: 'A.7 code (2: 听证、检验、检测、检疫、鉴定、专家评审、实地核查 …)' }),
    procedureName: Text(100),
    reason: Text(1000),
  },
  { additionalProperties: false },
);
export const ResumeBody = Type.Object({ outcome: Text(1000) }, { additionalProperties: false });
export const ExtendBody = Type.Object({ days: Type.Integer({ minimum: 1, maximum: 60 }), reason: Text(1000), approvedBy: Text(100) }, { additionalProperties: false });
export const DecideBody = Type.Object(
  { decision: Type.Union([Type.Literal('granted'), Type.Literal('refused')]), reasons: Type.Optional(Type.Array(Text(1000), { maxItems: 20 })), summary: Type.Optional(Text(2000)) },
  { additionalProperties: false },
);
export const CompleteBody = Type.Object(
  { result: Type.Optional(Type.Object({ summary: Type.Optional(Text(2000)), licenceName: Type.Optional(Text(200)), licenceNumber: Type.Optional(Text(100)) }, { additionalProperties: false })) },
  { additionalProperties: false },
);
export const DeliverBody = Type.Object(
  {
    method: Type.Union([Type.Literal('window'), Type.Literal('post'), Type.Literal('e_licence')]),
    trackingNumber: Type.Optional(Text(60)),
    licenceNumber: Type.Optional(Text(100)),
    recipient: Type.Optional(Text(100)),
  },
  { additionalProperties: false },
);
export const ReasonBody = Type.Object({ reason: Text(1000) }, { additionalProperties: false });
export const OptionalReasonBody = Type.Object({ reason: Type.Optional(Text(1000)) }, { additionalProperties: false });
export const EmptyBody = Type.Object({}, { additionalProperties: false });

const State = Type.Enum([...STATES]);

export const MaterialFile = Type.Object({
  id: Type.String(),
  source: Type.String({ description: 'upload · reuse · paper · licence · shared_data · item_result' }),
  fileName: N(Type.String()),
  sha256: N(Type.String()),
  size: N(Type.Integer()),
  mediaType: N(Type.String()),
  reference: N(Type.String()),
  reusedFrom: N(Type.String()),
  addedAt: Instant,
});

export const MaterialStatus = Type.Object({
  key: Type.String(),
  name: Type.String(),
  isRequired: Type.Boolean(),
  condition: N(Type.String()),
  isDeferrable: Type.Boolean(),
  sourceKind: Type.String({ description: 'applicant · licence (电子证照) · shared_data (共享数据) · item_result' }),
  reference: N(Type.String()),
  isSatisfied: Type.Boolean(),
  isDeferred: Type.Boolean(),
  files: Type.Array(MaterialFile),
});

export const CaseSummary = Type.Object({
  id: Type.String(),
  number: N(Type.String()),
  kind: Type.String(),
  parentId: N(Type.String()),
  channel: Type.String(),
  state: State,
  stateLabel: Type.String(),
  title: Type.String(),
  itemCode: N(Type.String()),
  bundleCode: N(Type.String()),
  handlingUnitCode: Type.String(),
  receivingUnitCode: Type.String(),
  submittedAt: N(Instant),
  acceptedOn: N(DateText),
  promisedDueOn: N(DateText),
  legalDueOn: N(DateText),
  warningLevel: Type.String(),
  isOverdue: Type.Boolean(),
  currentStep: N(Type.Integer()),
  updatedAt: Instant,
});

export const CaseView = Type.Object({
  id: Type.String(),
  number: N(Type.String()),
  kind: Type.String({ description: 'single · bundle (一件事 parent) · bundle_item' }),
  parentId: N(Type.String()),
  channel: Type.String(),
  state: State,
  stateLabel: Type.String(),
  title: Type.String(),
  itemCode: N(Type.String()),
  itemVersionId: N(Type.String()),
  bundleCode: N(Type.String()),
  bundleVersionId: N(Type.String()),
  chosenItems: Type.Array(Type.String()),
  dependsOn: Type.Array(Type.String()),
  handlingUnitCode: Type.String(),
  receivingUnitCode: Type.String(),
  applicant: Type.Object({
    accountId: N(Type.String()),
    type: Type.String(),
    name: Type.String({ description: 'masked for staff (张**); full for the applicant and the reveal route' }),
    idType: N(Type.String()),
    idNumber: N(Type.String()),
    phone: N(Type.String()),
  }),
  form: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
  mailTracking: N(Type.String()),
  createdAt: Instant,
  submittedAt: N(Instant),
  receivedAt: N(Instant),
  acceptedAt: N(Instant),
  acceptedOn: N(DateText),
  isDeemedAccepted: Type.Boolean(),
  correctionNoticeDueOn: N(DateText),
  correctionSentAt: N(Instant),
  deferredMaterials: Type.Array(Type.String()),
  commitmentDueOn: N(DateText),
  isCommitmentOverdue: Type.Boolean(),
  deadlines: Type.Object({
    legalDueOn: N(DateText),
    promisedDueOn: N(DateText),
    deliveryDueOn: N(DateText),
    remainingWorkingDays: N(Type.Integer()),
    warningLevel: Type.String({ description: 'none · green · yellow (1–2 working days left) · red (due today or late) · paused' }),
    isOverdue: Type.Boolean(),
    isLegalOverdue: Type.Boolean(),
    extensionDays: Type.Integer(),
    explanation: Type.Array(Type.String(), { description: 'how each due date was computed, line by line' }),
    clockStops: Type.Array(
      Type.Object({ id: Type.String(), procedureCode: Type.String(), procedureName: Type.String(), reason: Type.String(), startedOn: DateText, endedOn: N(DateText), outcome: N(Type.String()) }),
    ),
  }),
  steps: Type.Array(Type.Object({ key: Type.String(), name: Type.String(), role: Type.String(), status: Type.String() })),
  currentStep: N(Type.Integer()),
  decision: N(Type.String()),
  decidedOn: N(DateText),
  result: N(Type.Record(Type.String(), Type.Unknown())),
  completedOn: N(DateText),
  deliveryMethod: N(Type.String()),
  delivery: N(Type.Record(Type.String(), Type.Unknown())),
  closedReason: N(Type.String()),
  materials: Type.Array(MaterialStatus),
  children: Type.Array(
    Type.Object({
      id: Type.String(),
      number: N(Type.String()),
      itemCode: N(Type.String()),
      title: Type.String(),
      state: State,
      stateLabel: Type.String(),
      handlingUnitCode: Type.String(),
      promisedDueOn: N(DateText),
      decision: N(Type.String()),
    }),
  ),
  timeline: Type.Array(
    Type.Object({
      action: Type.String(),
      label: Type.String(),
      fromState: N(Type.String()),
      toState: Type.String(),
      stepKey: N(Type.String()),
      actor: N(Type.String()),
      data: Type.Record(Type.String(), Type.Unknown()),
      at: Instant,
    }),
  ),
  availableActions: Type.Array(Type.Enum([...ACTIONS]), { description: 'what the caller may do next (drives the workbench buttons)' }),
  updatedAt: Instant,
});

export const CaseList = Type.Object({ total: Type.Integer(), items: Type.Array(CaseSummary) });

export const CaseListQuery = Type.Object(
  {
    queue: Type.Optional(Type.Union([Type.Literal('mine'), Type.Literal('intake'), Type.Literal('review'), Type.Literal('all')], { description: 'mine: my applications; intake: waiting for the window; review: my steps; all: every case I may see' })),
    state: Type.Optional(State),
    warning: Type.Optional(Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red'), Type.Literal('paused')])),
    overdue: Type.Optional(Type.Boolean()),
    itemCode: Type.Optional(Code),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const ReusableMaterial = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  fileName: N(Type.String()),
  sha256: Type.String(),
  size: Type.Integer(),
  mediaType: Type.String(),
  caseNumber: N(Type.String()),
  addedAt: Instant,
});

export const Notification = Type.Object({
  id: Type.String(),
  caseId: N(Type.String()),
  caseNumber: N(Type.String()),
  kind: Type.String(),
  title: Type.String(),
  body: Type.String(),
  createdAt: Instant,
  readAt: N(Instant),
});

const RatioSchema = Type.Object({ numerator: Type.Number(), denominator: Type.Number(), rate: N(Type.Number()) });
export const MetricsReply = Type.Object({
  filter: Type.Object({ unitCode: Type.Optional(Type.String()), from: Type.Optional(Type.String()), to: Type.Optional(Type.String()) }),
  catalogue: Type.Object({
    items: Type.Integer(),
    onlineAvailability: RatioSchema,
    zeroVisit: RatioSchema,
    atMostOneVisit: RatioSchema,
    onTheSpot: RatioSchema,
    timeLimitCompression: Type.Object({ numerator: Type.Number(), denominator: Type.Number(), rate: N(Type.Number()), counted: Type.Integer(), skipped: Type.Integer() }),
  }),
  cases: Type.Object({
    submitted: Type.Integer(),
    completed: Type.Integer(),
    onTimeCompletion: RatioSchema,
    averageWorkingDaysToCompletion: Type.Object({ average: N(Type.Number()), counted: Type.Integer() }),
    zeroVisitCases: RatioSchema,
  }),
});
export const MetricsQuery = Type.Object(
  { unitCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), from: Type.Optional(DateText), to: Type.Optional(DateText) },
  { additionalProperties: false },
);

export const RevealBody = Type.Object({ reason: Type.String({ minLength: 4, maxLength: 200 }) }, { additionalProperties: false });
export const SettingBody = Type.Object({ unitCode: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export const Attachment = Type.Object({ id: Type.String(), sha256: Type.String(), size: Type.Integer(), mediaType: Type.String(), fileName: N(Type.String()) });
