-- test: INTERSECT ALL keeps a row min(left, right) times and EXCEPT ALL left - right times, as a changelog: when a count changes the old copies are retracted (-U each) and the new ones emitted (+U each), and a count that reaches 0 deletes (-D); NULLs compare equal
-- at 0 a: {"k": "x", "n": 1}
-- at 1 a: {"k": "x", "n": 1}
-- at 2 b: {"k": "x", "n": 1}
-- at 3 a: {"k": null, "n": 2}
-- at 4 b: {"k": null, "n": 2}
-- at 5 b: {"k": "x", "n": 1}
-- at 6 b: {"k": "x", "n": 1}
-- expect both: +I {"k": "x", "n": 1}
-- expect both: +I {"k": null, "n": 2}
-- expect both: -U {"k": "x", "n": 1}
-- expect both: +U {"k": "x", "n": 1}
-- expect both: +U {"k": "x", "n": 1}
-- expect only_a: +I {"k": "x", "n": 1}
-- expect only_a: -U {"k": "x", "n": 1}
-- expect only_a: +U {"k": "x", "n": 1}
-- expect only_a: +U {"k": "x", "n": 1}
-- expect only_a: -U {"k": "x", "n": 1}
-- expect only_a: -U {"k": "x", "n": 1}
-- expect only_a: +U {"k": "x", "n": 1}
-- expect only_a: +I {"k": null, "n": 2}
-- expect only_a: -D {"k": null, "n": 2}
-- expect only_a: -D {"k": "x", "n": 1}
CREATE TABLE a (k STRING, n INT) WITH ('connector' = 'datagen');
CREATE TABLE b (k STRING, n INT) WITH ('connector' = 'datagen');
CREATE TABLE both (k STRING, n INT) WITH ('connector' = 'print');
CREATE TABLE only_a (k STRING, n INT) WITH ('connector' = 'print');
INSERT INTO both SELECT k, n FROM a INTERSECT ALL SELECT k, n FROM b;
INSERT INTO only_a SELECT * FROM a EXCEPT ALL SELECT * FROM b;
