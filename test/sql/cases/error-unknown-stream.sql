-- test: inserting into a stream that was not created
-- input SOURCE_SQL_STREAM_001: a INTEGER
-- expect-error 4:41 inserts into "DEST", which is not a stream; create it first
CREATE OR REPLACE PUMP p AS INSERT INTO "DEST" SELECT STREAM a FROM source_sql_stream_001;
