/**
 * GetRecords (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html)
 * Reads { ShardIterator, Limit? (1–10000, default 10000) };
 * writes { Records: [{ SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey }], NextShardIterator, MillisBehindLatest }.
 * At most 10 MiB of data per call. Records older than the retention period are skipped
 * (trimming removes whole segments, so some may linger on disk for a while).
 */
import { PreEncodedJson, compileValidator } from '../../server/index.ts';
import type { ActionHandler } from '../../server/index.ts';
import { MAX_GET_RECORDS_BYTES } from '../engine.ts';
import type { KinesisEngine } from '../engine.ts';
import { encodeSequence } from '../sequence.ts';

interface Input {
  Limit?: number;
  ShardIterator: string;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    Limit: { type: 'integer', min: 1, max: 10000 },
    ShardIterator: { type: 'string', notNull: true, minLength: 1, maxLength: 512 },
  },
});

export function getRecords(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    const { stream, shard, offset } = engine.openIterator(input.ShardIterator);
    const log = shard.log;
    const res = await log.read(offset, { maxRecords: input.Limit ?? 10_000, maxBytes: MAX_GET_RECORDS_BYTES });
    const cutoff = engine.retentionCutoffMs(stream);
    const recs = res.records;
    const salt = stream.meta.salt;
    const shardPart = shard.shardPart;
    // hot path: the response is written as JSON text directly, one string per record.
    let body = '{"Records":[';
    let first = true;
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i]!;
      if (r.timestampMs < cutoff) continue;
      const d = r.data;
      const b64 = (Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength)).toString('base64');
      body += `${first ? '' : ','}{"SequenceNumber":"${encodeSequence(r.timestampMs, shardPart, r.offset, salt)}","ApproximateArrivalTimestamp":${r.timestampMs / 1000},"Data":"${b64}","PartitionKey":${JSON.stringify(r.key)}}`;
      first = false;
    }
    const last = recs.length ? recs[recs.length - 1]! : undefined;
    const behind = res.nextOffset >= log.endOffset || !last ? 0 : Math.max(0, engine.clock.now() - last.timestampMs);
    body += `],"NextShardIterator":"${engine.iteratorAt(stream, shard, res.nextOffset)}","MillisBehindLatest":${behind}}`;
    return new PreEncodedJson(body);
  };
}
