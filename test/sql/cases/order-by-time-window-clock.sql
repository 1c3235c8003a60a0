-- test: ORDER BY time window flushes by the clock once the second has passed
-- input SOURCE_SQL_STREAM_001: id INTEGER, score DOUBLE
-- at 1000 SOURCE_SQL_STREAM_001: {"ID": 4, "SCORE": 1.5}
-- at 1500 SOURCE_SQL_STREAM_001: {"ID": 5, "SCORE": 9}
-- advance 2000
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:01.500", "ID": 5, "SCORE": 9}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:01.500", "ID": 4, "SCORE": 1.5}
CREATE OR REPLACE STREAM out (id INTEGER, score DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM id, score FROM source_sql_stream_001 ORDER BY FLOOR(ROWTIME TO SECOND), score DESC;
