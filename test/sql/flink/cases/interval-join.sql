-- test: interval join: a shipment within 2 hours after its order; LEFT joins emit unmatched orders null-extended once the watermark passes the interval
-- at 0 orders: {"id": 1, "order_time": "2021-01-31 10:00:00"}
-- at 1 orders: {"id": 2, "order_time": "2021-01-31 10:30:00"}
-- at 2 shipments: {"order_id": 1, "ship_time": "2021-01-31 11:00:00"}
-- at 3 shipments: {"order_id": 2, "ship_time": "2021-01-31 13:00:00"}
-- at 4 orders: {"id": 3, "order_time": "2021-01-31 13:00:00"}
-- at 5 shipments: {"order_id": 9, "ship_time": "2021-01-31 13:30:00"}
-- expect shipped: +I {"id": 1, "order_time": "2021-01-31 10:00:00.000", "ship_time": "2021-01-31 11:00:00.000"}
-- expect all_orders: +I {"id": 1, "ship_time": "2021-01-31 11:00:00.000"}
-- expect all_orders: +I {"id": 2, "ship_time": null}
CREATE TABLE orders (id INT, order_time TIMESTAMP(3), WATERMARK FOR order_time AS order_time) WITH ('connector' = 'datagen');
CREATE TABLE shipments (order_id INT, ship_time TIMESTAMP(3), WATERMARK FOR ship_time AS ship_time) WITH ('connector' = 'datagen');
CREATE TABLE shipped (id INT, order_time TIMESTAMP(3), ship_time TIMESTAMP(3)) WITH ('connector' = 'print');
CREATE TABLE all_orders (id INT, ship_time TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO shipped
SELECT o.id, o.order_time, s.ship_time
FROM orders o, shipments s
WHERE o.id = s.order_id AND s.ship_time BETWEEN o.order_time AND o.order_time + INTERVAL '2' HOUR;
INSERT INTO all_orders
SELECT o.id, s.ship_time
FROM orders o LEFT JOIN shipments s
  ON o.id = s.order_id AND s.ship_time >= o.order_time AND s.ship_time <= o.order_time + INTERVAL '2' HOUR;
