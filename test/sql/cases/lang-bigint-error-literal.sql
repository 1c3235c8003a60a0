-- test: an integer literal Freshet cannot hold exactly as a BIGINT is a plan error at the literal
-- input EVENTS: id BIGINT
-- expect-error 5:85 integer literal 9223372036854775807 is beyond 9007199254740991
CREATE OR REPLACE STREAM out (id BIGINT);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM id FROM events WHERE id < 9223372036854775807;
