-- test: string functions from Flink's list: REGEXP_COUNT / REGEXP_EXTRACT_ALL / REGEXP_INSTR / REGEXP_SUBSTR (NULL for an invalid pattern), STARTSWITH / ENDSWITH, TRANSLATE, URL_ENCODE / URL_DECODE as Java's URLEncoder, JSON_QUOTE / JSON_UNQUOTE
-- at 0 t: {"s": "k1=v1;k2=v2;k3=v3", "u": "a b&c/d*é!", "q": "say \"hi\"/now"}
-- at 1 t: {"s": null, "u": null, "q": null}
-- expect out: +I {"cnt": 3, "vals": ["v1", "v2", "v3"], "whole": ["k1", "k2", "k3"], "past": null, "at_pos": 7, "none_pos": 0, "first_kv": "k1=v1", "bad": null, "sw": true, "ew": false, "tr": "K1=V1K2=V2K3=V3", "enc": "a+b%26c%2Fd*%C3%A9%21", "dec": "a b&c/d*é!", "quoted": "\"say \\\"hi\\\"\\/now\"", "unquoted": "say \"hi\"/now"}
-- expect out: +I {"cnt": null, "vals": null, "whole": null, "past": null, "at_pos": null, "none_pos": null, "first_kv": null, "bad": null, "sw": null, "ew": null, "tr": null, "enc": null, "dec": null, "quoted": null, "unquoted": null}
CREATE TABLE t (s STRING, u STRING, q STRING) WITH ('connector' = 'datagen');
CREATE TABLE out (
  cnt INT, vals ARRAY<STRING>, whole ARRAY<STRING>, past ARRAY<STRING>, at_pos INT, none_pos INT, first_kv STRING, bad INT,
  sw BOOLEAN, ew BOOLEAN, tr STRING, enc STRING, dec STRING, quoted STRING, unquoted STRING
) WITH ('connector' = 'print');
INSERT INTO out SELECT REGEXP_COUNT(s, 'k\d'), REGEXP_EXTRACT_ALL(s, 'k(\d)=(v\d)', 2), REGEXP_EXTRACT_ALL(s, 'k\d', 0),
  REGEXP_EXTRACT_ALL(s, 'k(\d)', 3), REGEXP_INSTR(s, 'k2'), REGEXP_INSTR(s, 'zz'), REGEXP_SUBSTR(s, 'k\d=v\d'), REGEXP_COUNT(s, '('),
  STARTSWITH(s, 'k1'), ENDSWITH(s, 'v2'), TRANSLATE(s, 'kv;', 'KV'), URL_ENCODE(u), URL_DECODE(URL_ENCODE(u)),
  JSON_QUOTE(q), JSON_UNQUOTE(JSON_QUOTE(q))
FROM t;
