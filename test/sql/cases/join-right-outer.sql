-- test: RIGHT OUTER stream-to-stream join, the mirror of LEFT: a shipment with no order in its window comes out with NULL order columns once time passes its window end
-- input ORDERS: order_id INTEGER, item VARCHAR(8)
-- input SHIPMENTS: order_id INTEGER, carrier VARCHAR(8)
-- at 0 ORDERS: {"ORDER_ID": 1, "ITEM": "book"}
-- at 10000 SHIPMENTS: {"ORDER_ID": 1, "CARRIER": "ups"}
-- at 20000 SHIPMENTS: {"ORDER_ID": 7, "CARRIER": "dhl"}
-- shipment 8 is matched by an order arriving 30 s after it: the orders window reaches 1 minute ahead of a shipment
-- at 30000 SHIPMENTS: {"ORDER_ID": 8, "CARRIER": "fedex"}
-- at 60000 ORDERS: {"ORDER_ID": 8, "ITEM": "pen"}
-- shipment 7's window on the orders ends at 80000
-- at 79999 ORDERS: {"ORDER_ID": 9, "ITEM": "cup"}
-- at 80000 ORDERS: {"ORDER_ID": 10, "ITEM": "mug"}
-- expect SHIPPED: {"ROWTIME": "2021-01-31 14:00:10.000", "ORDER_ID": 1, "ITEM": "book", "CARRIER": "ups"}
-- expect SHIPPED: {"ROWTIME": "2021-01-31 14:01:00.000", "ORDER_ID": 8, "ITEM": "pen", "CARRIER": "fedex"}
-- expect SHIPPED: {"ROWTIME": "2021-01-31 14:01:20.000", "ORDER_ID": null, "ITEM": null, "CARRIER": "dhl"}
CREATE OR REPLACE STREAM shipped (order_id INTEGER, item VARCHAR(8), carrier VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO shipped
  SELECT STREAM o.order_id, o.item, s.carrier
  FROM orders OVER (RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND INTERVAL '1' MINUTE FOLLOWING) AS o
  RIGHT OUTER JOIN shipments AS s ON o.order_id = s.order_id;
