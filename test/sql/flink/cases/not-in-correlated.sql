-- test: NOT IN over a correlated subquery as a WHERE conjunct keeps a row while no row of its key matches and none of its key's values is NULL; a match or a NULL for the key retracts it (-D), and a NULL outer value is never kept once its key has rows
-- at 0 orders: {"id": 1, "region": "eu"}
-- at 1 orders: {"id": 2, "region": "us"}
-- at 2 orders: {"id": 3, "region": "us"}
-- at 3 blocked: {"id": 1, "region": "eu"}
-- at 4 blocked: {"id": 9, "region": "us"}
-- at 5 blocked: {"id": null, "region": "us"}
-- at 6 orders: {"id": 4, "region": "ap"}
-- expect kept: +I {"id": 1}
-- expect kept: +I {"id": 2}
-- expect kept: +I {"id": 3}
-- expect kept: -D {"id": 1}
-- expect kept: +I {"id": 1}
-- expect kept: -D {"id": 1}
-- expect kept: -D {"id": 2}
-- expect kept: +I {"id": 2}
-- expect kept: -D {"id": 3}
-- expect kept: +I {"id": 3}
-- expect kept: -D {"id": 2}
-- expect kept: +I {"id": 2}
-- expect kept: -D {"id": 3}
-- expect kept: +I {"id": 3}
-- expect kept: -D {"id": 2}
-- expect kept: +I {"id": 2}
-- expect kept: -D {"id": 3}
-- expect kept: +I {"id": 3}
-- expect kept: -D {"id": 2}
-- expect kept: -D {"id": 3}
-- expect kept: +I {"id": 4}
CREATE TABLE orders (id INT, region STRING) WITH ('connector' = 'datagen');
CREATE TABLE blocked (id INT, region STRING) WITH ('connector' = 'datagen');
CREATE TABLE kept (id INT) WITH ('connector' = 'print');
INSERT INTO kept SELECT id FROM orders o WHERE o.region <> 'x' AND o.id NOT IN (SELECT b.id FROM blocked b WHERE b.region = o.region);
