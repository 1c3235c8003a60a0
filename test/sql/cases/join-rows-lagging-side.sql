-- test: LEFT OUTER against the latest row of a lagging stream (ROWS CURRENT ROW over a tumbling window's output): a quote waits until that stream's time reaches it, so a window row that reaches the join after the quote but with an earlier ROWTIME still counts; the latest row stays the window however old it is; with no row at all the quote comes out null-extended at its own ROWTIME
-- input TRADES: ticker VARCHAR(4)
-- input QUOTES: ticker VARCHAR(4)
-- at 1000 TRADES: {"TICKER": "A"}
-- at 2000 TRADES: {"TICKER": "B"}
-- at 5000 QUOTES: {"TICKER": "A"}
-- the push at 10500 closes the trades window [0 s, 10 s): its row (ROWTIME 10 s) reaches the join after this quote
-- at 10500 QUOTES: {"TICKER": "B"}
-- at 15000 TRADES: {"TICKER": "C"}
-- the window [10 s, 20 s) is still open: the latest volume row is the one from 10 s
-- at 16000 QUOTES: {"TICKER": "C"}
-- advance 20000
-- at 25000 QUOTES: {"TICKER": "D"}
-- expect QUOTED: {"ROWTIME": "2021-01-31 14:00:05.000", "TICKER": "A", "TRADES": null}
-- expect QUOTED: {"ROWTIME": "2021-01-31 14:00:10.500", "TICKER": "B", "TRADES": 2}
-- expect QUOTED: {"ROWTIME": "2021-01-31 14:00:16.000", "TICKER": "C", "TRADES": 2}
-- expect QUOTED: {"ROWTIME": "2021-01-31 14:00:25.000", "TICKER": "D", "TRADES": 1}
CREATE OR REPLACE STREAM volume (n BIGINT);
CREATE OR REPLACE STREAM quoted (ticker VARCHAR(4), trades BIGINT);
CREATE OR REPLACE PUMP p1 AS INSERT INTO volume
  SELECT STREAM COUNT(*) FROM trades GROUP BY STEP(trades.ROWTIME BY INTERVAL '10' SECOND);
CREATE OR REPLACE PUMP p2 AS INSERT INTO quoted
  SELECT STREAM q.ticker, v.n
  FROM quotes AS q
  LEFT JOIN volume OVER (ROWS CURRENT ROW) AS v ON v.n > 0;
