-- Open311 GeoReport v2 clients (apps, other systems) and the tokens handed back on submission.
CREATE SCHEMA IF NOT EXISTS open311;

CREATE TABLE open311.api_client (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  -- Only the SHA-256 of the key is kept: a read of this table cannot be replayed as a client.
  key_hash    text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);

CREATE TABLE open311.request_token (
  token          text PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES open311.api_client (id),
  work_order_id  uuid NOT NULL,
  created_at     timestamptz NOT NULL
);
CREATE INDEX request_token_order_idx ON open311.request_token (work_order_id);
