-- test: deduplication with ROW_NUMBER(): keep the first row per key (processing time, append-only) and the last (a changelog)
-- at 0 logins: {"user_id": "u1", "device": "phone"}
-- at 1 logins: {"user_id": "u2", "device": "laptop"}
-- at 2 logins: {"user_id": "u1", "device": "tablet"}
-- expect first_device: +I {"user_id": "u1", "device": "phone"}
-- expect first_device: +I {"user_id": "u2", "device": "laptop"}
-- expect last_device: +I {"user_id": "u1", "device": "phone"}
-- expect last_device: +I {"user_id": "u2", "device": "laptop"}
-- expect last_device: -U {"user_id": "u1", "device": "phone"}
-- expect last_device: +U {"user_id": "u1", "device": "tablet"}
CREATE TABLE logins (user_id STRING, device STRING, pt AS PROCTIME()) WITH ('connector' = 'datagen');
CREATE TABLE first_device (user_id STRING, device STRING) WITH ('connector' = 'kinesis', 'stream' = 'first-device', 'format' = 'json');
CREATE TABLE last_device (user_id STRING, device STRING) WITH ('connector' = 'print');
INSERT INTO first_device
SELECT user_id, device FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY pt ASC) AS rn FROM logins) WHERE rn = 1;
INSERT INTO last_device
SELECT user_id, device FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY pt DESC) AS rn FROM logins) WHERE rn = 1;
