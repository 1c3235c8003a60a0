-- test: MATCH_RECOGNIZE finds a price drop followed by a recovery above the starting price (Flink's V-shape example), per symbol in event-time order
-- at 0 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:00", "price": 12}
-- at 1 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:01", "price": 17}
-- at 2 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:02", "price": 19}
-- at 3 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:03", "price": 21}
-- at 4 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:04", "price": 25}
-- at 5 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:05", "price": 18}
-- at 6 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:06", "price": 15}
-- at 7 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:07", "price": 14}
-- at 8 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:08", "price": 24}
-- at 9 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:09", "price": 25}
-- at 10 ticks: {"symbol": "ACME", "ts": "2021-01-31 10:00:10", "price": 19}
-- at 11 ticks: {"symbol": "OTHER", "ts": "2021-01-31 10:00:20", "price": 1}
-- expect dips: +I {"symbol": "ACME", "start_tstamp": "2021-01-31 10:00:04.000", "bottom_tstamp": "2021-01-31 10:00:07.000", "end_tstamp": "2021-01-31 10:00:08.000", "drops": 3, "bottom_price": 14}
CREATE TABLE ticks (symbol STRING, ts TIMESTAMP(3), price INT, WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
CREATE TABLE dips (symbol STRING, start_tstamp TIMESTAMP(3), bottom_tstamp TIMESTAMP(3), end_tstamp TIMESTAMP(3), drops BIGINT, bottom_price INT)
  WITH ('connector' = 'print');
INSERT INTO dips
SELECT *
FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY ts
    MEASURES
      START_ROW.ts AS start_tstamp,
      LAST(PRICE_DOWN.ts) AS bottom_tstamp,
      LAST(PRICE_UP.ts) AS end_tstamp,
      COUNT(PRICE_DOWN.*) AS drops,
      LAST(PRICE_DOWN.price) AS bottom_price
    ONE ROW PER MATCH
    AFTER MATCH SKIP TO LAST PRICE_UP
    PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
    DEFINE
      PRICE_DOWN AS (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
      PRICE_UP AS PRICE_UP.price > LAST(PRICE_DOWN.price, 1)
  ) AS T;
