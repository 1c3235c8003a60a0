-- test: a regular LEFT JOIN is a changelog: an unmatched row comes out null-extended and is retracted when its match arrives
-- at 0 users: {"uid": 1, "name": "ann"}
-- at 1 users: {"uid": 2, "name": "bob"}
-- at 2 addresses: {"uid": 1, "city": "Oslo"}
-- at 3 addresses: {"uid": 1, "city": "Rome"}
-- expect located: +I {"name": "ann", "city": null}
-- expect located: +I {"name": "bob", "city": null}
-- expect located: -D {"name": "ann", "city": null}
-- expect located: +I {"name": "ann", "city": "Oslo"}
-- expect located: +I {"name": "ann", "city": "Rome"}
-- expect pairs: +I {"name": "ann", "city": "Oslo"}
-- expect pairs: +I {"name": "ann", "city": "Rome"}
CREATE TABLE users (uid INT, name STRING) WITH ('connector' = 'datagen');
CREATE TABLE addresses (uid INT, city STRING) WITH ('connector' = 'datagen');
CREATE TABLE located (name STRING, city STRING) WITH ('connector' = 'print');
CREATE TABLE pairs (name STRING, city STRING) WITH ('connector' = 'kinesis', 'stream' = 'pairs', 'format' = 'json');
INSERT INTO located SELECT u.name, a.city FROM users u LEFT JOIN addresses a ON u.uid = a.uid;
INSERT INTO pairs SELECT u.name, a.city FROM users AS u JOIN addresses AS a USING (uid);
