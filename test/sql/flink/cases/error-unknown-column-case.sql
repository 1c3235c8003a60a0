-- test: Flink names are case-sensitive: a near miss gets a hint
-- expect-error 5:26 Column 'Price' not found in any table; did you mean 'price'?
CREATE TABLE t (price DOUBLE) WITH ('connector' = 'datagen');
CREATE TABLE s (p DOUBLE) WITH ('connector' = 'print');
INSERT INTO s SELECT SUM(Price) FROM t;
