-- test: SELECT STREAM DISTINCT accepts a MONOTONIC(...) column as the key that bounds its memory
-- input LINEITEMS: order_id INTEGER, sku VARCHAR(8)
-- at 0 LINEITEMS: {"ORDER_ID": 1001, "SKU": "a"}
-- at 10 LINEITEMS: {"ORDER_ID": 1001, "SKU": "a"}
-- at 20 LINEITEMS: {"ORDER_ID": 1001, "SKU": "b"}
-- at 30 LINEITEMS: {"ORDER_ID": 1002, "SKU": "a"}
-- expect SKUS: {"ROWTIME": "2021-01-31 14:00:00.000", "ORDER_ID": 1001, "SKU": "a"}
-- expect SKUS: {"ROWTIME": "2021-01-31 14:00:00.020", "ORDER_ID": 1001, "SKU": "b"}
-- expect SKUS: {"ROWTIME": "2021-01-31 14:00:00.030", "ORDER_ID": 1002, "SKU": "a"}
CREATE OR REPLACE STREAM skus (order_id INTEGER, sku VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO skus
  SELECT STREAM DISTINCT MONOTONIC(order_id), sku FROM lineitems;
