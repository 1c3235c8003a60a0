-- test: a row whose window already fired is late (dropped and counted); a row within the watermark delay still counts
-- at 0 clicks: {"ts": "2021-01-31 14:00:05", "user_id": "a"}
-- at 1 clicks: {"ts": "2021-01-31 14:00:11", "user_id": "b"}
-- at 2 clicks: {"ts": "2021-01-31 14:00:09", "user_id": "c"}
-- at 3 clicks: {"ts": "2021-01-31 14:00:13", "user_id": "d"}
-- at 4 clicks: {"ts": "2021-01-31 14:00:09.999", "user_id": "late"}
-- at 5 clicks: {"ts": "2021-01-31 14:00:25", "user_id": "e"}
-- expect per10s: +I {"window_start": "2021-01-31 14:00:00.000", "cnt": 2, "users": "a,c"}
-- expect per10s: +I {"window_start": "2021-01-31 14:00:10.000", "cnt": 2, "users": "b,d"}
-- expect-late 1
CREATE TABLE clicks (ts TIMESTAMP(3), user_id STRING, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
  WITH ('connector' = 'datagen');
CREATE TABLE per10s (window_start TIMESTAMP(3), cnt BIGINT, users STRING) WITH ('connector' = 'blackhole');
INSERT INTO per10s
SELECT window_start, COUNT(*), LISTAGG(user_id)
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;
