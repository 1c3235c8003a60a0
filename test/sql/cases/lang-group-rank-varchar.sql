-- test: GROUP_RANK ranks by a VARCHAR column and releases a group after maxIdle ms of clock time
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4), price DOUBLE
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER": "MMM", "PRICE": 1}
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER": "AAA", "PRICE": 2}
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER": "ZZZ", "PRICE": 3}
-- advance 1000
-- expect-partial OUT: {"TICKER": "AAA", "groupRank": 1}
-- expect-partial OUT: {"TICKER": "MMM", "groupRank": 2}
-- expect-partial OUT: {"TICKER": "ZZZ", "groupRank": 3}
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), price DOUBLE, "groupRank" INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM * FROM TABLE(GROUP_RANK(CURSOR(SELECT STREAM * FROM source_sql_stream_001), 'TICKER', 'groupRank', 'asc', 'asc', 1000, 0));
