-- test: a KDA function Freshet does not implement yet says so
-- input SOURCE_SQL_STREAM_001: a VARCHAR(64)
-- expect-error 5:59 function GROUP_RANK is not supported by Freshet yet
CREATE OR REPLACE STREAM out (x VARCHAR(64));
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM GROUP_RANK(a, '.*') FROM source_sql_stream_001;
