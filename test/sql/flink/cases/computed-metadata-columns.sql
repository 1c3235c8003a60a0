-- test: computed columns, a rowtime computed from epoch milliseconds, PROCTIME() and Kinesis metadata (METADATA FROM 'timestamp', 'shard-id', 'sequence-number')
-- record 500 events@shardId-000000000001: {"id": 7, "epoch_ms": 1612101601500, "price": 2.5, "qty": 4}
-- expect out: +I {"id": 7, "event_time": "2021-01-31 14:00:01.500", "total": 10, "arrival": "2021-01-31 14:00:00.500", "shard": "shardId-000000000001"}
CREATE TABLE events (
  id INT,
  epoch_ms BIGINT,
  price DOUBLE,
  qty INT,
  total AS price * qty,
  event_time AS TO_TIMESTAMP_LTZ(epoch_ms, 3),
  arrival TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  shard STRING METADATA FROM 'shard-id' VIRTUAL,
  seq STRING METADATA FROM 'sequence-number' VIRTUAL,
  proc AS PROCTIME(),
  WATERMARK FOR event_time AS event_time - INTERVAL '1' SECOND
) WITH ('connector' = 'kinesis', 'stream' = 'events', 'format' = 'json');
CREATE TABLE out (id INT, event_time TIMESTAMP(3), total DOUBLE, arrival TIMESTAMP(3), shard STRING) WITH ('connector' = 'print');
INSERT INTO out SELECT id, CAST(event_time AS TIMESTAMP(3)), total, CAST(arrival AS TIMESTAMP(3)), shard FROM events WHERE proc IS NOT NULL;
