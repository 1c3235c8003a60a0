/**
 * Crash-test writer (run by crash.test.ts as a child process): appends to
 * several logs with several concurrent appenders and prints one line per
 * acknowledged batch — `ack <log> <firstOffset> <count> <tag>` — until killed.
 * Record i of a batch carries the data `<tag>:<i>`.
 */
import { FileStorage } from '../../src/storage/index.ts';
import type { ShardLog } from '../../src/storage/index.ts';

const [dataDir, runId] = process.argv.slice(2) as [string, string];
const LOGS = 3;
const APPENDERS_PER_LOG = 4;

const storage = new FileStorage({ dataDir, fsync: { kind: 'always' }, segmentMaxBytes: 64 * 1024 });
await storage.open();
const logs: ShardLog[] = [];
for (let l = 0; l < LOGS; l++) logs.push(storage.getLog(`crash/shard-${l}`) ?? (await storage.createLog(`crash/shard-${l}`)));
process.stdout.write('ready\n');

let seq = 0;
async function appender(l: number): Promise<never> {
  const log = logs[l]!;
  for (;;) {
    const tag = `${runId}-${seq++}`;
    const count = 1 + (seq % 17);
    const batch = [];
    for (let i = 0; i < count; i++) batch.push({ key: `k${i}`, data: Buffer.from(`${tag}:${i}:${'d'.repeat((seq * 7 + i) % 300)}`), timestampMs: Date.now() });
    const { firstOffset, durable } = log.append(batch);
    await durable;
    process.stdout.write(`ack ${l} ${firstOffset} ${count} ${tag}\n`);
  }
}
for (let l = 0; l < LOGS; l++) for (let a = 0; a < APPENDERS_PER_LOG; a++) void appender(l);
