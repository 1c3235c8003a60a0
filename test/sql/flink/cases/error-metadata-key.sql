-- test: a metadata key the connector does not expose
-- expect-error 3:33 Invalid metadata key 'offset' in column 'o' of table 't'. The kinesis table source supports the following metadata keys for reading: timestamp, shard-id, sequence-number, partition-key
CREATE TABLE t (a INT, o BIGINT METADATA FROM 'offset') WITH ('connector' = 'kinesis', 'stream' = 'x', 'format' = 'json');
