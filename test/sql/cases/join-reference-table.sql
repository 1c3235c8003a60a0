-- test: stream-to-reference-table join (hash join on the key), inner and LEFT OUTER
-- input SOURCE_SQL_STREAM_001: ticker VARCHAR(4), price DOUBLE
-- table COMPANIES: "Ticker" VARCHAR(4), "Company" VARCHAR(32)
-- table-rows COMPANIES: {"Ticker": "AMZN", "Company": "Amazon"}
-- table-rows COMPANIES: {"Ticker": "MSFT", "Company": "Microsoft"}
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER": "AMZN", "PRICE": 10}
-- at 1 SOURCE_SQL_STREAM_001: {"TICKER": "ZZZ", "PRICE": 11}
-- at 2 SOURCE_SQL_STREAM_001: {"TICKER": "MSFT", "PRICE": 12}
-- expect ENRICHED: {"ROWTIME": "2021-01-31 14:00:00.000", "TICKER": "AMZN", "COMPANY": "Amazon", "PRICE": 10}
-- expect ENRICHED: {"ROWTIME": "2021-01-31 14:00:00.002", "TICKER": "MSFT", "COMPANY": "Microsoft", "PRICE": 12}
-- expect ALL_ROWS: {"ROWTIME": "2021-01-31 14:00:00.000", "TICKER": "AMZN", "COMPANY": "Amazon"}
-- expect ALL_ROWS: {"ROWTIME": "2021-01-31 14:00:00.001", "TICKER": "ZZZ", "COMPANY": null}
-- expect ALL_ROWS: {"ROWTIME": "2021-01-31 14:00:00.002", "TICKER": "MSFT", "COMPANY": "Microsoft"}
CREATE OR REPLACE STREAM enriched (ticker VARCHAR(4), company VARCHAR(32), price DOUBLE);
CREATE OR REPLACE STREAM all_rows (ticker VARCHAR(4), company VARCHAR(32));
CREATE OR REPLACE PUMP p1 AS INSERT INTO enriched
  SELECT STREAM s.ticker, c."Company", s.price
  FROM source_sql_stream_001 AS s JOIN companies AS c ON s.ticker = c."Ticker";
CREATE OR REPLACE PUMP p2 AS INSERT INTO all_rows
  SELECT STREAM s.ticker, c."Company"
  FROM source_sql_stream_001 AS s LEFT OUTER JOIN companies AS c ON s.ticker = c."Ticker";
