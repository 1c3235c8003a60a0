/**
 * GetRecords' server-side work without HTTP: FileStorage.readSpans of 10,000-record
 * pages plus the response encoder, on one log of pre-written records. A tool for
 * profiling the read path (prints CPU µs per record); not part of the report.
 *
 *   node --import tsx bench/kinesis/read-micro.ts [--size 1024] [--records 40000] [--rounds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/core/index.ts';
import { FileStorage } from '../../src/storage/index.ts';
import { encodeRecords } from '../../src/kinesis/actions/get-records.ts';
import { ShardSequences } from '../../src/kinesis/sequence.ts';

const { values } = parseArgs({
  options: { size: { type: 'string', default: '1024' }, records: { type: 'string', default: '40000' }, rounds: { type: 'string', default: '5' } },
});
const size = Number(values.size);
const total = Number(values.records);
const dir = mkdtempSync(join(tmpdir(), 'freshet-read-micro-'));
const storage = new FileStorage({ dataDir: dir, fsync: { kind: 'never' }, clock: systemClock });
try {
  await storage.open();
  const log = await storage.createLog('s/shardId-000000000000');
  const pool = Array.from({ length: 64 }, () => randomBytes(size));
  const now = Date.now();
  for (let i = 0; i < total; i += 500) {
    const batch = Array.from({ length: Math.min(500, total - i) }, (_, j) => ({
      key: `pk-${(i + j).toString(36).padStart(8, '0')}`,
      data: pool[(i + j) % 64]!,
      timestampMs: now + Math.floor(i / 5000),
    }));
    await log.append(batch).durable;
  }
  for (let r = 0; r < Number(values.rounds); r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let bytes = 0;
    let n = 0;
    for (let off = 0; off < total; ) {
      const spans = await log.readSpans(off, { maxRecords: 10_000, maxBytes: 10 * 1024 * 1024 });
      bytes += encodeRecords(spans, 0, new ShardSequences(0, now), '],"NextShardIterator":"x","MillisBehindLatest":0}').length;
      n += spans.count;
      off = spans.nextOffset;
    }
    const c = process.cpuUsage(c0);
    const ms = performance.now() - t0;
    console.log(
      `round ${r + 1}: ${n} records, ${(bytes / 1e6).toFixed(0)} MB of JSON, ${((c.user + c.system) / n).toFixed(2)} µs CPU/record, ${Math.round(n / (ms / 1000))} records/s`,
    );
  }
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
