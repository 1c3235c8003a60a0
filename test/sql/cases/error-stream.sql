-- test: a row that fails goes to error_stream with the reason and the app keeps running
-- input SOURCE_SQL_STREAM_001: a INTEGER, b INTEGER
-- at 0 SOURCE_SQL_STREAM_001: {"A": 10, "B": 2}
-- at 1 SOURCE_SQL_STREAM_001: {"A": 10, "B": 0}
-- at 2 SOURCE_SQL_STREAM_001: {"A": 9, "B": 3}
-- at 3 SOURCE_SQL_STREAM_001: {"A": "ten", "B": 3}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.000", "Q": 5}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.002", "Q": 3}
-- DATA_ROW is hex-encoded as in KDA: the row's values [10,0,<APPROXIMATE_ARRIVAL_TIME>] as JSON; the record {"A":"ten","B":3} as given.
-- expect-partial error_stream: {"ERROR_NAME": "DivisionByZero", "MESSAGE": "division by zero", "DATA_ROWTIME": "2021-01-31 14:00:00.001", "DATA_ROW": "5b31302c302c313631323130313630303030315d", "PUMP_NAME": "P"}
-- expect-partial error_stream: {"ERROR_NAME": "CastError", "MESSAGE": "cannot convert 'ten' to INTEGER", "DATA_ROWTIME": "2021-01-31 14:00:00.003", "DATA_ROW": "7b2241223a2274656e222c2242223a337d"}
CREATE OR REPLACE STREAM out (q INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM a / b FROM source_sql_stream_001;
