-- test: GROUPING SETS in a window aggregation is refused with a message that says how to write it instead
-- expect-error 5:19 GROUPING SETS, ROLLUP and CUBE over a window aggregation are not supported
CREATE TABLE sales (region STRING, qty INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
CREATE TABLE out_t (window_start TIMESTAMP(3), region STRING, total INT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT window_start, region, SUM(qty) FROM TABLE(TUMBLE(TABLE sales, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, ROLLUP (region);
