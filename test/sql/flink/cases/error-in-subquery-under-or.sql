-- test: IN (SELECT ...) under OR is refused with a message that says to write EXISTS there (IN's NULL rules need the semi join)
-- expect-error 4:53 IN (SELECT ...) is supported as a condition of WHERE, alone or joined with AND
CREATE TABLE orders (id INT, total INT) WITH ('connector' = 'datagen');
SELECT id FROM orders o WHERE o.total > 100 OR o.id IN (SELECT x.id - 1 FROM orders x);
