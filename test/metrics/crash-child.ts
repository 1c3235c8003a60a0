/**
 * Crash-test writer for the metrics store (run by crash.test.ts as a child
 * process): records datapoints of value 1 into one series as fast as it can,
 * commits the log after each batch and prints `ack <total>` once the batch is
 * durable, checkpointing every 100 ms of real time, until it is killed.
 */
import { systemClock } from '../../src/core/index.ts';
import { MetricStore } from '../../src/metrics/index.ts';

const [dir] = process.argv.slice(2) as [string];
const store = await MetricStore.open({ dir, clock: systemClock, fsync: true, commitIntervalMs: 20, checkpointIntervalMs: 100 });
const s = store.series('Crash', 'Count', [], 'Count');
process.stdout.write('ready\n');
let total = 0;
for (;;) {
  const batch = 1 + (total % 7);
  for (let i = 0; i < batch; i++) store.record(s, Date.now() - (i % 3) * 61_000, 1, 1, 1, 1, null, i % 2 === 0);
  total += batch;
  await store.flush();
  process.stdout.write(`ack ${total}\n`);
}
