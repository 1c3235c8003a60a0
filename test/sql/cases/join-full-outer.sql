-- test: FULL OUTER stream-to-stream join: unmatched rows of both sides come out null-extended after their windows end, in ROWTIME order with the matches
-- input ORDERS: order_id INTEGER, item VARCHAR(8)
-- input SHIPMENTS: order_id INTEGER, carrier VARCHAR(8)
-- at 0 ORDERS: {"ORDER_ID": 1, "ITEM": "book"}
-- at 5000 ORDERS: {"ORDER_ID": 2, "ITEM": "pen"}
-- at 10000 SHIPMENTS: {"ORDER_ID": 1, "CARRIER": "ups"}
-- at 15000 SHIPMENTS: {"ORDER_ID": 5, "CARRIER": "dhl"}
-- at 20000 SHIPMENTS: {"ORDER_ID": 1, "CARRIER": "again"}
-- advance 40000
-- expect BOTH: {"ROWTIME": "2021-01-31 14:00:10.000", "O_ID": 1, "S_ID": 1, "ITEM": "book", "CARRIER": "ups"}
-- expect BOTH: {"ROWTIME": "2021-01-31 14:00:15.000", "O_ID": null, "S_ID": 5, "ITEM": null, "CARRIER": "dhl"}
-- expect BOTH: {"ROWTIME": "2021-01-31 14:00:20.000", "O_ID": 1, "S_ID": 1, "ITEM": "book", "CARRIER": "again"}
-- expect BOTH: {"ROWTIME": "2021-01-31 14:00:25.000", "O_ID": 2, "S_ID": null, "ITEM": "pen", "CARRIER": null}
CREATE OR REPLACE STREAM both (o_id INTEGER, s_id INTEGER, item VARCHAR(8), carrier VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO both
  SELECT STREAM o.order_id, s.order_id, o.item, s.carrier
  FROM orders AS o
  FULL JOIN shipments OVER (RANGE INTERVAL '20' SECOND FOLLOWING) AS s ON o.order_id = s.order_id;
