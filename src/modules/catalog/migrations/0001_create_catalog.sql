-- 事项库: the basic catalogue, the power list, service items with immutable published versions,
-- bundles (一件事), and the search index over what is published.
CREATE SCHEMA IF NOT EXISTS catalog;

-- 基本目录: main items (主项) and sub items (子项) as published above the district.
CREATE TABLE catalog.basic_entry (
  code         text PRIMARY KEY,
  name         text NOT NULL,
  type_code    text NOT NULL,
  parent_code  text REFERENCES catalog.basic_entry (code),
  updated_at   timestamptz NOT NULL
);

-- 权责清单: every power of every unit in the eleven A.1 categories, application-based or not.
CREATE TABLE catalog.power_entry (
  code              text PRIMARY KEY,
  name              text NOT NULL,
  type_code         text NOT NULL,
  unit_code         text NOT NULL,
  legal_basis       jsonb NOT NULL,
  responsibilities  jsonb NOT NULL DEFAULT '[]'::jsonb,
  accountability    jsonb NOT NULL DEFAULT '[]'::jsonb,
  updated_at        timestamptz NOT NULL
);

-- A service item's identity: an implementation-list entry (实施清单, per implementing unit) or one
-- of its handling items (业务办理项). What it says lives in its versions.
CREATE TABLE catalog.item (
  id                   uuid PRIMARY KEY,
  -- The public code: the handling code for handling items, else the implementation code.
  code                 text NOT NULL UNIQUE,
  kind                 text NOT NULL CHECK (kind IN ('implementation', 'handling')),
  basic_code           text NOT NULL REFERENCES catalog.basic_entry (code),
  implementation_code  text NOT NULL,
  handling_code        text,
  parent_id            uuid REFERENCES catalog.item (id),
  unit_code            text NOT NULL,
  power_code           text NOT NULL REFERENCES catalog.power_entry (code),
  variant              jsonb,
  cancelled_on         date,
  cancel_reason        text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  CHECK ((kind = 'handling') = (handling_code IS NOT NULL)),
  CHECK ((kind = 'handling') = (parent_id IS NOT NULL)),
  CHECK (code = coalesce(handling_code, implementation_code))
);
CREATE INDEX item_parent_idx ON catalog.item (parent_id);
CREATE INDEX item_unit_idx ON catalog.item (unit_code);

-- Versions: draft → review → published (with the first day it applies and, once superseded or
-- cancelled, the first day it no longer does). Cases pin a version id, so a published version
-- never changes: the trigger below refuses it.
CREATE TABLE catalog.item_version (
  id               uuid PRIMARY KEY,
  item_id          uuid NOT NULL REFERENCES catalog.item (id),
  version          integer NOT NULL CHECK (version > 0),
  status           text NOT NULL CHECK (status IN ('draft', 'review', 'published', 'withdrawn')),
  effective_from   date,
  effective_until  date,
  name             text NOT NULL,
  elements         jsonb NOT NULL,
  created_at       timestamptz NOT NULL,
  created_by       text,
  submitted_at     timestamptz,
  submitted_by     text,
  published_at     timestamptz,
  published_by     text,
  return_reason    text,
  updated_at       timestamptz NOT NULL,
  UNIQUE (item_id, version),
  CHECK (status NOT IN ('published', 'withdrawn') OR effective_from IS NOT NULL),
  CHECK (effective_until IS NULL OR effective_until > effective_from)
);
-- One open (draft or in review) version per item at a time.
CREATE UNIQUE INDEX item_version_open_idx ON catalog.item_version (item_id) WHERE status IN ('draft', 'review');
CREATE INDEX item_version_published_idx ON catalog.item_version (item_id, effective_from) WHERE status = 'published';

-- 一件事一次办: several items with one form and one set of materials, handled in parallel.
CREATE TABLE catalog.bundle (
  id          uuid PRIMARY KEY,
  code        text NOT NULL UNIQUE,
  unit_code   text NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);

CREATE TABLE catalog.bundle_version (
  id               uuid PRIMARY KEY,
  bundle_id        uuid NOT NULL REFERENCES catalog.bundle (id),
  version          integer NOT NULL CHECK (version > 0),
  status           text NOT NULL CHECK (status IN ('draft', 'review', 'published', 'withdrawn')),
  effective_from   date,
  effective_until  date,
  name             text NOT NULL,
  definition       jsonb NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  UNIQUE (bundle_id, version),
  CHECK (status NOT IN ('published', 'withdrawn') OR effective_from IS NOT NULL),
  CHECK (effective_until IS NULL OR effective_until > effective_from)
);

-- What a published version said and when it applied are facts cases rely on: only its end date
-- and its status (published → withdrawn) may change, and it is never deleted.
CREATE FUNCTION catalog.keep_published_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status IN ('published', 'withdrawn') THEN
    IF TG_OP = 'DELETE' THEN
      RAISE EXCEPTION 'published catalogue versions cannot be deleted' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status NOT IN ('published', 'withdrawn')
       OR NEW.version IS DISTINCT FROM OLD.version
       OR NEW.effective_from IS DISTINCT FROM OLD.effective_from
       OR NEW.name IS DISTINCT FROM OLD.name
       OR (TG_TABLE_NAME = 'item_version' AND (to_jsonb(NEW) -> 'elements') IS DISTINCT FROM (to_jsonb(OLD) -> 'elements'))
       OR (TG_TABLE_NAME = 'bundle_version' AND (to_jsonb(NEW) -> 'definition') IS DISTINCT FROM (to_jsonb(OLD) -> 'definition')) THEN
      RAISE EXCEPTION 'a published catalogue version is immutable' USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER item_version_immutable BEFORE UPDATE OR DELETE ON catalog.item_version
  FOR EACH ROW EXECUTE FUNCTION catalog.keep_published_versions();
CREATE TRIGGER bundle_version_immutable BEFORE UPDATE OR DELETE ON catalog.bundle_version
  FOR EACH ROW EXECUTE FUNCTION catalog.keep_published_versions();

-- Search index: one row per published item or bundle version. Terms are segmented in the app
-- (jieba) and stored as lexemes verbatim (array_to_tsvector, the 'simple' treatment without the
-- text parser), so the index is identical whatever the server's locale or version.
CREATE TABLE catalog.search_entry (
  version_id       uuid PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('item', 'bundle')),
  code             text NOT NULL,
  name             text NOT NULL,
  -- normalised name and keywords for the exact-phrase bonuses
  name_norm        text NOT NULL,
  keywords         text[] NOT NULL,
  is_handling      boolean NOT NULL DEFAULT false,
  effective_from   date NOT NULL,
  effective_until  date,
  document         tsvector NOT NULL,
  -- what a result row shows: unit name, visits, online depth, promised limit
  summary          jsonb NOT NULL
);
CREATE INDEX search_entry_document_idx ON catalog.search_entry USING gin (document);
CREATE INDEX search_entry_code_idx ON catalog.search_entry (code);

-- Every catalogue import: its hash (so the seed re-imports only a changed file) and its summary.
CREATE TABLE catalog.import_log (
  id           uuid PRIMARY KEY,
  sha256       text NOT NULL,
  summary      jsonb NOT NULL,
  imported_at  timestamptz NOT NULL,
  imported_by  text
);
CREATE INDEX import_log_sha_idx ON catalog.import_log (sha256);
