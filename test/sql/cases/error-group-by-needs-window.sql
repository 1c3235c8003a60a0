-- test: GROUP BY on a stream without a ROWTIME window is rejected with the fix
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4), price DOUBLE
-- expect-error 6:72 GROUP BY on a stream needs a time window on ROWTIME
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), total DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM ticker, SUM(price) FROM source_sql_stream_001 GROUP BY ticker;
