-- test: a ROWS join window is a count, not a time: an order meets the last 3 shipments (ROWS 2 PRECEDING: 2 preceding rows and the current one) however old they are, and not a shipment 3 rows back; with a hash key and with a condition that is no equality
-- input ORDERS: order_id INTEGER
-- input SHIPMENTS: order_id INTEGER, carrier VARCHAR(8)
-- at 0 SHIPMENTS: {"ORDER_ID": 1, "CARRIER": "ups"}
-- at 1000 SHIPMENTS: {"ORDER_ID": 2, "CARRIER": "dhl"}
-- ten minutes later both shipments are still the latest ones
-- at 600000 ORDERS: {"ORDER_ID": 1}
-- at 600000 SHIPMENTS: {"ORDER_ID": 3, "CARRIER": "fedex"}
-- at 601000 SHIPMENTS: {"ORDER_ID": 4, "CARRIER": "ups"}
-- shipment 1 is now the 4th row back: out of the window
-- at 602000 ORDERS: {"ORDER_ID": 1}
-- shipment 2 is the 3rd row back: still in (a window of only the last 2 rows would miss it)
-- at 602000 ORDERS: {"ORDER_ID": 2}
-- at 602000 ORDERS: {"ORDER_ID": 3}
-- expect MATCHED: {"ROWTIME": "2021-01-31 14:10:00.000", "ORDER_ID": 1, "CARRIER": "ups"}
-- expect MATCHED: {"ROWTIME": "2021-01-31 14:10:02.000", "ORDER_ID": 2, "CARRIER": "dhl"}
-- expect MATCHED: {"ROWTIME": "2021-01-31 14:10:02.000", "ORDER_ID": 3, "CARRIER": "fedex"}
-- expect LATER: {"ROWTIME": "2021-01-31 14:10:00.000", "ORDER_ID": 1, "S_ID": 2, "CARRIER": "dhl"}
-- expect LATER: {"ROWTIME": "2021-01-31 14:10:02.000", "ORDER_ID": 1, "S_ID": 3, "CARRIER": "fedex"}
-- expect LATER: {"ROWTIME": "2021-01-31 14:10:02.000", "ORDER_ID": 1, "S_ID": 4, "CARRIER": "ups"}
-- expect LATER: {"ROWTIME": "2021-01-31 14:10:02.000", "ORDER_ID": 2, "S_ID": 3, "CARRIER": "fedex"}
-- expect LATER: {"ROWTIME": "2021-01-31 14:10:02.000", "ORDER_ID": 2, "S_ID": 4, "CARRIER": "ups"}
-- expect LATER: {"ROWTIME": "2021-01-31 14:10:02.000", "ORDER_ID": 3, "S_ID": 4, "CARRIER": "ups"}
CREATE OR REPLACE STREAM matched (order_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE STREAM later (order_id INTEGER, s_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p1 AS INSERT INTO matched
  SELECT STREAM o.order_id, s.carrier
  FROM orders AS o
  JOIN shipments OVER (ROWS 2 PRECEDING) AS s ON o.order_id = s.order_id;
CREATE OR REPLACE PUMP p2 AS INSERT INTO later
  SELECT STREAM o.order_id, s.order_id, s.carrier
  FROM orders AS o
  JOIN shipments OVER (ROWS 1 PRECEDING) AS s ON s.order_id > o.order_id;
