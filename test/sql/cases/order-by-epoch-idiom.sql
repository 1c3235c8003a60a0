-- test: ORDER BY a general monotonic ROWTIME key (10-second idiom) holds rows across pushes until the key changes
-- input SOURCE_SQL_STREAM_001: id INTEGER, score DOUBLE
-- at 1000 SOURCE_SQL_STREAM_001: {"ID": 1, "SCORE": 1}
-- at 5000 SOURCE_SQL_STREAM_001: {"ID": 2, "SCORE": 5}
-- at 9000 SOURCE_SQL_STREAM_001: {"ID": 3, "SCORE": 3}
-- at 12000 SOURCE_SQL_STREAM_001: {"ID": 4, "SCORE": 9}
-- advance 25000
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:05.000", "ID": 2, "SCORE": 5}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:09.000", "ID": 3, "SCORE": 3}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:09.000", "ID": 1, "SCORE": 1}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:12.000", "ID": 4, "SCORE": 9}
CREATE OR REPLACE STREAM out (id INTEGER, score DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM id, score FROM source_sql_stream_001 AS s
  ORDER BY FLOOR((s.ROWTIME - TIMESTAMP '1970-01-01 00:00:00') SECOND / 10 TO SECOND), score DESC;
