-- test: a correlated scalar subquery without an aggregate is SINGLE_VALUE: NULL while its key has no row, the value with one row, and with a second row each outer row of that key fails with Flink's 'SingleValueAggFunction received more than one element.' (counted, not emitted) until the key is back to one row
-- at 0 orders: {"id": 1, "cust": 7}
-- at 1 customers: {"cid": 7, "name": "Ann"}
-- at 2 orders: {"id": 2, "cust": 8}
-- at 3 customers: {"cid": 8, "name": "Bob"}
-- at 4 customers: {"cid": 8, "name": "Bobby"}
-- at 5 orders: {"id": 3, "cust": 8}
-- expect named: +I {"id": 1, "name": null}
-- expect named: -D {"id": 1, "name": null}
-- expect named: +I {"id": 1, "name": "Ann"}
-- expect named: +I {"id": 2, "name": null}
-- expect named: -D {"id": 2, "name": null}
-- expect named: +I {"id": 2, "name": "Bob"}
-- expect named: -D {"id": 2, "name": "Bob"}
-- expect named: +I {"id": 2, "name": null}
-- expect named: -D {"id": 2, "name": null}
-- expect-errors 2
-- expect-row-error SingleValueAggFunction received more than one element.
CREATE TABLE orders (id INT, cust INT) WITH ('connector' = 'datagen');
CREATE TABLE customers (cid INT, name STRING) WITH ('connector' = 'datagen');
CREATE TABLE named (id INT, name STRING) WITH ('connector' = 'print');
INSERT INTO named SELECT id, (SELECT name FROM customers c WHERE c.cid = o.cust) AS name FROM orders o;
