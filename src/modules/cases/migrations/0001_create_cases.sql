-- 办件: applications against the catalogue's item versions, their lifecycle (行政许可法), materials
-- in content-addressed storage, stop-the-clock intervals, notifications and idempotency keys.
CREATE SCHEMA IF NOT EXISTS cases;

-- One row per local day: the daily sequence behind case numbers (YXBJ26011500001).
CREATE TABLE cases.number_counter (
  day         date PRIMARY KEY,
  last_value  integer NOT NULL
);

-- Module settings as rows: the unit whose one window (综合受理) receives online and mail applications.
CREATE TABLE cases.setting (
  key         text PRIMARY KEY,
  value       text NOT NULL,
  updated_at  timestamptz NOT NULL
);

CREATE TABLE cases.case (
  id                    uuid PRIMARY KEY,
  -- Assigned on submission; drafts have none.
  number                text UNIQUE,
  kind                  text NOT NULL CHECK (kind IN ('single', 'bundle', 'bundle_item')),
  parent_id             uuid REFERENCES cases.case (id),
  channel               text NOT NULL CHECK (channel IN ('online', 'window', 'mail')),
  state                 text NOT NULL,
  -- What the case follows: the item (or bundle) version pinned on submission, never changed after.
  item_code             text,
  item_version_id       uuid,
  bundle_code           text,
  bundle_version_id     uuid,
  title                 text NOT NULL,
  -- Optional bundle items the applicant chose (codes), and for a child its bundle dependencies.
  chosen_items          jsonb NOT NULL DEFAULT '[]'::jsonb,
  depends_on            jsonb NOT NULL DEFAULT '[]'::jsonb,
  handling_unit_code    text NOT NULL,
  handling_unit_path    text NOT NULL,
  receiving_unit_code   text NOT NULL,
  receiving_unit_path   text NOT NULL,
  -- The applicant: an account for online cases (and walk-ins who have one); personal data encrypted.
  applicant_account_id  uuid,
  applicant_type        text NOT NULL CHECK (applicant_type IN ('person', 'organisation')),
  applicant_name_enc    text NOT NULL,
  applicant_id_type     text,
  applicant_id_enc      text,
  applicant_id_hash     text,
  applicant_phone_enc   text,
  -- The application form, encrypted as one JSON document (it holds names, ID numbers, addresses).
  form_enc              text NOT NULL,
  mail_tracking         text,
  created_by            uuid,
  created_at            timestamptz NOT NULL,
  submitted_at          timestamptz,
  -- 收件: when the application (or its completed correction) was received; Art. 32 counts from here.
  received_at           timestamptz,
  correction_notice_due_on date,
  correction_sent_at    timestamptz,
  accepted_at           timestamptz,
  accepted_on           date,
  is_deemed_accepted    boolean NOT NULL DEFAULT false,
  -- 容缺受理: material keys accepted missing, against a commitment to bring them by this day.
  deferred_materials    jsonb NOT NULL DEFAULT '[]'::jsonb,
  commitment_due_on     date,
  is_commitment_overdue boolean NOT NULL DEFAULT false,
  current_step          integer,
  legal_due_on          date,
  promised_due_on       date,
  delivery_due_on       date,
  extension_days        integer NOT NULL DEFAULT 0,
  deadline_explanation  jsonb NOT NULL DEFAULT '[]'::jsonb,
  warning_level         text NOT NULL DEFAULT 'none' CHECK (warning_level IN ('none', 'green', 'yellow', 'red', 'paused')),
  is_overdue            boolean NOT NULL DEFAULT false,
  is_legal_overdue      boolean NOT NULL DEFAULT false,
  decision              text CHECK (decision IN ('granted', 'refused', 'partial')),
  decided_at            timestamptz,
  decided_on            date,
  result                jsonb,
  completed_at          timestamptz,
  completed_on          date,
  delivery_method       text CHECK (delivery_method IN ('window', 'post', 'e_licence')),
  delivery              jsonb,
  delivered_at          timestamptz,
  closed_reason         text,
  updated_at            timestamptz NOT NULL,
  CHECK ((state = 'draft') = (number IS NULL)),
  CHECK ((kind = 'bundle_item') = (parent_id IS NOT NULL)),
  CHECK (kind = 'bundle' OR item_code IS NOT NULL)
);
CREATE INDEX case_parent_idx ON cases.case (parent_id);
CREATE INDEX case_applicant_idx ON cases.case (applicant_account_id, created_at DESC);
CREATE INDEX case_state_idx ON cases.case (state);
CREATE INDEX case_handling_idx ON cases.case (handling_unit_path text_pattern_ops);
CREATE INDEX case_receiving_idx ON cases.case (receiving_unit_path text_pattern_ops);

-- The timeline: every transition with who, when and what (notices carry their full text).
CREATE TABLE cases.case_event (
  id           uuid PRIMARY KEY,
  case_id      uuid NOT NULL REFERENCES cases.case (id),
  action       text NOT NULL,
  from_state   text,
  to_state     text NOT NULL,
  step_key     text,
  actor_kind   text NOT NULL,
  actor_id     text,
  actor_label  text,
  data         jsonb NOT NULL DEFAULT '{}'::jsonb,
  at           timestamptz NOT NULL
);
CREATE INDEX case_event_case_idx ON cases.case_event (case_id, at);

-- 特别程序 (Art. 45): intervals that stop the clock. An open row (ended_at NULL) means suspended now.
CREATE TABLE cases.clock_stop (
  id               uuid PRIMARY KEY,
  case_id          uuid NOT NULL REFERENCES cases.case (id),
  procedure_code   text NOT NULL,
  procedure_name   text NOT NULL,
  reason           text NOT NULL,
  started_at       timestamptz NOT NULL,
  started_on       date NOT NULL,
  ended_at         timestamptz,
  ended_on         date,
  outcome          text,
  started_by       text,
  ended_by         text
);
CREATE INDEX clock_stop_case_idx ON cases.clock_stop (case_id);
CREATE UNIQUE INDEX clock_stop_open_idx ON cases.clock_stop (case_id) WHERE ended_at IS NULL;

-- Content-addressed files: one row per distinct content, stored under its SHA-256.
CREATE TABLE cases.file (
  sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size        bigint NOT NULL CHECK (size >= 0),
  media_type  text NOT NULL,
  storage     text NOT NULL,
  created_at  timestamptz NOT NULL
);

-- A material of a case: an uploaded or reused file, a paper original checked at the window, or a
-- document the government already holds (e-licence, shared data, another item's result).
CREATE TABLE cases.material (
  id             uuid PRIMARY KEY,
  case_id        uuid NOT NULL REFERENCES cases.case (id),
  material_key   text NOT NULL,
  material_name  text NOT NULL,
  source         text NOT NULL CHECK (source IN ('upload', 'reuse', 'paper', 'licence', 'shared_data', 'item_result')),
  file_sha256    text REFERENCES cases.file (sha256),
  file_name      text,
  reused_from    uuid REFERENCES cases.material (id),
  reference      text,
  owner_account_id uuid,
  is_current     boolean NOT NULL DEFAULT true,
  added_by       text,
  added_at       timestamptz NOT NULL,
  CHECK ((source IN ('upload', 'reuse')) = (file_sha256 IS NOT NULL))
);
CREATE INDEX material_case_idx ON cases.material (case_id, material_key);
CREATE INDEX material_owner_idx ON cases.material (owner_account_id, material_key) WHERE file_sha256 IS NOT NULL;

-- Files attached outside a case (the hotline's photos): owner and hash only.
CREATE TABLE cases.attachment (
  id                uuid PRIMARY KEY,
  purpose           text NOT NULL,
  file_sha256       text NOT NULL REFERENCES cases.file (sha256),
  file_name         text,
  owner_account_id  uuid,
  created_at        timestamptz NOT NULL
);

CREATE TABLE cases.idempotency_key (
  source        text NOT NULL,
  key           text NOT NULL,
  -- Deferred: the key is claimed first, in the same transaction that then creates the case.
  case_id       uuid NOT NULL REFERENCES cases.case (id) DEFERRABLE INITIALLY DEFERRED,
  request_hash  text NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (source, key)
);

-- Notifications: the in-app inbox is this table; SMS and email go through adapters and are logged here.
CREATE TABLE cases.notification (
  id          uuid PRIMARY KEY,
  account_id  uuid,
  case_id     uuid REFERENCES cases.case (id),
  channel     text NOT NULL CHECK (channel IN ('inbox', 'sms', 'email')),
  kind        text NOT NULL,
  title       text NOT NULL,
  body        text NOT NULL,
  status      text NOT NULL CHECK (status IN ('stored', 'sent', 'failed')),
  -- The outbox event the notice was made from: a redelivered event never notifies twice.
  event_id    bigint,
  created_at  timestamptz NOT NULL,
  read_at     timestamptz
);
CREATE INDEX notification_account_idx ON cases.notification (account_id, created_at DESC);
CREATE UNIQUE INDEX notification_event_idx ON cases.notification (event_id, channel) WHERE event_id IS NOT NULL;
