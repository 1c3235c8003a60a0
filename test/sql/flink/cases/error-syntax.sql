-- test: a syntax error names what was expected, at its line and column
-- expect-error 4:11 expected an expression but found "FROM"
CREATE TABLE t (a INT) WITH ('connector' = 'datagen');
SELECT a, FROM t;
