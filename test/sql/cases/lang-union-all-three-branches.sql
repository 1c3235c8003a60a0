-- test: UNION ALL of three streams, one of them fed by a windowed pump: rows come out in ROWTIME order with their own ROWTIMEs
-- input A: v INTEGER
-- input B: w INTEGER
-- at 0 A: {"V": 1}
-- at 400 B: {"W": 10}
-- at 900 A: {"V": 2}
-- at 1100 B: {"W": 20}
-- advance 3000
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:00.000", "SRC": "a", "N": 1}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:00.400", "SRC": "b", "N": 10}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:00.900", "SRC": "a", "N": 2}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:01.000", "SRC": "c", "N": 3}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:01.100", "SRC": "b", "N": 20}
CREATE OR REPLACE STREAM merged (src VARCHAR(1), n BIGINT);
CREATE OR REPLACE STREAM counts (n BIGINT);
CREATE OR REPLACE PUMP p AS INSERT INTO merged
  SELECT STREAM 'c', n FROM counts
  UNION ALL
  SELECT STREAM 'a', v FROM a
  UNION ALL
  SELECT STREAM 'b', w FROM b;
CREATE OR REPLACE PUMP p_counts AS INSERT INTO counts
  SELECT STREAM SUM(v) FROM a GROUP BY FLOOR(a.ROWTIME TO SECOND);
