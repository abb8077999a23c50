-- Job queue and transactional outbox on the same PostgreSQL as the data, so that a change, its audit
-- row, its event and the jobs it needs commit together. Workers claim with FOR UPDATE SKIP LOCKED.
-- Times are written by the app from its injected clock, so tests can move time forward.

CREATE TABLE platform.job (
  id            uuid PRIMARY KEY,
  name          text NOT NULL,
  payload       jsonb NOT NULL,
  -- pending: waiting for run_at; running: claimed until locked_until; failed: an attempt failed and
  -- the retry waits for run_at; done; dead: out of retries (last_error says why).
  state         text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'running', 'done', 'failed', 'dead')),
  priority      integer NOT NULL DEFAULT 0,
  run_at        timestamptz NOT NULL,
  attempts      integer NOT NULL DEFAULT 0,
  -- At most one pending job per (name, singleton_key): later enqueues are no-ops.
  singleton_key text,
  -- At most one job ever per (name, dedupe_key) until purged: outbox deliveries use the event id.
  dedupe_key    text,
  locked_by     text,
  locked_until  timestamptz,
  last_error    text,
  created_at    timestamptz NOT NULL,
  started_at    timestamptz,
  finished_at   timestamptz
);

CREATE UNIQUE INDEX job_singleton_idx ON platform.job (name, singleton_key)
  WHERE state = 'pending' AND singleton_key IS NOT NULL;
CREATE UNIQUE INDEX job_dedupe_idx ON platform.job (name, dedupe_key) WHERE dedupe_key IS NOT NULL;
-- The claim reads these two in order; both stay small because finished jobs leave them.
CREATE INDEX job_due_idx ON platform.job (priority DESC, run_at, id) WHERE state IN ('pending', 'failed');
CREATE INDEX job_lock_idx ON platform.job (locked_until) WHERE state = 'running';
-- Housekeeping deletes finished jobs by age.
CREATE INDEX job_finished_idx ON platform.job (finished_at) WHERE state IN ('done', 'dead');

-- One row per periodic job. A tick moves next_run_at forward and enqueues in one transaction, with the
-- row locked (SKIP LOCKED), so each period enqueues once however many workers run.
CREATE TABLE platform.job_schedule (
  name          text PRIMARY KEY,
  every_seconds integer NOT NULL CHECK (every_seconds > 0),
  payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
  next_run_at   timestamptz NOT NULL,
  last_run_at   timestamptz
);

-- Events written in the transaction of the change they describe. The relay turns each row into one
-- delivery job per subscriber and sets relayed_at, in one transaction.
CREATE TABLE platform.outbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic       text NOT NULL,
  key         text,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  relayed_at  timestamptz,
  deliveries  integer
);

CREATE INDEX outbox_unrelayed_idx ON platform.outbox (id) WHERE relayed_at IS NULL;
CREATE INDEX outbox_topic_idx ON platform.outbox (topic, id);
CREATE INDEX outbox_relayed_idx ON platform.outbox (relayed_at) WHERE relayed_at IS NOT NULL;
