-- test: window Top-N: the 2 best-selling items of each 10-second window, once the window closes (append-only)
-- at 0 bids: {"ts": "2021-01-31 14:00:01", "item": "a", "price": 5}
-- at 1 bids: {"ts": "2021-01-31 14:00:02", "item": "b", "price": 7}
-- at 2 bids: {"ts": "2021-01-31 14:00:03", "item": "a", "price": 4}
-- at 3 bids: {"ts": "2021-01-31 14:00:04", "item": "c", "price": 1}
-- at 4 bids: {"ts": "2021-01-31 14:00:15", "item": "c", "price": 1}
-- expect best: +I {"window_start": "2021-01-31 14:00:00.000", "item": "a", "total": 9, "rn": 1}
-- expect best: +I {"window_start": "2021-01-31 14:00:00.000", "item": "b", "total": 7, "rn": 2}
CREATE TABLE bids (ts TIMESTAMP(3), item STRING, price INT, WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
CREATE TABLE best (window_start TIMESTAMP(3), item STRING, total INT, rn BIGINT) WITH ('connector' = 'kinesis', 'stream' = 'best', 'format' = 'json');
INSERT INTO best
SELECT window_start, item, total, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY total DESC) AS rn
  FROM (
    SELECT window_start, window_end, item, SUM(price) AS total
    FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
    GROUP BY window_start, window_end, item
  )
) WHERE rn <= 2;
