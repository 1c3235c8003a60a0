-- test: BIGINT is exact within ±(2^53 − 1): values and sums beyond it go to error_stream as OutOfRange instead of coming out rounded
-- input EVENTS: id BIGINT, n BIGINT
-- at 0 EVENTS: {"ID": 9007199254740991, "N": 1}
-- at 10 EVENTS: {"ID": "9007199254740993", "N": 1}
-- at 20 EVENTS: {"ID": 9007199254740990, "N": 1}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.020", "ID": 9007199254740990, "NEXT_ID": 9007199254740991}
-- expect-partial error_stream: {"ERROR_NAME": "OutOfRange", "MESSAGE": "9007199254740992 is out of range for BIGINT (Freshet holds BIGINT exactly within ±9007199254740991)", "PUMP_NAME": "P"}
-- expect-partial error_stream: {"ERROR_NAME": "OutOfRange", "MESSAGE": "9007199254740992 is out of range for BIGINT", "PUMP_NAME": ""}
CREATE OR REPLACE STREAM out (id BIGINT, next_id BIGINT);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM id, id + n FROM events;
