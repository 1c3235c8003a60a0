-- test: a right row that reaches the join after the left row but with a ROWTIME inside its window still matches it (the right side is a tumbling window's output, which comes out when the window closes); the unmatched quote waits for that side too
-- input TRADES: ticker VARCHAR(4)
-- input QUOTES: ticker VARCHAR(4), bid DOUBLE
-- at 1000 TRADES: {"TICKER": "A"}
-- at 2000 TRADES: {"TICKER": "A"}
-- at 3000 TRADES: {"TICKER": "C"}
-- the push at 10500 closes the trades window [0 s, 10 s): its rows (ROWTIME 10 s) reach the join after these quotes
-- at 10500 QUOTES: {"TICKER": "A", "BID": 1.5}
-- at 10500 QUOTES: {"TICKER": "B", "BID": 2.5}
-- at 12000 QUOTES: {"TICKER": "C", "BID": 3.5}
-- advance 12001
-- expect QUOTED: {"ROWTIME": "2021-01-31 14:00:10.500", "TICKER": "A", "BID": 1.5, "TRADES": 2}
-- expect QUOTED: {"ROWTIME": "2021-01-31 14:00:10.500", "TICKER": "B", "BID": 2.5, "TRADES": null}
-- expect QUOTED: {"ROWTIME": "2021-01-31 14:00:12.000", "TICKER": "C", "BID": 3.5, "TRADES": 1}
CREATE OR REPLACE STREAM volume (ticker VARCHAR(4), n BIGINT);
CREATE OR REPLACE STREAM quoted (ticker VARCHAR(4), bid DOUBLE, trades BIGINT);
CREATE OR REPLACE PUMP p1 AS INSERT INTO volume
  SELECT STREAM ticker, COUNT(*) FROM trades GROUP BY ticker, STEP(trades.ROWTIME BY INTERVAL '10' SECOND);
CREATE OR REPLACE PUMP p2 AS INSERT INTO quoted
  SELECT STREAM q.ticker, q.bid, v.n
  FROM quotes AS q
  LEFT JOIN volume OVER (RANGE INTERVAL '10' SECOND PRECEDING) AS v ON q.ticker = v.ticker;
