-- test: CREATE TEMPORARY VIEW and WITH queries are planned inline: the same rows whether read through a view or a WITH clause
-- at 0 readings: {"sensor_id": 1, "current_temperature": 150.5, "status": "WARNING"}
-- at 1 readings: {"sensor_id": 2, "current_temperature": 20, "status": "OK"}
-- at 2 readings: {"sensor_id": 3, "current_temperature": 170, "status": "ERROR"}
-- expect hot_view: +I {"sensor_id": 1, "f": 302.9}
-- expect hot_view: +I {"sensor_id": 3, "f": 338}
-- expect hot_with: +I {"sensor_id": 1, "f": 302.9}
-- expect hot_with: +I {"sensor_id": 3, "f": 338}
CREATE TABLE readings (sensor_id INT, current_temperature DOUBLE, status STRING) WITH ('connector' = 'datagen');
CREATE TEMPORARY VIEW hot AS SELECT sensor_id, current_temperature * 9 / 5 + 32 AS f FROM readings WHERE status <> 'OK';
CREATE TABLE hot_view (sensor_id INT, f DOUBLE) WITH ('connector' = 'print');
CREATE TABLE hot_with (sensor_id INT, f DOUBLE) WITH ('connector' = 'print');
INSERT INTO hot_view SELECT * FROM hot;
INSERT INTO hot_with
WITH h AS (SELECT sensor_id, current_temperature * 9 / 5 + 32 AS f FROM readings WHERE status <> 'OK')
SELECT sensor_id, ROUND(f, 1) FROM h;
