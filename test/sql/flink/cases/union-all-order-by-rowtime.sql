-- test: UNION ALL of two sources, then ORDER BY the rowtime: rows wait for the watermark (the smaller of the two inputs') and come out in time order
-- at 0 east: {"ts": "2021-01-31 14:00:03", "v": "e3"}
-- at 1 west: {"ts": "2021-01-31 14:00:01", "v": "w1"}
-- at 2 east: {"ts": "2021-01-31 14:00:02", "v": "e2"}
-- at 3 west: {"ts": "2021-01-31 14:00:05", "v": "w5"}
-- at 4 east: {"ts": "2021-01-31 14:00:06", "v": "e6"}
-- at 5 west: {"ts": "2021-01-31 14:00:07", "v": "w7"}
-- expect merged: +I {"ts": "2021-01-31 14:00:01.000", "v": "w1"}
-- expect merged: +I {"ts": "2021-01-31 14:00:02.000", "v": "e2"}
-- expect merged: +I {"ts": "2021-01-31 14:00:03.000", "v": "e3"}
-- expect merged: +I {"ts": "2021-01-31 14:00:05.000", "v": "w5"}
CREATE TABLE east (ts TIMESTAMP(3), v STRING, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE west (ts TIMESTAMP(3), v STRING, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE merged (ts TIMESTAMP(3), v STRING) WITH ('connector' = 'print');
INSERT INTO merged
SELECT * FROM (SELECT ts, v FROM east UNION ALL SELECT ts, v FROM west) ORDER BY ts;
