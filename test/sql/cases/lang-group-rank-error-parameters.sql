-- test: GROUP_RANK with too few parameters lists the ones it takes
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4)
-- expect-error 6:24 GROUP_RANK takes the cursor, 'rankByColumnName', 'rankOutColumnName', sortOrder
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), "groupRank" INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM * FROM TABLE(GROUP_RANK(CURSOR(SELECT STREAM * FROM source_sql_stream_001), 'TICKER', 'desc', 'asc', 5, 0));
