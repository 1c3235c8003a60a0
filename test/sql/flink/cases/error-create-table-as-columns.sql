-- test: CREATE TABLE AS SELECT with explicit columns is refused in Flink's words
-- expect-error 4:1 CREATE TABLE AS SELECT syntax does not support to specify explicit columns yet.
CREATE TABLE orders (cust STRING, amount INT) WITH ('connector' = 'datagen');
CREATE TABLE copy (cust STRING) WITH ('connector' = 'print') AS SELECT cust FROM orders;
