-- test: a collection function given something other than an ARRAY is refused with Flink's 'Invalid input arguments' and the signature
-- expect-error 4:27 Invalid input arguments. Expected signatures are: ARRAY_DISTINCT(haystack <ARRAY>)
CREATE TABLE t (id INT, s STRING) WITH ('connector' = 'datagen');
SELECT id, ARRAY_DISTINCT(s) FROM t;
