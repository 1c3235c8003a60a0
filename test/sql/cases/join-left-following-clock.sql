-- test: LEFT OUTER with a FOLLOWING window on a quiet stream: the clock alone closes the window and brings out the null-extended row
-- input ORDERS: order_id INTEGER
-- input SHIPMENTS: order_id INTEGER, carrier VARCHAR(8)
-- at 0 ORDERS: {"ORDER_ID": 1}
-- at 20000 ORDERS: {"ORDER_ID": 2}
-- at 50000 SHIPMENTS: {"ORDER_ID": 2, "CARRIER": "dhl"}
-- no more rows on either input: only the clock moves
-- advance 59999
-- advance 60000
-- advance 90000
-- expect SHIPPED: {"ROWTIME": "2021-01-31 14:00:50.000", "ORDER_ID": 2, "CARRIER": "dhl"}
-- expect SHIPPED: {"ROWTIME": "2021-01-31 14:01:00.000", "ORDER_ID": 1, "CARRIER": null}
CREATE OR REPLACE STREAM shipped (order_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO shipped
  SELECT STREAM o.order_id, s.carrier
  FROM orders AS o
  LEFT JOIN shipments OVER (RANGE INTERVAL '1' MINUTE FOLLOWING) AS s ON o.order_id = s.order_id;
