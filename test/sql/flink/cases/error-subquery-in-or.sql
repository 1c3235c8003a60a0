-- test: EXISTS under OR is refused: subquery conditions are semi or anti joins, so they must be conjuncts of WHERE
-- expect-error 4:48 EXISTS (SELECT ...) is supported as a condition of WHERE, alone or joined with AND
CREATE TABLE orders (id INT, total INT) WITH ('connector' = 'datagen');
SELECT id FROM orders o WHERE o.total > 100 OR EXISTS (SELECT 1 FROM orders x WHERE x.id = o.id + 1);
