-- test: a lookup join (FOR SYSTEM_TIME AS OF a processing-time attribute) against a reference file table
-- table-rows companies: {"ticker": "AMZN", "name": "Amazon", "sector": "Retail"}
-- table-rows companies: {"ticker": "MSFT", "name": "Microsoft", "sector": "Software"}
-- at 0 quotes: {"ticker": "AMZN", "price": 100}
-- at 1 quotes: {"ticker": "ZZZZ", "price": 1}
-- at 2 quotes: {"ticker": "MSFT", "price": 300}
-- expect enriched: +I {"ticker": "AMZN", "name": "Amazon", "price": 100}
-- expect enriched: +I {"ticker": "ZZZZ", "name": null, "price": 1}
-- expect enriched: +I {"ticker": "MSFT", "name": "Microsoft", "price": 300}
CREATE TABLE quotes (ticker STRING, price DOUBLE, proc_time AS PROCTIME()) WITH ('connector' = 'datagen');
CREATE TABLE companies (ticker STRING, name STRING, sector STRING)
  WITH ('connector' = 'filesystem', 'path' = 's3://reference/companies.csv', 'format' = 'csv');
CREATE TABLE enriched (ticker STRING, name STRING, price DOUBLE) WITH ('connector' = 'print');
INSERT INTO enriched
SELECT q.ticker, c.name, q.price
FROM quotes AS q
LEFT JOIN companies FOR SYSTEM_TIME AS OF q.proc_time AS c ON q.ticker = c.ticker;
