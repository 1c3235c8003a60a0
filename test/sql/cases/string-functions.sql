-- test: string functions of the KDA reference
-- input SOURCE_SQL_STREAM_001: "s" VARCHAR(64)
-- at 0 SOURCE_SQL_STREAM_001: {"s": "  hello wORLD-foo  "}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.000", "LEN": 19, "UP": "  HELLO WORLD-FOO  ", "LOW": "  hello world-foo  ", "CAP": "  Hello World-Foo  ", "SUB": "hello", "POS": 9, "TRIMMED": "hello wORLD-foo", "LTRIM": "hello wORLD-foo  ", "REPL": "  hello wORLD_X_foo  ", "SUB2": "wORLD"}
CREATE OR REPLACE STREAM out (len INTEGER, up VARCHAR(64), low VARCHAR(64), cap VARCHAR(64), sub VARCHAR(64), pos INTEGER, trimmed VARCHAR(64), ltrim VARCHAR(64), repl VARCHAR(64), sub2 VARCHAR(64));
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM CHAR_LENGTH("s"), UPPER("s"), LOWER("s"), INITCAP("s"), SUBSTRING("s" FROM 3 FOR 5),
         POSITION('wOR' IN "s"), TRIM(BOTH ' ' FROM "s"), TRIM(LEADING ' ' FROM "s"),
         REGEX_REPLACE("s", '-', '_X_', 1, 0), SUBSTRING("s", 9, 5)
  FROM SOURCE_SQL_STREAM_001;
