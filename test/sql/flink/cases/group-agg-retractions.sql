-- test: GROUP BY without a window is a changelog: +I for a new group, -U/+U when its result changes, nothing when it does not
-- at 0 orders: {"product": "apple", "qty": 2}
-- at 1 orders: {"product": "pear", "qty": 1}
-- at 2 orders: {"product": "apple", "qty": 3}
-- at 3 orders: {"product": "apple", "qty": 0}
-- expect totals: +I {"product": "apple", "n": 1, "total": 2}
-- expect totals: +I {"product": "pear", "n": 1, "total": 1}
-- expect totals: -U {"product": "apple", "n": 1, "total": 2}
-- expect totals: +U {"product": "apple", "n": 2, "total": 5}
-- expect totals: -U {"product": "apple", "n": 2, "total": 5}
-- expect totals: +U {"product": "apple", "n": 3, "total": 5}
-- expect volume: +I {"total": 2}
-- expect volume: -U {"total": 2}
-- expect volume: +U {"total": 3}
-- expect volume: -U {"total": 3}
-- expect volume: +U {"total": 6}
CREATE TABLE orders (product STRING, qty INT) WITH ('connector' = 'datagen');
CREATE TABLE totals (product STRING, n BIGINT, total INT, PRIMARY KEY (product) NOT ENFORCED) WITH ('connector' = 'print');
CREATE TABLE volume (total INT) WITH ('connector' = 'print');
INSERT INTO totals SELECT product, COUNT(*), SUM(qty) FROM orders GROUP BY product;
INSERT INTO volume SELECT SUM(qty) FROM orders;
