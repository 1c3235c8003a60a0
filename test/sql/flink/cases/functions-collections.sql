-- test: collection functions from Flink's list (ARRAY_DISTINCT/POSITION/REMOVE/REVERSE/APPEND/PREPEND/CONCAT/UNION/MAX/MIN/SLICE/SORT/JOIN, MAP_KEYS/VALUES/ENTRIES/FROM_ARRAYS, SPLIT) and IS_ALPHA/IS_DIGIT/IS_DECIMAL, with Flink's NULL rules
-- at 0 t: {"id": 1, "xs": [3, 1, null, 3, 2], "ys": [2, 5], "m": {"a": 1}, "s": "a,b,,c", "w": "abc"}
-- at 1 t: {"id": 2, "xs": null, "ys": [4, null], "m": null, "s": null, "w": "12.5"}
-- expect-errors 0
-- expect out: +I {"id": 1, "dist": [3, 1, null, 2], "pos3": 1, "pos9": 0, "rem": [1, null, 2], "rev": [2, 3, null, 1, 3], "app": [2, 5, 7], "pre": [0, 2, 5], "cat": [3, 1, null, 3, 2, 2, 5], "uni": [2, 5, 6], "mx": 3, "mn": 2, "sl": [1, null], "sl_neg": [3, 2], "srt": [null, 1, 2, 3, 3], "srt_desc": [3, 3, 2, 1, null], "j": "3-1-3-2", "j_null": "3-1-x-3-2", "ks": ["a"], "vs": [1], "built": {"k1": 2, "k2": 5}, "parts": ["a", "b", "", "c"], "alpha": true, "digit": false, "dec": false}
-- expect out: +I {"id": 2, "dist": null, "pos3": null, "pos9": null, "rem": null, "rev": null, "app": [4, null, 7], "pre": [0, 4, null], "cat": null, "uni": [4, null, 5, 6], "mx": null, "mn": 4, "sl": null, "sl_neg": null, "srt": null, "srt_desc": null, "j": null, "j_null": null, "ks": null, "vs": null, "built": {"k1": 4, "k2": null}, "parts": null, "alpha": false, "digit": false, "dec": true}
CREATE TABLE t (id INT, xs ARRAY<INT>, ys ARRAY<INT>, m MAP<STRING, INT>, s STRING, w STRING) WITH ('connector' = 'datagen');
CREATE TABLE out (
  id INT, dist ARRAY<INT>, pos3 INT, pos9 INT, rem ARRAY<INT>, rev ARRAY<INT>, app ARRAY<INT>, pre ARRAY<INT>, cat ARRAY<INT>,
  uni ARRAY<INT>, mx INT, mn INT, sl ARRAY<INT>, sl_neg ARRAY<INT>, srt ARRAY<INT>, srt_desc ARRAY<INT>, j STRING, j_null STRING,
  ks ARRAY<STRING>, vs ARRAY<INT>, built MAP<STRING, INT>, parts ARRAY<STRING>, alpha BOOLEAN, digit BOOLEAN, dec BOOLEAN
) WITH ('connector' = 'print');
INSERT INTO out SELECT id, ARRAY_DISTINCT(xs), ARRAY_POSITION(xs, 3), ARRAY_POSITION(xs, 9), ARRAY_REMOVE(xs, 3), ARRAY_REVERSE(xs),
  ARRAY_APPEND(ys, 7), ARRAY_PREPEND(ys, 0), ARRAY_CONCAT(xs, ys), ARRAY_UNION(ys, ARRAY[5, 6]), ARRAY_MAX(xs), ARRAY_MIN(ys),
  ARRAY_SLICE(xs, 2, 3), ARRAY_SLICE(xs, -2), ARRAY_SORT(xs), ARRAY_SORT(xs, FALSE), ARRAY_JOIN(xs, '-'), ARRAY_JOIN(xs, '-', 'x'),
  MAP_KEYS(m), MAP_VALUES(m), MAP_FROM_ARRAYS(ARRAY['k1', 'k2'], ys), SPLIT(s, ','), IS_ALPHA(w), IS_DIGIT(w), IS_DECIMAL(w)
FROM t;
