-- Keep the detector's columns (marketplace, event_time, views) and pass the rows on as CSV.
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ("marketplace" VARCHAR(8), "event_time" VARCHAR(32), "views" BIGINT);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM "marketplace", "event_time", "views"
    FROM "SOURCE_SQL_STREAM_001";
