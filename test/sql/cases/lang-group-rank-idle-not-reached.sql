-- test: a GROUP_RANK group is held until maxIdle ms have passed
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4)
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER": "MMM"}
-- advance 999
-- expect-none OUT
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), "groupRank" INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM * FROM TABLE(GROUP_RANK(CURSOR(SELECT STREAM * FROM source_sql_stream_001), 'TICKER', 'groupRank', 'asc', 'asc', 1000, 0));
