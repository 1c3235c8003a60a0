/**
 * Scenario S1 (../shared/SCENARIOS.md): sales events → KDA SQL tumbling window
 * (application code verbatim) → a Freshet stream and a delivery stream with a
 * newline-appending processor → files. Also: stop/start with
 * LAST_STOPPED_POINT and a server restart do not skip input.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import {
  CreateApplicationCommand,
  DescribeApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
  type Input,
} from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { prng, readStream, ROLE, startApplication, startHarness, streamArn, uniqueName, type Harness } from './helpers.ts';

const S1_CODE = `CREATE OR REPLACE STREAM "DEST_SQL_STREAM_BY_STORE_ID" ("store_id" VARCHAR(16),"revenue" REAL, "timestamp" TIMESTAMP);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DEST_SQL_STREAM_BY_STORE_ID"
    SELECT STREAM "store_id", SUM("sales") AS "revenue", ROWTIME AS "timestamp"
        FROM "STORE_REVENUE_PER_MIN_001"
        GROUP BY STEP("STORE_REVENUE_PER_MIN_001".ROWTIME BY INTERVAL '60' SECOND),
        "store_id";`;

const CATEGORIES = ['Electronics', 'Books', 'Clothing', 'Toys', 'Grocery'];

interface Sale {
  category: string;
  store_id: string;
  evnt_time: string;
  sales: number;
}

function s1Input(stream: string): Input {
  return {
    NamePrefix: 'STORE_REVENUE_PER_MIN',
    KinesisStreamsInput: { ResourceARN: streamArn(stream), RoleARN: ROLE },
    InputSchema: {
      RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
      RecordColumns: [
        { Name: 'category', SqlType: 'VARCHAR(16)', Mapping: '$.category' },
        { Name: 'store_id', SqlType: 'VARCHAR(16)', Mapping: '$.store_id' },
        { Name: 'evnt_time', SqlType: 'VARCHAR(32)', Mapping: '$.evnt_time' },
        { Name: 'sales', SqlType: 'REAL', Mapping: '$.sales' },
      ],
    },
  };
}

/** `2021-01-31 14:47:00.000`, KDA's TIMESTAMP text. */
function kdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Generates and puts sales events: `batches` PutRecords calls of `perBatch` events, `gapMs` apart on the clock. */
class SalesProducer {
  readonly sent: Array<{ sale: Sale; arrivalMs: number }> = [];
  private readonly random: () => number;

  constructor(
    private readonly h: Harness,
    private readonly stream: string,
    seed: number,
  ) {
    this.random = prng(seed);
  }

  async run(batches: number, perBatch: number, gapMs: number): Promise<void> {
    for (let b = 0; b < batches; b++) {
      await this.h.tick(gapMs);
      const now = this.h.clock.now();
      const sales: Sale[] = [];
      for (let i = 0; i < perBatch; i++) {
        sales.push({
          category: CATEGORIES[Math.floor(this.random() * CATEGORIES.length)]!,
          store_id: `store_${1 + Math.floor(this.random() * 5)}`,
          evnt_time: new Date(now).toISOString().replace('Z', '000').slice(0, 26),
          sales: Math.round(this.random() * 10_000) / 100,
        });
      }
      const res = await this.h.kinesis.send(
        new PutRecordsCommand({
          StreamName: this.stream,
          Records: sales.map((s) => ({ PartitionKey: s.store_id, Data: Buffer.from(JSON.stringify(s)) })),
        }),
      );
      assert.equal(res.FailedRecordCount ?? 0, 0);
      for (const sale of sales) this.sent.push({ sale, arrivalMs: now });
    }
  }

  /** Direct recomputation: revenue per store per minute, keyed `store|window-end timestamp`. */
  expected(): Map<string, number> {
    const m = new Map<string, number>();
    for (const { sale, arrivalMs } of this.sent) {
      const end = Math.floor(arrivalMs / 60_000) * 60_000 + 60_000;
      const key = `${sale.store_id}|${kdaTimestamp(end)}`;
      m.set(key, (m.get(key) ?? 0) + Math.fround(sale.sales));
    }
    return m;
  }
}

function actual(lines: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of lines) {
    const row = JSON.parse(line) as { store_id: string; revenue: number; timestamp: string };
    assert.deepEqual(Object.keys(row), ['store_id', 'revenue', 'timestamp']);
    const key = `${row.store_id}|${row.timestamp}`;
    assert.ok(!m.has(key), `window ${key} emitted twice`);
    m.set(key, row.revenue);
  }
  return m;
}

function assertSameRevenue(got: Map<string, number>, want: Map<string, number>): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [key, revenue] of want) {
    const g = got.get(key)!;
    // REAL is a 32-bit float: the sums agree to float precision.
    assert.ok(Math.abs(g - revenue) <= Math.max(0.01, Math.abs(revenue) * 1e-6), `${key}: got ${g}, expected ${revenue}`);
  }
}

async function createStream(h: Harness, name: string, shards: number): Promise<void> {
  await h.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await h.tick(10);
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  try {
    walk(root);
  } catch {
    return [];
  }
  return out.sort();
}

describe('Scenario S1: revenue per store per minute', () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kda-s1-'));
    h = await startHarness({ dataDir: dir });
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the S1 application verbatim into a stream and a delivery stream, matching a direct recomputation', async () => {
    const source = uniqueName('sales');
    const dest = uniqueName('revenue');
    const delivery = uniqueName('revenue-fh');
    const app = uniqueName('s1');
    await createStream(h, source, 2);
    await createStream(h, dest, 1);
    await h.firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: delivery,
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::sales-bucket',
          Prefix: 'sales_revenue/!{timestamp:yyyy/MM/dd/HH}/',
          ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        },
      }),
    );
    await h.tick(1000);
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [s1Input(source)],
        Outputs: [
          {
            Name: 'DEST_SQL_STREAM_BY_STORE_ID',
            KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
          {
            Name: 'DEST_SQL_STREAM_BY_STORE_ID',
            KinesisFirehoseOutput: { ResourceARN: `arn:aws:firehose:us-east-1:000000000000:deliverystream/${delivery}`, RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
        ],
        ApplicationCode: S1_CODE,
      }),
    );
    await startApplication(h, app, 'NOW');

    // ~1,200 events a minute for three minutes: 20 events every second.
    const producer = new SalesProducer(h, source, 1);
    await producer.run(180, 20, 1000);
    // Quiet stream: the clock alone closes the last window.
    await h.tick(62_000);
    await h.tick(1_000);

    const want = producer.expected();
    assert.equal(want.size, 4 * 5, 'four minutes touched, five stores');
    assertSameRevenue(actual(await readStream(h, dest)), want);

    // The delivery stream flushes after its 60 s buffer interval.
    await h.tick(61_000);
    const root = join(dir, 's3', 'sales-bucket');
    // The delivery pipeline writes asynchronously: settle it a few times, as the Firehose tests do.
    const readLines = (): string[] =>
      listFiles(root).flatMap((f) =>
        readFileSync(join(root, f), 'utf8')
          .split('\n')
          .filter((l) => l.length > 0),
      );
    for (let i = 0; i < 20 && readLines().length < want.size; i++) {
      await h.firehoseEngine.settled(delivery);
      await new Promise((r) => setImmediate(r));
    }
    const files = listFiles(root);
    assert.ok(files.length >= 1);
    for (const f of files) assert.match(f, new RegExp(`^sales_revenue/2021/01/31/14/${delivery}-1-2021-01-31-14-\\d\\d-\\d\\d-`));
    const lines = readLines();
    assertSameRevenue(actual(lines), want);

    const stats = h.service.host.stats(app)!;
    assert.equal(stats.recordsRead, producer.sent.length);
    assert.equal(stats.parseErrors, 0);
  });

  it('sends records that do not parse to error_stream and keeps running', async () => {
    const source = uniqueName('sales-bad');
    const dest = uniqueName('revenue-bad');
    const errors = uniqueName('errors');
    const app = uniqueName('s1-bad');
    await createStream(h, source, 1);
    await createStream(h, dest, 1);
    await createStream(h, errors, 1);
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [s1Input(source)],
        Outputs: [
          {
            Name: 'DEST_SQL_STREAM_BY_STORE_ID',
            KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'CSV' },
          },
          { Name: 'error_stream', KinesisStreamsOutput: { ResourceARN: streamArn(errors), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } },
        ],
        ApplicationCode: S1_CODE,
      }),
    );
    await startApplication(h, app, 'TRIM_HORIZON');
    const minuteStart = Math.ceil(h.clock.now() / 60_000) * 60_000;
    await h.tick(minuteStart - h.clock.now() + 1_000);
    await h.kinesis.send(
      new PutRecordsCommand({
        StreamName: source,
        Records: [
          { PartitionKey: 'a', Data: Buffer.from('{"category": "Books", "store_id": "store_1", "sales": 10.5}') },
          { PartitionKey: 'b', Data: Buffer.from('this is not json') },
          { PartitionKey: 'c', Data: Buffer.from('{"category": "Books", "store_id": "store_1", "sales": "lots"}') },
          { PartitionKey: 'd', Data: Buffer.from('{"category": "Books", "store_id": "store_1", "sales": 4.25}') },
        ],
      }),
    );
    await h.tick(61_000);
    await h.tick(1_000);
    const rows = await readStream(h, dest);
    assert.deepEqual(rows, [`store_1,14.75,${kdaTimestamp(minuteStart + 60_000)}\n`]);
    const errs = (await readStream(h, errors)).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(errs.length, 2);
    assert.deepEqual(
      errs.map((e) => e.ERROR_NAME),
      ['Input_Parse_Error', 'Input_Parse_Error'],
    );
    assert.match(String(errs[0]!.MESSAGE), /not valid JSON/);
    // DATA_ROW is the original data, hex-encoded, as in KDA's error_stream.
    assert.equal(Buffer.from(String(errs[0]!.DATA_ROW), 'hex').toString(), 'this is not json');
    assert.match(String(errs[1]!.MESSAGE), /lots/);
    const { ApplicationDetail: d } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }));
    assert.equal(d!.ApplicationStatus, 'RUNNING');
    assert.equal(h.service.host.stats(app)!.parseErrors, 2);
  });

  it('resumes from LAST_STOPPED_POINT without skipping what arrived while stopped, and across UpdateApplication', async () => {
    const source = uniqueName('sales-stop');
    const dest = uniqueName('revenue-stop');
    const app = uniqueName('s1-stop');
    await createStream(h, source, 2);
    await createStream(h, dest, 1);
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [s1Input(source)],
        Outputs: [
          {
            Name: 'DEST_SQL_STREAM_BY_STORE_ID',
            KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
        ],
        ApplicationCode: S1_CODE,
      }),
    );
    await startApplication(h, app, 'NOW');
    const producer = new SalesProducer(h, source, 2);
    await producer.run(25, 10, 1000); // mid-minute
    await h.analytics.send(new StopApplicationCommand({ ApplicationName: app }));
    const { ApplicationDetail: stopped } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }));
    assert.equal(stopped!.ApplicationStatus, 'READY');
    await producer.run(20, 10, 1000); // arrives while the application is stopped
    await startApplication(h, app, 'LAST_STOPPED_POINT');
    await producer.run(30, 10, 1000);
    // A configuration change restarts the running application from where it stopped, too.
    await h.analytics.send(
      new UpdateApplicationCommand({
        ApplicationName: app,
        CurrentApplicationVersionId: 1,
        ApplicationUpdate: { OutputUpdates: [{ OutputId: '1.1', DestinationSchemaUpdate: { RecordFormatType: 'JSON' } }] },
      }),
    );
    const { ApplicationDetail: updated } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }));
    assert.equal(updated!.ApplicationStatus, 'RUNNING');
    assert.equal(updated!.ApplicationVersionId, 2);
    await producer.run(30, 10, 1000);
    await h.tick(62_000);
    await h.tick(1_000);
    assertSameRevenue(actual(await readStream(h, dest)), producer.expected());
  });
});

describe('Scenario S1 across a server restart', () => {
  for (const backend of ['memory', 'file'] as const)
    it(`restarts a RUNNING application where it checkpointed, without skipping input (${backend} storage)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kda-restart-'));
      const memory = new MemoryStorage();
      const opts = backend === 'file' ? { storage: 'file' as const, dataDir: dir } : { storage: memory };
      const clock = new ManualClock();
      const source = uniqueName('sales-restart');
      const dest = uniqueName('revenue-restart');
      const app = uniqueName('s1-restart');
      let h = await startHarness({ ...opts, clock });
      const sent: Array<{ sale: Sale; arrivalMs: number }> = [];
      try {
        await createStream(h, source, 1);
        await createStream(h, dest, 1);
        await h.analytics.send(
          new CreateApplicationCommand({
            ApplicationName: app,
            Inputs: [s1Input(source)],
            Outputs: [
              {
                Name: 'DEST_SQL_STREAM_BY_STORE_ID',
                KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE },
                DestinationSchema: { RecordFormatType: 'JSON' },
              },
            ],
            ApplicationCode: S1_CODE,
          }),
        );
        await startApplication(h, app, 'NOW');
        const p1 = new SalesProducer(h, source, 3);
        await p1.run(90, 10, 1000);
        sent.push(...p1.sent);
      } finally {
        await h.close();
      }
      h = await startHarness({ ...opts, clock });
      try {
        const { ApplicationDetail: d } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }));
        assert.equal(d!.ApplicationStatus, 'RUNNING');
        const p2 = new SalesProducer(h, source, 4);
        await p2.run(60, 10, 1000);
        sent.push(...p2.sent);
        await h.tick(62_000);
        await h.tick(1_000);
        const want = new SalesProducer(h, source, 0);
        want.sent.push(...sent);
        assertSameRevenue(actual(await readStream(h, dest)), want.expected());
      } finally {
        await h.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
