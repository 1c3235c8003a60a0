-- test: ORDER BY inside a time window (S2's OUTPUT_PUMP shape): rows of each second sorted by score DESC
-- input SOURCE_SQL_STREAM_001: id INTEGER, score DOUBLE
-- at 0 SOURCE_SQL_STREAM_001: {"ID": 1, "SCORE": 0.5}
-- at 100 SOURCE_SQL_STREAM_001: {"ID": 2, "SCORE": 3}
-- at 900 SOURCE_SQL_STREAM_001: {"ID": 3, "SCORE": 2}
-- at 1000 SOURCE_SQL_STREAM_001: {"ID": 4, "SCORE": 1.5}
-- at 1500 SOURCE_SQL_STREAM_001: {"ID": 5, "SCORE": 9}
-- advance 1999
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.100", "ID": 2, "SCORE": 3}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.900", "ID": 3, "SCORE": 2}
-- expect OUT: {"ROWTIME": "2021-01-31 14:00:00.900", "ID": 1, "SCORE": 0.5}
CREATE OR REPLACE STREAM out (id INTEGER, score DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM * FROM source_sql_stream_001 WHERE score > 0.1
  ORDER BY FLOOR(source_sql_stream_001.ROWTIME TO SECOND), score DESC;
