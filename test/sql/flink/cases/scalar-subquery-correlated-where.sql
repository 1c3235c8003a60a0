-- test: a correlated scalar subquery in WHERE over the same table (orders above their customer's average) keeps rows while the condition holds and retracts them (-D) when a later row of the key moves the average past them
-- at 0 orders: {"id": 1, "cust": "a", "amount": 10}
-- at 1 orders: {"id": 2, "cust": "a", "amount": 20}
-- at 2 orders: {"id": 3, "cust": "b", "amount": 7}
-- at 3 orders: {"id": 4, "cust": "a", "amount": 30}
-- expect above: +I {"id": 2, "amount": 20}
-- expect above: -D {"id": 2, "amount": 20}
-- expect above: +I {"id": 2, "amount": 20}
-- expect above: +I {"id": 4, "amount": 30}
-- expect above: -D {"id": 2, "amount": 20}
-- expect above: -D {"id": 4, "amount": 30}
-- expect above: +I {"id": 4, "amount": 30}
CREATE TABLE orders (id INT, cust STRING, amount INT) WITH ('connector' = 'datagen');
CREATE TABLE above (id INT, amount INT) WITH ('connector' = 'print');
INSERT INTO above SELECT id, amount FROM orders o WHERE amount > (SELECT AVG(amount) FROM orders o2 WHERE o2.cust = o.cust);
