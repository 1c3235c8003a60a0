-- test: CUMULATE windows: a running total every 10 s within each minute
-- at 0 orders: {"ts": "2021-01-31 14:00:03", "amount": 5}
-- at 1 orders: {"ts": "2021-01-31 14:00:14", "amount": 7}
-- at 2 orders: {"ts": "2021-01-31 14:00:27", "amount": 1}
-- at 3 orders: {"ts": "2021-01-31 14:00:31", "amount": 100}
-- expect running: +I {"window_end": "2021-01-31 14:00:10.000", "total": 5}
-- expect running: +I {"window_end": "2021-01-31 14:00:20.000", "total": 12}
-- expect running: +I {"window_end": "2021-01-31 14:00:30.000", "total": 13}
CREATE TABLE orders (ts TIMESTAMP(3), amount INT, WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
CREATE TABLE running (window_end TIMESTAMP(3), total INT) WITH ('connector' = 'print');
INSERT INTO running
SELECT window_end, SUM(amount)
FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE))
GROUP BY window_start, window_end;
