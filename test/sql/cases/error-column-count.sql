-- test: the SELECT must return as many columns as the target stream has
-- input SOURCE_SQL_STREAM_001: a INTEGER, b INTEGER
-- expect-error 5:45 the SELECT returns 1 column(s) but OUT expects 2
CREATE OR REPLACE STREAM out (a INTEGER, b INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM a FROM source_sql_stream_001;
