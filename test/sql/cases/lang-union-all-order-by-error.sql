-- test: ORDER BY after UNION ALL names the union's columns (the first branch's names)
-- input T1: x INTEGER
-- input T2: a INTEGER
-- expect-error 8:38 unknown column A
CREATE OR REPLACE STREAM sorted (x INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO sorted
  SELECT STREAM x FROM t1 UNION ALL SELECT STREAM a FROM t2
  ORDER BY FLOOR(ROWTIME TO SECOND), a;
