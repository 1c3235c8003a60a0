-- test: a shard that stops sending holds the watermark back until table.exec.source.idle-timeout marks it idle
-- splits readings: shard-0, shard-1
-- at 0 readings@shard-0: {"ts": "2021-01-31 14:00:01", "v": 1}
-- at 100 readings@shard-1: {"ts": "2021-01-31 14:00:02", "v": 2}
-- at 200 readings@shard-0: {"ts": "2021-01-31 14:00:30", "v": 3}
-- at 300 readings@shard-0: {"ts": "2021-01-31 14:01:10", "v": 4}
-- advance 5000
-- advance 10100
-- expect sums: +I {"window_start": "2021-01-31 14:00:00.000", "total": 6}
SET 'table.exec.source.idle-timeout' = '10 s';
CREATE TABLE readings (ts TIMESTAMP(3), v INT, WATERMARK FOR ts AS ts)
  WITH ('connector' = 'kinesis', 'stream' = 'readings', 'format' = 'json');
CREATE TABLE sums (window_start TIMESTAMP(3), total INT) WITH ('connector' = 'print');
INSERT INTO sums
SELECT window_start, SUM(v) FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end;
