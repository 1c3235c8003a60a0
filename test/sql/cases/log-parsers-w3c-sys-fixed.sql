-- test: W3C_LOG_PARSE (COMMON), SYS_LOG_PARSE and FIXED_COLUMN_LOG_PARSE rows, read by field
-- input SOURCE_SQL_STREAM_001: line VARCHAR(512)
-- at 0 SOURCE_SQL_STREAM_001: {"LINE": "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326"}
-- at 1 SOURCE_SQL_STREAM_001: {"LINE": "Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick"}
-- at 2 SOURCE_SQL_STREAM_001: {"LINE": "AMZN  0042.50 31/Jan/2021:14:47:00"}
-- expect W3C: {"ROWTIME": "2021-01-31 14:00:00.000", "HOST": "127.0.0.1", "USR": "frank", "REQ": "GET /apache_pb.gif HTTP/1.0", "STATUS": 200, "BYTES": 2326}
-- expect W3C: {"ROWTIME": "2021-01-31 14:00:00.001", "HOST": null, "USR": null, "REQ": null, "STATUS": null, "BYTES": null}
-- expect W3C: {"ROWTIME": "2021-01-31 14:00:00.002", "HOST": null, "USR": null, "REQ": null, "STATUS": null, "BYTES": null}
-- expect SYS: {"ROWTIME": "2021-01-31 14:00:00.001", "T": "1970-10-11 22:14:15.000", "MSG": "mymachine su: 'su root' failed for lonvick"}
-- expect FIXED: {"ROWTIME": "2021-01-31 14:00:00.002", "SYM": "AMZN", "PRICE": 42.5, "AT": "2021-01-31 14:47:00.000"}
CREATE OR REPLACE STREAM w3c (host VARCHAR(32), usr VARCHAR(16), req VARCHAR(128), status INTEGER, bytes BIGINT);
CREATE OR REPLACE STREAM sys (t TIMESTAMP, msg VARCHAR(128));
CREATE OR REPLACE STREAM fixed (sym VARCHAR(4), price DOUBLE, at TIMESTAMP);
CREATE OR REPLACE PUMP p1 AS INSERT INTO w3c
  SELECT STREAM t.r.COLUMN1, t.r.COLUMN3, t.r.COLUMN5, t.r.COLUMN6, t.r.COLUMN7
  FROM (SELECT STREAM W3C_LOG_PARSE(line, 'COMMON') AS r FROM source_sql_stream_001) AS t;
CREATE OR REPLACE PUMP p2 AS INSERT INTO sys
  SELECT STREAM t.r.COLUMN1, t.r.COLUMN2
  FROM (SELECT STREAM SYS_LOG_PARSE(line) AS r FROM source_sql_stream_001) AS t WHERE t.r.COLUMN1 IS NOT NULL;
CREATE OR REPLACE PUMP p3 AS INSERT INTO fixed
  SELECT STREAM t.r.SYM, t.r.PRICE, t.r."at"
  FROM (SELECT STREAM FIXED_COLUMN_LOG_PARSE(line, 'sym TYPE VARCHAR(4) START 0 FOR 4, price TYPE DECIMAL(6,2) START 6 FOR 7, "at" TYPE TIMESTAMP ''dd/MMM/yyyy:HH:mm:ss'' START 14') AS r
        FROM source_sql_stream_001) AS t WHERE t.r.SYM = 'AMZN';
