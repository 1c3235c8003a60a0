-- test: an uncorrelated scalar subquery in WHERE and SELECT is its current value (NULL before it has a row), and rows computed with an old value are retracted when it changes
-- at 0 orders: {"id": 1, "qty": 5}
-- at 1 limits: {"max_qty": 3}
-- at 2 orders: {"id": 2, "qty": 2}
-- at 3 limits: {"max_qty": 10}
-- expect over: +I {"id": 1}
-- expect over: -D {"id": 1}
-- expect diff: +I {"id": 1, "over_by": null}
-- expect diff: -D {"id": 1, "over_by": null}
-- expect diff: +I {"id": 1, "over_by": 2}
-- expect diff: +I {"id": 2, "over_by": -1}
-- expect diff: -D {"id": 1, "over_by": 2}
-- expect diff: +I {"id": 1, "over_by": null}
-- expect diff: -D {"id": 2, "over_by": -1}
-- expect diff: +I {"id": 2, "over_by": null}
-- expect diff: -D {"id": 1, "over_by": null}
-- expect diff: +I {"id": 1, "over_by": -5}
-- expect diff: -D {"id": 2, "over_by": null}
-- expect diff: +I {"id": 2, "over_by": -8}
CREATE TABLE orders (id INT, qty INT) WITH ('connector' = 'datagen');
CREATE TABLE limits (max_qty INT) WITH ('connector' = 'datagen');
CREATE TABLE over (id INT) WITH ('connector' = 'print');
CREATE TABLE diff (id INT, over_by INT) WITH ('connector' = 'print');
INSERT INTO over SELECT id FROM orders WHERE qty > (SELECT MAX(max_qty) FROM limits);
INSERT INTO diff SELECT id, qty - (SELECT MAX(max_qty) FROM limits) AS over_by FROM orders;
