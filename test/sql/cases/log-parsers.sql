-- test: REGEX_LOG_PARSE and VARIABLE_COLUMN_LOG_PARSE return ROWs whose fields are read as t.r.FIELD
-- input SOURCE_SQL_STREAM_001: line VARCHAR(256)
-- at 0 SOURCE_SQL_STREAM_001: {"LINE": "203.0.113.9 GET /index.html 200"}
-- at 1 SOURCE_SQL_STREAM_001: {"LINE": "not a log line"}
-- expect PARSED: {"ROWTIME": "2021-01-31 14:00:00.000", "IP": "203.0.113.9", "VERB": "GET", "STATUS": 200}
-- expect PARSED: {"ROWTIME": "2021-01-31 14:00:00.001", "IP": null, "VERB": null, "STATUS": null}
-- expect FIELDS: {"ROWTIME": "2021-01-31 14:00:00.000", "A": "203.0.113.9", "B": "GET", "REST": "/index.html 200"}
-- expect FIELDS: {"ROWTIME": "2021-01-31 14:00:00.001", "A": "not", "B": "a", "REST": "log line"}
CREATE OR REPLACE STREAM parsed (ip VARCHAR(16), verb VARCHAR(8), status INTEGER);
CREATE OR REPLACE STREAM fields (a VARCHAR(16), b VARCHAR(8), rest VARCHAR(64));
CREATE OR REPLACE PUMP p1 AS INSERT INTO parsed
  SELECT STREAM t.r.COLUMN1, t.r.COLUMN2, CAST(t.r.COLUMN4 AS INTEGER)
  FROM (SELECT STREAM REGEX_LOG_PARSE(line, '(\S+) (\S+) (\S+) (\d+)') AS r FROM source_sql_stream_001) AS t;
CREATE OR REPLACE PUMP p2 AS INSERT INTO fields
  SELECT STREAM v.A, v.B, v.REST
  FROM (SELECT STREAM VARIABLE_COLUMN_LOG_PARSE(line, 'A VARCHAR(16), B VARCHAR(8), REST VARCHAR(64)', ' ') AS v FROM source_sql_stream_001) AS x;
