-- test: a quiet stream still emits its last window when the clock passes the window end
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4), price DOUBLE
-- at 5000 SOURCE_SQL_STREAM_001: {"TICKER": "A", "PRICE": 2}
-- at 7000 SOURCE_SQL_STREAM_001: {"TICKER": "A", "PRICE": 3}
-- advance 9999
-- advance 10000
-- advance 30000
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:10.000", "TICKER": "A", "TOTAL": 5}
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), total DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM ticker, SUM(price) FROM source_sql_stream_001
  GROUP BY ticker, STEP(source_sql_stream_001.ROWTIME BY INTERVAL '10' SECOND);
