-- test: [NOT] IN (SELECT ...) in the SELECT list and under OR follows SQL's NULL rules as a changelog: FALSE while nothing matches, TRUE once a match arrives, NULL when nothing matches but the subquery has a NULL (or x is NULL and the subquery has rows); NOT IN is its three-valued negation
-- at 0 orders: {"id": 1, "cust": "a"}
-- at 1 orders: {"id": 2, "cust": null}
-- at 2 vip: {"name": "a"}
-- at 3 vip: {"name": null}
-- at 4 orders: {"id": 3, "cust": "b"}
-- expect flags: +I {"id": 1, "is_vip": false, "not_vip": true}
-- expect flags: +I {"id": 2, "is_vip": false, "not_vip": true}
-- expect flags: -D {"id": 1, "is_vip": false, "not_vip": true}
-- expect flags: +I {"id": 1, "is_vip": false, "not_vip": true}
-- expect flags: -D {"id": 2, "is_vip": false, "not_vip": true}
-- expect flags: +I {"id": 2, "is_vip": null, "not_vip": true}
-- expect flags: -D {"id": 1, "is_vip": false, "not_vip": true}
-- expect flags: +I {"id": 1, "is_vip": true, "not_vip": true}
-- expect flags: -D {"id": 2, "is_vip": null, "not_vip": true}
-- expect flags: +I {"id": 2, "is_vip": null, "not_vip": null}
-- expect flags: -D {"id": 1, "is_vip": true, "not_vip": true}
-- expect flags: +I {"id": 1, "is_vip": true, "not_vip": true}
-- expect flags: -D {"id": 1, "is_vip": true, "not_vip": true}
-- expect flags: +I {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: -D {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: +I {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: -D {"id": 2, "is_vip": null, "not_vip": null}
-- expect flags: +I {"id": 2, "is_vip": false, "not_vip": null}
-- expect flags: -D {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: +I {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: -D {"id": 2, "is_vip": false, "not_vip": null}
-- expect flags: +I {"id": 2, "is_vip": null, "not_vip": null}
-- expect flags: -D {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: +I {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: -D {"id": 2, "is_vip": null, "not_vip": null}
-- expect flags: +I {"id": 2, "is_vip": null, "not_vip": null}
-- expect flags: -D {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: +I {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: -D {"id": 2, "is_vip": null, "not_vip": null}
-- expect flags: +I {"id": 2, "is_vip": null, "not_vip": true}
-- expect flags: -D {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: +I {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: -D {"id": 2, "is_vip": null, "not_vip": true}
-- expect flags: +I {"id": 2, "is_vip": null, "not_vip": null}
-- expect flags: -D {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: +I {"id": 1, "is_vip": true, "not_vip": false}
-- expect flags: -D {"id": 2, "is_vip": null, "not_vip": null}
-- expect flags: +I {"id": 2, "is_vip": null, "not_vip": null}
-- expect flags: +I {"id": 3, "is_vip": null, "not_vip": null}
-- expect picked: +I {"id": 1}
-- expect picked: +I {"id": 3}
CREATE TABLE orders (id INT, cust STRING) WITH ('connector' = 'datagen');
CREATE TABLE vip (name STRING) WITH ('connector' = 'datagen');
CREATE TABLE flags (id INT, is_vip BOOLEAN, not_vip BOOLEAN) WITH ('connector' = 'print');
CREATE TABLE picked (id INT) WITH ('connector' = 'print');
INSERT INTO flags SELECT id, cust IN (SELECT name FROM vip) AS is_vip, cust NOT IN (SELECT name FROM vip) AS not_vip FROM orders;
INSERT INTO picked SELECT id FROM orders WHERE id = 3 OR cust IN (SELECT name FROM vip v WHERE v.name <> 'zzz');
