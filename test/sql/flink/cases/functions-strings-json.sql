-- test: built-in string, conditional, JSON and temporal functions
-- at 0 raw: {"payload": "{\"user\": {\"name\": \"Ann\", \"tags\": [\"a\", \"b\"]}, \"score\": \"42\"}", "csv": "x,y,z", "ts": "2021-01-31 14:05:09.250"}
-- expect out: +I {"name": "Ann", "score": 42, "tags": "[\"a\",\"b\"]", "second_tag": "b", "missing": "n/a", "upper_name": "ANN", "padded": "00042", "part": "y", "code": "ab-7", "grade": "high", "minute": "2021-01-31 14:05", "plus_day": "2021-02-01 14:05:09.250", "diff_min": 65, "obj": "{\"n\":\"Ann\",\"s\":42}", "maybe_int": null, "is_json": true, "word": "bc"}
CREATE TABLE raw (payload STRING, csv STRING, ts TIMESTAMP(3)) WITH ('connector' = 'datagen');
CREATE TABLE out (name STRING, score INT, tags STRING, second_tag STRING, missing STRING, upper_name STRING, padded STRING, part STRING, code STRING,
  grade STRING, `minute` STRING, plus_day TIMESTAMP(3), diff_min INT, obj STRING, maybe_int INT, is_json BOOLEAN, word STRING) WITH ('connector' = 'print');
INSERT INTO out
SELECT
  JSON_VALUE(payload, '$.user.name'),
  JSON_VALUE(payload, '$.score' RETURNING INT),
  JSON_QUERY(payload, '$.user.tags'),
  JSON_VALUE(payload, '$.user.tags[1]'),
  JSON_VALUE(payload, '$.nope' DEFAULT 'n/a' ON EMPTY),
  UPPER(JSON_VALUE(payload, '$.user.name')),
  LPAD(JSON_VALUE(payload, '$.score'), 5, '0'),
  SPLIT_INDEX(csv, ',', 1),
  CONCAT_WS('-', LOWER('AB'), CAST(7 AS STRING)),
  CASE WHEN CAST(JSON_VALUE(payload, '$.score') AS INT) > 40 THEN 'high' ELSE 'low' END,
  DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm'),
  ts + INTERVAL '1' DAY,
  TIMESTAMPDIFF(MINUTE, TIMESTAMP '2021-01-31 13:00:00', ts),
  JSON_OBJECT('n' VALUE JSON_VALUE(payload, '$.user.name'), 's' VALUE 42),
  TRY_CAST('abc' AS INT),
  payload IS JSON,
  SUBSTRING('abcd' FROM 2 FOR 2)
FROM raw;
