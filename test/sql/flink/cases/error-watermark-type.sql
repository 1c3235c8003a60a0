-- test: the watermark's rowtime column must be a TIMESTAMP(p) or TIMESTAMP_LTZ(p) with p <= 3
-- expect-error 3:49 Invalid data type of time field for watermark definition
CREATE TABLE t (ts BIGINT, a INT, WATERMARK FOR ts AS ts - 5) WITH ('connector' = 'datagen');
