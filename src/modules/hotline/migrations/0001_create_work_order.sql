-- 12345 hotline: categories, work orders with their assignments, pending requests for the hotline
-- centre, the stop-the-clock ledger and the append-only event log the metrics are computed from.
CREATE SCHEMA IF NOT EXISTS hotline;

-- 工单分类: a tree of subject categories with time limits and Open311 attributes.
CREATE TABLE hotline.category (
  code              text PRIMARY KEY,
  parent_code       text REFERENCES hotline.category (code),
  name              text NOT NULL,
  description       text NOT NULL DEFAULT '',
  -- Working days to finish; NULL takes the parent's, then the district default.
  time_limit_days   integer CHECK (time_limit_days BETWEEN 1 AND 60),
  -- The unit that usually handles it (org unit code): a hint for agents, not a rule.
  default_unit_code text,
  is_open_service   boolean NOT NULL DEFAULT false,
  -- Requests, complaints and reports in this category need a place (address or coordinates).
  is_location_required boolean NOT NULL DEFAULT false,
  -- Open311 attribute definitions: [{code, datatype, required, description, order, values?}].
  attributes        jsonb NOT NULL DEFAULT '[]'::jsonb,
  keywords          jsonb NOT NULL DEFAULT '[]'::jsonb,
  sort              integer NOT NULL DEFAULT 0,
  is_active         boolean NOT NULL DEFAULT true,
  updated_at        timestamptz NOT NULL
);
CREATE INDEX category_parent_idx ON hotline.category (parent_code);

-- One row per day: the daily sequence behind human-readable numbers (YX26112200001).
CREATE TABLE hotline.number_counter (
  day        date PRIMARY KEY,
  last_value integer NOT NULL
);

CREATE TABLE hotline.work_order (
  id                   uuid PRIMARY KEY,
  number               text NOT NULL UNIQUE,
  channel              text NOT NULL CHECK (channel IN ('phone', 'web', 'open311', 'app', 'sms', 'email', 'wechat')),
  kind                 text NOT NULL CHECK (kind IN ('consultation', 'request', 'complaint', 'report', 'suggestion', 'praise')),
  priority             text NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'urgent')),
  category_code        text NOT NULL REFERENCES hotline.category (code),
  description          text NOT NULL,
  address              text,
  latitude             double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude            double precision CHECK (longitude BETWEEN -180 AND 180),
  -- The street/town the matter is located in (org unit code), when known.
  street_code          text,
  attributes           jsonb NOT NULL DEFAULT '{}'::jsonb,
  attachment_ids       jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- Caller: personal data encrypted, the phone findable through its blind index.
  caller_name_enc      text,
  caller_phone_enc     text,
  caller_phone_hash    text,
  citizen_account_id   uuid,
  is_confidential      boolean NOT NULL DEFAULT false,
  status               text NOT NULL CHECK (status IN ('created', 'dispatched', 'signed', 'in_progress', 'returned', 'replied',
                                                       'callback', 'closed', 'archived', 'merged', 'split', 'transferred')),
  -- Where a refused return sends the order back to.
  status_before_return text,
  lead_unit_code       text,
  time_limit_days      integer NOT NULL,
  -- Deadlines: instants in time; the finish day is also kept as a date for display and counting.
  sign_due_at          timestamptz,
  sign_warn_at         timestamptz,
  sign_signal          text NOT NULL DEFAULT 'none' CHECK (sign_signal IN ('none', 'warned', 'overdue')),
  finish_due_on        date,
  finish_due_at        timestamptz,
  finish_warn_at       timestamptz,
  finish_signal        text NOT NULL DEFAULT 'none' CHECK (finish_signal IN ('none', 'warned', 'overdue')),
  paused_at            timestamptz,
  extended_days        integer NOT NULL DEFAULT 0,
  urge_count           integer NOT NULL DEFAULT 0,
  supervision_level    integer NOT NULL DEFAULT 0,
  is_reported          boolean NOT NULL DEFAULT false,
  redo_count           integer NOT NULL DEFAULT 0,
  -- What the dispatch advisor suggested at intake: {units: [{unitCode, score, explanation}], streetCode, autoDispatch}.
  suggestion           jsonb,
  -- Open orders that look like the same matter (merge suggestions): [{id, number, score}].
  duplicate_candidates jsonb NOT NULL DEFAULT '[]'::jsonb,
  merged_into          uuid REFERENCES hotline.work_order (id),
  split_from           uuid REFERENCES hotline.work_order (id),
  repeat_of            uuid REFERENCES hotline.work_order (id),
  redo_of              uuid REFERENCES hotline.work_order (id),
  transfer_to          text CHECK (transfer_to IN ('110', '119', '120', '122')),
  reply                text,
  replied_at           timestamptz,
  -- 直接答复办结: the knowledge base article the answer came from.
  article_id           text,
  article_version      integer,
  callback_at          timestamptz,
  is_callback_reached  boolean,
  is_resolved          boolean,
  satisfaction         text CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
  rating_level         integer CHECK (rating_level BETWEEN 1 AND 5),
  rating_comment       text,
  rated_at             timestamptz,
  closed_at            timestamptz,
  archived_at          timestamptz,
  created_by           text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL
);
CREATE INDEX work_order_status_idx ON hotline.work_order (status, created_at);
CREATE INDEX work_order_created_idx ON hotline.work_order (created_at);
CREATE INDEX work_order_street_idx ON hotline.work_order (street_code, created_at);
CREATE INDEX work_order_phone_idx ON hotline.work_order (caller_phone_hash, created_at);
CREATE INDEX work_order_citizen_idx ON hotline.work_order (citizen_account_id, created_at);
CREATE INDEX work_order_closed_idx ON hotline.work_order (closed_at);
CREATE INDEX work_order_sign_warn_idx ON hotline.work_order (sign_warn_at) WHERE status = 'dispatched' AND sign_signal <> 'overdue';
CREATE INDEX work_order_finish_warn_idx ON hotline.work_order (finish_warn_at)
  WHERE status IN ('dispatched', 'signed', 'in_progress') AND finish_signal <> 'overdue';

-- The same submission (source × key) never creates two orders. The key is claimed first, before the
-- order exists (hence the deferred reference): a concurrent duplicate waits for it and finds it.
CREATE TABLE hotline.idempotency_key (
  source        text NOT NULL,
  key           text NOT NULL,
  order_id      uuid NOT NULL REFERENCES hotline.work_order (id) DEFERRABLE INITIALLY DEFERRED,
  request_hash  text NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (source, key)
);

-- 主办/协办: who handles an order. unit_path is the org path at assignment time (subtree checks).
CREATE TABLE hotline.assignment (
  id           uuid PRIMARY KEY,
  order_id     uuid NOT NULL REFERENCES hotline.work_order (id),
  unit_code    text NOT NULL,
  unit_path    text NOT NULL,
  role         text NOT NULL CHECK (role IN ('lead', 'co')),
  is_active    boolean NOT NULL DEFAULT true,
  assigned_at  timestamptz NOT NULL,
  ended_at     timestamptz,
  signed_at    timestamptz,
  opinion      text,
  opinion_at   timestamptz
);
CREATE INDEX assignment_order_idx ON hotline.assignment (order_id);
CREATE INDEX assignment_unit_idx ON hotline.assignment (unit_path text_pattern_ops) WHERE is_active;
CREATE UNIQUE INDEX assignment_active_unit_idx ON hotline.assignment (order_id, unit_code) WHERE is_active;

-- What waits for the hotline centre's decision: returns (退单), extensions (延期), co-handling requests.
CREATE TABLE hotline.pending_request (
  id            uuid PRIMARY KEY,
  order_id      uuid NOT NULL REFERENCES hotline.work_order (id),
  kind          text NOT NULL CHECK (kind IN ('return', 'extension', 'co_handling')),
  unit_code     text NOT NULL,
  state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'refused', 'withdrawn')),
  data          jsonb NOT NULL DEFAULT '{}'::jsonb,
  requested_at  timestamptz NOT NULL,
  requested_by  text,
  decided_at    timestamptz,
  decided_by    text,
  decision_note text
);
CREATE UNIQUE INDEX pending_request_open_idx ON hotline.pending_request (order_id, kind) WHERE state = 'pending';
CREATE INDEX pending_request_state_idx ON hotline.pending_request (state, requested_at);

-- Stop-the-clock ledger: intervals that do not count against the finish time limit.
CREATE TABLE hotline.clock_pause (
  id            uuid PRIMARY KEY,
  order_id      uuid NOT NULL REFERENCES hotline.work_order (id),
  reason        text NOT NULL CHECK (reason IN ('return_review')),
  started_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  working_days  integer
);
CREATE INDEX clock_pause_order_idx ON hotline.clock_pause (order_id);

-- Append-only log of every transition and deadline signal: the metrics are functions of it.
CREATE TABLE hotline.work_order_event (
  id           uuid PRIMARY KEY,
  order_id     uuid NOT NULL REFERENCES hotline.work_order (id),
  at           timestamptz NOT NULL,
  type         text NOT NULL,
  from_status  text,
  to_status    text,
  actor_kind   text NOT NULL,
  actor_id     text,
  actor_label  text,
  unit_code    text,
  data         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX work_order_event_order_idx ON hotline.work_order_event (order_id, at);
CREATE INDEX work_order_event_at_idx ON hotline.work_order_event (at);

CREATE FUNCTION hotline.refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'hotline.work_order_event is append-only';
END;
$$;
CREATE TRIGGER work_order_event_append_only BEFORE UPDATE OR DELETE ON hotline.work_order_event
  FOR EACH ROW EXECUTE FUNCTION hotline.refuse_event_change();
