-- test: INTERSECT ALL is refused with a message naming what works instead
-- expect-error 4:27 INTERSECT ALL is not supported by Freshet's Flink SQL; INTERSECT (DISTINCT) is
CREATE TABLE a (k STRING) WITH ('connector' = 'datagen');
SELECT k FROM a INTERSECT ALL SELECT k FROM a;
