-- test: ROWS windows on both sides of a join are a plan error at the second window (its opening parenthesis), saying what to write instead
-- input ORDERS: order_id INTEGER
-- input SHIPMENTS: order_id INTEGER, carrier VARCHAR(8)
-- expect-error 9:23 keep OVER (ROWS n PRECEDING) on one side and no window on the other
CREATE OR REPLACE STREAM matched (order_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO matched
  SELECT STREAM o.order_id, s.carrier
  FROM orders OVER (ROWS 5 PRECEDING) AS o
  JOIN shipments OVER (ROWS 2 PRECEDING) AS s ON o.order_id = s.order_id;
