-- test: a GROUP BY with no time window and no MONOTONIC key says how to declare one
-- input LINEITEMS: order_id INTEGER
-- expect-error 6:50 or an expression declared MONOTONIC
CREATE OR REPLACE STREAM n (c BIGINT);
CREATE OR REPLACE PUMP p AS INSERT INTO n
  SELECT STREAM COUNT(*) FROM lineitems GROUP BY order_id;
