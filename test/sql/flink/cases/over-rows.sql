-- test: OVER ... ROWS BETWEEN 1 PRECEDING AND CURRENT ROW by processing time: each row at once, with the previous row of its partition
-- at 0 readings: {"sensor": "s1", "temp": 10}
-- at 1 readings: {"sensor": "s1", "temp": 14}
-- at 2 readings: {"sensor": "s2", "temp": 100}
-- at 3 readings: {"sensor": "s1", "temp": 20}
-- expect smoothed: +I {"sensor": "s1", "temp": 10, "avg2": 10, "first2": 10}
-- expect smoothed: +I {"sensor": "s1", "temp": 14, "avg2": 12, "first2": 10}
-- expect smoothed: +I {"sensor": "s2", "temp": 100, "avg2": 100, "first2": 100}
-- expect smoothed: +I {"sensor": "s1", "temp": 20, "avg2": 17, "first2": 14}
CREATE TABLE readings (sensor STRING, temp INT, proc AS PROCTIME()) WITH ('connector' = 'datagen');
CREATE TABLE smoothed (sensor STRING, temp INT, avg2 INT, first2 INT) WITH ('connector' = 'print');
INSERT INTO smoothed
SELECT sensor, temp,
  AVG(temp) OVER (PARTITION BY sensor ORDER BY proc ROWS BETWEEN 1 PRECEDING AND CURRENT ROW),
  FIRST_VALUE(temp) OVER (PARTITION BY sensor ORDER BY proc ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
FROM readings;
