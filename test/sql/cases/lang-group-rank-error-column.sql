-- test: GROUP_RANK's rankByColumnName is matched exactly, with a hint for another case
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4)
-- expect-error 6:93 the cursor has no column 'ticker'; did you mean 'TICKER'?
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), "groupRank" INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM * FROM TABLE(GROUP_RANK(CURSOR(SELECT STREAM * FROM source_sql_stream_001), 'ticker', 'groupRank', 'desc', 'asc', 5, 0));
