-- S4.2 in Flink SQL: 100 records/s of {"EVENT_TIME": "2020-08-01T12:00:00.000Z", "TICKER": "AMZN", "PRICE": 50}
-- → per ticker and 10 seconds of event time: average price, quote count and price range
-- → a Firehose delivery stream that writes the files.
CREATE TABLE ticker_stream (
  EVENT_TIME TIMESTAMP(3),
  TICKER STRING,
  PRICE DOUBLE,
  WATERMARK FOR EVENT_TIME AS EVENT_TIME - INTERVAL '2' SECOND
) WITH (
  'connector' = 'kinesis',
  'stream' = 's4-ticker-flink',
  'scan.stream.initpos' = 'LATEST',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601'
);

CREATE TABLE ticker_aggregates (
  TICKER STRING,
  WINDOW_END TIMESTAMP(3),
  AVG_PRICE DOUBLE,
  QUOTES BIGINT,
  MIN_PRICE DOUBLE,
  MAX_PRICE DOUBLE
) WITH (
  'connector' = 'firehose',
  'delivery-stream' = 's4-ticker-flink-aggregates',
  'format' = 'json'
);

INSERT INTO ticker_aggregates
SELECT TICKER,
       TUMBLE_END(EVENT_TIME, INTERVAL '10' SECOND),
       AVG(PRICE),
       COUNT(*),
       MIN(PRICE),
       MAX(PRICE)
FROM ticker_stream
GROUP BY TUMBLE(EVENT_TIME, INTERVAL '10' SECOND), TICKER;
