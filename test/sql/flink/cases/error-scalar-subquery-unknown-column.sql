-- test: a column that neither the scalar subquery nor the outer query has is reported at its position
-- expect-error 5:67 Column 'nope' not found in table 'o'
CREATE TABLE orders (id INT, amount INT) WITH ('connector' = 'datagen');
CREATE TABLE payments (order_id INT, paid INT) WITH ('connector' = 'datagen');
SELECT id, (SELECT SUM(paid) FROM payments p WHERE p.order_id = o.nope) FROM orders o;
