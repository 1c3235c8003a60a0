-- test: pumps chained through in-application streams; a downstream window closes by the clock
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4), price DOUBLE
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER": "A", "PRICE": 1}
-- at 1000 SOURCE_SQL_STREAM_001: {"TICKER": "A", "PRICE": -5}
-- at 2000 SOURCE_SQL_STREAM_001: {"TICKER": "B", "PRICE": 4}
-- advance 60000
-- expect POSITIVE: {"ROWTIME": "2021-01-31 14:00:00.000", "TICKER": "A", "PRICE": 1}
-- expect POSITIVE: {"ROWTIME": "2021-01-31 14:00:02.000", "TICKER": "B", "PRICE": 4}
-- expect COUNTS: {"ROWTIME": "2021-01-31 14:01:00.000", "N": 2, "TOTAL": 5}
CREATE OR REPLACE STREAM positive (ticker VARCHAR(4), price DOUBLE);
CREATE OR REPLACE STREAM counts (n INTEGER, total DOUBLE);
CREATE OR REPLACE PUMP p2 AS INSERT INTO counts
  SELECT STREAM COUNT(*), SUM(price) FROM positive GROUP BY FLOOR(positive.ROWTIME TO MINUTE);
CREATE OR REPLACE PUMP p1 AS INSERT INTO positive
  SELECT STREAM ticker, price FROM source_sql_stream_001 WHERE price > 0;
