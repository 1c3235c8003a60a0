-- test: CAST follows Flink's rules: text of numbers, timestamps and booleans, truncation toward zero, TRY_CAST gives NULL, a failed CAST drops the row
-- at 0 src: {"s": "12", "d": 2.75, "b": true, "ts": "2021-01-31 14:00:00.5"}
-- at 1 src: {"s": "x", "d": -2.75, "b": false, "ts": "2021-01-31 14:00:01"}
-- expect out: +I {"n": 12, "trunc": 2, "txt": "2.75", "flag": "TRUE", "ts_text": "2021-01-31 14:00:00.500", "maybe": 12, "big": 1000000, "dbl": "1.0E7"}
-- expect-errors 1
CREATE TABLE src (s STRING, d DOUBLE, b BOOLEAN, ts TIMESTAMP(3)) WITH ('connector' = 'datagen');
CREATE TABLE out (n INT, trunc INT, txt STRING, flag STRING, ts_text STRING, maybe INT, big BIGINT, dbl STRING) WITH ('connector' = 'print');
INSERT INTO out
SELECT CAST(s AS INT), CAST(d AS INT), CAST(d AS STRING), CAST(b AS STRING), CAST(ts AS STRING), TRY_CAST(s AS INT),
  CAST(1000000 AS BIGINT), CAST(1E7 AS STRING)
FROM src;
