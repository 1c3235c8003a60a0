-- test: a grouping set of a window aggregation without window_start and window_end is refused with a message that says how to write it
-- expect-error 5:19 a window aggregation with GROUPING SETS, ROLLUP or CUBE needs window_start and window_end in every grouping set
CREATE TABLE sales (region STRING, qty INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
CREATE TABLE out_t (window_start TIMESTAMP(3), region STRING, total INT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT window_start, region, SUM(qty) FROM TABLE(TUMBLE(TABLE sales, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY GROUPING SETS ((window_start, window_end, region), ());
