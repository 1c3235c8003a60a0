-- test: ORDER BY MONOTONIC(order_id), amount DESC sorts the rows of each order id once the next id arrives
-- input LINEITEMS: order_id INTEGER, amount DOUBLE
-- at 0 LINEITEMS: {"ORDER_ID": 1001, "AMOUNT": 5}
-- at 10 LINEITEMS: {"ORDER_ID": 1001, "AMOUNT": 7}
-- at 20 LINEITEMS: {"ORDER_ID": 1002, "AMOUNT": 1}
-- at 30 LINEITEMS: {"ORDER_ID": 1005, "AMOUNT": 2}
-- advance 600000
-- expect SORTED: {"ROWTIME": "2021-01-31 14:00:00.010", "ORDER_ID": 1001, "AMOUNT": 7}
-- expect SORTED: {"ROWTIME": "2021-01-31 14:00:00.010", "ORDER_ID": 1001, "AMOUNT": 5}
-- expect SORTED: {"ROWTIME": "2021-01-31 14:00:00.020", "ORDER_ID": 1002, "AMOUNT": 1}
CREATE OR REPLACE STREAM sorted (order_id INTEGER, amount DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO sorted
  SELECT STREAM order_id, amount FROM lineitems
  ORDER BY MONOTONIC(order_id), amount DESC;
