-- test: unquoted names are upper-cased, quoted names keep their case; both resolve as KDA does
-- input SOURCE_SQL_STREAM_001: "lower_col" VARCHAR(8), UPPER_COL INTEGER, "Mixed Col" DOUBLE
-- at 0 SOURCE_SQL_STREAM_001: {"lower_col": "x", "UPPER_COL": 3, "Mixed Col": 1.5}
-- expect Out Stream: {"ROWTIME": "2021-01-31 14:00:00.000", "lower_col": "x", "N": 3, "M": 1.5, "rt": "2021-01-31 14:00:00.000"}
CREATE OR REPLACE STREAM "Out Stream" ("lower_col" VARCHAR(8), n INTEGER, "M" DOUBLE, "rt" TIMESTAMP);
create or replace pump "p" as insert into "Out Stream"
  select stream src."lower_col", upper_col, "Mixed Col", Src.rowtime from Source_Sql_Stream_001 src;
