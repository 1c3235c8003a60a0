-- test: table.exec.state.ttl forgets semi-join state not touched for that long (processing time): an order after its customer's row expired finds no match
-- at 0 customers: {"id": 7}
-- at 1000 orders: {"customer": 7, "n": 1}
-- advance 70000
-- at 70001 orders: {"customer": 7, "n": 2}
-- expect known: +I {"customer": 7, "n": 1}
SET 'table.exec.state.ttl' = '1 min';
CREATE TABLE customers (id INT) WITH ('connector' = 'datagen');
CREATE TABLE orders (customer INT, n INT) WITH ('connector' = 'datagen');
CREATE TABLE known (customer INT, n INT) WITH ('connector' = 'print');
INSERT INTO known SELECT customer, n FROM orders WHERE customer IN (SELECT id FROM customers);
