-- test: the query's columns must match the sink's
-- expect-error 5:1 Column types of query result and sink for 'out' do not match. Cause: Different number of columns.
CREATE TABLE t (a INT, b STRING) WITH ('connector' = 'datagen');
CREATE TABLE out (a INT) WITH ('connector' = 'print');
INSERT INTO out SELECT a, b FROM t;
