/**
 * The S1 and S2 example pipelines (examples/, as ../shared/SCENARIOS.md defines them) on two Freshet nodes on one
 * 3-server NATS JetStream cluster (issue 19): applied through node A, their generators writing through both nodes,
 * their outputs read through node B. S1's revenue per store and minute, from an added output stream and from the
 * delivered files, equals the sum of that minute's sales; S2's injected anomalous trades dominate the delivered rows.
 *
 * Both nodes share one ManualClock, moved only once the SQL application (wherever its lease put it) has read every
 * record its input holds, so a window never closes before its records are in. Leases do not expire on that clock
 * (failover has its own tests), but the cluster balances them: A takes the application and its delivery stream, then
 * hands one to B. Every wait is bounded and says what it waited for.
 *
 * c3d7445 had these cases in jetstream-two-nodes.test.ts; one CI run hung in S1 for 333 s. Run here 7 times, that
 * version hung twice in `readClusterStatus`, whose KV listing (`kv.keys()`) did not end while the lease holders
 * renewed faster than it read (src/storage/jetstream/kv-list.ts), and twice delivered no files: the node following a
 * new delivery stream raced its creator to create its log and, refused, never knew it (src/firehose/engine.ts). Found
 * while making it reliable: after the start's hand-over the application ran on no node (a failed start was never
 * retried: src/cluster/leases.ts) or on both (a stop while starting: src/analytics/runtime/host.ts); the clock moved
 * once the application had read as many records as the writers were acknowledged, though a retried PutRecords may
 * store a batch twice (a minute's revenue came out a batch short); S2 stopped waiting for files before the last one.
 */
import { after, before, describe, it } from 'node:test';
import { CreateDeliveryStreamCommand, DeleteDeliveryStreamCommand, DescribeDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import assert from 'node:assert/strict';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { startDevCluster } from '../../src/cluster/index.ts';
import type { DevCluster, NatsCluster } from '../../src/cluster/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import type { AnalyticsHost, AnalyticsService } from '../../src/analytics/index.ts';
import type { FirehoseService } from '../../src/firehose/index.ts';
import { applyDown, applyUp, createClients, loadPipeline, readStream, startPipelineGenerators } from '../../src/pipeline/index.ts';
import type { FreshetClients, LoadedPipeline, ReadRecord, RunningGenerator } from '../../src/pipeline/index.ts';
import { readClusterStatus } from '../../src/storage/index.ts';
import type { ShardLog } from '../../src/storage/index.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';
import { ROOT } from '../cli/run-cli.ts';
import { filesUnder } from '../pipeline/scenario-harness.ts';

const clock = new ManualClock();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `work` within `ms` of real time, or an error that names what was waited for (`onTimeout` then cancels what it can). */
async function within<T>(work: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what}: not done within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Retries `check` (each try bounded too) until it passes, for at most `timeoutMs`; the error names `what` and the last failure. */
async function eventually<T>(check: () => Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    clock.advance(0); // timers due now (a status transition, a flush with no delay) fire
    try {
      return await within(check(), Math.max(1000, until - Date.now()), what);
    } catch (e) {
      if (Date.now() > until) throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
      await sleep(20);
    }
  }
}

/**
 * Runs `work` with the shared clock moving (100 ms every 20 ms of real time): creation, start, lease placement and
 * stop wait on timers of that clock. Bounded by `ms`.
 */
async function withClockMoving<T>(work: () => Promise<T>, ms: number, what: string): Promise<T> {
  const pump = setInterval(() => clock.advance(100), 20);
  try {
    return await within(work(), ms, what);
  } finally {
    clearInterval(pump);
  }
}

/** Both nodes' delivery streams write their buckets here (`<s3Root>/<bucket>`), as nodes sharing one object store. */
const s3Root = mkdtempSync(join(tmpdir(), 'freshet-scenarios-s3-'));

let cluster: DevCluster<FreshetServer> | undefined;
/** The run's shared NATS cluster, or this file's own when it runs alone (stopped in `after`). */
let nats: NatsCluster | undefined;
let nodeA: FreshetServer;
let nodeB: FreshetServer;
/** The test's own connection to the cluster: what a shard log holds, asked of JetStream. */
let nc: NatsConnection | undefined;
let jsm: JetStreamManager;

const nodeId = (n: FreshetServer): string | undefined => (n.storage as { membership?: { info: { id: string } } | null }).membership?.info.id;
const hostOf = (n: FreshetServer): AnalyticsHost => (n.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20150814') as AnalyticsService).host;

before(async () => {
  nats = await within(testNatsCluster(), 60_000, 'the NATS cluster');
  cluster = await within(
    startDevCluster({
      natsCluster: nats,
      nodes: 2,
      port: 0,
      namespace: `scen${process.pid}`,
      startNode: ({ port, nats: urls }) =>
        startServer({
          port,
          storage: 'jetstream',
          nats: urls,
          clock,
          createDelayMs: 0,
          deleteDelayMs: 0,
          firehose: { s3Root, createDelayMs: 0, logger: () => undefined },
          analytics: { startDelayMs: 0, stopDelayMs: 0, updateDelayMs: 0, deleteDelayMs: 0 },
          // The scenarios move the shared ManualClock by minutes: leases that never expire meanwhile keep each
          // application on one node (failover has its own tests, leases-failover.test.ts, on the system clock).
          leases: { ttlMs: 24 * 3_600_000 },
        }),
    }),
    60_000,
    'two Freshet nodes on the NATS cluster',
  );
  [nodeA, nodeB] = cluster.nodes as [FreshetServer, FreshetServer];
  nc = await connect({ servers: nats.urls, timeout: 5000 });
  jsm = await jetstreamManager(nc, { timeout: 5000 });
});

after(async () => {
  try {
    await nc?.close();
    // Stopping applications and delivery streams waits on the clock (their final checkpoints, buffers).
    if (cluster) await withClockMoving(() => cluster!.stop(), 60_000, 'stopping the two nodes');
    if (cluster) await within(dropNamespace(cluster.nats.urls, cluster.namespace), 30_000, `dropping namespace ${cluster.namespace}`);
  } finally {
    // Run alone, the file started its own NATS cluster (the dev cluster leaves it running); shared, stop() does nothing.
    await nats?.stop();
    rmSync(s3Root, { recursive: true, force: true });
  }
});

/** KDA prints TIMESTAMP as `yyyy-MM-dd HH:mm:ss.SSS` (UTC). */
const kdaTime = (v: unknown) => Date.parse(`${String(v).replace(' ', 'T')}Z`);

/** Every line of every file under `<s3Root>/<bucket>`, parsed, with its key. */
function bucketRows(bucket: string): { key: string; row: Record<string, unknown> }[] {
  const out: { key: string; row: Record<string, unknown> }[] = [];
  for (const f of filesUnder(join(s3Root, bucket)))
    for (const l of f.text.split('\n')) if (l.trim() !== '') out.push({ key: f.key, row: JSON.parse(l) as Record<string, unknown> });
  return out;
}

/**
 * Moves the clock until `resources`' leases are held, the application runs on one node, and no lease moves any more
 * (a node holding two more than the other hands one over; the taker's reconcile pass runs on the clock): time then
 * stays with the scenario. Returns each resource's owner.
 */
async function settlePlacement(resources: string[], app: string): Promise<Map<string, string>> {
  const hosts = [hostOf(nodeA), hostOf(nodeB)];
  const pump = setInterval(() => clock.advance(100), 20);
  let last = 'nothing read yet';
  try {
    let same = 0;
    for (const until = Date.now() + 30_000; Date.now() < until; ) {
      await sleep(200);
      const st = await within(readClusterStatus({ servers: cluster!.nats.urls, namespace: cluster!.namespace }), 10_000, 'the cluster status');
      const now = clock.now();
      const held = st.leases.filter((l) => l.expiresMs > now);
      const owners = new Map(held.map((l) => [l.resource, l.owner]));
      const counts = [...new Set(held.map((l) => l.owner))].map((o) => held.filter((l) => l.owner === o).length);
      const balanced = counts.length === 0 || Math.max(...counts) - (counts.length === 2 ? Math.min(...counts) : 0) <= 1;
      const running = hosts.filter((h) => h.stats(app) !== undefined).length;
      const ready = resources.every((r) => owners.has(r)) && balanced && running === 1;
      const key = `${JSON.stringify([...owners].sort())}, ${app} running on ${running} node(s)`;
      same = ready && key === last ? same + 1 : 0;
      last = key;
      if (same >= 2) return new Map(resources.map((r) => [r, owners.get(r)!]));
    }
  } finally {
    clearInterval(pump);
  }
  const nodes = [nodeA, nodeB].map((n, i) => {
    const deliveries = (n.services.find((x) => x.targetPrefix === 'Firehose_20150804') as FirehoseService).engine.list({ limit: 100 }).names;
    return `${'AB'[i]} = ${nodeId(n)}: ${app} ${hostOf(n).stats(app) ? 'running' : 'not running'}, delivery streams known: ${deliveries.join(', ') || 'none'}`;
  });
  throw new Error(`the leases of ${resources.join(', ')} did not settle within 30 s (last seen: ${last}; ${nodes.join('; ')})`);
}

/**
 * The records a one-shard Kinesis stream holds, as its shard log's JetStream stream has them (asked of JetStream, not
 * of a node: a node's view of a log moves only while it has no append of its own in flight or recovering).
 */
async function storedRecords(node: FreshetServer, stream: string): Promise<number> {
  const meta = node.storage.meta.get<{ uuid: string; shards: { shardId: string }[] }>(`kinesis/stream/${stream}`);
  assert.ok(meta && meta.shards.length === 1, `${stream} is a stream of one shard in the metadata`);
  const log = node.storage.getLog(`${meta.uuid}/${meta.shards[0]!.shardId}`) as (ShardLog & { stream?: string }) | undefined;
  assert.ok(log?.stream, `${stream}'s shard log is open on the node, on JetStream`);
  const si = await jsm.streams.info(log.stream);
  return si.state.messages;
}

/**
 * An example pipeline applied through node A, its generators writing through both nodes (a second copy with other
 * seeds on B), time moved on the shared clock only once the SQL application, wherever its lease put it, has read
 * every acknowledged record.
 */
interface TwoNodeScenario {
  generators: RunningGenerator[];
  /** Moves the clock `ms` in `stepMs` steps, each after the generators' writes landed and the application read them. */
  advance(ms: number, stepMs: number): Promise<void>;
  stopGenerators(): Promise<void>;
  /** Every record of a stream, read through B. */
  read(stream: string): Promise<ReadRecord[]>;
  /** Rows the application has written to its outputs (all of them, on the node that runs it). */
  rowsWritten(): number;
  close(): Promise<void>;
}

async function twoNodeScenario(example: string, app: string, edit: (loaded: LoadedPipeline) => void = () => undefined): Promise<TwoNodeScenario> {
  const loaded = loadPipeline(join(ROOT, 'examples', example, 'freshet.yaml'));
  edit(loaded);
  const onA: FreshetClients = createClients({ endpoint: nodeA.url });
  const onB: FreshetClients = createClients({ endpoint: nodeB.url });
  const stateDir = join(s3Root, `.state-${example}`);
  const t0 = Date.now();
  await withClockMoving(() => applyUp(loaded, onA, { waitTimeoutMs: 30_000, stateDir }), 45_000, `${example}: applying it through A`);
  const delivery = loaded.spec.deliveryStreams[0]!.DeliveryStreamName;
  // `up` waited for ACTIVE through A; B learns of new streams through the metadata watch, and its generator writes
  // through B (a run under load had B's first PutRecords refused: ResourceNotFoundException, 4 s after the create).
  for (const { name } of loaded.spec.streams) {
    await eventually(async () => {
      const d = await onB.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      assert.equal(d.StreamDescriptionSummary?.StreamStatus, 'ACTIVE');
    }, `${name} ACTIVE through B`);
  }
  const t1 = Date.now();
  const owners = await settlePlacement([`analytics/${app}`, `firehose/${delivery}`], app);
  const t2 = Date.now();
  const ids = new Map([nodeA, nodeB].map((n, i) => [nodeId(n), 'AB'[i]]));
  console.log(
    `# ${example}: the application runs on node ${ids.get(owners.get(`analytics/${app}`))}, its delivery stream on node ${ids.get(owners.get(`firehose/${delivery}`))} (applied in ${t1 - t0} ms, settled in ${t2 - t1} ms)`,
  );
  const seededForB: LoadedPipeline = { ...loaded, spec: { ...loaded.spec, generators: loaded.spec.generators.map((g, i) => ({ ...g, seed: 1000 + i })) } };
  const generators = [...startPipelineGenerators(loaded, onA.kinesis, { clock }), ...startPipelineGenerators(seededForB, onB.kinesis, { clock })];
  const hosts = [hostOf(nodeA), hostOf(nodeB)];
  const input = loaded.spec.generators[0]!.stream;
  const caughtUp = async (): Promise<void> => {
    await within(Promise.all(generators.map((g) => g.flush())), 30_000, `${example}: the generators' PutRecords calls to both nodes`);
    const sent = generators.reduce((n, g) => n + g.stats.sent, 0);
    // What the input holds, not what the writers were acknowledged: a PutRecords retried after a lost or failed
    // answer may have stored its records twice (at-least-once), and the application reads both copies. Waiting
    // for `sent` let the clock move while such a stream still held unread records, which then fell into the next
    // window (S1's revenue of a minute short by one batch).
    const stored = await within(storedRecords(nodeB, input), 10_000, `the number of records in ${input}`);
    assert.ok(stored >= sent, `${input} holds ${stored} records, ${sent} were acknowledged`);
    await eventually(async () => {
      const read = hosts.reduce((n, h) => n + (h.stats(app)?.recordsRead ?? 0), 0);
      assert.ok(read >= stored, `the application read ${read} of the ${stored} records ${input} holds (${sent} acknowledged)`);
    }, `${app} reads what was written`);
  };
  return {
    generators,
    async advance(ms, stepMs) {
      for (let t = 0; t < ms; t += stepMs) {
        await caughtUp();
        clock.advance(Math.min(stepMs, ms - t));
      }
      await caughtUp();
    },
    async stopGenerators() {
      await within(Promise.all(generators.map((g) => g.stop())), 30_000, `${example}: stopping the generators (their last PutRecords calls)`);
      await caughtUp();
    },
    async read(stream) {
      const out: ReadRecord[] = [];
      const stop = new AbortController();
      await within(
        readStream({ client: onB.kinesis, streamName: stream, follow: false, idlePollMs: 5, signal: stop.signal, onRecord: (r) => out.push(r) }),
        30_000,
        `reading ${stream} through B (${out.length} records so far)`,
        () => stop.abort(),
      );
      return out;
    },
    rowsWritten: () => hosts.reduce((n, h) => n + (h.stats(app)?.recordsWritten ?? 0), 0),
    async close() {
      try {
        await within(Promise.allSettled(generators.map((g) => g.stop())), 30_000, `${example}: stopping the generators`);
        // The next scenario starts from no leases of this one.
        await withClockMoving(() => applyDown(loaded, onA, { waitTimeoutMs: 30_000, stateDir }), 45_000, `${example}: deleting it through A`);
      } finally {
        onA.destroy();
        onB.destroy();
      }
    },
  };
}

describe('the S1 and S2 example pipelines on two nodes of one JetStream cluster', () => {
  it('delivery streams created through A are known on B (whichever node creates their log first), and gone from B once deleted through A', async () => {
    // B follows A's new delivery stream through the metadata watch and opens its log while A creates it. Before, both
    // created it: the second got EXISTS — B then did not know the delivery stream (S1's application, handed over to
    // B, failed to start: its output "does not exist"), or A's CreateDeliveryStream failed.
    const onA = createClients({ endpoint: nodeA.url });
    const onB = createClients({ endpoint: nodeB.url });
    const names = Array.from({ length: 6 }, (_, i) => `scen-follow-${i}`);
    try {
      await withClockMoving(
        () =>
          Promise.all(
            names.map((DeliveryStreamName) =>
              onA.firehose.send(
                new CreateDeliveryStreamCommand({
                  DeliveryStreamName,
                  DeliveryStreamType: 'DirectPut',
                  ExtendedS3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::freshet-follow', RoleARN: 'arn:aws:iam::000000000000:role/firehose' },
                }),
              ),
            ),
          ),
        30_000,
        'creating six delivery streams through A',
      );
      for (const name of names) {
        await eventually(async () => {
          const d = await onB.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
          assert.equal(d.DeliveryStreamDescription?.DeliveryStreamStatus, 'ACTIVE');
        }, `${name} ACTIVE through B`);
      }
      // Deleted through A, they are gone on B (B followed creations only: it still described them).
      await withClockMoving(
        () => Promise.all(names.map((DeliveryStreamName) => onA.firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName })))),
        30_000,
        'deleting the delivery streams through A',
      );
      for (const name of names) {
        await eventually(async () => {
          const e = await onB.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name })).then(
            () => undefined,
            (x: unknown) => x,
          );
          assert.equal((e as { name?: string } | undefined)?.name, 'ResourceNotFoundException', `${name} still described through B`);
        }, `${name} gone through B`);
      }
    } finally {
      // (what a failure above left behind)
      await withClockMoving(
        () => Promise.allSettled(names.map((DeliveryStreamName) => onA.firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName })))),
        30_000,
        'deleting the delivery streams',
      );
      onA.destroy();
      onB.destroy();
    }
  });

  it('S1: applied through A, fed through both nodes, read through B: revenue per store per minute equals the sum of that minute’s sales', async () => {
    const s = await twoNodeScenario('s1-revenue-per-store', 's1-revenue-per-store', (loaded) => {
      // Beside its delivery stream, the application also writes a Kinesis stream, read through B.
      loaded.spec.streams.push({ name: 's1-revenue-out', shards: 1 });
      loaded.spec.applications[0]!.Outputs!.push({
        Name: 'DEST_SQL_STREAM_BY_STORE_ID',
        KinesisStreamsOutput: { ResourceARN: '${stream:s1-revenue-out}' },
        DestinationSchema: { RecordFormatType: 'JSON' },
      });
      // The example's rate (1,200 a minute) as 200 records every 10 s: the clock moves in 10 s steps, so a 100 ms
      // tick's 2 records would be one PutRecords call each (200 calls a step) and arrive at the step's end all the same.
      for (const g of loaded.spec.generators) {
        assert.equal(g.rate, '1200/min', 'the S1 example writes 1,200 sales a minute');
        Object.assign(g, { rate: undefined, every: '10s', batch: 200 });
      }
    });
    try {
      await s.advance(150_000, 10_000);
      await s.stopGenerators();
      // The last window closes on the clock.
      await s.advance(65_000, 10_000);
      const input = await s.read('s1-sales-events');
      const sent = s.generators.reduce((n, g) => n + g.stats.sent, 0);
      // A writer's retry after a lost answer may store a batch twice (Kinesis producers are at-least-once); the
      // application reads those twice too, so the sums below are over what the stream holds.
      assert.ok(sent >= 2 * 15 * 200, `${sent} sales acknowledged: 200 every 10 s for 150 s from each node`);
      assert.ok(input.length >= sent, `every acknowledged sale is read back through B: ${input.length} of ${sent}`);
      const salesOf = new Map<number, { store_id: string; sales: number }[]>();
      for (const r of input) {
        const start = Math.floor(r.approximateArrivalTimestamp!.getTime() / 60_000) * 60_000;
        const list = salesOf.get(start) ?? [];
        list.push(JSON.parse(Buffer.from(r.data).toString()) as { store_id: string; sales: number });
        salesOf.set(start, list);
      }
      const check = (rows: Record<string, unknown>[], where: string): number => {
        const seen = new Set<string>();
        let repeats = 0;
        for (const row of rows) {
          const key = `${String(row.store_id)}@${String(row.timestamp)}`;
          // A row written twice (an output append retried after a lost answer: at-least-once) must still be right.
          if (seen.has(key)) repeats++;
          seen.add(key);
          // The window's label is its end (STEP … BY INTERVAL '60' SECOND over ROWTIME).
          const sales = (salesOf.get(kdaTime(row.timestamp) - 60_000) ?? []).filter((x) => x.store_id === row.store_id);
          const expected = sales.reduce((a, x) => a + x.sales, 0);
          assert.ok(sales.length > 0, `${where}: ${key} has no sales in its minute`);
          assert.ok(Math.abs((row.revenue as number) - expected) < 0.02, `${where}: ${key}: revenue ${String(row.revenue)}, sum of sales ${expected}`);
        }
        // Every minute with sales × its stores.
        let windows = 0;
        for (const list of salesOf.values()) windows += new Set(list.map((x) => x.store_id)).size;
        assert.equal(seen.size, windows, `${where}: a row for every store and minute with sales`);
        if (repeats > 0) console.log(`# ${where}: ${repeats} of ${rows.length} rows repeated (same window, same revenue)`);
        return seen.size;
      };
      const fromStream = await s.read('s1-revenue-out');
      const viaStream = check(
        fromStream.map((r) => JSON.parse(Buffer.from(r.data).toString()) as Record<string, unknown>),
        'the output stream',
      );
      // The delivery stream flushes its 60 s buffer on the clock, then writes the file (I/O, on whichever node holds it).
      const viaFiles = await eventually(
        async () => {
          clock.advance(5000);
          const files = bucketRows('freshet-s1');
          for (const f of files) assert.match(f.key, /^sales_revenue\/2021\/01\/31\/14\/s1-revenue-per-minute-1-2021-01-31-14-\d\d-\d\d-[0-9a-f-]{36}$/);
          return check(
            files.map((f) => f.row),
            'the delivered files',
          );
        },
        'the delivered files',
        45_000,
      );
      assert.ok(viaStream >= 15, `${viaStream} windows: three minutes × five stores at least`);
      assert.equal(viaFiles, viaStream);
    } finally {
      await s.close();
    }
  });

  it('S2: applied through A, fed through both nodes: the injected 5% anomalous trades dominate the delivered anomalies', async () => {
    const s = await twoNodeScenario('s2-anomalous-trades', 's2-anomalous-trades');
    try {
      // The generators write 100 trades every 10 s each; the clock moves 30 s a step (Random Cut Forest scores by
      // order, not time: three batches arriving together score as three arriving 10 s apart).
      await s.advance(240_000, 30_000);
      await s.stopGenerators();
      await s.advance(10_000, 10_000);
      const injected = s.generators.reduce((n, g) => n + g.stats.anomalies, 0);
      const input = await s.read('s2-trades');
      // A writer's retry after a lost answer may store a batch twice (Kinesis producers are at-least-once).
      const sent = s.generators.reduce((n, g) => n + g.stats.sent, 0);
      assert.ok(input.length >= sent, `every acknowledged trade is read back through B: ${input.length} of ${sent}`);
      // The delivery stream flushes its 60 s buffer on the clock, then writes the file (on whichever node holds it):
      // done once every row the application wrote is in the files. (c3d7445 stopped at the first move of the clock that
      // delivered nothing more, often before the last buffer's file: the last ~50 s of anomalies were missing.)
      const written = s.rowsWritten();
      assert.ok(written > 0, 'the application wrote anomalies to its delivery stream');
      await eventually(
        async () => {
          clock.advance(5000);
          const n = bucketRows('freshet-s2').length;
          assert.ok(n >= written, `${n} of the ${written} rows the application wrote are delivered`);
        },
        'the delivered anomalies',
        30_000,
      );
      const out = bucketRows('freshet-s2').map((o) => o.row as { quantity: number; ANOMALY_SCORE: number });
      const flaggedInjected = out.filter((r) => r.quantity >= 1000).length;
      assert.ok(injected >= 30, `${injected} anomalies injected`);
      assert.ok(out.length > 0 && out.every((r) => r.ANOMALY_SCORE > 1));
      assert.ok(flaggedInjected / out.length >= 0.8, `${flaggedInjected} of ${out.length} delivered rows are injected anomalies`);
      assert.ok(flaggedInjected / injected >= 0.8, `${flaggedInjected} of ${injected} injected anomalies delivered`);
    } finally {
      await s.close();
    }
  });
});
