-- test: JVM user-defined functions are refused with the reason
-- expect-error 3:1 CREATE FUNCTION registers a JVM class
CREATE FUNCTION my_udf AS 'com.example.MyUdf';
