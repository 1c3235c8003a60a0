-- test: an uncorrelated scalar subquery without an aggregate is its one row's value, and fails in Flink's words for every outer row once it has a second row
-- at 0 config: {"rate": 2}
-- at 1 prices: {"id": 1, "price": 10}
-- at 2 config: {"rate": 3}
-- at 3 prices: {"id": 2, "price": 5}
-- expect scaled: +I {"id": 1, "scaled": 20}
-- expect scaled: -D {"id": 1, "scaled": 20}
-- expect scaled: +I {"id": 1, "scaled": null}
-- expect scaled: -D {"id": 1, "scaled": null}
-- expect-errors 2
-- expect-row-error SingleValueAggFunction received more than one element.
CREATE TABLE config (rate INT) WITH ('connector' = 'datagen');
CREATE TABLE prices (id INT, price INT) WITH ('connector' = 'datagen');
CREATE TABLE scaled (id INT, scaled INT) WITH ('connector' = 'print');
INSERT INTO scaled SELECT id, price * (SELECT rate FROM config) AS scaled FROM prices;
