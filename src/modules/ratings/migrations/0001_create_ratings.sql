-- 好差评: what can be rated (filled from other modules' events), the ratings, the indicator sets the
-- administrator chooses, the hall tablets, and the bad-review (差评) rectification loop with its log.
CREATE SCHEMA IF NOT EXISTS ratings;

-- The district's time limits for the bad-review loop, in working days (one row).
CREATE TABLE ratings.settings (
  id                  integer PRIMARY KEY CHECK (id = 1),
  classify_days       integer NOT NULL DEFAULT 1 CHECK (classify_days BETWEEN 1 AND 30),
  verify_days         integer NOT NULL DEFAULT 2 CHECK (verify_days BETWEEN 1 AND 30),
  rectify_days        integer NOT NULL DEFAULT 5 CHECK (rectify_days BETWEEN 1 AND 60),
  feedback_days       integer NOT NULL DEFAULT 1 CHECK (feedback_days BETWEEN 1 AND 30),
  appeal_review_days  integer NOT NULL DEFAULT 3 CHECK (appeal_review_days BETWEEN 1 AND 30),
  -- How long after a window finishes a ticket its tablet keeps asking for the rating.
  prompt_minutes      integer NOT NULL DEFAULT 10 CHECK (prompt_minutes BETWEEN 1 AND 120),
  -- How long an invitation link (QR code, SMS) stays valid.
  invitation_days     integer NOT NULL DEFAULT 30 CHECK (invitation_days BETWEEN 1 AND 365),
  updated_at          timestamptz,
  updated_by          uuid
);
INSERT INTO ratings.settings (id) VALUES (1);

-- 评价指标: a numbered version per set ('online' for cases and work orders, 'hall' for windows).
-- A version is never edited; the administrator adds one and activates it. Ratings keep the version.
CREATE TABLE ratings.indicator_set (
  id            uuid PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('online', 'hall')),
  version       integer NOT NULL CHECK (version >= 1),
  -- [{"code":"overall","name":"总体评价"}, …]; 'overall' is always first.
  indicators    jsonb NOT NULL,
  status        text NOT NULL CHECK (status IN ('draft', 'active', 'retired')),
  note          text,
  created_at    timestamptz NOT NULL,
  created_by    uuid,
  activated_at  timestamptz,
  retired_at    timestamptz,
  UNIQUE (kind, version)
);
CREATE UNIQUE INDEX indicator_set_one_active_idx ON ratings.indicator_set (kind) WHERE status = 'active';
-- Version 1 of both sets (fixed ids: reference data, the same on every database).
INSERT INTO ratings.indicator_set (id, kind, version, indicators, status, note, created_at, activated_at) VALUES
  ('00000000-0000-7000-8000-000000000001', 'online', 1,
   '[{"code":"overall","name":"总体评价"},{"code":"efficiency","name":"办事效率"},{"code":"guide_accuracy","name":"办事指南准确性"},{"code":"convenience","name":"办事便捷程度"},{"code":"usability","name":"平台易用性"}]',
   'active', '默认网上评价指标', now(), now()),
  ('00000000-0000-7000-8000-000000000002', 'hall', 1,
   '[{"code":"overall","name":"总体评价"},{"code":"efficiency","name":"办事效率"},{"code":"competence","name":"业务能力"},{"code":"attitude","name":"服务态度"}]',
   'active', '默认大厅评价指标', now(), now());

-- One service occasion: a ticket served at a window, a work order called back, a case completed.
-- Its invitation code is the bearer secret behind the QR code and SMS link (low value: it lets
-- someone rate this one occasion, and only on the link channels).
CREATE TABLE ratings.occasion (
  id                uuid PRIMARY KEY,
  kind              text NOT NULL CHECK (kind IN ('ticket', 'work_order', 'case')),
  source_id         text NOT NULL,
  label             text NOT NULL,
  indicator_kind    text NOT NULL CHECK (indicator_kind IN ('online', 'hall')),
  -- The person served, when the source knows the account.
  rater_account_id  uuid,
  -- Who did the work: this account may not rate the occasion.
  staff_account_id  uuid,
  window_id         uuid,
  invite_code       text NOT NULL UNIQUE,
  invite_expires_at timestamptz NOT NULL,
  occurred_at       timestamptz NOT NULL,
  created_at        timestamptz NOT NULL,
  UNIQUE (kind, source_id)
);
CREATE INDEX occasion_window_idx ON ratings.occasion (window_id, occurred_at DESC);
CREATE INDEX occasion_rater_idx ON ratings.occasion (rater_account_id, occurred_at DESC);

-- What can be rated on an occasion: the case or work order itself, the window, the staff member,
-- the item, the department. Dimensions are copied so ratings can be counted per department, item
-- and window without reaching into other modules.
CREATE TABLE ratings.rateable (
  id                uuid PRIMARY KEY,
  occasion_id       uuid NOT NULL REFERENCES ratings.occasion (id),
  object_type       text NOT NULL CHECK (object_type IN ('case', 'work_order', 'window', 'staff', 'item', 'department')),
  object_id         text NOT NULL,
  object_name       text NOT NULL,
  unit_id           uuid,
  unit_code         text,
  unit_path         text,
  unit_name         text,
  item_code         text,
  item_name         text,
  window_id         uuid,
  window_name       text,
  created_at        timestamptz NOT NULL,
  UNIQUE (occasion_id, object_type, object_id)
);
CREATE INDEX rateable_object_idx ON ratings.rateable (object_type, object_id);

-- 评价. level follows GB/T 39734 A.8: 1 非常满意 … 5 非常不满意; 4 and 5 are bad reviews (差评).
-- follow_up_no 0 is the rating itself, 1, 2 … the follow-up ratings (追评).
CREATE TABLE ratings.rating (
  id                  uuid PRIMARY KEY,
  rateable_id         uuid NOT NULL REFERENCES ratings.rateable (id),
  occasion_id         uuid NOT NULL REFERENCES ratings.occasion (id),
  object_type         text NOT NULL,
  channel             text NOT NULL CHECK (channel IN ('web', 'mobile', 'qr', 'tablet', 'phone', 'sms')),
  follow_up_no        integer NOT NULL DEFAULT 0 CHECK (follow_up_no >= 0),
  level               integer NOT NULL CHECK (level BETWEEN 1 AND 5),
  is_bad              boolean NOT NULL,
  indicator_set_id    uuid REFERENCES ratings.indicator_set (id),
  -- {"overall":2,"efficiency":1,…}: each indicator on the same five levels.
  scores              jsonb NOT NULL,
  comment             text,
  rater_account_id    uuid,
  contact_name_enc    text,
  contact_phone_enc   text,
  -- Staff who recorded a rating given on the phone.
  recorded_by         uuid,
  -- False once an appeal showed the review mistaken or false: it no longer counts.
  is_valid            boolean NOT NULL DEFAULT true,
  unit_id             uuid,
  unit_name           text,
  item_code           text,
  item_name           text,
  window_id           uuid,
  window_name         text,
  created_at          timestamptz NOT NULL
);
-- One rating per object per channel; follow-ups numbered per object.
CREATE UNIQUE INDEX rating_once_per_channel_idx ON ratings.rating (rateable_id, channel) WHERE follow_up_no = 0;
CREATE UNIQUE INDEX rating_follow_up_no_idx ON ratings.rating (rateable_id, follow_up_no) WHERE follow_up_no > 0;
CREATE INDEX rating_occasion_idx ON ratings.rating (occasion_id);
CREATE INDEX rating_created_idx ON ratings.rating (created_at);

-- 评价器: a tablet paired with one window; only the key's hash is kept.
CREATE TABLE ratings.tablet (
  id          uuid PRIMARY KEY,
  window_id   uuid NOT NULL,
  label       text NOT NULL,
  key_hash    text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL,
  created_by  uuid,
  revoked_at  timestamptz
);
CREATE INDEX tablet_window_idx ON ratings.tablet (window_id);

-- 差评整改: one per bad rating. step_due_on is the working day the current step must be done by.
CREATE TABLE ratings.bad_review (
  id                     uuid PRIMARY KEY,
  rating_id              uuid NOT NULL UNIQUE REFERENCES ratings.rating (id),
  number                 text NOT NULL UNIQUE,
  state                  text NOT NULL CHECK (state IN ('submitted', 'classified', 'rectifying', 'rectified', 'explained', 'fed_back', 'rerated', 'appealed', 'invalidated', 'closed')),
  state_before_appeal    text,
  category               text CHECK (category IN ('attitude', 'efficiency', 'competence', 'process', 'policy', 'system', 'environment', 'other')),
  responsible_unit_id    uuid,
  responsible_unit_code  text,
  responsible_unit_path  text,
  responsible_unit_name  text,
  step_due_on            date,
  step_signal            text NOT NULL DEFAULT 'none' CHECK (step_signal IN ('none', 'warned', 'overdue')),
  escalation_level       integer NOT NULL DEFAULT 0,
  reopen_count           integer NOT NULL DEFAULT 0,
  callback_at            timestamptz,
  is_callback_reached    boolean,
  callback_note          text,
  measures               text,
  explanation            text,
  rectified_at           timestamptz,
  feedback_note          text,
  fed_back_at            timestamptz,
  rerate_level           integer CHECK (rerate_level BETWEEN 1 AND 5),
  rerate_comment         text,
  rerated_at             timestamptz,
  appeal_reason          text CHECK (appeal_reason IN ('mistaken', 'false', 'malicious')),
  appeal_statement       text,
  appeal_decision_note   text,
  closed_at              timestamptz,
  close_note             text,
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL
);
CREATE INDEX bad_review_state_idx ON ratings.bad_review (state, step_due_on);
CREATE INDEX bad_review_unit_idx ON ratings.bad_review (responsible_unit_path);

-- Append-only log of every step of every bad review: the ledger (台账) is read from it.
CREATE TABLE ratings.bad_review_event (
  id           uuid PRIMARY KEY,
  review_id    uuid NOT NULL REFERENCES ratings.bad_review (id),
  type         text NOT NULL,
  from_state   text,
  to_state     text,
  actor_kind   text NOT NULL,
  actor_id     uuid,
  actor_label  text,
  data         jsonb NOT NULL DEFAULT '{}',
  at           timestamptz NOT NULL
);
CREATE INDEX bad_review_event_review_idx ON ratings.bad_review_event (review_id, at);

-- Numbers of bad reviews per day: CP + local date + sequence.
CREATE TABLE ratings.review_counter (
  day          date PRIMARY KEY,
  last_number  integer NOT NULL
);
