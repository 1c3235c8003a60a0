-- test: NOT IN over a correlated subquery is refused with the rewrite to use (NOT EXISTS)
-- expect-error 5:56 NOT IN with a correlated subquery is not supported by Freshet; write NOT EXISTS
CREATE TABLE orders (id INT, region STRING) WITH ('connector' = 'datagen');
CREATE TABLE blocked (id INT, region STRING) WITH ('connector' = 'datagen');
SELECT id FROM orders o WHERE o.region <> 'x' AND o.id NOT IN (SELECT b.id FROM blocked b WHERE b.region = o.region);
