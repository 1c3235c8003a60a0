-- test: sliding COUNT/SUM/AVG kept incrementally (RANGE per partition, and ROWS), with NULLs
-- input SOURCE_SQL_STREAM_001: k VARCHAR(1), v INTEGER
-- at 0 SOURCE_SQL_STREAM_001: {"K": "a", "V": 2}
-- at 1000 SOURCE_SQL_STREAM_001: {"K": "a", "V": null}
-- at 2000 SOURCE_SQL_STREAM_001: {"K": "b", "V": 10}
-- at 6000 SOURCE_SQL_STREAM_001: {"K": "a", "V": 4}
-- at 6500 SOURCE_SQL_STREAM_001: {"K": "a", "V": 6}
-- expect BY_KEY: {"ROWTIME": "2021-01-31 14:00:00.000", "K": "a", "N": 1, "NV": 1, "S": 2, "AV": 2}
-- expect BY_KEY: {"ROWTIME": "2021-01-31 14:00:01.000", "K": "a", "N": 2, "NV": 1, "S": 2, "AV": 2}
-- expect BY_KEY: {"ROWTIME": "2021-01-31 14:00:02.000", "K": "b", "N": 1, "NV": 1, "S": 10, "AV": 10}
-- expect BY_KEY: {"ROWTIME": "2021-01-31 14:00:06.000", "K": "a", "N": 2, "NV": 1, "S": 4, "AV": 4}
-- expect BY_KEY: {"ROWTIME": "2021-01-31 14:00:06.500", "K": "a", "N": 2, "NV": 2, "S": 10, "AV": 5}
-- expect LAST_TWO: {"ROWTIME": "2021-01-31 14:00:00.000", "S": 2}
-- expect LAST_TWO: {"ROWTIME": "2021-01-31 14:00:01.000", "S": 2}
-- expect LAST_TWO: {"ROWTIME": "2021-01-31 14:00:02.000", "S": 10}
-- expect LAST_TWO: {"ROWTIME": "2021-01-31 14:00:06.000", "S": 14}
-- expect LAST_TWO: {"ROWTIME": "2021-01-31 14:00:06.500", "S": 10}
CREATE OR REPLACE STREAM by_key (k VARCHAR(1), n INTEGER, nv INTEGER, s INTEGER, av INTEGER);
CREATE OR REPLACE STREAM last_two (s INTEGER);
CREATE OR REPLACE PUMP p1 AS INSERT INTO by_key
  SELECT STREAM k, COUNT(*) OVER w, COUNT(v) OVER w, SUM(v) OVER w, AVG(v) OVER w
  FROM source_sql_stream_001 WINDOW w AS (PARTITION BY k RANGE INTERVAL '5' SECOND PRECEDING);
CREATE OR REPLACE PUMP p2 AS INSERT INTO last_two
  SELECT STREAM SUM(v) OVER (ROWS 1 PRECEDING) FROM source_sql_stream_001;
