-- test: MONOTONIC takes exactly one argument
-- input LINEITEMS: order_id INTEGER
-- expect-error 6:50 MONOTONIC takes 1 argument(s), got 2
CREATE OR REPLACE STREAM n (c BIGINT);
CREATE OR REPLACE PUMP p AS INSERT INTO n
  SELECT STREAM COUNT(*) FROM lineitems GROUP BY MONOTONIC(order_id, 1);
