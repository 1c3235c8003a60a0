-- test: an unknown connector lists the ones Freshet has
-- expect-error 3:30 Could not find any factory for identifier 'kafka'
CREATE TABLE t (a INT) WITH ('connector' = 'kafka', 'topic' = 'x');
