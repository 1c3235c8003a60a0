-- test: OVER (PARTITION BY ... ORDER BY rowtime RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW): rows go in event-time order once the watermark passes them
-- at 0 trades: {"ts": "2021-01-31 14:00:00", "sym": "A", "px": 10}
-- at 1 trades: {"ts": "2021-01-31 14:00:05", "sym": "A", "px": 20}
-- at 2 trades: {"ts": "2021-01-31 14:00:03", "sym": "B", "px": 1}
-- at 3 trades: {"ts": "2021-01-31 14:00:12", "sym": "A", "px": 30}
-- at 4 trades: {"ts": "2021-01-31 14:00:40", "sym": "A", "px": 1}
-- expect moving: +I {"sym": "A", "ts": "2021-01-31 14:00:00.000", "px": 10, "n": 1, "avg_px": 10, "max_px": 10}
-- expect moving: +I {"sym": "B", "ts": "2021-01-31 14:00:03.000", "px": 1, "n": 1, "avg_px": 1, "max_px": 1}
-- expect moving: +I {"sym": "A", "ts": "2021-01-31 14:00:05.000", "px": 20, "n": 2, "avg_px": 15, "max_px": 20}
-- expect moving: +I {"sym": "A", "ts": "2021-01-31 14:00:12.000", "px": 30, "n": 2, "avg_px": 25, "max_px": 30}
CREATE TABLE trades (ts TIMESTAMP(3), sym STRING, px DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE moving (sym STRING, ts TIMESTAMP(3), px DOUBLE, n BIGINT, avg_px DOUBLE, max_px DOUBLE) WITH ('connector' = 'print');
INSERT INTO moving
SELECT sym, ts, px,
  COUNT(*) OVER w,
  AVG(px) OVER w,
  MAX(px) OVER w
FROM trades
WINDOW w AS (PARTITION BY sym ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW);
