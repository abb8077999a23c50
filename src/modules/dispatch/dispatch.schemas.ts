import { Type, type Static } from 'typebox';

// The dispatch API's shapes: what an agent sends and sees, what an administrator sees.

const UnitCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' });
const Ratio = Type.Number({ minimum: 0, maximum: 1 });
const NullableRatio = Type.Union([Ratio, Type.Null()]);

export const SuggestBody = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 4000, description: '诉求内容 as the citizen said it' }),
    address: Type.Optional(Type.String({ maxLength: 300, description: 'where the problem is, when given apart from the text' })),
    categoryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'the hotline category (工单分类), when known: a hint that re-ranks, and that stops auto-dispatch when it points elsewhere' })),
  },
  { additionalProperties: false },
);
export type SuggestBody = Static<typeof SuggestBody>;

export const RankedUnit = Type.Object({
  unitCode: Type.String(),
  unitName: Type.String(),
  score: Type.Number({ minimum: 0, maximum: 1, description: 'calibrated probability that this unit is right' }),
  explanation: Type.Array(Type.String(), { description: 'matched duty or rule, the street, similar past orders' }),
});

export const SuggestionResponse = Type.Object({
  units: Type.Array(RankedUnit, { description: 'best first' }),
  streetCode: Type.Union([Type.String(), Type.Null()]),
  location: Type.Object({
    streetCode: Type.Union([Type.String(), Type.Null()]),
    confidence: Ratio,
    explanation: Type.Array(Type.String()),
  }),
  autoDispatch: Type.Boolean({ description: 'true only above the threshold chosen for the target precision' }),
  autoReason: Type.String(),
  modelVersion: Type.Union([Type.Integer(), Type.Null()], { description: 'null: the cold-start model (no history yet)' }),
});
export type SuggestionResponse = Static<typeof SuggestionResponse>;

export const ExampleBody = Type.Object(
  {
    text: Type.String({ minLength: 2, maxLength: 4000 }),
    unitCode: UnitCode,
    streetCode: Type.Optional(Type.Union([UnitCode, Type.Null()])),
  },
  { additionalProperties: false },
);
export type ExampleBody = Static<typeof ExampleBody>;

export const ExampleRecorded = Type.Object({
  id: Type.String({ format: 'uuid' }),
  isNew: Type.Boolean(),
  isTrainingQueued: Type.Boolean(),
});

export const RetrainBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
export const RetrainQueued = Type.Object({ jobId: Type.Union([Type.String(), Type.Null()], { description: 'null: a retraining is already waiting' }) });

const HeldOut = Type.Union([
  Type.Object({
    examples: Type.Integer(),
    top1: Ratio,
    top3: Ratio,
    autoPrecision: NullableRatio,
    autoCoverage: Ratio,
  }),
  Type.Null(),
]);

export const DispatchStatus = Type.Object({
  model: Type.Object({
    version: Type.Union([Type.Integer(), Type.Null()]),
    kind: Type.Union([Type.Literal('trained'), Type.Literal('cold_start')]),
    trainedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
    trainedOn: Type.Integer(),
    trainMs: Type.Union([Type.Integer(), Type.Null()]),
    catalogueVersion: Type.String(),
    threshold: Type.Union([Type.Number(), Type.Null()], { description: 'auto-dispatch when the top score reaches it; null: never' }),
    targetPrecision: Ratio,
    temperature: Type.Number(),
    heldOut: HeldOut,
    remembered: Type.Integer({ description: 'orders in the similar-orders memory' }),
  }),
  examples: Type.Object({ total: Type.Integer(), sinceTraining: Type.Integer(), retrainAfter: Type.Integer() }),
  production: Type.Object({
    days: Type.Integer(),
    dispatched: Type.Integer(),
    redispatched: Type.Integer(),
    returnsUpheld: Type.Integer(),
    accuracy: Type.Union([Ratio, Type.Null()], { description: '派单准确率 = 1 − (退单 + 改派) / 派单' }),
    autoDispatched: Type.Integer(),
    autoAccuracy: NullableRatio,
    suggestionFollowed: NullableRatio,
  }),
  versions: Type.Array(
    Type.Object({
      version: Type.Integer(),
      trainedAt: Type.String({ format: 'date-time' }),
      reason: Type.String(),
      trainedOn: Type.Integer(),
      threshold: Type.Union([Type.Number(), Type.Null()]),
      heldOut: HeldOut,
    }),
  ),
});
export type DispatchStatus = Static<typeof DispatchStatus>;

export const TRAIN_MODEL_JOB = 'dispatch.train-model';
export const TrainModelPayload = Type.Object({ reason: Type.String() });
