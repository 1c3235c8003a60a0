-- test: a processing-time TUMBLE window fires by the clock, not by data
-- at 1000 pings: {"host": "a"}
-- at 2000 pings: {"host": "a"}
-- at 3000 pings: {"host": "b"}
-- advance 9000
-- advance 10000
-- at 12000 pings: {"host": "a"}
-- advance 20000
-- expect per_host: +I {"host": "a", "window_start": "2021-01-31 14:00:00.000", "n": 2}
-- expect per_host: +I {"host": "b", "window_start": "2021-01-31 14:00:00.000", "n": 1}
-- expect per_host: +I {"host": "a", "window_start": "2021-01-31 14:00:10.000", "n": 1}
CREATE TABLE pings (host STRING, pt AS PROCTIME()) WITH ('connector' = 'datagen');
CREATE TABLE per_host (host STRING, window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
INSERT INTO per_host
SELECT host, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE pings, DESCRIPTOR(pt), INTERVAL '10' SECOND))
GROUP BY host, window_start, window_end;
