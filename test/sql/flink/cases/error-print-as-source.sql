-- test: a sink-only connector cannot be read
-- expect-error 5:29 Connector 'print' can only be used as a sink. It cannot be used as a source.
CREATE TABLE p (a INT) WITH ('connector' = 'print');
CREATE TABLE q (a INT) WITH ('connector' = 'blackhole');
INSERT INTO q SELECT a FROM p;
