-- test: a syntax error names what was expected, with line and column
-- input SOURCE_SQL_STREAM_001: a INTEGER
-- expect-error 6:3 expected an expression but found 'FROM'
CREATE OR REPLACE STREAM out (a INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM a,
  FROM source_sql_stream_001;
