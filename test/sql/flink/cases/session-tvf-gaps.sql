-- test: SESSION windows per user close after a 30 s gap; a late-arriving row bridging two open sessions merges them
-- at 0 visits: {"ts": "2021-01-31 14:00:00", "user_id": "u1"}
-- at 1 visits: {"ts": "2021-01-31 14:00:20", "user_id": "u1"}
-- at 2 visits: {"ts": "2021-01-31 14:00:10", "user_id": "u2"}
-- at 3 visits: {"ts": "2021-01-31 14:01:30", "user_id": "u1"}
-- at 4 visits: {"ts": "2021-01-31 14:02:30", "user_id": "u1"}
-- at 5 visits: {"ts": "2021-01-31 14:02:00", "user_id": "u1"}
-- at 6 visits: {"ts": "2021-01-31 14:05:00", "user_id": "u3"}
-- expect sessions: +I {"user_id": "u2", "window_start": "2021-01-31 14:00:10.000", "window_end": "2021-01-31 14:00:40.000", "clicks": 1}
-- expect sessions: +I {"user_id": "u1", "window_start": "2021-01-31 14:00:00.000", "window_end": "2021-01-31 14:00:50.000", "clicks": 2}
-- expect sessions: +I {"user_id": "u1", "window_start": "2021-01-31 14:01:30.000", "window_end": "2021-01-31 14:03:00.000", "clicks": 3}
CREATE TABLE visits (ts TIMESTAMP(3), user_id STRING, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE) WITH ('connector' = 'datagen');
CREATE TABLE sessions (user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), clicks BIGINT) WITH ('connector' = 'print');
INSERT INTO sessions
SELECT user_id, window_start, window_end, COUNT(*)
FROM TABLE(SESSION(TABLE visits PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '30' SECOND))
GROUP BY user_id, window_start, window_end;
