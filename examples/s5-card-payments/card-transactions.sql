-- The card-payments view as on Redshift streaming ingestion: the stream's metadata columns and the
-- payload parsed to SUPER, records that are not JSON skipped.
CREATE MATERIALIZED VIEW card_transactions AUTO REFRESH YES AS
SELECT approximate_arrival_timestamp,
       partition_key,
       shard_id,
       sequence_number,
       JSON_PARSE(kinesis_data) AS payload
FROM kds."s5-card-payments"
WHERE CAN_JSON_PARSE(kinesis_data);
