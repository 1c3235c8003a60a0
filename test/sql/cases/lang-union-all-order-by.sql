-- test: ORDER BY after UNION ALL sorts the merged rows of each time granule by the union's columns (the KDA reference's ORDER BY ROWTIME-window, MOD(x, 5) form)
-- input T1: x INTEGER, y VARCHAR(1)
-- input T2: a INTEGER, b VARCHAR(1)
-- at 0 T1: {"X": 7, "Y": "a"}
-- at 100 T2: {"A": 5, "B": "b"}
-- at 200 T1: {"X": 3, "Y": "c"}
-- at 1000 T2: {"A": 1, "B": "d"}
-- advance 5000
-- expect SORTED: {"ROWTIME": "2021-01-31 14:00:00.100", "X": 5, "Y": "b"}
-- expect SORTED: {"ROWTIME": "2021-01-31 14:00:00.100", "X": 7, "Y": "a"}
-- expect SORTED: {"ROWTIME": "2021-01-31 14:00:00.200", "X": 3, "Y": "c"}
-- expect SORTED: {"ROWTIME": "2021-01-31 14:00:01.000", "X": 1, "Y": "d"}
CREATE OR REPLACE STREAM sorted (x INTEGER, y VARCHAR(1));
CREATE OR REPLACE PUMP p AS INSERT INTO sorted
  SELECT STREAM x, y FROM t1
  UNION ALL
  SELECT STREAM a, b FROM t2
  ORDER BY FLOOR(ROWTIME TO SECOND), MOD(x, 5);
