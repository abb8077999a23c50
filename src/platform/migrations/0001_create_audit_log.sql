-- Append-only, hash-chained audit log. Every state change writes one row in the same transaction.
-- Each row's hash covers its content and the previous row's hash (SM3), so a changed, removed or
-- inserted row breaks the chain at that point; `yiwang audit verify` names it.
CREATE SCHEMA IF NOT EXISTS platform;

CREATE TABLE platform.audit_log (
  seq         bigint PRIMARY KEY,
  id          uuid NOT NULL UNIQUE,
  at          timestamptz NOT NULL,
  actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'token', 'system', 'anonymous')),
  actor_id    uuid,
  actor_label text,
  action      text NOT NULL,
  object_type text,
  object_id   text,
  org_unit_id uuid,
  request_id  text,
  ip          text,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash   text NOT NULL,
  hash        text NOT NULL
);

CREATE INDEX audit_log_object_idx ON platform.audit_log (object_type, object_id);
CREATE INDEX audit_log_actor_idx ON platform.audit_log (actor_id, at);

CREATE FUNCTION platform.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'platform.audit_log is append-only' USING ERRCODE = 'P0001';
END;
$$;

CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON platform.audit_log
  FOR EACH ROW EXECUTE FUNCTION platform.refuse_audit_change();

CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON platform.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION platform.refuse_audit_change();
