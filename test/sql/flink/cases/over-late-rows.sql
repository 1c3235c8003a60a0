-- test: an OVER aggregation drops rows that arrive after the watermark passed them, and counts them
-- at 0 t: {"ts": "2021-01-31 14:00:10", "k": "a", "v": 1}
-- at 1 t: {"ts": "2021-01-31 14:00:20", "k": "a", "v": 2}
-- at 2 t: {"ts": "2021-01-31 14:00:05", "k": "a", "v": 100}
-- at 3 t: {"ts": "2021-01-31 14:00:30", "k": "a", "v": 3}
-- expect running: +I {"ts": "2021-01-31 14:00:10.000", "total": 1}
-- expect running: +I {"ts": "2021-01-31 14:00:20.000", "total": 3}
-- expect running: +I {"ts": "2021-01-31 14:00:30.000", "total": 6}
-- expect-late 1
CREATE TABLE t (ts TIMESTAMP(3), k STRING, v INT, WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
CREATE TABLE running (ts TIMESTAMP(3), total INT) WITH ('connector' = 'print');
INSERT INTO running SELECT ts, SUM(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t;
