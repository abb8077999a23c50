-- Org units, the district's dispatch catalogue as imported, accounts, role grants, sessions, tokens.
CREATE SCHEMA IF NOT EXISTS org;

CREATE TABLE org.unit (
  id          uuid PRIMARY KEY,
  code        text NOT NULL UNIQUE,
  name        text NOT NULL,
  short_name  text,
  kind        text NOT NULL CHECK (kind IN ('district', 'department', 'street', 'town', 'community', 'enterprise')),
  parent_id   uuid REFERENCES org.unit (id),
  -- Materialised path of codes ('YX/YX-ZSJ'): subtree checks are a prefix test.
  path        text NOT NULL UNIQUE,
  depth       integer NOT NULL,
  uscc        text,
  duties      jsonb NOT NULL DEFAULT '[]'::jsonb,
  is_active   boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX unit_parent_idx ON org.unit (parent_id);

-- 地名库: the communities, roads and places of each street/town, for territorial dispatch.
CREATE TABLE org.gazetteer_entry (
  unit_id  uuid NOT NULL REFERENCES org.unit (id),
  kind     text NOT NULL CHECK (kind IN ('community', 'road', 'place')),
  name     text NOT NULL,
  PRIMARY KEY (unit_id, kind, name)
);
CREATE INDEX gazetteer_entry_name_idx ON org.gazetteer_entry (name);

-- 派单目录补充说明: rules settling matters between units. unit_code is a unit code or 'street'.
CREATE TABLE org.dispatch_rule (
  seq        integer PRIMARY KEY,
  matter     text NOT NULL,
  unit_code  text NOT NULL,
  extra      jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- Every imported district document, verbatim: nothing in it is lost even where no table holds it yet.
CREATE TABLE org.district_import (
  id           uuid PRIMARY KEY,
  district_code text NOT NULL,
  district_name text NOT NULL,
  sha256       text NOT NULL,
  document     jsonb NOT NULL,
  imported_at  timestamptz NOT NULL,
  imported_by  text
);

CREATE TABLE org.account (
  id              uuid PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('staff', 'citizen', 'enterprise', 'system')),
  username        text UNIQUE,
  display_name    text NOT NULL,
  -- Personal data: encrypted (pii vault), findable through a keyed hash, never stored in clear.
  phone_enc       text,
  phone_hash      text UNIQUE,
  id_number_enc   text,
  id_number_hash  text,
  uscc            text,
  home_unit_id    uuid REFERENCES org.unit (id),
  password_hash   text,
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  failed_logins   integer NOT NULL DEFAULT 0,
  locked_until    timestamptz,
  last_login_at   timestamptz,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  CHECK (username IS NOT NULL OR phone_hash IS NOT NULL)
);
CREATE INDEX account_id_number_idx ON org.account (id_number_hash);

CREATE TABLE org.role_grant (
  account_id   uuid NOT NULL REFERENCES org.account (id),
  role         text NOT NULL CHECK (role IN ('admin', 'window_clerk', 'approver', 'hotline_agent', 'handling_staff', 'supervisor', 'data_officer')),
  unit_id      uuid NOT NULL REFERENCES org.unit (id),
  granted_at   timestamptz NOT NULL,
  PRIMARY KEY (account_id, role, unit_id)
);

-- The cookie carries a random secret; only its SHA-256 is stored, so a read of this table cannot
-- be replayed as a login.
CREATE TABLE org.session (
  id_hash       text PRIMARY KEY,
  account_id    uuid NOT NULL REFERENCES org.account (id),
  csrf_token    text NOT NULL,
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  ip            text,
  user_agent    text,
  revoked_at    timestamptz
);
CREATE INDEX session_account_idx ON org.session (account_id);

CREATE TABLE org.api_token (
  id            uuid PRIMARY KEY,
  account_id    uuid NOT NULL REFERENCES org.account (id),
  name          text NOT NULL,
  secret_hash   text NOT NULL,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz,
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
