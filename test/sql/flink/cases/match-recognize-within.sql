-- test: MATCH_RECOGNIZE with WITHIN: three failed logins within a minute, per user; a slower series does not match
-- at 0 logins: {"user_id": "u1", "ts": "2021-01-31 14:00:00", "ok": false}
-- at 1 logins: {"user_id": "u1", "ts": "2021-01-31 14:00:10", "ok": false}
-- at 2 logins: {"user_id": "u1", "ts": "2021-01-31 14:00:20", "ok": false}
-- at 3 logins: {"user_id": "u2", "ts": "2021-01-31 14:00:00", "ok": false}
-- at 4 logins: {"user_id": "u2", "ts": "2021-01-31 14:00:50", "ok": false}
-- at 5 logins: {"user_id": "u2", "ts": "2021-01-31 14:01:30", "ok": false}
-- at 6 logins: {"user_id": "u3", "ts": "2021-01-31 14:05:00", "ok": true}
-- expect alerts: +I {"user_id": "u1", "first_try": "2021-01-31 14:00:00.000", "last_try": "2021-01-31 14:00:20.000"}
CREATE TABLE logins (user_id STRING, ts TIMESTAMP(3), ok BOOLEAN, WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
CREATE TABLE alerts (user_id STRING, first_try TIMESTAMP(3), last_try TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO alerts
SELECT user_id, first_try, last_try FROM logins
MATCH_RECOGNIZE (
  PARTITION BY user_id ORDER BY ts
  MEASURES FIRST(F.ts) AS first_try, LAST(F.ts) AS last_try
  PATTERN (F{3}) WITHIN INTERVAL '1' MINUTE
  DEFINE F AS F.ok = FALSE
);
