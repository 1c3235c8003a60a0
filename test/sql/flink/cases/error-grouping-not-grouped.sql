-- test: GROUPING() of a column the query does not group by is refused with Calcite's text, at the argument
-- expect-error 5:43 Argument to GROUPING operator must be a grouped expression
CREATE TABLE sales (region STRING, product STRING, qty INT) WITH ('connector' = 'datagen');
CREATE TABLE out_t (region STRING, g BIGINT, total INT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT region, GROUPING(product), SUM(qty) FROM sales GROUP BY ROLLUP (region);
