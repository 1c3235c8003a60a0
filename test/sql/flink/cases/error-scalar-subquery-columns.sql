-- test: a scalar subquery that returns two columns is refused
-- expect-error 4:36 A scalar subquery must return exactly one column, but it returns 2
CREATE TABLE orders (id INT, qty INT) WITH ('connector' = 'datagen');
SELECT id FROM orders WHERE qty > (SELECT MAX(qty), MIN(qty) FROM orders);
