/**
 * The crash test's writer and checker. Writers put uniquely identifiable
 * records with PutRecords and PutRecord in parallel loops and keep a ledger of
 * everything they attempted and everything the server acknowledged (answered
 * with a sequence number). The checker reads every shard from TRIM_HORIZON and
 * compares it with the ledger.
 */
import { randomBytes } from 'node:crypto';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';

export interface AckedRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: string;
  writer: string;
}

export class Ledger {
  /** Every payload ever sent (acknowledged or not), payload → partition key. Payloads are unique. */
  readonly attempted = new Map<string, string>();
  /** Payload → what the server answered for it. */
  readonly acked = new Map<string, AckedRecord>();
  /** Errors writers hit while the server was meant to be up. */
  readonly unexpectedErrors: string[] = [];
}

export interface WriterOptions {
  stream: string;
  cycle: number;
  writers: number;
  /** Set just before the server is killed: errors after it are the crash, not failures. */
  killed: () => boolean;
}

function seqLess(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b;
}

/**
 * Runs `opts.writers` loops until each hits an error after the kill. Even loops
 * use PutRecords (1–25 records), odd loops PutRecord. Never retries: a record
 * whose request failed is simply not acknowledged (clients use maxAttempts 1).
 */
export async function runWriters(client: KinesisClient, ledger: Ledger, opts: WriterOptions): Promise<void> {
  const loop = async (w: number): Promise<void> => {
    const writer = `c${opts.cycle}w${w}`;
    for (let n = 0; ; n++) {
      const count = w % 2 === 0 ? 1 + (n % 25) : 1;
      const batch: { key: string; data: string }[] = [];
      for (let i = 0; i < count; i++) {
        // Unique payload of varying size (about 40–330 bytes) naming its writer and position.
        const data = `${writer}:${n}:${i}:${randomBytes(8 + ((n * 7 + i * 13) % 140)).toString('hex')}`;
        const key = `pk-${w}-${(n + i) % 37}`;
        ledger.attempted.set(data, key);
        batch.push({ key, data });
      }
      try {
        if (count === 1 && w % 2 === 1) {
          const r = batch[0]!;
          const out = await client.send(new PutRecordCommand({ StreamName: opts.stream, PartitionKey: r.key, Data: Buffer.from(r.data) }));
          ledger.acked.set(r.data, { shardId: out.ShardId!, sequenceNumber: out.SequenceNumber!, partitionKey: r.key, data: r.data, writer });
        } else {
          const out = await client.send(
            new PutRecordsCommand({ StreamName: opts.stream, Records: batch.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.data) })) }),
          );
          const results = out.Records ?? [];
          if (results.length !== batch.length)
            ledger.unexpectedErrors.push(`${writer}: PutRecords answered ${results.length} results for ${batch.length} records`);
          for (let i = 0; i < results.length; i++) {
            const res = results[i]!;
            const r = batch[i]!;
            if (res.ErrorCode) {
              if (!opts.killed()) ledger.unexpectedErrors.push(`${writer}: record failed with ${res.ErrorCode}: ${res.ErrorMessage}`);
              continue;
            }
            ledger.acked.set(r.data, { shardId: res.ShardId!, sequenceNumber: res.SequenceNumber!, partitionKey: r.key, data: r.data, writer });
          }
        }
      } catch (e) {
        if (!opts.killed()) ledger.unexpectedErrors.push(`${writer}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.writers }, (_, w) => loop(w)));
}

export interface ReadBack {
  shardIds: string[];
  /** Per shard, the records in the order GetRecords returned them. */
  records: Map<string, { sequenceNumber: string; partitionKey: string; data: string }[]>;
}

export async function readAll(client: KinesisClient, stream: string): Promise<ReadBack> {
  const shardIds: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(nextToken ? new ListShardsCommand({ NextToken: nextToken }) : new ListShardsCommand({ StreamName: stream }));
    for (const s of page.Shards ?? []) shardIds.push(s.ShardId!);
    nextToken = page.NextToken;
  } while (nextToken);
  const records: ReadBack['records'] = new Map();
  for (const shardId of shardIds) {
    const list: { sequenceNumber: string; partitionKey: string; data: string }[] = [];
    records.set(shardId, list);
    const it = await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    let iterator = it.ShardIterator;
    for (let page = 0; iterator; page++) {
      if (page > 10_000) throw new Error(`GetRecords on ${shardId} did not reach the end`);
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of out.Records ?? []) {
        list.push({ sequenceNumber: r.SequenceNumber!, partitionKey: r.PartitionKey!, data: Buffer.from(r.Data!).toString('utf8') });
      }
      if ((out.Records?.length ?? 0) === 0 && (out.MillisBehindLatest ?? 0) === 0) break;
      iterator = out.NextShardIterator;
    }
  }
  return { shardIds, records };
}

/**
 * Everything that is wrong with a read-back against the ledger: acknowledged
 * records missing or changed, duplicates, records out of sequence order or out
 * of their writer's order, records nobody sent. An empty list means correct.
 */
export function check(ledger: Ledger, back: ReadBack): string[] {
  const problems: string[] = [];
  const seenData = new Set<string>();
  const seenSeq = new Set<string>();
  const found = new Set<string>();
  for (const [shardId, list] of back.records) {
    let last: string | undefined;
    const lastSeqOfWriter = new Map<string, string>();
    for (const r of list) {
      if (last !== undefined && !seqLess(last, r.sequenceNumber)) problems.push(`${shardId}: sequence ${r.sequenceNumber} after ${last}`);
      last = r.sequenceNumber;
      if (seenSeq.has(r.sequenceNumber)) problems.push(`${shardId}: sequence number ${r.sequenceNumber} appears twice`);
      seenSeq.add(r.sequenceNumber);
      if (seenData.has(r.data)) {
        problems.push(`${shardId}: record ${r.data.slice(0, 40)} appears twice`);
        continue;
      }
      seenData.add(r.data);
      const key = ledger.attempted.get(r.data);
      if (key === undefined) {
        problems.push(`${shardId}: record ${JSON.stringify(r.data.slice(0, 60))} was never sent`);
        continue;
      }
      if (key !== r.partitionKey) problems.push(`${shardId}: record ${r.data.slice(0, 40)} has partition key ${r.partitionKey}, sent with ${key}`);
      const ack = ledger.acked.get(r.data);
      if (ack === undefined) continue; // in flight at the kill: may or may not be there
      found.add(r.data);
      if (ack.shardId !== shardId || ack.sequenceNumber !== r.sequenceNumber) {
        problems.push(`record ${r.data.slice(0, 40)} acknowledged as ${ack.shardId}/${ack.sequenceNumber}, read back as ${shardId}/${r.sequenceNumber}`);
      }
      // A writer waits for each answer before its next request, so its acknowledged records on one shard are in its order.
      const prev = lastSeqOfWriter.get(ack.writer);
      if (prev !== undefined && !seqLess(prev, ack.sequenceNumber))
        problems.push(`${shardId}: writer ${ack.writer}'s records out of order at ${ack.sequenceNumber}`);
      lastSeqOfWriter.set(ack.writer, ack.sequenceNumber);
    }
  }
  for (const [data, ack] of ledger.acked) {
    if (!found.has(data)) problems.push(`acknowledged record ${ack.shardId}/${ack.sequenceNumber} (${data.slice(0, 40)}) was not read back`);
  }
  return problems;
}
