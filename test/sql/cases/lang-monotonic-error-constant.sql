-- test: MONOTONIC of a constant is rejected where the constant is
-- input LINEITEMS: order_id INTEGER
-- expect-error 6:60 MONOTONIC needs an expression over a column
CREATE OR REPLACE STREAM n (c BIGINT);
CREATE OR REPLACE PUMP p AS INSERT INTO n
  SELECT STREAM COUNT(*) FROM lineitems GROUP BY MONOTONIC(5);
