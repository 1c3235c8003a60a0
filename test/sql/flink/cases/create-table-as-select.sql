-- test: CREATE TABLE ... WITH (...) AS SELECT creates the table with the query's column names and types and runs the query into it (here an updating GROUP BY into a print table)
-- at 0 orders: {"cust": "a", "amount": 5}
-- at 1 orders: {"cust": "b", "amount": 2}
-- at 2 orders: {"cust": "a", "amount": 1}
-- expect totals: +I {"cust": "a", "total": 5, "n": 1}
-- expect totals: +I {"cust": "b", "total": 2, "n": 1}
-- expect totals: -U {"cust": "a", "total": 5, "n": 1}
-- expect totals: +U {"cust": "a", "total": 6, "n": 2}
CREATE TABLE orders (cust STRING, amount INT) WITH ('connector' = 'datagen');
CREATE TABLE totals WITH ('connector' = 'print') AS SELECT cust, SUM(amount) AS total, COUNT(*) AS n FROM orders GROUP BY cust;
