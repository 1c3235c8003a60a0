-- test: GROUP_RANK with 'asc' ranking, 'desc' output and outputMax 4: RANK() ties share a rank and skip the next, NULL ranks last, maxIdle 0 keeps the last group until a row with another ROWTIME
-- input SCORES: name VARCHAR(8), score INTEGER
-- at 0 SCORES: {"NAME": "a", "SCORE": 10}
-- at 0 SCORES: {"NAME": "b", "SCORE": 30}
-- at 0 SCORES: {"NAME": "c", "SCORE": 10}
-- at 0 SCORES: {"NAME": "d", "SCORE": null}
-- at 0 SCORES: {"NAME": "e", "SCORE": 20}
-- at 100 SCORES: {"NAME": "f", "SCORE": 5}
-- advance 600000
-- expect RANKED: {"ROWTIME": "2021-01-31 14:00:00.000", "NAME": "d", "SCORE": null, "R": 5}
-- expect RANKED: {"ROWTIME": "2021-01-31 14:00:00.000", "NAME": "b", "SCORE": 30, "R": 4}
-- expect RANKED: {"ROWTIME": "2021-01-31 14:00:00.000", "NAME": "e", "SCORE": 20, "R": 3}
-- expect RANKED: {"ROWTIME": "2021-01-31 14:00:00.000", "NAME": "a", "SCORE": 10, "R": 1}
CREATE OR REPLACE STREAM ranked (name VARCHAR(8), score INTEGER, r INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO ranked
  SELECT STREAM g.name, g.score, g."rnk"
  FROM TABLE(GROUP_RANK(CURSOR(SELECT STREAM * FROM scores), 'SCORE', 'rnk', 'ASC', 'DESC', 0, 4)) AS g;
