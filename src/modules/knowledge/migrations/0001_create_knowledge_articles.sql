-- 知识库: articles (identity) and their versions. A version is drafted, published, then superseded
-- by the next published version or retired; versions are never deleted, so history stays readable.
CREATE SCHEMA IF NOT EXISTS knowledge;

CREATE TABLE knowledge.article (
  id                 uuid PRIMARY KEY,
  kind               text NOT NULL CHECK (kind IN ('law', 'policy', 'unit_duty', 'service_guide', 'faq')),
  -- draft: never published; published: one version is in use; retired: withdrawn.
  state              text NOT NULL CHECK (state IN ('draft', 'published', 'retired')),
  latest_version     integer NOT NULL CHECK (latest_version >= 1),
  published_version  integer CHECK (published_version >= 1 AND published_version <= latest_version),
  -- Articles the seed or a generator maintains ('unit-duty:YX-CGJ'); null for editors' articles.
  source_key         text UNIQUE,
  created_at         timestamptz NOT NULL,
  created_by         text,
  updated_at         timestamptz NOT NULL
);

CREATE TABLE knowledge.article_version (
  article_id          uuid NOT NULL REFERENCES knowledge.article (id),
  version             integer NOT NULL CHECK (version >= 1),
  status              text NOT NULL CHECK (status IN ('draft', 'published', 'superseded', 'retired')),
  title               text NOT NULL,
  body                text NOT NULL,
  tags                text[] NOT NULL DEFAULT '{}',
  hotline_category    text,
  -- 发文/责任单位. Code and name are kept as printed on this version; the id follows the org tree.
  issuing_unit_id     uuid REFERENCES org.unit (id),
  issuing_unit_code   text,
  issuing_unit_name   text,
  is_public           boolean NOT NULL DEFAULT false,
  valid_from          date,
  valid_until         date CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from),
  change_note         text,
  -- Segmented in the app (jieba); weights: title A, tags and category B, body D.
  search              tsvector NOT NULL,
  created_at          timestamptz NOT NULL,
  created_by          text,
  published_at        timestamptz,
  published_by        text,
  ended_at            timestamptz,
  -- Set by the expiring-soon job, so each version is flagged once.
  expiry_flagged_at   timestamptz,
  PRIMARY KEY (article_id, version)
);

-- Search reads published versions only.
CREATE INDEX article_version_search_idx ON knowledge.article_version USING gin (search) WHERE status = 'published';
CREATE INDEX article_version_expiry_idx ON knowledge.article_version (valid_until) WHERE status = 'published';
-- At most one published version and one open draft per article.
CREATE UNIQUE INDEX article_version_one_published ON knowledge.article_version (article_id) WHERE status = 'published';
CREATE UNIQUE INDEX article_version_one_draft ON knowledge.article_version (article_id) WHERE status = 'draft';

-- The dictionary the stored search vectors were segmented with; a change triggers a reindex.
CREATE TABLE knowledge.search_dictionary (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  words_hash  text NOT NULL,
  indexed_at  timestamptz NOT NULL
);
