-- test: RIGHT OUTER JOIN with a reference table is a plan error that says what to write instead
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4), price DOUBLE
-- table COMPANIES: "Ticker" VARCHAR(4), "Company" VARCHAR(32)
-- expect-error 9:3 use INNER or LEFT OUTER JOIN with the stream on the left
CREATE OR REPLACE STREAM enriched (ticker VARCHAR(4), company VARCHAR(32));
CREATE OR REPLACE PUMP p AS INSERT INTO enriched
  SELECT STREAM s.ticker, c."Company"
  FROM source_sql_stream_001 AS s
  RIGHT OUTER JOIN companies AS c ON s.ticker = c."Ticker";
