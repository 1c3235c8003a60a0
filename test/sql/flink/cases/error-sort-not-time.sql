-- test: a streaming ORDER BY must start with a time attribute (or come with LIMIT)
-- expect-error 4:30 Sort on a non-time-attribute field is not supported.
CREATE TABLE t (a INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
SELECT a, ts FROM t ORDER BY a, ts;
