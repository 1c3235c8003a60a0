-- test: a table function (GROUP_RANK) called like a scalar function says how to call it
-- input SOURCE_SQL_STREAM_001: a VARCHAR(64)
-- expect-error 5:59 GROUP_RANK is a table function: use FROM TABLE(GROUP_RANK(CURSOR(SELECT STREAM ...
CREATE OR REPLACE STREAM out (x VARCHAR(64));
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM GROUP_RANK(a, '.*') FROM source_sql_stream_001;
