-- test: double quotes are not part of Flink SQL; the message says what to write
-- expect-error 3:17 Flink SQL quotes names with backticks
CREATE TABLE t ("a" INT) WITH ('connector' = 'datagen');
