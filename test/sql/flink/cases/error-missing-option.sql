-- test: a connector's required options must be given
-- expect-error 3:1 One or more required options are missing. Missing required options are: path
CREATE TABLE t (a INT) WITH ('connector' = 'filesystem', 'format' = 'csv');
