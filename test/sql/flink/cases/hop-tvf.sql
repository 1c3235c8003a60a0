-- test: HOP windows (10 s, sliding every 5 s): each row counts in two windows
-- at 0 bids: {"ts": "2021-01-31 14:00:01", "price": 1}
-- at 1 bids: {"ts": "2021-01-31 14:00:06", "price": 2}
-- at 2 bids: {"ts": "2021-01-31 14:00:12", "price": 4}
-- finish
-- expect hops: +I {"window_start": "2021-01-31 13:59:55.000", "window_end": "2021-01-31 14:00:05.000", "n": 1, "total": 1}
-- expect hops: +I {"window_start": "2021-01-31 14:00:00.000", "window_end": "2021-01-31 14:00:10.000", "n": 2, "total": 3}
-- expect hops: +I {"window_start": "2021-01-31 14:00:05.000", "window_end": "2021-01-31 14:00:15.000", "n": 2, "total": 6}
-- expect hops: +I {"window_start": "2021-01-31 14:00:10.000", "window_end": "2021-01-31 14:00:20.000", "n": 1, "total": 4}
CREATE TABLE bids (ts TIMESTAMP(3), price INT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE hops (window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, total INT) WITH ('connector' = 'print');
INSERT INTO hops
SELECT window_start, window_end, COUNT(*), SUM(price)
FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND))
GROUP BY window_start, window_end;
