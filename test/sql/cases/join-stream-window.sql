-- test: stream-to-stream join with a RANGE window, inner and LEFT OUTER
-- input ORDERS: order_id INTEGER, item VARCHAR(8)
-- input SHIPMENTS: order_id INTEGER, carrier VARCHAR(8)
-- at 0 ORDERS: {"ORDER_ID": 1, "ITEM": "book"}
-- at 1000 ORDERS: {"ORDER_ID": 2, "ITEM": "pen"}
-- at 30000 SHIPMENTS: {"ORDER_ID": 1, "CARRIER": "ups"}
-- at 90000 SHIPMENTS: {"ORDER_ID": 2, "CARRIER": "dhl"}
-- at 95000 ORDERS: {"ORDER_ID": 3, "ITEM": "cup"}
-- expect MATCHED: {"ROWTIME": "2021-01-31 14:00:30.000", "ORDER_ID": 1, "ITEM": "book", "CARRIER": "ups"}
-- expect ORDERS_WITH_RECENT_SHIPMENT: {"ROWTIME": "2021-01-31 14:00:00.000", "ORDER_ID": 1, "CARRIER": null}
-- expect ORDERS_WITH_RECENT_SHIPMENT: {"ROWTIME": "2021-01-31 14:00:01.000", "ORDER_ID": 2, "CARRIER": null}
-- expect ORDERS_WITH_RECENT_SHIPMENT: {"ROWTIME": "2021-01-31 14:01:35.000", "ORDER_ID": 3, "CARRIER": null}
CREATE OR REPLACE STREAM matched (order_id INTEGER, item VARCHAR(8), carrier VARCHAR(8));
CREATE OR REPLACE STREAM orders_with_recent_shipment (order_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p1 AS INSERT INTO matched
  SELECT STREAM o.order_id, o.item, s.carrier
  FROM orders OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS o
  JOIN shipments AS s ON o.order_id = s.order_id;
CREATE OR REPLACE PUMP p2 AS INSERT INTO orders_with_recent_shipment
  SELECT STREAM o.order_id, s.carrier
  FROM orders AS o
  LEFT OUTER JOIN shipments OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS s ON o.order_id = s.order_id;
