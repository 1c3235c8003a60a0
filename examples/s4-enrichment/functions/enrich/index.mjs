/**
 * S4.4 — enrich each record by calling an external HTTP endpoint, then write
 * the enriched record to another stream.
 *
 * Event: Lambda's Kinesis event (a batch of one shard's records). For every
 * record the handler calls ENRICH_URL?ticker=<TICKER> (all records of the
 * batch concurrently), merges the answer into the record and writes the
 * batch to OUTPUT_STREAM with PutRecords. The SDK needs no endpoint setting:
 * AWS_ENDPOINT_URL points it at Freshet. Records whose enrichment failed are
 * reported with ReportBatchItemFailures, so only they are retried.
 */
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';

const kinesis = new KinesisClient({});
const ENRICH_URL = process.env.ENRICH_URL;
const OUTPUT_STREAM = process.env.OUTPUT_STREAM;

async function enrich(record) {
  const event = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  const res = await fetch(`${ENRICH_URL}?ticker=${encodeURIComponent(event.TICKER ?? '')}`);
  if (!res.ok) throw new Error(`enrichment endpoint answered ${res.status}`);
  return { ...event, ...(await res.json()) };
}

export const handler = async (event) => {
  const results = await Promise.allSettled(event.Records.map(enrich));
  const enriched = [];
  const failures = [];
  results.forEach((r, i) => {
    const record = event.Records[i];
    if (r.status === 'fulfilled') enriched.push({ Data: Buffer.from(JSON.stringify(r.value)), PartitionKey: record.kinesis.partitionKey });
    else failures.push({ itemIdentifier: record.kinesis.sequenceNumber });
  });
  for (let i = 0; i < enriched.length; i += 500) {
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: OUTPUT_STREAM, Records: enriched.slice(i, i + 500) }));
    if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} enriched records were not written`);
  }
  return { batchItemFailures: failures };
};
