-- test: EXISTS in the SELECT list and under OR (also NOT EXISTS) is COUNT(*) of the correlated rows > 0, a LEFT join with an aggregate per key: FALSE until a match arrives, then the row is retracted (-D) and re-emitted TRUE; under OR a row comes out while either side holds
-- at 0 orders: {"id": 1, "total": 10}
-- at 1 orders: {"id": 2, "total": 500}
-- at 2 payments: {"order_id": 1, "amount": 10}
-- at 3 orders: {"id": 3, "total": 5}
-- expect flagged: +I {"id": 1, "paid": false}
-- expect flagged: +I {"id": 2, "paid": false}
-- expect flagged: -D {"id": 1, "paid": false}
-- expect flagged: +I {"id": 1, "paid": true}
-- expect flagged: +I {"id": 3, "paid": false}
-- expect watch: +I {"id": 2}
-- expect watch: +I {"id": 1}
-- expect unpaid_or_big: +I {"id": 1}
-- expect unpaid_or_big: +I {"id": 2}
-- expect unpaid_or_big: -D {"id": 1}
-- expect unpaid_or_big: +I {"id": 3}
CREATE TABLE orders (id INT, total INT) WITH ('connector' = 'datagen');
CREATE TABLE payments (order_id INT, amount INT) WITH ('connector' = 'datagen');
CREATE TABLE flagged (id INT, paid BOOLEAN) WITH ('connector' = 'print');
CREATE TABLE watch (id INT) WITH ('connector' = 'print');
CREATE TABLE unpaid_or_big (id INT) WITH ('connector' = 'print');
INSERT INTO flagged SELECT id, EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id) AS paid FROM orders o;
INSERT INTO watch SELECT id FROM orders o WHERE o.total > 100 OR EXISTS (SELECT * FROM payments WHERE order_id = o.id);
INSERT INTO unpaid_or_big SELECT id FROM orders o WHERE NOT EXISTS (SELECT * FROM payments WHERE order_id = o.id) OR o.total > 100;
