/**
 * S4.1 — the stream's consumer: a Lambda handler for Kinesis events. Each
 * record is a sensor reading; readings it cannot parse make the invocation
 * fail, so the event source mapping bisects the batch until the bad record is
 * alone, retries it, and sends its metadata (shard, sequence numbers) to the
 * dead-letter queue — every other record is processed.
 */
export const handler = async (event) => {
  let errors = 0;
  for (const record of event.Records) {
    const reading = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
    if (typeof reading.sensor_id !== 'number') throw new Error(`record ${record.kinesis.sequenceNumber} has no sensor_id`);
    if (reading.status === 'ERROR') errors++;
    console.log(`sensor ${reading.sensor_id} ${reading.status} ${reading.current_temperature}`);
  }
  return { processed: event.Records.length, errors };
};
