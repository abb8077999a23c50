-- The default settings row and version 1 of both indicator sets come with the schema: a restore
-- replaces them with the backup's instead of taking them for data already there.
COMMENT ON TABLE ratings.settings IS 'Time limits of the bad-review loop (one row). yiwang:reference-rows';
COMMENT ON TABLE ratings.indicator_set IS 'Versioned rating indicators. yiwang:reference-rows';
