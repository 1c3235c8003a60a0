-- test: correlated EXISTS is a semi join (an order comes out once a covering payment arrives, before or after it) and NOT EXISTS an anti join (an unpaid order comes out, and is retracted with -D when its payment arrives)
-- at 0 orders: {"id": 1, "total": 10}
-- at 1 payments: {"order_id": 1, "amount": 4}
-- at 2 orders: {"id": 2, "total": 5}
-- at 3 payments: {"order_id": 2, "amount": 5}
-- at 4 payments: {"order_id": 1, "amount": 12}
-- at 5 payments: {"order_id": 1, "amount": 20}
-- at 6 payments: {"order_id": 3, "amount": 1}
-- at 7 orders: {"id": 3, "total": 1}
-- expect paid: +I {"id": 2, "total": 5}
-- expect paid: +I {"id": 1, "total": 10}
-- expect paid: +I {"id": 3, "total": 1}
-- expect unpaid: +I {"id": 1, "total": 10}
-- expect unpaid: +I {"id": 2, "total": 5}
-- expect unpaid: -D {"id": 2, "total": 5}
-- expect unpaid: -D {"id": 1, "total": 10}
CREATE TABLE orders (id INT, total INT) WITH ('connector' = 'datagen');
CREATE TABLE payments (order_id INT, amount INT) WITH ('connector' = 'datagen');
CREATE TABLE paid (id INT, total INT) WITH ('connector' = 'print');
CREATE TABLE unpaid (id INT, total INT) WITH ('connector' = 'print');
INSERT INTO paid SELECT id, total FROM orders o WHERE EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.amount >= o.total);
INSERT INTO unpaid SELECT id, total FROM orders AS o WHERE NOT EXISTS (SELECT * FROM payments WHERE order_id = o.id AND amount >= total);
