-- test: a pump must say SELECT STREAM
-- input SOURCE_SQL_STREAM_001: a INTEGER
-- expect-error 5:45 a pump must read a stream: write SELECT STREAM
CREATE OR REPLACE STREAM out (a INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT a FROM source_sql_stream_001;
