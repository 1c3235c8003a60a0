-- test: EXECUTE STATEMENT SET runs its INSERTs as one job over the same source
-- at 0 logs: {"level": "ERROR", "msg": "disk full"}
-- at 1 logs: {"level": "INFO", "msg": "started"}
-- expect errors: +I {"msg": "disk full"}
-- expect everything: +I {"level": "ERROR", "msg": "disk full"}
-- expect everything: +I {"level": "INFO", "msg": "started"}
CREATE TABLE logs (level STRING, msg STRING) WITH ('connector' = 'datagen');
CREATE TABLE errors (msg STRING) WITH ('connector' = 'print');
CREATE TABLE everything (level STRING, msg STRING) WITH ('connector' = 'print');
EXECUTE STATEMENT SET
BEGIN
  INSERT INTO errors SELECT msg FROM logs WHERE level = 'ERROR';
  INSERT INTO everything SELECT * FROM logs;
END;
