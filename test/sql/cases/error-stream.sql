-- test: a row that fails goes to error_stream with the reason and the app keeps running
-- input SOURCE_SQL_STREAM_001: a INTEGER, b INTEGER
-- at 0 SOURCE_SQL_STREAM_001: {"A": 10, "B": 2}
-- at 1 SOURCE_SQL_STREAM_001: {"A": 10, "B": 0}
-- at 2 SOURCE_SQL_STREAM_001: {"A": 9, "B": 3}
-- at 3 SOURCE_SQL_STREAM_001: {"A": "ten", "B": 3}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.000", "Q": 5}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.002", "Q": 3}
-- expect-partial error_stream: {"ERROR_NAME": "DivisionByZero", "MESSAGE": "division by zero", "DATA_ROWTIME": "2021-01-31 14:00:00.001", "DATA_ROW": "[10,0,1612101600001]", "PUMP_NAME": "P"}
-- expect-partial error_stream: {"ERROR_NAME": "CastError", "MESSAGE": "cannot convert 'ten' to INTEGER", "DATA_ROWTIME": "2021-01-31 14:00:00.003"}
CREATE OR REPLACE STREAM out (q INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM a / b FROM source_sql_stream_001;
