-- test: projection and WHERE with arithmetic, CASE, LIKE, SIMILAR TO, BETWEEN, IN, IS NULL, CAST
-- input SOURCE_SQL_STREAM_001: ticker_symbol VARCHAR(4), sector VARCHAR(16), change REAL, price REAL
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "AMZN", "SECTOR": "TECHNOLOGY", "CHANGE": 1.5, "PRICE": 50}
-- at 10 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "XOM", "SECTOR": "ENERGY", "CHANGE": -2, "PRICE": 90}
-- at 20 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "ABC", "SECTOR": null, "CHANGE": 0.25, "PRICE": 10}
-- at 30 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "QQQ", "SECTOR": "FINANCE", "CHANGE": 3, "PRICE": 200}
-- expect DEST: {"ROWTIME": "2021-01-31 14:00:00.000", "TICKER": "AMZN", "DOUBLED": 100, "KIND": "up", "TECHY": true, "MID": true, "NO_SECTOR": false, "PRICE_INT": 50, "LABEL": "AMZN/TECHNOLOGY"}
-- expect DEST: {"ROWTIME": "2021-01-31 14:00:00.020", "TICKER": "ABC", "DOUBLED": 20, "KIND": "flat", "TECHY": null, "MID": false, "NO_SECTOR": true, "PRICE_INT": 10, "LABEL": null}
-- expect DEST: {"ROWTIME": "2021-01-31 14:00:00.030", "TICKER": "QQQ", "DOUBLED": 400, "KIND": "up", "TECHY": false, "MID": false, "NO_SECTOR": false, "PRICE_INT": 200, "LABEL": "QQQ/FINANCE"}
CREATE OR REPLACE STREAM dest (ticker VARCHAR(4), doubled DOUBLE, kind VARCHAR(8), techy BOOLEAN, mid BOOLEAN, no_sector BOOLEAN, price_int INTEGER, label VARCHAR(32));
CREATE OR REPLACE PUMP p AS INSERT INTO dest
  SELECT STREAM ticker_symbol, price * 2,
         CASE WHEN change > 0.5 THEN 'up' WHEN change < -0.5 THEN 'down' ELSE 'flat' END,
         sector LIKE 'TECH%',
         price BETWEEN 20 AND 100,
         sector IS NULL,
         CAST(price AS INTEGER),
         ticker_symbol || '/' || sector
  FROM source_sql_stream_001
  WHERE ticker_symbol IN ('AMZN', 'ABC', 'QQQ') AND (sector IS NULL OR NOT (sector SIMILAR TO '(ENERGY|UTILITIES)'));
