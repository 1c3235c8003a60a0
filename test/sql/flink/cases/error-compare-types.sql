-- test: Flink does not compare text with numbers implicitly
-- expect-error 4:25 Cannot apply '=' to arguments of type '<INT> = <CHAR(1)>'
CREATE TABLE t (a INT) WITH ('connector' = 'datagen');
SELECT a FROM t WHERE a = '1';
