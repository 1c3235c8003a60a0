-- test: S1 verbatim — revenue per store per minute, ROWTIME = end of the minute
-- input STORE_REVENUE_PER_MIN_001: "category" VARCHAR(16), "store_id" VARCHAR(16), "evnt_time" TIMESTAMP, "sales" REAL
-- at 1000 STORE_REVENUE_PER_MIN_001: {"category": "Books", "store_id": "store_1", "evnt_time": "2021-01-31T14:00:01.5", "sales": 10.5}
-- at 2000 STORE_REVENUE_PER_MIN_001: {"category": "Electronics", "store_id": "store_2", "evnt_time": "2021-01-31T14:00:02", "sales": 22.25}
-- at 30000 STORE_REVENUE_PER_MIN_001: {"category": "Books", "store_id": "store_1", "evnt_time": "2021-01-31T14:00:30", "sales": 4.25}
-- at 61000 STORE_REVENUE_PER_MIN_001: {"category": "Books", "store_id": "store_2", "evnt_time": "2021-01-31T14:01:01", "sales": 1}
-- advance 125000
-- expect DEST_SQL_STREAM_BY_STORE_ID: {"ROWTIME": "2021-01-31 14:01:00.000", "store_id": "store_1", "revenue": 14.75, "timestamp": "2021-01-31 14:01:00.000"}
-- expect DEST_SQL_STREAM_BY_STORE_ID: {"ROWTIME": "2021-01-31 14:01:00.000", "store_id": "store_2", "revenue": 22.25, "timestamp": "2021-01-31 14:01:00.000"}
-- expect DEST_SQL_STREAM_BY_STORE_ID: {"ROWTIME": "2021-01-31 14:02:00.000", "store_id": "store_2", "revenue": 1, "timestamp": "2021-01-31 14:02:00.000"}
CREATE OR REPLACE STREAM "DEST_SQL_STREAM_BY_STORE_ID" ("store_id" VARCHAR(16),"revenue" REAL, "timestamp" TIMESTAMP);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DEST_SQL_STREAM_BY_STORE_ID"
    SELECT STREAM "store_id", SUM("sales") AS "revenue", ROWTIME AS "timestamp"
        FROM "STORE_REVENUE_PER_MIN_001"
        GROUP BY STEP("STORE_REVENUE_PER_MIN_001".ROWTIME BY INTERVAL '60' SECOND),
        "store_id";
