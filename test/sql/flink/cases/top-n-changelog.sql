-- test: Top-2 per category by sales: rows entering and leaving the top come out as a changelog (with and without the rank column)
-- at 0 sales: {"category": "books", "item": "a", "amount": 10}
-- at 1 sales: {"category": "books", "item": "b", "amount": 30}
-- at 2 sales: {"category": "books", "item": "c", "amount": 20}
-- at 3 sales: {"category": "books", "item": "d", "amount": 5}
-- expect top2: +I {"category": "books", "item": "a", "amount": 10}
-- expect top2: +I {"category": "books", "item": "b", "amount": 30}
-- expect top2: -D {"category": "books", "item": "a", "amount": 10}
-- expect top2: +I {"category": "books", "item": "c", "amount": 20}
-- expect ranked: +I {"category": "books", "item": "a", "amount": 10, "rn": 1}
-- expect ranked: -U {"category": "books", "item": "a", "amount": 10, "rn": 1}
-- expect ranked: +U {"category": "books", "item": "b", "amount": 30, "rn": 1}
-- expect ranked: +I {"category": "books", "item": "a", "amount": 10, "rn": 2}
-- expect ranked: -U {"category": "books", "item": "a", "amount": 10, "rn": 2}
-- expect ranked: +U {"category": "books", "item": "c", "amount": 20, "rn": 2}
CREATE TABLE sales (category STRING, item STRING, amount INT) WITH ('connector' = 'datagen');
CREATE TABLE top2 (category STRING, item STRING, amount INT) WITH ('connector' = 'print');
CREATE TABLE ranked (category STRING, item STRING, amount INT, rn BIGINT) WITH ('connector' = 'print');
INSERT INTO top2
SELECT category, item, amount FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY category ORDER BY amount DESC) AS rownum FROM sales
) WHERE rownum <= 2;
INSERT INTO ranked
SELECT * FROM (
  SELECT category, item, amount, ROW_NUMBER() OVER (PARTITION BY category ORDER BY amount DESC) AS rn FROM sales
) WHERE rn <= 2;
