-- test: the two-window pattern — ROWTIME window for progress, event-time STEP as a group key
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4), event_time TIMESTAMP
-- at 1000 SOURCE_SQL_STREAM_001: {"TICKER": "A", "EVENT_TIME": "2021-01-31 13:59:58.000"}
-- at 2000 SOURCE_SQL_STREAM_001: {"TICKER": "A", "EVENT_TIME": "2021-01-31 14:00:01.000"}
-- at 3000 SOURCE_SQL_STREAM_001: {"TICKER": "A", "EVENT_TIME": "2021-01-31 14:00:02.000"}
-- advance 60000
-- expect OUT: {"ROWTIME": "2021-01-31 14:01:00.000", "TICKER": "A", "EVENT_MINUTE": "2021-01-31 13:59:00.000", "N": 1}
-- expect OUT: {"ROWTIME": "2021-01-31 14:01:00.000", "TICKER": "A", "EVENT_MINUTE": "2021-01-31 14:00:00.000", "N": 2}
CREATE OR REPLACE STREAM out (ticker VARCHAR(4), event_minute TIMESTAMP, n INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM ticker, STEP(event_time BY INTERVAL '60' SECOND) AS event_minute, COUNT(*) AS n
  FROM source_sql_stream_001
  GROUP BY ticker, STEP(source_sql_stream_001.ROWTIME BY INTERVAL '60' SECOND), STEP(event_time BY INTERVAL '60' SECOND);
