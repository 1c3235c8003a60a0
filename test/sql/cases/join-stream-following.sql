-- test: a join window FOLLOWING: shipments arriving up to a minute after their order still match it
-- input ORDERS: order_id INTEGER
-- input SHIPMENTS: order_id INTEGER, carrier VARCHAR(8)
-- at 0 ORDERS: {"ORDER_ID": 1}
-- at 30000 SHIPMENTS: {"ORDER_ID": 1, "CARRIER": "ups"}
-- at 70000 SHIPMENTS: {"ORDER_ID": 1, "CARRIER": "late"}
-- expect MATCHED: {"ROWTIME": "2021-01-31 14:00:30.000", "ORDER_ID": 1, "CARRIER": "ups"}
CREATE OR REPLACE STREAM matched (order_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO matched
  SELECT STREAM o.order_id, s.carrier
  FROM orders AS o
  JOIN shipments OVER (RANGE INTERVAL '1' MINUTE FOLLOWING) AS s ON o.order_id = s.order_id;
