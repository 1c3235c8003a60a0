-- test: an unquoted name that only matches a quoted lower-case column gets a hint
-- input SOURCE_SQL_STREAM_001: "price" DOUBLE
-- expect-error 6:56 unknown column PRICE; did you mean "price"?
CREATE OR REPLACE STREAM out (p DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM price FROM SOURCE_SQL_STREAM_001 WHERE price > 1;
