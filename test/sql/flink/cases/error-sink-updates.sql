-- test: an append-only sink refuses a changelog (Flink's message names the node producing updates)
-- expect-error 5:1 Table sink 'default_catalog.default_database.out' doesn't support consuming update changes which is produced by node GroupAggregate(groupBy=[ticker])
CREATE TABLE t (ticker STRING, price DOUBLE) WITH ('connector' = 'datagen');
CREATE TABLE out (ticker STRING, n BIGINT) WITH ('connector' = 'kinesis', 'stream' = 'out', 'format' = 'json');
INSERT INTO out SELECT ticker, COUNT(*) FROM t GROUP BY ticker;
