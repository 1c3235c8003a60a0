-- test: GROUP_RANK's maxIdle must be a non-negative integer
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4)
-- expect-error 6:131 maxIdle must be a non-negative integer literal (0 = no idle timeout)
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), "groupRank" INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM * FROM TABLE(GROUP_RANK(CURSOR(SELECT STREAM * FROM source_sql_stream_001), 'TICKER', 'groupRank', 'desc', 'asc', -5, 0));
