-- test: GROUP BY MONOTONIC(order_id) closes a group when a row brings the next order id (KDA's Monotonic Function); the last group waits for a row, not the clock
-- input LINEITEMS: order_id INTEGER, amount DOUBLE
-- at 0 LINEITEMS: {"ORDER_ID": 1001, "AMOUNT": 5}
-- at 10 LINEITEMS: {"ORDER_ID": 1001, "AMOUNT": 7.5}
-- at 20 LINEITEMS: {"ORDER_ID": 1002, "AMOUNT": 1}
-- at 30 LINEITEMS: {"ORDER_ID": 1005, "AMOUNT": 2}
-- at 40 LINEITEMS: {"ORDER_ID": 1005, "AMOUNT": 3}
-- advance 600000
-- expect ORDER_TOTALS: {"ROWTIME": "2021-01-31 14:00:00.020", "ORDER_ID": 1001, "ITEMS": 2, "TOTAL": 12.5}
-- expect ORDER_TOTALS: {"ROWTIME": "2021-01-31 14:00:00.030", "ORDER_ID": 1002, "ITEMS": 1, "TOTAL": 1}
CREATE OR REPLACE STREAM order_totals (order_id INTEGER, items BIGINT, total DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO order_totals
  SELECT STREAM order_id, COUNT(*), SUM(amount)
  FROM lineitems
  GROUP BY MONOTONIC(order_id);
