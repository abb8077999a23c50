-- 预约叫号: halls, their windows and services, number ranges, appointment slots and appointments,
-- tickets, and the timed period ledger of every ticket.
CREATE SCHEMA IF NOT EXISTS queue;

-- 政务服务大厅. Times of day are local (China, UTC+8); the settings are the district's rules.
CREATE TABLE queue.hall (
  id                      uuid PRIMARY KEY,
  code                    text NOT NULL UNIQUE,
  name                    text NOT NULL,
  org_unit_id             uuid NOT NULL REFERENCES org.unit (id),
  -- The unit's materialised path when the hall was set up, for subtree permission checks.
  org_path                text NOT NULL,
  address                 text,
  -- [{"from":"09:00","to":"12:00"}, …] in order, not overlapping.
  opening_hours           jsonb NOT NULL,
  lateness_minutes        integer NOT NULL DEFAULT 15 CHECK (lateness_minutes BETWEEN 0 AND 240),
  early_check_in_minutes  integer NOT NULL DEFAULT 60 CHECK (early_check_in_minutes BETWEEN 0 AND 600),
  booking_horizon_days    integer NOT NULL DEFAULT 7 CHECK (booking_horizon_days BETWEEN 1 AND 60),
  no_show_limit           integer NOT NULL DEFAULT 3 CHECK (no_show_limit >= 1),
  no_show_window_days     integer NOT NULL DEFAULT 90 CHECK (no_show_window_days >= 1),
  booking_block_days      integer NOT NULL DEFAULT 30 CHECK (booking_block_days >= 0),
  elderly_age             integer NOT NULL DEFAULT 70 CHECK (elderly_age BETWEEN 50 AND 120),
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL
);

-- A service offered in the hall. catalog_item_code names a 事项 of the catalogue as plain text.
CREATE TABLE queue.service (
  id                 uuid PRIMARY KEY,
  hall_id            uuid NOT NULL REFERENCES queue.hall (id),
  code               text NOT NULL,
  name               text NOT NULL,
  catalog_item_code  text,
  is_bookable        boolean NOT NULL DEFAULT true,
  slot_minutes       integer NOT NULL DEFAULT 30 CHECK (slot_minutes BETWEEN 5 AND 240),
  slot_capacity      integer NOT NULL DEFAULT 4 CHECK (slot_capacity BETWEEN 1 AND 1000),
  -- Used for wait estimates until enough tickets of the service have been served.
  handling_minutes   integer NOT NULL DEFAULT 10 CHECK (handling_minutes BETWEEN 1 AND 480),
  sort_order         integer NOT NULL DEFAULT 0,
  is_active          boolean NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL,
  UNIQUE (hall_id, code)
);

-- 号段: the numbers a service issues each day, e.g. A001–A799 for walk-ins, A801–A999 for appointments.
CREATE TABLE queue.number_range (
  id            uuid PRIMARY KEY,
  hall_id       uuid NOT NULL REFERENCES queue.hall (id),
  service_id    uuid NOT NULL REFERENCES queue.service (id),
  purpose       text NOT NULL CHECK (purpose IN ('walk_in', 'appointment')),
  prefix        text NOT NULL CHECK (prefix ~ '^[A-Z]{1,2}$'),
  first_number  integer NOT NULL CHECK (first_number >= 1),
  last_number   integer NOT NULL CHECK (last_number >= first_number AND last_number <= 9999),
  UNIQUE (service_id, purpose)
);

-- The last number issued per range and day; updated in the issuing transaction, so a number is
-- never issued twice and never skipped (a rolled-back issue rolls the counter back too).
CREATE TABLE queue.number_counter (
  range_id     uuid NOT NULL REFERENCES queue.number_range (id),
  day          date NOT NULL,
  last_number  integer NOT NULL,
  PRIMARY KEY (range_id, day)
);

-- 窗口: 综合窗口 (general) or 专窗 (special). The clerk who opened it is its staff member.
CREATE TABLE queue.hall_window (
  id                uuid PRIMARY KEY,
  hall_id           uuid NOT NULL REFERENCES queue.hall (id),
  number            integer NOT NULL CHECK (number BETWEEN 1 AND 999),
  name              text NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('general', 'special')),
  is_active         boolean NOT NULL DEFAULT true,
  staff_account_id  uuid REFERENCES org.account (id),
  staff_name        text,
  opened_at         timestamptz,
  UNIQUE (hall_id, number)
);

-- 工作配置: which services a window serves; priority 1 is served first.
CREATE TABLE queue.work_profile (
  window_id   uuid NOT NULL REFERENCES queue.hall_window (id),
  service_id  uuid NOT NULL REFERENCES queue.service (id),
  priority    integer NOT NULL CHECK (priority BETWEEN 1 AND 99),
  PRIMARY KEY (window_id, service_id)
);
CREATE INDEX work_profile_service_idx ON queue.work_profile (service_id);

-- 预约时段 with capacity; only on working days. A day that stops being one is closed, not deleted.
CREATE TABLE queue.slot (
  id          uuid PRIMARY KEY,
  service_id  uuid NOT NULL REFERENCES queue.service (id),
  day         date NOT NULL,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  capacity    integer NOT NULL CHECK (capacity >= 0),
  booked      integer NOT NULL DEFAULT 0 CHECK (booked >= 0),
  is_closed   boolean NOT NULL DEFAULT false,
  UNIQUE (service_id, starts_at)
);
CREATE INDEX slot_service_day_idx ON queue.slot (service_id, day);

CREATE TABLE queue.appointment (
  id              uuid PRIMARY KEY,
  hall_id         uuid NOT NULL REFERENCES queue.hall (id),
  service_id      uuid NOT NULL REFERENCES queue.service (id),
  slot_id         uuid NOT NULL REFERENCES queue.slot (id),
  day             date NOT NULL,
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL,
  account_id      uuid NOT NULL REFERENCES org.account (id),
  name            text NOT NULL,
  id_number_enc   text NOT NULL,
  id_number_hash  text NOT NULL,
  phone_enc       text,
  status          text NOT NULL CHECK (status IN ('booked', 'cancelled', 'checked_in', 'no_show')),
  cancel_reason   text CHECK (cancel_reason IN ('by_citizen', 'hall_closed')),
  ticket_id       uuid,
  booked_at       timestamptz NOT NULL,
  cancelled_at    timestamptz,
  checked_in_at   timestamptz,
  no_show_at      timestamptz
);
-- One live appointment per person, service and day: the database refuses a double booking.
CREATE UNIQUE INDEX appointment_one_per_day_idx ON queue.appointment (service_id, day, id_number_hash)
  WHERE status IN ('booked', 'checked_in');
CREATE INDEX appointment_account_idx ON queue.appointment (account_id, day);
CREATE INDEX appointment_id_number_idx ON queue.appointment (id_number_hash, day);
CREATE INDEX appointment_slot_idx ON queue.appointment (slot_id);
CREATE INDEX appointment_booked_day_idx ON queue.appointment (day) WHERE status = 'booked';

CREATE TABLE queue.ticket (
  id                  uuid PRIMARY KEY,
  hall_id             uuid NOT NULL REFERENCES queue.hall (id),
  day                 date NOT NULL,
  service_id          uuid NOT NULL REFERENCES queue.service (id),
  first_service_id    uuid NOT NULL REFERENCES queue.service (id),
  range_id            uuid NOT NULL REFERENCES queue.number_range (id),
  number              integer NOT NULL,
  display_number      text NOT NULL,
  channel             text NOT NULL CHECK (channel IN ('kiosk', 'phone', 'appointment', 'counter')),
  appointment_id      uuid REFERENCES queue.appointment (id),
  account_id          uuid REFERENCES org.account (id),
  -- 0 normal, 10 appointment on time, 20 green channel (绿色通道).
  priority            integer NOT NULL DEFAULT 0,
  priority_reason     text CHECK (priority_reason IN ('appointment', 'elderly', 'disabled', 'key_project')),
  state               text NOT NULL CHECK (state IN ('waiting', 'called', 'serving', 'held', 'finished', 'no_show', 'cancelled')),
  window_id           uuid REFERENCES queue.hall_window (id),
  -- Set by a transfer to one window: only that window may call the ticket.
  target_window_id    uuid REFERENCES queue.hall_window (id),
  staff_account_id    uuid REFERENCES org.account (id),
  call_count          integer NOT NULL DEFAULT 0,
  issued_at           timestamptz NOT NULL,
  -- Where the ticket stands in the queue: the issue time, kept through transfers.
  queued_at           timestamptz NOT NULL,
  first_called_at     timestamptz,
  finished_at         timestamptz,
  services_delivered  jsonb,
  end_reason          text,
  UNIQUE (range_id, day, number)
);
CREATE INDEX ticket_waiting_idx ON queue.ticket (hall_id, day, service_id) WHERE state = 'waiting';
CREATE INDEX ticket_window_idx ON queue.ticket (window_id) WHERE state IN ('called', 'serving', 'held');
CREATE INDEX ticket_hall_day_idx ON queue.ticket (hall_id, day);
CREATE INDEX ticket_open_day_idx ON queue.ticket (day) WHERE state IN ('waiting', 'called', 'serving', 'held');
-- A phone ticket per account and hall at a time.
CREATE UNIQUE INDEX ticket_one_phone_ticket_idx ON queue.ticket (hall_id, account_id)
  WHERE channel = 'phone' AND state IN ('waiting', 'called', 'serving', 'held');

-- One row per phase a ticket goes through, so waiting and handling times are exact sums.
CREATE TABLE queue.ticket_period (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id         uuid NOT NULL REFERENCES queue.ticket (id),
  hall_id           uuid NOT NULL REFERENCES queue.hall (id),
  service_id        uuid NOT NULL REFERENCES queue.service (id),
  window_id         uuid REFERENCES queue.hall_window (id),
  staff_account_id  uuid REFERENCES org.account (id),
  state             text NOT NULL CHECK (state IN ('waiting', 'called', 'serving', 'held')),
  started_at        timestamptz NOT NULL,
  ended_at          timestamptz,
  -- The action that ended the period: call, start, skip, hold, resume, transfer, finish, cancel, close_day.
  end_reason        text,
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX ticket_period_open_idx ON queue.ticket_period (ticket_id) WHERE ended_at IS NULL;
CREATE INDEX ticket_period_ticket_idx ON queue.ticket_period (ticket_id);
CREATE INDEX ticket_period_hall_idx ON queue.ticket_period (hall_id, started_at);
CREATE INDEX ticket_period_recent_idx ON queue.ticket_period (service_id, state, ended_at);

-- What the hall display shows: numbers called to windows. Read by the display feed in id order.
CREATE TABLE queue.hall_event (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  hall_id         uuid NOT NULL REFERENCES queue.hall (id),
  at              timestamptz NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('called', 'recalled', 'serving', 'finished', 'skipped', 'transferred', 'issued', 'window_opened', 'window_closed')),
  ticket_id       uuid,
  display_number  text,
  window_number   integer,
  window_name     text,
  service_name    text
);
CREATE INDEX hall_event_hall_idx ON queue.hall_event (hall_id, id);
CREATE INDEX hall_event_at_idx ON queue.hall_event (hall_id, at);
