-- test: ROW_NUMBER() is for Top-N and deduplication: the enclosing query must filter it
-- expect-error 5:25 ROW_NUMBER() OVER (...) is supported for Top-N and deduplication
CREATE TABLE t (a INT, b INT) WITH ('connector' = 'datagen');
CREATE TABLE s (a INT, rn BIGINT) WITH ('connector' = 'print');
INSERT INTO s SELECT a, ROW_NUMBER() OVER (PARTITION BY b ORDER BY a) AS rn FROM t;
