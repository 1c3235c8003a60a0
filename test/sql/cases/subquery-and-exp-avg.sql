-- test: FROM (SELECT STREAM ...) AS t subquery, and EXP_AVG with a half-life
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4), price DOUBLE
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER": "A", "PRICE": 10}
-- at 10000 SOURCE_SQL_STREAM_001: {"TICKER": "A", "PRICE": 40}
-- at 20000 SOURCE_SQL_STREAM_001: {"TICKER": "B", "PRICE": -1}
-- advance 60000
-- expect OUT: {"ROWTIME": "2021-01-31 14:01:00.000", "TICKER": "A", "EAVG": 30, "N": 2}
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), eavg DOUBLE, n INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM t.ticker, EXP_AVG(t.doubled, INTERVAL '10' SECOND) / 2, COUNT(*)
  FROM (SELECT STREAM ticker, price * 2 AS doubled FROM source_sql_stream_001 WHERE price > 0) AS t
  GROUP BY t.ticker, FLOOR(t.ROWTIME TO MINUTE);
