-- test: UNION ALL merges its branches on ROWTIME: a window's rows (ROWTIME = window end) come out before a later row that closed the window, each keeping its own ROWTIME
-- input S: v INTEGER
-- at 0 S: {"V": 1}
-- at 500 S: {"V": 2}
-- at 1200 S: {"V": 3}
-- at 1300 S: {"V": 4}
-- advance 2500
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:00.000", "KIND": "row", "N": 1}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:00.500", "KIND": "row", "N": 2}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:01.000", "KIND": "sum", "N": 3}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:01.200", "KIND": "row", "N": 3}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:01.300", "KIND": "row", "N": 4}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:02.000", "KIND": "sum", "N": 7}
CREATE OR REPLACE STREAM merged (kind VARCHAR(4), n BIGINT);
CREATE OR REPLACE PUMP p AS INSERT INTO merged
  SELECT STREAM 'row', v FROM s
  UNION ALL
  SELECT STREAM 'sum', SUM(v) FROM s GROUP BY STEP(s.ROWTIME BY INTERVAL '1' SECOND);
