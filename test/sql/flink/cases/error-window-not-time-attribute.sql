-- test: a window TVF needs a time attribute in DESCRIPTOR
-- expect-error 6:39 The window function requires the timecol is a time attribute type, but is TIMESTAMP(3).
CREATE TABLE t (ts TIMESTAMP(3), a INT) WITH ('connector' = 'datagen');
CREATE TABLE s (n BIGINT) WITH ('connector' = 'print');
INSERT INTO s SELECT COUNT(*)
FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end;
