-- test: SELECT DISTINCT emits each new value once; HAVING withdraws a group (-D) when it stops qualifying and inserts it when it does
-- at 0 events: {"kind": "a", "v": 5}
-- at 1 events: {"kind": "b", "v": 1}
-- at 2 events: {"kind": "a", "v": 7}
-- at 3 events: {"kind": "b", "v": 20}
-- expect kinds: +I {"kind": "a"}
-- expect kinds: +I {"kind": "b"}
-- expect big: +I {"kind": "a", "total": 5}
-- expect big: -U {"kind": "a", "total": 5}
-- expect big: +U {"kind": "a", "total": 12}
-- expect big: +I {"kind": "b", "total": 21}
CREATE TABLE events (kind STRING, v INT) WITH ('connector' = 'datagen');
CREATE TABLE kinds (kind STRING) WITH ('connector' = 'print');
CREATE TABLE big (kind STRING, total INT) WITH ('connector' = 'print');
INSERT INTO kinds SELECT DISTINCT kind FROM events;
INSERT INTO big SELECT kind, SUM(v) AS total FROM events GROUP BY kind HAVING SUM(v) >= 5;
