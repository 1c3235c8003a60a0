-- test: event-time temporal join: each order meets the currency rate valid at its time (versions by primary key, upserts from a changelog)
-- change 0 rates: +I {"currency": "EUR", "rate": 1.10, "update_time": "2021-01-31 09:00:00"}
-- change 1 rates: +I {"currency": "GBP", "rate": 1.30, "update_time": "2021-01-31 09:00:00"}
-- at 2 orders: {"order_id": 1, "currency": "EUR", "amount": 10, "order_time": "2021-01-31 09:30:00"}
-- change 3 rates: -U {"currency": "EUR", "rate": 1.10, "update_time": "2021-01-31 10:00:00"}
-- change 3 rates: +U {"currency": "EUR", "rate": 1.20, "update_time": "2021-01-31 10:00:00"}
-- at 4 orders: {"order_id": 2, "currency": "EUR", "amount": 10, "order_time": "2021-01-31 10:15:00"}
-- at 5 orders: {"order_id": 3, "currency": "JPY", "amount": 10, "order_time": "2021-01-31 10:20:00"}
-- change 6 rates: +I {"currency": "GBP", "rate": 1.31, "update_time": "2021-01-31 11:00:00"}
-- at 7 orders: {"order_id": 4, "currency": "GBP", "amount": 1, "order_time": "2021-01-31 11:05:00"}
-- expect converted: +I {"order_id": 1, "amount_usd": 11, "rate": 1.1}
-- expect converted: +I {"order_id": 2, "amount_usd": 12, "rate": 1.2}
-- expect converted: +I {"order_id": 3, "amount_usd": null, "rate": null}
CREATE TABLE rates (
  currency STRING, rate DECIMAL(10, 2), update_time TIMESTAMP(3),
  WATERMARK FOR update_time AS update_time,
  PRIMARY KEY (currency) NOT ENFORCED
) WITH ('connector' = 'kinesis', 'stream' = 'rates-cdc', 'format' = 'debezium-json');
CREATE TABLE orders (order_id INT, currency STRING, amount DOUBLE, order_time TIMESTAMP(3), WATERMARK FOR order_time AS order_time)
  WITH ('connector' = 'datagen');
CREATE TABLE converted (order_id INT, amount_usd DOUBLE, rate DECIMAL(10, 2)) WITH ('connector' = 'print');
INSERT INTO converted
SELECT o.order_id, o.amount * r.rate, r.rate
FROM orders AS o
LEFT JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r
ON o.currency = r.currency;
