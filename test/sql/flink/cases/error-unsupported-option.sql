-- test: an option the connector does not know is refused at its position, with the supported options listed
-- expect-error 4:3 Unsupported options found for 'kinesis'. Unsupported options: scan.startup.mode
CREATE TABLE t (a INT) WITH ('connector' = 'kinesis', 'stream' = 'x', 'format' = 'json',
  'scan.startup.mode' = 'earliest-offset');
