-- test: an AT_TIMESTAMP start needs a timestamp Freshet can read (epoch seconds or a date-time); the error points at the option
-- expect-error 5:3 Invalid value for option 'scan.stream.initpos-timestamp': 'yesterday'
CREATE TABLE quotes (ticker STRING, price DOUBLE) WITH ('connector' = 'kinesis', 'stream' = 'quotes', 'format' = 'json',
  'scan.stream.initpos' = 'AT_TIMESTAMP',
  'scan.stream.initpos-timestamp' = 'yesterday');
CREATE TABLE out1 (ticker STRING) WITH ('connector' = 'print');
INSERT INTO out1 SELECT ticker FROM quotes;
