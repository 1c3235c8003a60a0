-- test: ROLLUP in a TUMBLE window aggregation gives, when the window fires, one row per region and a total row (region NULL, GROUPING 1), append-only
-- at 0 sales: {"region": "eu", "qty": 2, "ts": "2021-01-31 14:00:01"}
-- at 1 sales: {"region": "us", "qty": 5, "ts": "2021-01-31 14:00:20"}
-- at 2 sales: {"region": "eu", "qty": 1, "ts": "2021-01-31 14:00:40"}
-- at 3 sales: {"region": "us", "qty": 7, "ts": "2021-01-31 14:01:05"}
-- expect totals: +I {"window_start": "2021-01-31 14:00:00.000", "region": "eu", "g": 0, "total": 3}
-- expect totals: +I {"window_start": "2021-01-31 14:00:00.000", "region": null, "g": 1, "total": 8}
-- expect totals: +I {"window_start": "2021-01-31 14:00:00.000", "region": "us", "g": 0, "total": 5}
CREATE TABLE sales (region STRING, qty INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
CREATE TABLE totals (window_start TIMESTAMP(3), region STRING, g BIGINT, total INT) WITH ('connector' = 'print');
INSERT INTO totals SELECT window_start, region, GROUPING(region), SUM(qty) FROM TABLE(TUMBLE(TABLE sales, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, ROLLUP (region);
