-- test: the crypto ticker: a one-minute TUMBLE window TVF, SUM(price) per ticker, fired by the watermark (max event time - 5 s)
-- record 1000 crypto: {"event_time": "2021-01-31T14:00:01.000", "ticker": "BTC", "price": 10.5}
-- record 1100 crypto: {"event_time": "2021-01-31T14:00:20.000", "ticker": "ETH", "price": 3}
-- record 1200 crypto: {"event_time": "2021-01-31T14:00:58.000", "ticker": "BTC", "price": 1.5}
-- record 2000 crypto: {"event_time": "2021-01-31T14:01:03.000", "ticker": "BTC", "price": 7}
-- record 2100 crypto: {"event_time": "2021-01-31T14:00:59.500", "ticker": "ETH", "price": 2}
-- record 3000 crypto: {"event_time": "2021-01-31T14:01:05.000", "ticker": "DOGE", "price": 1}
-- expect totals: +I {"ticker": "BTC", "window_start": "2021-01-31 14:00:00.000", "window_end": "2021-01-31 14:01:00.000", "total": 12}
-- expect totals: +I {"ticker": "ETH", "window_start": "2021-01-31 14:00:00.000", "window_end": "2021-01-31 14:01:00.000", "total": 5}
-- expect-late 0
CREATE TABLE crypto (
  event_time TIMESTAMP(3),
  ticker STRING,
  price DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kinesis',
  'stream' = 'crypto-ticker',
  'aws.region' = 'us-east-1',
  'scan.stream.initpos' = 'LATEST',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601'
);
CREATE TABLE totals (ticker STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), total DOUBLE) WITH ('connector' = 'print');
INSERT INTO totals
SELECT ticker, window_start, window_end, SUM(price) AS total
FROM TABLE(TUMBLE(TABLE crypto, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY ticker, window_start, window_end;
