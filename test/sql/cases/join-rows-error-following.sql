-- test: a ROWS join window that counts forward is a plan error at the count it reaches forward, pointing to the RANGE form
-- input ORDERS: order_id INTEGER
-- input SHIPMENTS: order_id INTEGER, carrier VARCHAR(8)
-- expect-error 9:34 write ROWS n PRECEDING, or use RANGE INTERVAL 'n' unit FOLLOWING
CREATE OR REPLACE STREAM matched (order_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO matched
  SELECT STREAM o.order_id, s.carrier
  FROM orders AS o
  LEFT JOIN shipments OVER (ROWS 3 FOLLOWING) AS s ON o.order_id = s.order_id;
