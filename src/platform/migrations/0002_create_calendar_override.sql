-- Working-day calendar (工作日历). Statutory holidays and 调休 make-up days come from the
-- `chinese-days` package for the years it covers; administrators correct single days here and
-- publish years the package does not know. Every change is audited in the same transaction.

-- One row per corrected day; it wins over the package's data for that day.
CREATE TABLE platform.calendar_override (
  day            date PRIMARY KEY,
  is_working_day boolean NOT NULL,
  reason         text NOT NULL CHECK (length(btrim(reason)) > 0),
  set_by         text,
  set_at         timestamptz NOT NULL
);

-- A year the package does not cover becomes usable once published: its days then follow the
-- Monday–Friday rule plus that year's overrides.
CREATE TABLE platform.calendar_year (
  year         integer PRIMARY KEY CHECK (year BETWEEN 1900 AND 2999),
  published_by text,
  published_at timestamptz,
  note         text
);
