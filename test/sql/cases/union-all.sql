-- test: UNION ALL merges two streams into one pump; ROWTIME stays non-decreasing
-- input STREAM_A: v INTEGER
-- input STREAM_B: w INTEGER
-- at 0 STREAM_A: {"V": 1}
-- at 10 STREAM_B: {"W": 2}
-- at 20 STREAM_A: {"V": 3}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:00.000", "SRC": "a", "N": 1}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:00.010", "SRC": "b", "N": 20}
-- expect MERGED: {"ROWTIME": "2021-01-31 14:00:00.020", "SRC": "a", "N": 3}
CREATE OR REPLACE STREAM merged (src VARCHAR(1), n INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO merged
  SELECT STREAM 'a', v FROM stream_a
  UNION ALL
  SELECT STREAM 'b', w * 10 FROM stream_b;
