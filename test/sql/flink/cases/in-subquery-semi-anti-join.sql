-- test: IN (SELECT ...) keeps rows whose value the subquery has produced; NOT IN follows SQL's NULL rules: a NULL in the subquery withdraws every row, a NULL on the left is out only while the subquery is empty
-- at 0 sales: {"product": "apple", "qty": 1}
-- at 1 sales: {"product": null, "qty": 2}
-- at 2 promoted: {"name": "apple"}
-- at 3 sales: {"product": "pear", "qty": 3}
-- at 4 sales: {"product": "apple", "qty": 4}
-- at 5 promoted: {"name": null}
-- at 6 sales: {"product": "plum", "qty": 5}
-- expect promo: +I {"product": "apple", "qty": 1}
-- expect promo: +I {"product": "apple", "qty": 4}
-- expect other: +I {"product": "apple", "qty": 1}
-- expect other: +I {"product": null, "qty": 2}
-- expect other: -D {"product": "apple", "qty": 1}
-- expect other: -D {"product": null, "qty": 2}
-- expect other: +I {"product": "pear", "qty": 3}
-- expect other: -D {"product": "pear", "qty": 3}
CREATE TABLE sales (product STRING, qty INT) WITH ('connector' = 'datagen');
CREATE TABLE promoted (name STRING) WITH ('connector' = 'datagen');
CREATE TABLE promo (product STRING, qty INT) WITH ('connector' = 'print');
CREATE TABLE other (product STRING, qty INT) WITH ('connector' = 'print');
INSERT INTO promo SELECT product, qty FROM sales WHERE qty > 0 AND product IN (SELECT name FROM promoted);
INSERT INTO other SELECT product, qty FROM sales WHERE product NOT IN (SELECT name FROM promoted WHERE name IS NULL OR CHAR_LENGTH(name) > 0);
