%flink.ssql(type=update)
-- The crypto ticker as a Kinesis Data Analytics Studio notebook would write it:
-- {"event_time": "<ISO>", "ticker": "BTC|ETH|BNB|XRP|DOGE", "price": 0-100},
-- event time with a 5-second watermark, a one-minute tumbling SUM(price) per ticker.
CREATE TABLE crypto_ticker (
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

%flink.ssql(type=update)
-- Per-minute totals, written back to a Kinesis stream as JSON.
CREATE TABLE crypto_totals (
  ticker STRING,
  window_start TIMESTAMP(3),
  window_end TIMESTAMP(3),
  total_price DOUBLE,
  trades BIGINT
) WITH (
  'connector' = 'kinesis',
  'stream' = 'crypto-totals',
  'aws.region' = 'us-east-1',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601'
);

%flink.ssql(type=update)
-- And as files in the embedded object store, one directory per day, committed with a _SUCCESS file.
CREATE TABLE crypto_archive (
  ticker STRING,
  window_end TIMESTAMP(3),
  total_price DOUBLE,
  dt STRING
) PARTITIONED BY (dt) WITH (
  'connector' = 'filesystem',
  'path' = 's3://freshet-crypto/totals',
  'format' = 'json',
  'sink.partition-commit.policy.kind' = 'success-file'
);

%flink.ssql(type=update)
EXECUTE STATEMENT SET
BEGIN
  INSERT INTO crypto_totals
  SELECT ticker, window_start, window_end, SUM(price) AS total_price, COUNT(*) AS trades
  FROM TABLE(TUMBLE(TABLE crypto_ticker, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
  GROUP BY ticker, window_start, window_end;

  INSERT INTO crypto_archive
  SELECT ticker, window_end, SUM(price), DATE_FORMAT(window_start, 'yyyy-MM-dd')
  FROM TABLE(TUMBLE(TABLE crypto_ticker, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
  GROUP BY ticker, window_start, window_end;
END;
