-- test: GROUP_RANK's sortOrder must be 'asc' or 'desc'
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4)
-- expect-error 6:116 sortOrder must be 'asc' or 'desc'
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), "groupRank" INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM * FROM TABLE(GROUP_RANK(CURSOR(SELECT STREAM * FROM source_sql_stream_001), 'TICKER', 'groupRank', 'down', 'asc', 5, 0));
