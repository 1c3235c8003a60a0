-- test: a window on a reference table in a join is a plan error at the window (it used to be ignored), saying to drop it
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4), price DOUBLE
-- table COMPANIES: "Ticker" VARCHAR(4), "Company" VARCHAR(32)
-- expect-error 9:23 a join with a reference table takes no window
CREATE OR REPLACE STREAM enriched (ticker VARCHAR(4), company VARCHAR(32));
CREATE OR REPLACE PUMP p AS INSERT INTO enriched
  SELECT STREAM s.ticker, c."Company"
  FROM source_sql_stream_001 AS s
  JOIN companies OVER (ROWS 10 PRECEDING) AS c ON s.ticker = c."Ticker";
