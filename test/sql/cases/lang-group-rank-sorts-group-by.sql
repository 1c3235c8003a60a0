-- test: GROUP_RANK ranks the rows of a GROUP BY window (KDA reference's example: 'desc' ranking, 'asc' output, maxIdle 5 ms, outputMax 0)
-- input SOURCE_SQL_STREAM_001: ticker_symbol VARCHAR(4), price REAL
-- at 0 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "AAA", "PRICE": 1}
-- at 100 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "BBB", "PRICE": 1}
-- at 200 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "CCC", "PRICE": 1}
-- at 300 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "AAA", "PRICE": 1}
-- at 400 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "CCC", "PRICE": 1}
-- at 500 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "AAA", "PRICE": 1}
-- at 600 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "CCC", "PRICE": 1}
-- at 1000 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "AAA", "PRICE": 1}
-- at 1500 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "DDD", "PRICE": 1}
-- at 1600 SOURCE_SQL_STREAM_001: {"TICKER_SYMBOL": "DDD", "PRICE": 1}
-- advance 5000
-- expect destination_sql_stream: {"ROWTIME": "2021-01-31 14:00:01.000", "group_time": "2021-01-31 14:00:00.000", "ticker": "AAA", "ticker_count": 3, "group_rank": 1}
-- expect destination_sql_stream: {"ROWTIME": "2021-01-31 14:00:01.000", "group_time": "2021-01-31 14:00:00.000", "ticker": "CCC", "ticker_count": 3, "group_rank": 1}
-- expect destination_sql_stream: {"ROWTIME": "2021-01-31 14:00:01.000", "group_time": "2021-01-31 14:00:00.000", "ticker": "BBB", "ticker_count": 1, "group_rank": 3}
-- expect destination_sql_stream: {"ROWTIME": "2021-01-31 14:00:02.000", "group_time": "2021-01-31 14:00:01.000", "ticker": "DDD", "ticker_count": 2, "group_rank": 1}
-- expect destination_sql_stream: {"ROWTIME": "2021-01-31 14:00:02.000", "group_time": "2021-01-31 14:00:01.000", "ticker": "AAA", "ticker_count": 1, "group_rank": 2}
CREATE OR REPLACE STREAM "ticker_grouped" (
    "group_time" TIMESTAMP,
    "ticker" VARCHAR(65520),
    "ticker_count" INTEGER);

CREATE OR REPLACE STREAM "destination_sql_stream" (
    "group_time" TIMESTAMP,
    "ticker" VARCHAR(65520),
    "ticker_count" INTEGER,
    "group_rank" INTEGER);

CREATE OR REPLACE PUMP "ticker_pump" AS
    INSERT INTO "ticker_grouped"
    SELECT STREAM
        FLOOR(SOURCE_SQL_STREAM_001.ROWTIME TO SECOND),
        "TICKER_SYMBOL",
        COUNT(TICKER_SYMBOL)
    FROM SOURCE_SQL_STREAM_001
    GROUP BY FLOOR(SOURCE_SQL_STREAM_001.ROWTIME TO SECOND), TICKER_SYMBOL;

CREATE OR REPLACE PUMP DESTINATION_SQL_STREAM_PUMP AS
    INSERT INTO "destination_sql_stream"
    SELECT STREAM
        "group_time",
        "ticker",
        "ticker_count",
        "groupRank"
    FROM TABLE(
        GROUP_RANK(
            CURSOR(SELECT STREAM * FROM "ticker_grouped"),
            'ticker_count',
            'groupRank',
            'desc',
            'asc',
            5,
            0));
