-- test: the KDA reference's exact distinct count: DISTINCT over rows carrying ROWTIME AS window_time, windowed on that alias
-- input SOURCE_SQL_STREAM_001: ticker_symbol VARCHAR(4), sector VARCHAR(16), change REAL, price REAL
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "A", "SECTOR": "X", "CHANGE": 0, "PRICE": 1}
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "A", "SECTOR": "X", "CHANGE": 0, "PRICE": 1}
-- at 1000 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "A", "SECTOR": "X", "CHANGE": 0, "PRICE": 2}
-- at 6000 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "A", "SECTOR": "X", "CHANGE": 0, "PRICE": 3}
-- advance 10000
-- expect OUTPUT_STREAM: {"ROWTIME": "2021-01-31 14:00:05.000", "TICKER_SYMBOL": "A", "UNIQUE_COUNT": 2}
-- expect OUTPUT_STREAM: {"ROWTIME": "2021-01-31 14:00:10.000", "TICKER_SYMBOL": "A", "UNIQUE_COUNT": 1}
CREATE OR REPLACE STREAM output_stream (ticker_symbol VARCHAR(4), unique_count BIGINT);
CREATE OR REPLACE PUMP stream_pump AS
INSERT INTO output_stream
SELECT STREAM TICKER_SYMBOL, COUNT(distinct_stream.price) AS unique_count
  FROM (
    SELECT STREAM DISTINCT rowtime as window_time,
      TICKER_SYMBOL,
      CHANGE,
      PRICE,
      STEP((SOURCE_SQL_STREAM_001.rowtime) BY INTERVAL '5' SECOND)
      FROM SOURCE_SQL_STREAM_001) as distinct_stream
  GROUP BY TICKER_SYMBOL,
      STEP((distinct_stream.window_time) BY INTERVAL '5' SECOND);
