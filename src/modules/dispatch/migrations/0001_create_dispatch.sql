-- Intelligent dispatch (智能派单): what history teaches, the models trained on it, and what became of
-- each dispatch. The catalogue itself (duties, gazetteer, rules) stays in the org schema.
CREATE SCHEMA IF NOT EXISTS dispatch;

-- 训练样本: one per hotline work order (its latest signal wins: a re-dispatch replaces the first
-- dispatch, the close replaces both), or one per imported history line / administrator's example.
CREATE TABLE dispatch.training_example (
  id             uuid PRIMARY KEY,
  text           text NOT NULL,
  unit_code      text NOT NULL,
  street_code    text,
  source         text NOT NULL CHECK (source IN ('history', 'dispatch', 'correction', 'closed', 'manual')),
  work_order_id  text UNIQUE,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
-- Processes pick up examples added since they last looked, in this order.
CREATE INDEX training_example_updated_idx ON dispatch.training_example (updated_at, id);

-- 模型快照: every trained model, numbered; the highest number is in use.
CREATE TABLE dispatch.model_snapshot (
  version            integer PRIMARY KEY,
  id                 uuid NOT NULL UNIQUE,
  created_at         timestamptz NOT NULL,
  reason             text NOT NULL,
  trained_on         integer NOT NULL,
  catalogue_version  text NOT NULL,
  threshold          double precision,
  target_precision   double precision NOT NULL,
  -- Figures on held-out folds of the history: top1, top3, autoPrecision, autoCoverage, examples.
  held_out           jsonb,
  train_ms           integer NOT NULL,
  body               bytea NOT NULL
);

-- 派单结果: each dispatched order's suggestion and fate, for 派单准确率 and the auto-dispatch precision
-- actually achieved in production.
CREATE TABLE dispatch.outcome (
  work_order_id     text PRIMARY KEY,
  suggested_unit    text,
  chosen_unit       text NOT NULL,
  final_unit        text NOT NULL,
  is_auto           boolean NOT NULL,
  is_redispatched   boolean NOT NULL DEFAULT false,
  is_return_upheld  boolean NOT NULL DEFAULT false,
  dispatched_at     timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);
CREATE INDEX outcome_dispatched_idx ON dispatch.outcome (dispatched_at);
