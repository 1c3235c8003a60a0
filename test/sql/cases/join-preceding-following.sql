-- test: a join window reaching both ways (RANGE BETWEEN ... PRECEDING AND ... FOLLOWING), and the same rule written as PRECEDING windows on both sides; a click meets ads from 10 s before to 20 s after it, and an unmatched click waits for the 20 s end
-- input CLICKS: user_id INTEGER, page VARCHAR(8)
-- input ADS: user_id INTEGER, ad VARCHAR(8)
-- at 0 ADS: {"USER_ID": 1, "AD": "a1"}
-- at 5000 CLICKS: {"USER_ID": 1, "PAGE": "home"}
-- at 6000 CLICKS: {"USER_ID": 2, "PAGE": "cart"}
-- at 20000 ADS: {"USER_ID": 2, "AD": "a2"}
-- at 25000 ADS: {"USER_ID": 1, "AD": "a3"}
-- at 40000 CLICKS: {"USER_ID": 3, "PAGE": "faq"}
-- advance 70000
-- expect BOTH_WAYS: {"ROWTIME": "2021-01-31 14:00:05.000", "USER_ID": 1, "PAGE": "home", "AD": "a1"}
-- expect BOTH_WAYS: {"ROWTIME": "2021-01-31 14:00:20.000", "USER_ID": 2, "PAGE": "cart", "AD": "a2"}
-- expect BOTH_WAYS: {"ROWTIME": "2021-01-31 14:00:25.000", "USER_ID": 1, "PAGE": "home", "AD": "a3"}
-- expect BOTH_WAYS: {"ROWTIME": "2021-01-31 14:01:00.000", "USER_ID": 3, "PAGE": "faq", "AD": null}
-- expect SIDES: {"ROWTIME": "2021-01-31 14:00:05.000", "USER_ID": 1, "PAGE": "home", "AD": "a1"}
-- expect SIDES: {"ROWTIME": "2021-01-31 14:00:20.000", "USER_ID": 2, "PAGE": "cart", "AD": "a2"}
-- expect SIDES: {"ROWTIME": "2021-01-31 14:00:25.000", "USER_ID": 1, "PAGE": "home", "AD": "a3"}
-- expect SIDES: {"ROWTIME": "2021-01-31 14:01:00.000", "USER_ID": 3, "PAGE": "faq", "AD": null}
CREATE OR REPLACE STREAM both_ways (user_id INTEGER, page VARCHAR(8), ad VARCHAR(8));
CREATE OR REPLACE STREAM sides (user_id INTEGER, page VARCHAR(8), ad VARCHAR(8));
CREATE OR REPLACE PUMP p1 AS INSERT INTO both_ways
  SELECT STREAM c.user_id, c.page, a.ad
  FROM clicks AS c
  LEFT JOIN ads OVER (RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND INTERVAL '20' SECOND FOLLOWING) AS a
  ON c.user_id = a.user_id;
CREATE OR REPLACE PUMP p2 AS INSERT INTO sides
  SELECT STREAM c.user_id, c.page, a.ad
  FROM clicks OVER (RANGE INTERVAL '20' SECOND PRECEDING) AS c
  LEFT JOIN ads OVER (RANGE INTERVAL '10' SECOND PRECEDING) AS a
  ON c.user_id = a.user_id;
