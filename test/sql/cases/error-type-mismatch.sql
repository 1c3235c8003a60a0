-- test: assigning a VARCHAR to a DOUBLE column asks for a CAST
-- input SOURCE_SQL_STREAM_001: a VARCHAR(4)
-- expect-error 5:59 column 1 of the SELECT is VARCHAR(4) but OUT."X" is DOUBLE; use CAST
CREATE OR REPLACE STREAM out (x DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM a FROM source_sql_stream_001;
