/**
 * Scenario S2 (../shared/SCENARIOS.md): stock trades with 5% injected
 * anomalies → DiscoverInputSchema → the S2 application code verbatim
 * (RANDOM_CUT_FOREST, filter, ORDER BY inside a one-second window) → a Freshet
 * stream. The injected trades must dominate the output.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateApplicationCommand, DescribeApplicationCommand, DiscoverInputSchemaCommand, StartApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { prng, readStream, ROLE, startHarness, streamArn, uniqueName, type Harness } from './helpers.ts';

const S2_CODE = `CREATE OR REPLACE STREAM "TEMP_STREAM" ( "tickerSymbol" VARCHAR(8), "tradeType" VARCHAR(4), "price" DOUBLE, "quantity" INTEGER, "id" INTEGER, "ANOMALY_SCORE" DOUBLE);
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ( "tickerSymbol" VARCHAR(8), "tradeType" VARCHAR(4), "price" DOUBLE, "quantity" INTEGER, "id" INTEGER, "ANOMALY_SCORE" DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "TEMP_STREAM" SELECT STREAM source."tickerSymbol", source."tradeType", rcf."price", rcf."quantity", source."id", rcf."ANOMALY_SCORE" FROM TABLE(RANDOM_CUT_FOREST( CURSOR(SELECT STREAM "price", "quantity" FROM "SOURCE_SQL_STREAM_001") ) ) AS rcf, SOURCE_SQL_STREAM_001 AS source;
CREATE OR REPLACE PUMP "OUTPUT_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM * FROM "TEMP_STREAM" WHERE ANOMALY_SCORE > 1 ORDER BY FLOOR("TEMP_STREAM".ROWTIME TO SECOND), ANOMALY_SCORE DESC;`;

const TICKERS = ['AAPL', 'AMZN', 'MSFT', 'INTC', 'TBV', 'GOOGL'];

interface Trade {
  tickerSymbol: string;
  tradeType: 'BUY' | 'SELL';
  price: number;
  quantity: number;
  id: number;
}

/** One producer invocation: 100 trades, `anomalyRate` of them with a much higher price and quantity. */
function invocation(random: () => number, firstId: number, anomalyRate: number): { trades: Trade[]; anomalous: Set<number> } {
  const trades: Trade[] = [];
  const anomalous = new Set<number>();
  const injected = Math.round(100 * anomalyRate);
  const slots = new Set<number>();
  while (slots.size < injected) slots.add(Math.floor(random() * 100));
  for (let i = 0; i < 100; i++) {
    const id = firstId + i;
    const odd = slots.has(i);
    if (odd) anomalous.add(id);
    trades.push({
      tickerSymbol: TICKERS[Math.floor(random() * TICKERS.length)]!,
      tradeType: random() < 0.5 ? 'BUY' : 'SELL',
      price: Math.round((odd ? 900 + random() * 300 : 40 + random() * 30) * 100) / 100,
      quantity: odd ? 5_000 + Math.floor(random() * 5_000) : 1 + Math.floor(random() * 100),
      id,
    });
  }
  return { trades, anomalous };
}

describe('Scenario S2: anomalous stock trades', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('runs the S2 application verbatim on a discovered schema; the injected anomalies dominate the output', async () => {
    const source = uniqueName('trades');
    const dest = uniqueName('anomalies');
    const app = uniqueName('s2');
    await h.kinesis.send(new CreateStreamCommand({ StreamName: source, ShardCount: 1 }));
    await h.kinesis.send(new CreateStreamCommand({ StreamName: dest, ShardCount: 1 }));
    await h.tick(10);
    const random = prng(42);
    const anomalous = new Set<number>();
    let nextId = 1;
    const put = async (): Promise<void> => {
      const inv = invocation(random, nextId, 0.05);
      nextId += 100;
      for (const id of inv.anomalous) anomalous.add(id);
      const res = await h.kinesis.send(
        new PutRecordsCommand({
          StreamName: source,
          Records: inv.trades.map((t) => ({ PartitionKey: t.tickerSymbol, Data: Buffer.from(JSON.stringify(t)) })),
        }),
      );
      assert.equal(res.FailedRecordCount ?? 0, 0);
    };

    await put();
    const discovered = await h.analytics.send(
      new DiscoverInputSchemaCommand({
        ResourceARN: streamArn(source),
        RoleARN: ROLE,
        InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' },
      }),
    );
    assert.deepEqual(
      discovered.InputSchema!.RecordColumns!.map((c) => [c.Name, c.SqlType]),
      [
        ['tickerSymbol', 'VARCHAR(8)'],
        ['tradeType', 'VARCHAR(4)'],
        ['price', 'DOUBLE'],
        ['quantity', 'INTEGER'],
        ['id', 'INTEGER'],
      ],
    );
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [
          { NamePrefix: 'SOURCE_SQL_STREAM', KinesisStreamsInput: { ResourceARN: streamArn(source), RoleARN: ROLE }, InputSchema: discovered.InputSchema! },
        ],
        Outputs: [
          {
            Name: 'DESTINATION_SQL_STREAM',
            KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
        ],
        ApplicationCode: S2_CODE,
      }),
    );
    await h.analytics.send(
      new StartApplicationCommand({
        ApplicationName: app,
        InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } }],
      }),
    );
    // 30 producer invocations, two seconds apart: 3,000 trades, 150 of them injected.
    for (let i = 1; i < 30; i++) {
      await h.tick(2_000);
      await put();
    }
    await h.tick(5_000);
    await h.tick(1_000);

    const rows = (await readStream(h, dest)).map((l) => JSON.parse(l) as Trade & { ANOMALY_SCORE: number });
    assert.ok(rows.length > 0, 'the application emitted anomalies');
    for (const r of rows) assert.ok(r.ANOMALY_SCORE > 1, `row ${r.id} has score ${r.ANOMALY_SCORE}`);
    const injected = rows.filter((r) => anomalous.has(r.id)).length;
    const share = injected / rows.length;
    // The forest needs a few hundred points before it scores (KDA's warm-up), so count injected trades after the first invocations.
    const lateInjected = [...anomalous].filter((id) => id > 500);
    const caught = lateInjected.filter((id) => rows.some((r) => r.id === id)).length;
    assert.ok(share >= 0.5, `injected trades are ${injected} of ${rows.length} output rows`);
    assert.ok(caught / lateInjected.length >= 0.8, `caught ${caught} of ${lateInjected.length} injected trades after warm-up`);

    // ORDER BY inside the one-second window: each invocation's trades share an arrival second,
    // and within it rows come out by ANOMALY_SCORE descending.
    for (let i = 1; i < rows.length; i++) {
      const prev = rows[i - 1]!;
      const cur = rows[i]!;
      if (Math.floor((prev.id - 1) / 100) === Math.floor((cur.id - 1) / 100)) {
        assert.ok(prev.ANOMALY_SCORE >= cur.ANOMALY_SCORE, `rows ${prev.id} and ${cur.id} out of score order`);
      }
    }
    console.log(
      `# S2: ${rows.length} output rows, ${injected} injected (${(share * 100).toFixed(1)}%); caught ${caught}/${lateInjected.length} injected after warm-up`,
    );
    const { ApplicationDetail: d } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }));
    assert.equal(d!.ApplicationStatus, 'RUNNING');
    const stats = h.service.host.stats(app)!;
    assert.equal(stats.recordsRead, 3_000);
    assert.equal(stats.parseErrors, 0);
  });
});
