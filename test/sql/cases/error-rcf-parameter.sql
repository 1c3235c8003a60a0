-- test: RANDOM_CUT_FOREST parameters are checked against KDA's ranges
-- input SOURCE_SQL_STREAM_001: a DOUBLE
-- expect-error 6:73 shingleSize must be between 1 and 30, got 40
CREATE OR REPLACE STREAM out (a DOUBLE, score DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM * FROM TABLE(RANDOM_CUT_FOREST(
  CURSOR(SELECT STREAM a FROM source_sql_stream_001), 100, 256, 100000, 40));
