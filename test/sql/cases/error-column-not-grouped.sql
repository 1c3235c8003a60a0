-- test: a column that is neither grouped nor aggregated
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4), price DOUBLE
-- expect-error 6:25 column PRICE must appear in GROUP BY or inside an aggregate
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), price DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM ticker, price FROM source_sql_stream_001 GROUP BY ticker, FLOOR(source_sql_stream_001.ROWTIME TO MINUTE);
