import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { runCli } from '../../cli/run-cli.ts';
import { runCliInProcess } from '../../cli/run-cli-in-process.ts';
import { startTestServer, type TestServer } from '../../cli/server-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'freshet-flink-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CRYPTO = (stream: string, extra = ''): string => `
CREATE TABLE crypto (
  event_time TIMESTAMP(3),
  ticker STRING,
  price DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'kinesis', 'stream' = '${stream}', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601');
${extra}
SELECT ticker, window_start, SUM(price) AS total
FROM TABLE(TUMBLE(TABLE crypto, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY ticker, window_start, window_end;
`;

describe('freshet sql check --dialect flink', () => {
  it('prints file:line:column and fails for a mistake', async () => {
    const f = join(dir, 'bad.sql');
    writeFileSync(f, "CREATE TABLE t (price DOUBLE) WITH ('connector' = 'datagen');\nSELECT SUM(Price) FROM t;\n");
    const r = await runCliInProcess(['sql', 'check', f, '--dialect', 'flink']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.sql:2:12: error: Column 'Price' not found in any table; did you mean 'price'\?/);
  });

  it('accepts the crypto ticker job and says what it reads', async () => {
    const f = join(dir, 'ok.sql');
    writeFileSync(f, CRYPTO('crypto'));
    const r = await runCliInProcess(['sql', 'check', f, '--dialect', 'flink']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok\.sql: OK — 1 job statement\(s\), 1 query\(ies\); reads crypto/);
  });

  it('hints at --dialect flink when KDA SQL parsing meets Flink DDL', async () => {
    const f = join(dir, 'flinkish.sql');
    writeFileSync(f, CRYPTO('crypto'));
    const r = await runCliInProcess(['sql', 'check', f]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(for Flink SQL, pass --dialect flink\)/);
  });
});

describe('freshet sql run --dialect flink', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('reads a Kinesis table, prints the query as a changelog table and writes a print sink and a file sink', async () => {
    const client = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const name = `flink-cli-${Date.now()}`;
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    for (let i = 0; i < 50; i++) {
      const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name })).catch(() => undefined);
      if (d?.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);
    const recs = [
      [1, 'BTC', 10],
      [20, 'ETH', 3],
      [50, 'BTC', 2.5],
      [70, 'BTC', 1],
    ] as const;
    await client.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: recs.map(([s, ticker, price]) => ({
          PartitionKey: ticker,
          Data: Buffer.from(JSON.stringify({ event_time: new Date(T0 + s * 1000).toISOString(), ticker, price })),
        })),
      }),
    );
    client.destroy();
    const out = join(dir, 'files');
    const f = join(dir, 'run.sql');
    writeFileSync(
      f,
      CRYPTO(
        name,
        `CREATE TABLE printed (ticker STRING, price DOUBLE) WITH ('connector' = 'print', 'print-identifier' = 'p');
CREATE TABLE files (ticker STRING, price DOUBLE, dt STRING) PARTITIONED BY (dt)
  WITH ('connector' = 'filesystem', 'path' = 'file://${out}', 'format' = 'json', 'sink.partition-commit.policy.kind' = 'success-file');
INSERT INTO printed SELECT ticker, price FROM crypto WHERE price > 2;
INSERT INTO files SELECT ticker, price, DATE_FORMAT(event_time, 'yyyy-MM-dd') FROM crypto;`,
      ),
    );
    const r = await runCli(['sql', 'run', f, '--dialect', 'flink', '--endpoint', server.url, '--no-follow']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\| op \| +ticker \| +window_start \| +total \|/);
    assert.match(r.stdout, /\| \+I \| +BTC \| +2021-01-31T14:00 \| +12\.5 \|/);
    assert.match(r.stdout, /\| \+I \| +ETH \| +2021-01-31T14:00 \| +3\.0 \|/);
    assert.match(r.stdout, /\| \+I \| +BTC \| +2021-01-31T14:01 \| +1\.0 \|/);
    assert.match(r.stdout, /^p> \+I\[BTC, 10\.0\]$/m);
    assert.match(r.stdout, /^p> \+I\[ETH, 3\.0\]$/m);
    assert.match(r.stdout, /^p> \+I\[BTC, 2\.5\]$/m);
    const part = join(out, 'dt=2021-01-31');
    const files = readdirSync(part);
    assert.ok(files.includes('_SUCCESS'), `success file in ${files.join(', ')}`);
    const lines = files.filter((n) => n.startsWith('part-')).flatMap((n) => readFileSync(join(part, n), 'utf8').trim().split('\n'));
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as { ticker: string; price: number }).sort((a, b) => a.price - b.price),
      [
        { ticker: 'BTC', price: 1 },
        { ticker: 'BTC', price: 2.5 },
        { ticker: 'ETH', price: 3 },
        { ticker: 'BTC', price: 10 },
      ],
    );
  });
});
