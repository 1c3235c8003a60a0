-- test: LEFT OUTER with a FOLLOWING window: a match later in the window replaces the null-extended row; an order that stays unmatched comes out null-extended when time reaches its window end, with ROWTIME = the window end
-- input ORDERS: order_id INTEGER
-- input SHIPMENTS: order_id INTEGER, carrier VARCHAR(8)
-- at 0 ORDERS: {"ORDER_ID": 1}
-- at 1000 ORDERS: {"ORDER_ID": 2}
-- at 30000 SHIPMENTS: {"ORDER_ID": 1, "CARRIER": "ups"}
-- order 2's window is [1000, 61000]: this shipment at 61000 could still have matched it; it closes the window
-- at 61000 SHIPMENTS: {"ORDER_ID": 9, "CARRIER": "other"}
-- at 61001 ORDERS: {"ORDER_ID": 3}
-- too late for order 2
-- at 70000 SHIPMENTS: {"ORDER_ID": 2, "CARRIER": "late"}
-- at 100000 ORDERS: {"ORDER_ID": 4}
-- exactly at the end of order 4's window, and the first row to bring time there: still a match
-- at 160000 SHIPMENTS: {"ORDER_ID": 4, "CARRIER": "edge"}
-- expect SHIPPED: {"ROWTIME": "2021-01-31 14:00:30.000", "ORDER_ID": 1, "CARRIER": "ups"}
-- expect SHIPPED: {"ROWTIME": "2021-01-31 14:01:01.000", "ORDER_ID": 2, "CARRIER": null}
-- expect SHIPPED: {"ROWTIME": "2021-01-31 14:02:01.001", "ORDER_ID": 3, "CARRIER": null}
-- expect SHIPPED: {"ROWTIME": "2021-01-31 14:02:40.000", "ORDER_ID": 4, "CARRIER": "edge"}
CREATE OR REPLACE STREAM shipped (order_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO shipped
  SELECT STREAM o.order_id, s.carrier
  FROM orders AS o
  LEFT OUTER JOIN shipments OVER (RANGE INTERVAL '1' MINUTE FOLLOWING) AS s ON o.order_id = s.order_id;
