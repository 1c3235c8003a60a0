-- test: NUMBER_TO_CHAR with DecimalFormat patterns (grouping, fixed and optional decimals, prefix, percent)
-- input SOURCE_SQL_STREAM_001: v DOUBLE
-- at 0 SOURCE_SQL_STREAM_001: {"V": 1234567.891}
-- at 1 SOURCE_SQL_STREAM_001: {"V": -42}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.000", "A": "1,234,567.89", "B": "1234567.891", "C": "$1,234,568", "D": "1234567.9%"}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.001", "A": "-42.00", "B": "-42", "C": "-$42", "D": "-42.0%"}
CREATE OR REPLACE STREAM out (a VARCHAR(32), b VARCHAR(32), c VARCHAR(32), d VARCHAR(32));
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM NUMBER_TO_CHAR(v, '#,##0.00'), NUMBER_TO_CHAR(v, '0.###'), NUMBER_TO_CHAR(v, '$#,##0'), NUMBER_TO_CHAR(v / 100, '0.0%')
  FROM source_sql_stream_001;
