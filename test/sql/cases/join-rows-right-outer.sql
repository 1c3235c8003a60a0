-- test: RIGHT OUTER with ROWS windows. A preserved shipment in a ROWS 1 PRECEDING window is known unmatched only when 2 later shipments (at or before the orders' time) have pushed it out of every window still to come; it comes out with the ROWTIME of the second one. The clock alone never releases the last ones (a count does not pass with time). With the window on the orders instead, a shipment meets the last 2 orders at once and, unmatched, comes out at its own ROWTIME.
-- input ORDERS: order_id INTEGER
-- input SHIPMENTS: order_id INTEGER, carrier VARCHAR(8)
-- at 0 SHIPMENTS: {"ORDER_ID": 7, "CARRIER": "dhl"}
-- at 1000 ORDERS: {"ORDER_ID": 1}
-- shipment 1 comes after order 1: the order's window (shipments up to 1 s) did not hold it
-- at 2000 SHIPMENTS: {"ORDER_ID": 1, "CARRIER": "ups"}
-- at 3000 ORDERS: {"ORDER_ID": 7}
-- at 4000 SHIPMENTS: {"ORDER_ID": 8, "CARRIER": "fedex"}
-- at 5000 SHIPMENTS: {"ORDER_ID": 9, "CARRIER": "tnt"}
-- at 6000 ORDERS: {"ORDER_ID": 9}
-- at 7000 SHIPMENTS: {"ORDER_ID": 10, "CARRIER": "ups"}
-- ten minutes of clock: shipment 10 is still one of the last 2 and stays unreported
-- advance 600000
-- expect SHIP_RIGHT: {"ROWTIME": "2021-01-31 14:00:03.000", "O_ID": 7, "S_ID": 7, "CARRIER": "dhl"}
-- expect SHIP_RIGHT: {"ROWTIME": "2021-01-31 14:00:05.000", "O_ID": null, "S_ID": 1, "CARRIER": "ups"}
-- expect SHIP_RIGHT: {"ROWTIME": "2021-01-31 14:00:06.000", "O_ID": 9, "S_ID": 9, "CARRIER": "tnt"}
-- expect SHIP_RIGHT: {"ROWTIME": "2021-01-31 14:00:07.000", "O_ID": null, "S_ID": 8, "CARRIER": "fedex"}
-- expect ORDER_WINDOW: {"ROWTIME": "2021-01-31 14:00:00.000", "O_ID": null, "S_ID": 7, "CARRIER": "dhl"}
-- expect ORDER_WINDOW: {"ROWTIME": "2021-01-31 14:00:02.000", "O_ID": 1, "S_ID": 1, "CARRIER": "ups"}
-- expect ORDER_WINDOW: {"ROWTIME": "2021-01-31 14:00:04.000", "O_ID": null, "S_ID": 8, "CARRIER": "fedex"}
-- expect ORDER_WINDOW: {"ROWTIME": "2021-01-31 14:00:05.000", "O_ID": null, "S_ID": 9, "CARRIER": "tnt"}
-- expect ORDER_WINDOW: {"ROWTIME": "2021-01-31 14:00:07.000", "O_ID": null, "S_ID": 10, "CARRIER": "ups"}
CREATE OR REPLACE STREAM ship_right (o_id INTEGER, s_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE STREAM order_window (o_id INTEGER, s_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p1 AS INSERT INTO ship_right
  SELECT STREAM o.order_id, s.order_id, s.carrier
  FROM orders AS o
  RIGHT OUTER JOIN shipments OVER (ROWS 1 PRECEDING) AS s ON o.order_id = s.order_id;
CREATE OR REPLACE PUMP p2 AS INSERT INTO order_window
  SELECT STREAM o.order_id, s.order_id, s.carrier
  FROM orders OVER (ROWS 1 PRECEDING) AS o
  RIGHT OUTER JOIN shipments AS s ON o.order_id = s.order_id;
