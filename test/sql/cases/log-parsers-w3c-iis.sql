-- test: W3C_LOG_PARSE's predefined 'IIS' format (IIS log file format: 15 comma-separated fields, numbers typed, '-' as NULL) and 'NCSA EXTENDED'
-- input SOURCE_SQL_STREAM_001: line VARCHAR(512)
-- at 0 SOURCE_SQL_STREAM_001: {"LINE": "192.168.114.201, -, 03/20/98, 7:55:20, W3SVC2, SALES1, 172.21.13.45, 4502, 163, 3223, 200, 0, GET, /DeptLogo.gif, -,"}
-- at 1 SOURCE_SQL_STREAM_001: {"LINE": "10.0.0.7, jane, 03/20/98, 7:57:01, W3SVC2, SALES1, 172.21.13.45, -, 410, 0, 404, 2, POST, /orders/new.asp, id=7,"}
-- at 2 SOURCE_SQL_STREAM_001: {"LINE": "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326 \"http://example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\""}
-- expect IIS: {"ROWTIME": "2021-01-31 14:00:00.000", "CLIENT": "192.168.114.201", "USR": "-", "D": "03/20/98", "T": "7:55:20", "SERVICE": "W3SVC2", "SERVER": "SALES1", "TAKEN": 4502, "SENT": 3223, "STATUS": 200, "WIN": 0, "METHOD": "GET", "TARGET": "/DeptLogo.gif", "PARAMS": "-"}
-- expect IIS: {"ROWTIME": "2021-01-31 14:00:00.001", "CLIENT": "10.0.0.7", "USR": "jane", "D": "03/20/98", "T": "7:57:01", "SERVICE": "W3SVC2", "SERVER": "SALES1", "TAKEN": null, "SENT": 0, "STATUS": 404, "WIN": 2, "METHOD": "POST", "TARGET": "/orders/new.asp", "PARAMS": "id=7"}
-- expect NCSA: {"ROWTIME": "2021-01-31 14:00:00.002", "HOST": "127.0.0.1", "STATUS": 200, "BYTES": 2326, "REFERER": "http://example.com/start.html", "AGENT": "Mozilla/4.08 [en] (Win98; I ;Nav)"}
CREATE OR REPLACE STREAM iis (client VARCHAR(16), usr VARCHAR(16), d VARCHAR(8), t VARCHAR(8), service VARCHAR(16), server VARCHAR(16), taken BIGINT, sent BIGINT, status INTEGER, win INTEGER, method VARCHAR(8), target VARCHAR(64), params VARCHAR(64));
CREATE OR REPLACE STREAM ncsa (host VARCHAR(16), status INTEGER, bytes BIGINT, referer VARCHAR(64), agent VARCHAR(64));
CREATE OR REPLACE PUMP p1 AS INSERT INTO iis
  SELECT STREAM x.r.COLUMN1, x.r.COLUMN2, x.r.COLUMN3, x.r.COLUMN4, x.r.COLUMN5, x.r.COLUMN6, x.r.COLUMN8, x.r.COLUMN10,
                x.r.COLUMN11, x.r.COLUMN12, x.r.COLUMN13, x.r.COLUMN14, x.r.COLUMN15
  FROM (SELECT STREAM W3C_LOG_PARSE(line, 'IIS') AS r FROM source_sql_stream_001) AS x WHERE x.r.COLUMN1 IS NOT NULL;
CREATE OR REPLACE PUMP p2 AS INSERT INTO ncsa
  SELECT STREAM y.r.COLUMN1, y.r.COLUMN6, y.r.COLUMN7, y.r.COLUMN8, y.r.COLUMN9
  FROM (SELECT STREAM W3C_LOG_PARSE(line, 'NCSA EXTENDED') AS r FROM source_sql_stream_001) AS y WHERE y.r.COLUMN1 IS NOT NULL;
