-- test: CROSS JOIN UNNEST turns a JSON array into rows (scalars, ROWs WITH ORDINALITY, a MAP); LEFT JOIN UNNEST ... ON TRUE keeps a row with an empty or NULL array; the rowtime survives, so a window can follow
-- record 1000 orders: {"order_id": 1, "ts": "2021-01-31 14:00:01", "tags": ["new", "gift"], "items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}], "attrs": {"color": "red"}}
-- record 1100 orders: {"order_id": 2, "ts": "2021-01-31 14:00:02", "tags": [], "items": [{"sku": "A", "qty": 5}], "attrs": {}}
-- record 1200 orders: {"order_id": 3, "ts": "2021-01-31 14:00:03", "tags": null, "items": null, "attrs": null}
-- record 9000 orders: {"order_id": 4, "ts": "2021-01-31 14:00:12", "tags": ["late"], "items": [{"sku": "C", "qty": 1}], "attrs": {}}
-- expect tags_out: +I {"order_id": 1, "tag": "new"}
-- expect tags_out: +I {"order_id": 1, "tag": "gift"}
-- expect tags_out: +I {"order_id": 4, "tag": "late"}
-- expect tags_left: +I {"order_id": 1, "tag": "new"}
-- expect tags_left: +I {"order_id": 1, "tag": "gift"}
-- expect tags_left: +I {"order_id": 2, "tag": null}
-- expect tags_left: +I {"order_id": 3, "tag": null}
-- expect tags_left: +I {"order_id": 4, "tag": "late"}
-- expect lines: +I {"order_id": 1, "pos": 1, "sku": "A", "qty": 2}
-- expect lines: +I {"order_id": 1, "pos": 2, "sku": "B", "qty": 1}
-- expect lines: +I {"order_id": 2, "pos": 1, "sku": "A", "qty": 5}
-- expect lines: +I {"order_id": 4, "pos": 1, "sku": "C", "qty": 1}
-- expect attrs_out: +I {"order_id": 1, "k": "color", "v": "red"}
-- expect sku_totals: +I {"sku": "A", "window_start": "2021-01-31 14:00:00.000", "qty": 7}
-- expect sku_totals: +I {"sku": "B", "window_start": "2021-01-31 14:00:00.000", "qty": 1}
-- expect-late 0
CREATE TABLE orders (
  order_id INT,
  ts TIMESTAMP(3),
  tags ARRAY<STRING>,
  items ARRAY<ROW<sku STRING, qty INT>>,
  attrs MAP<STRING, STRING>,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'kinesis', 'stream' = 'orders', 'format' = 'json');
CREATE TABLE tags_out (order_id INT, tag STRING) WITH ('connector' = 'print');
CREATE TABLE tags_left (order_id INT, tag STRING) WITH ('connector' = 'print');
CREATE TABLE lines (order_id INT, pos INT, sku STRING, qty INT) WITH ('connector' = 'print');
CREATE TABLE attrs_out (order_id INT, k STRING, v STRING) WITH ('connector' = 'print');
CREATE TABLE sku_totals (sku STRING, window_start TIMESTAMP(3), qty INT) WITH ('connector' = 'print');
CREATE TEMPORARY VIEW order_lines AS SELECT ts, sku, qty FROM orders CROSS JOIN UNNEST(items) AS i (sku, qty);
EXECUTE STATEMENT SET BEGIN
INSERT INTO tags_out SELECT order_id, tag FROM orders CROSS JOIN UNNEST(tags) AS t (tag);
INSERT INTO tags_left SELECT o.order_id, t.tag FROM orders AS o LEFT JOIN UNNEST(o.tags) AS t (tag) ON TRUE;
INSERT INTO lines SELECT order_id, pos, sku, qty FROM orders, UNNEST(items) WITH ORDINALITY AS i (sku, qty, pos);
INSERT INTO attrs_out SELECT order_id, k, v FROM orders CROSS JOIN UNNEST(attrs) AS a (k, v);
INSERT INTO sku_totals
SELECT sku, window_start, SUM(qty)
FROM TABLE(TUMBLE(TABLE order_lines, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY sku, window_start, window_end;
END;
