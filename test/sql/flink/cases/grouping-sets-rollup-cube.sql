-- test: GROUPING SETS, ROLLUP and CUBE update one result row per grouping set (keys outside the set are NULL), GROUPING/GROUPING_ID tell the sets apart, and equal keys of different sets stay apart
-- at 0 sales: {"region": "eu", "product": "apple", "qty": 2}
-- at 1 sales: {"region": "us", "product": "apple", "qty": 5}
-- at 2 sales: {"region": "eu", "product": "pear", "qty": 1}
-- expect sets: +I {"region": "eu", "product": null, "g": 1, "total": 2}
-- expect sets: +I {"region": null, "product": "apple", "g": 2, "total": 2}
-- expect sets: +I {"region": "us", "product": null, "g": 1, "total": 5}
-- expect sets: -U {"region": null, "product": "apple", "g": 2, "total": 2}
-- expect sets: +U {"region": null, "product": "apple", "g": 2, "total": 7}
-- expect sets: -U {"region": "eu", "product": null, "g": 1, "total": 2}
-- expect sets: +U {"region": "eu", "product": null, "g": 1, "total": 3}
-- expect sets: +I {"region": null, "product": "pear", "g": 2, "total": 1}
-- expect rollup: +I {"region": "eu", "product": "apple", "gr": 0, "gp": 0, "n": 1}
-- expect rollup: +I {"region": "eu", "product": null, "gr": 0, "gp": 1, "n": 1}
-- expect rollup: +I {"region": null, "product": null, "gr": 1, "gp": 1, "n": 1}
-- expect rollup: +I {"region": "us", "product": "apple", "gr": 0, "gp": 0, "n": 1}
-- expect rollup: +I {"region": "us", "product": null, "gr": 0, "gp": 1, "n": 1}
-- expect rollup: -U {"region": null, "product": null, "gr": 1, "gp": 1, "n": 1}
-- expect rollup: +U {"region": null, "product": null, "gr": 1, "gp": 1, "n": 2}
-- expect rollup: +I {"region": "eu", "product": "pear", "gr": 0, "gp": 0, "n": 1}
-- expect rollup: -U {"region": "eu", "product": null, "gr": 0, "gp": 1, "n": 1}
-- expect rollup: +U {"region": "eu", "product": null, "gr": 0, "gp": 1, "n": 2}
-- expect rollup: -U {"region": null, "product": null, "gr": 1, "gp": 1, "n": 2}
-- expect rollup: +U {"region": null, "product": null, "gr": 1, "gp": 1, "n": 3}
-- expect cube: +I {"region": "eu", "product": "apple", "gid": 0, "total": 2}
-- expect cube: +I {"region": "eu", "product": null, "gid": 1, "total": 2}
-- expect cube: +I {"region": null, "product": "apple", "gid": 2, "total": 2}
-- expect cube: +I {"region": null, "product": null, "gid": 3, "total": 2}
-- expect cube: +I {"region": "us", "product": "apple", "gid": 0, "total": 5}
-- expect cube: +I {"region": "us", "product": null, "gid": 1, "total": 5}
-- expect cube: -U {"region": null, "product": "apple", "gid": 2, "total": 2}
-- expect cube: +U {"region": null, "product": "apple", "gid": 2, "total": 7}
-- expect cube: -U {"region": null, "product": null, "gid": 3, "total": 2}
-- expect cube: +U {"region": null, "product": null, "gid": 3, "total": 7}
-- expect cube: +I {"region": "eu", "product": "pear", "gid": 0, "total": 1}
-- expect cube: -U {"region": "eu", "product": null, "gid": 1, "total": 2}
-- expect cube: +U {"region": "eu", "product": null, "gid": 1, "total": 3}
-- expect cube: +I {"region": null, "product": "pear", "gid": 2, "total": 1}
-- expect cube: -U {"region": null, "product": null, "gid": 3, "total": 7}
-- expect cube: +U {"region": null, "product": null, "gid": 3, "total": 8}
CREATE TABLE sales (region STRING, product STRING, qty INT) WITH ('connector' = 'datagen');
CREATE TABLE sets (region STRING, product STRING, g BIGINT, total INT) WITH ('connector' = 'print');
CREATE TABLE rollup (region STRING, product STRING, gr BIGINT, gp BIGINT, n BIGINT) WITH ('connector' = 'print');
CREATE TABLE cube (region STRING, product STRING, gid BIGINT, total INT) WITH ('connector' = 'print');
INSERT INTO sets SELECT region, product, GROUPING_ID(region, product), SUM(qty) FROM sales GROUP BY GROUPING SETS ((region), (product));
INSERT INTO rollup SELECT region, product, GROUPING(region), GROUPING(product), COUNT(*) FROM sales GROUP BY ROLLUP (region, product);
INSERT INTO cube SELECT region, product, GROUPING_ID(region, product) AS gid, SUM(qty) AS total FROM sales GROUP BY CUBE (region, product);
