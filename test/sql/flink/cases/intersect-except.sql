-- test: INTERSECT keeps each distinct row once both sides have it; EXCEPT emits a distinct left row and retracts it (-D) when the right side produces it; NULLs compare equal in both
-- at 0 a: {"k": "x", "n": 1}
-- at 1 a: {"k": "x", "n": 1}
-- at 2 b: {"k": "x", "n": 1}
-- at 3 a: {"k": null, "n": 2}
-- at 4 b: {"k": null, "n": 2}
-- at 5 a: {"k": "y", "n": 3}
-- at 6 b: {"k": "y", "n": 4}
-- expect both: +I {"k": "x", "n": 1}
-- expect both: +I {"k": null, "n": 2}
-- expect only_a: +I {"k": "x", "n": 1}
-- expect only_a: -D {"k": "x", "n": 1}
-- expect only_a: +I {"k": null, "n": 2}
-- expect only_a: -D {"k": null, "n": 2}
-- expect only_a: +I {"k": "y", "n": 3}
CREATE TABLE a (k STRING, n INT) WITH ('connector' = 'datagen');
CREATE TABLE b (k STRING, n INT) WITH ('connector' = 'datagen');
CREATE TABLE both (k STRING, n INT) WITH ('connector' = 'print');
CREATE TABLE only_a (k STRING, n INT) WITH ('connector' = 'print');
INSERT INTO both SELECT k, n FROM a INTERSECT SELECT k, n FROM b;
INSERT INTO only_a SELECT * FROM a EXCEPT SELECT * FROM b;
