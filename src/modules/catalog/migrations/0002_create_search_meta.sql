-- What the search index was built with (a fingerprint of the synonym table and the segmenter's
-- words): when a release changes them, the seed rebuilds the index.
CREATE TABLE catalog.search_meta (
  key    text PRIMARY KEY,
  value  text NOT NULL
);
