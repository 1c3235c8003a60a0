-- test: correlated scalar subqueries in SELECT are LEFT joins with an aggregate per key: NULL for SUM and 0 for COUNT(*) (COALESCE applied) before the key has inner rows; each change on the inner side retracts (-D) and re-emits the outer rows of its key, passing through the NULL-padded row as a Flink LEFT join does
-- at 0 orders: {"id": 1, "cust": "a", "amount": 10}
-- at 1 payments: {"cust": "a", "paid": 4}
-- at 2 orders: {"id": 2, "cust": "b", "amount": 5}
-- at 3 payments: {"cust": "a", "paid": 6}
-- at 4 payments: {"cust": "c", "paid": 1}
-- expect due: +I {"id": 1, "paid": null, "n": 0, "left_to_pay": 10}
-- expect due: -D {"id": 1, "paid": null, "n": 0, "left_to_pay": 10}
-- expect due: +I {"id": 1, "paid": 4, "n": 0, "left_to_pay": 10}
-- expect due: -D {"id": 1, "paid": 4, "n": 0, "left_to_pay": 10}
-- expect due: +I {"id": 1, "paid": 4, "n": 1, "left_to_pay": 10}
-- expect due: -D {"id": 1, "paid": 4, "n": 1, "left_to_pay": 10}
-- expect due: +I {"id": 1, "paid": 4, "n": 1, "left_to_pay": 6}
-- expect due: +I {"id": 2, "paid": null, "n": 0, "left_to_pay": 5}
-- expect due: -D {"id": 1, "paid": 4, "n": 1, "left_to_pay": 6}
-- expect due: +I {"id": 1, "paid": null, "n": 1, "left_to_pay": 6}
-- expect due: -D {"id": 1, "paid": null, "n": 1, "left_to_pay": 6}
-- expect due: +I {"id": 1, "paid": 10, "n": 1, "left_to_pay": 6}
-- expect due: -D {"id": 1, "paid": 10, "n": 1, "left_to_pay": 6}
-- expect due: +I {"id": 1, "paid": 10, "n": 0, "left_to_pay": 6}
-- expect due: -D {"id": 1, "paid": 10, "n": 0, "left_to_pay": 6}
-- expect due: +I {"id": 1, "paid": 10, "n": 2, "left_to_pay": 6}
-- expect due: -D {"id": 1, "paid": 10, "n": 2, "left_to_pay": 6}
-- expect due: +I {"id": 1, "paid": 10, "n": 2, "left_to_pay": 10}
-- expect due: -D {"id": 1, "paid": 10, "n": 2, "left_to_pay": 10}
-- expect due: +I {"id": 1, "paid": 10, "n": 2, "left_to_pay": 0}
CREATE TABLE orders (id INT, cust STRING, amount INT) WITH ('connector' = 'datagen');
CREATE TABLE payments (cust STRING, paid INT) WITH ('connector' = 'datagen');
CREATE TABLE due (id INT, paid INT, n BIGINT, left_to_pay INT) WITH ('connector' = 'print');
INSERT INTO due SELECT id, (SELECT SUM(paid) FROM payments p WHERE p.cust = o.cust) AS paid, (SELECT COUNT(*) FROM payments WHERE cust = o.cust) AS n, amount - (SELECT COALESCE(SUM(paid), 0) FROM payments p WHERE o.cust = p.cust AND paid > 0) AS left_to_pay FROM orders o;
