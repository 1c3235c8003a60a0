-- test: table.exec.state.ttl forgets join state not touched for that long (processing time): a late partner finds nothing
-- at 0 clicks: {"ad": "x", "user_id": "u1"}
-- at 1000 impressions: {"ad": "x", "campaign": "spring"}
-- advance 70000
-- at 70001 clicks: {"ad": "x", "user_id": "u2"}
-- expect attributed: +I {"user_id": "u1", "campaign": "spring"}
SET 'table.exec.state.ttl' = '1 min';
CREATE TABLE clicks (ad STRING, user_id STRING) WITH ('connector' = 'datagen');
CREATE TABLE impressions (ad STRING, campaign STRING) WITH ('connector' = 'datagen');
CREATE TABLE attributed (user_id STRING, campaign STRING) WITH ('connector' = 'print');
INSERT INTO attributed SELECT c.user_id, i.campaign FROM clicks c JOIN impressions i ON c.ad = i.ad;
