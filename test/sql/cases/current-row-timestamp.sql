-- test: CURRENT_ROW_TIMESTAMP is the time a row is produced: the push time for a pass-through row, the clock time a window closes at for an aggregate (not the window's ROWTIME)
-- input SOURCE_SQL_STREAM_001: "v" INTEGER
-- at 1500 SOURCE_SQL_STREAM_001: {"v": 1}
-- at 2500 SOURCE_SQL_STREAM_001: {"v": 2}
-- advance 65000
-- expect EACH: {"ROWTIME": "2021-01-31 14:00:01.500", "v": 1, "NOW_TS": "2021-01-31 14:00:01.500"}
-- expect EACH: {"ROWTIME": "2021-01-31 14:00:02.500", "v": 2, "NOW_TS": "2021-01-31 14:00:02.500"}
-- expect MINUTE: {"ROWTIME": "2021-01-31 14:01:00.000", "N": 2, "EMITTED": "2021-01-31 14:01:05.000"}
CREATE OR REPLACE STREAM each ("v" INTEGER, now_ts TIMESTAMP);
CREATE OR REPLACE STREAM minute (n INTEGER, emitted TIMESTAMP);
CREATE OR REPLACE PUMP p1 AS INSERT INTO each SELECT STREAM "v", CURRENT_ROW_TIMESTAMP FROM source_sql_stream_001;
CREATE OR REPLACE PUMP p2 AS INSERT INTO minute
  SELECT STREAM COUNT(*), CURRENT_ROW_TIMESTAMP FROM source_sql_stream_001
  GROUP BY STEP(source_sql_stream_001.ROWTIME BY INTERVAL '1' MINUTE);
