/**
 * Acceptance: the S1 and S2 application code from SCENARIOS.md, verbatim,
 * over records from Freshet's own generators, parsed through the KDA input
 * schema (JSON + JSONPath) exactly as a stream reader would feed them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/index.ts';
import { getGenerator } from '../../src/generators/index.ts';
import { formatRowJson, parseRecord, SqlApplication, type InputColumn, type Row } from '../../src/sql/index.ts';

const S1 = `CREATE OR REPLACE STREAM "DEST_SQL_STREAM_BY_STORE_ID" ("store_id" VARCHAR(16),"revenue" REAL, "timestamp" TIMESTAMP);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DEST_SQL_STREAM_BY_STORE_ID"
    SELECT STREAM "store_id", SUM("sales") AS "revenue", ROWTIME AS "timestamp"
        FROM "STORE_REVENUE_PER_MIN_001"
        GROUP BY STEP("STORE_REVENUE_PER_MIN_001".ROWTIME BY INTERVAL '60' SECOND),
        "store_id";`;

const S2 = `CREATE OR REPLACE STREAM "TEMP_STREAM" ( "tickerSymbol" VARCHAR(8), "tradeType" VARCHAR(4), "price" DOUBLE, "quantity" INTEGER, "id" INTEGER, "ANOMALY_SCORE" DOUBLE);
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ( "tickerSymbol" VARCHAR(8), "tradeType" VARCHAR(4), "price" DOUBLE, "quantity" INTEGER, "id" INTEGER, "ANOMALY_SCORE" DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "TEMP_STREAM" SELECT STREAM source."tickerSymbol", source."tradeType", rcf."price", rcf."quantity", source."id", rcf."ANOMALY_SCORE" FROM TABLE(RANDOM_CUT_FOREST( CURSOR(SELECT STREAM "price", "quantity" FROM "SOURCE_SQL_STREAM_001") ) ) AS rcf, SOURCE_SQL_STREAM_001 AS source;
CREATE OR REPLACE PUMP "OUTPUT_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM * FROM "TEMP_STREAM" WHERE ANOMALY_SCORE > 1 ORDER BY FLOOR("TEMP_STREAM".ROWTIME TO SECOND), ANOMALY_SCORE DESC;`;

const SALES_SCHEMA: InputColumn[] = [
  { name: 'category', type: { name: 'VARCHAR', length: 16 }, mapping: '$.category' },
  { name: 'store_id', type: { name: 'VARCHAR', length: 16 }, mapping: '$.store_id' },
  { name: 'evnt_time', type: { name: 'TIMESTAMP' }, mapping: '$.evnt_time' },
  { name: 'sales', type: { name: 'REAL' }, mapping: '$.sales' },
];

const TRADES_SCHEMA: InputColumn[] = [
  { name: 'tickerSymbol', type: { name: 'VARCHAR', length: 8 }, mapping: '$.tickerSymbol' },
  { name: 'tradeType', type: { name: 'VARCHAR', length: 4 }, mapping: '$.tradeType' },
  { name: 'price', type: { name: 'DOUBLE' }, mapping: '$.price' },
  { name: 'quantity', type: { name: 'INTEGER' }, mapping: '$.quantity' },
  { name: 'id', type: { name: 'INTEGER' }, mapping: '$.id' },
];

describe('S1 revenue per store per minute (verbatim)', () => {
  it("emits, per store and minute, the sum of that minute's sales at REAL precision, and closes the last minute by the clock", () => {
    const clock = new ManualClock(Date.UTC(2021, 0, 31, 14, 45, 0));
    const app = SqlApplication.compile(S1, { inputs: [{ name: 'STORE_REVENUE_PER_MIN_001', columns: SALES_SCHEMA }], clock });
    const cols = app.columns('DEST_SQL_STREAM_BY_STORE_ID');
    const out: Row[] = [];
    app.onOutput('DEST_SQL_STREAM_BY_STORE_ID', (rows) => out.push(...rows));
    const errors: Row[] = [];
    app.onOutput('error_stream', (rows) => errors.push(...rows));
    app.start(1000);

    const factory = getGenerator('sales').create({ seed: 42, anomalyRate: 0 });
    // Direct recomputation: per (minute end, store) the float sum of the sales that arrived in the minute.
    const expected = new Map<string, number>();
    const minutes = 4;
    const perSecond = 20; // ~1,200 events a minute, as the S1 producer sends
    for (let s = 0; s < minutes * 60; s++) {
      const batch: string[] = [];
      for (let k = 0; k < perSecond; k++) batch.push(JSON.stringify(factory.next(clock.now()).value));
      const arrival = clock.now();
      const rows: unknown[][] = [];
      for (const rec of batch) {
        const parsed = parseRecord(rec, { type: 'JSON' }, SALES_SCHEMA);
        assert.equal(parsed.errors.length, 0);
        rows.push(...parsed.rows);
        const v = JSON.parse(rec) as { store_id: string; sales: number };
        const key = `${Math.floor(arrival / 60000) * 60000 + 60000}|${v.store_id}`;
        expected.set(key, (expected.get(key) ?? 0) + Math.fround(v.sales));
      }
      app.push('STORE_REVENUE_PER_MIN_001', rows, arrival);
      clock.advance(1000);
    }
    // The stream goes quiet; the clock alone must close the last minute.
    clock.advance(61_000);
    app.close();

    assert.deepEqual(errors, []);
    assert.equal(out.length, expected.size, 'one row per store per minute');
    for (const r of out) {
      const key = `${r[0] as number}|${r[1] as string}`;
      const want = expected.get(key);
      assert.ok(want !== undefined, `unexpected group ${key}`);
      assert.equal(r[2], Math.fround(want), `revenue of ${key}`);
      assert.equal(r[3], r[0], '"timestamp" is ROWTIME, the end of the minute');
    }
    const line = formatRowJson(cols, out[0]!);
    assert.match(line, /^\{"store_id":"store_\d","revenue":[\d.]+,"timestamp":"2021-01-31 14:46:00\.000"\}$/);
  });
});

describe('S2 anomalous trades through RANDOM_CUT_FOREST (verbatim)', () => {
  it('emits the injected 5% anomalies, which dominate the output', () => {
    const app = SqlApplication.compile(S2, { inputs: [{ name: 'SOURCE_SQL_STREAM_001', columns: TRADES_SCHEMA }], rcfSeed: 1 });
    const out: Row[] = [];
    app.onOutput('DESTINATION_SQL_STREAM', (rows) => out.push(...rows));
    const temp: Row[] = [];
    app.onOutput('TEMP_STREAM', (rows) => temp.push(...rows));
    const factory = getGenerator('trades').create({ seed: 5, anomalyRate: 0.05 });
    const anomalous = new Set<number>();
    let t = Date.UTC(2021, 0, 31, 14, 0, 0);
    const batches = 40; // 100 trades per producer invocation
    let total = 0;
    for (let b = 0; b < batches; b++) {
      const rows: unknown[][] = [];
      for (let i = 0; i < 100; i++) {
        const rec = factory.next(t);
        if (rec.anomalous) anomalous.add(rec.value.id as number);
        rows.push(...parseRecord(JSON.stringify(rec.value), { type: 'JSON' }, TRADES_SCHEMA).rows);
        total++;
      }
      app.push('SOURCE_SQL_STREAM_001', rows, t);
      t += 10_000;
    }
    app.advanceTime(t + 2000);
    app.close();

    // Every trade passes through the RCF join exactly once, paired with its own source row.
    assert.equal(temp.length, total);
    for (const r of temp) assert.equal(typeof r[6], 'number');
    const ids = out.map((r) => r[5] as number);
    const hits = ids.filter((id) => anomalous.has(id)).length;
    // Skip the forest's warm-up (its first sampleSize/4 points score 0) when counting recall.
    const lateAnomalies = [...anomalous].filter((id) => id > 300);
    const lateHits = lateAnomalies.filter((id) => ids.includes(id)).length;
    assert.ok(anomalous.size >= 150, `generator injected ${anomalous.size}`);
    assert.ok(lateHits / lateAnomalies.length >= 0.9, `recall ${lateHits}/${lateAnomalies.length}`);
    assert.ok(hits / out.length >= 0.5, `precision ${hits}/${out.length}: the injected trades must dominate`);
    // ORDER BY FLOOR(ROWTIME TO SECOND), ANOMALY_SCORE DESC: scores descend within each second.
    for (let i = 1; i < out.length; i++) {
      if (Math.floor((out[i]![0] as number) / 1000) === Math.floor((out[i - 1]![0] as number) / 1000)) {
        assert.ok((out[i]![6] as number) <= (out[i - 1]![6] as number), 'sorted by score within a second');
      }
    }
  });
});
