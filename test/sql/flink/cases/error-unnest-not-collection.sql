-- test: UNNEST needs an ARRAY or a MAP; the message names the argument's type
-- expect-error 5:69 UNNEST needs an ARRAY or a MAP, but its argument is STRING
CREATE TABLE orders (order_id INT, tags STRING) WITH ('connector' = 'datagen');
CREATE TABLE out1 (order_id INT, tag STRING) WITH ('connector' = 'print');
INSERT INTO out1 SELECT order_id, tag FROM orders CROSS JOIN UNNEST(tags) AS t (tag);
