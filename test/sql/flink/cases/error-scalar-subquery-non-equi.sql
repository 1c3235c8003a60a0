-- test: a correlated scalar subquery that compares inner and outer columns other than by equality is refused with a message saying what works
-- expect-error 5:81 a correlated scalar subquery may compare its own columns with the outer query only by equality
CREATE TABLE orders (id INT, amount INT) WITH ('connector' = 'datagen');
CREATE TABLE payments (order_id INT, paid INT) WITH ('connector' = 'datagen');
SELECT id, (SELECT SUM(paid) FROM payments p WHERE p.order_id = o.id AND p.paid < o.amount) FROM orders o;
