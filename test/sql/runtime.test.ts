import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  discoverJsonSchema,
  formatReal,
  formatRowCsv,
  formatRowJson,
  parseApplication,
  parseRecord,
  parseTimestamp,
  planApplication,
  SqlApplication,
  SqlError,
  type ColumnDef,
  type Row,
} from '../../src/sql/index.ts';

const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);
const INPUT = [
  {
    name: 'SOURCE_SQL_STREAM_001',
    columns: [
      { name: 'TICKER', type: { name: 'VARCHAR', length: 4 } },
      { name: 'PRICE', type: { name: 'DOUBLE' } },
    ] as ColumnDef[],
  },
];
const TUMBLE = `CREATE OR REPLACE STREAM out (ticker VARCHAR(4), total DOUBLE, n INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM ticker, SUM(price), COUNT(*) FROM source_sql_stream_001
GROUP BY ticker, STEP(source_sql_stream_001.ROWTIME BY INTERVAL '1' MINUTE);`;

function collect(app: SqlApplication, stream: string): Row[] {
  const rows: Row[] = [];
  app.onOutput(stream, (r) => rows.push(...r));
  return rows;
}

describe('SqlApplication checkpoint/restore', () => {
  it('resumes an open tumbling window from a checkpoint with the same result as an uninterrupted run', () => {
    const feed = (app: SqlApplication, from: number, to: number): void => {
      for (let i = from; i < to; i++) app.push('SOURCE_SQL_STREAM_001', [{ TICKER: i % 2 ? 'A' : 'B', PRICE: i }], T0 + i * 1000);
    };
    const whole = SqlApplication.compile(TUMBLE, { inputs: INPUT });
    const wholeOut = collect(whole, 'OUT');
    feed(whole, 0, 90);
    whole.advanceTime(T0 + 180_000);

    const first = SqlApplication.compile(TUMBLE, { inputs: INPUT });
    const firstOut = collect(first, 'OUT');
    feed(first, 0, 40);
    const state = JSON.parse(JSON.stringify(first.checkpoint())) as ReturnType<SqlApplication['checkpoint']>;
    first.close();
    const second = SqlApplication.compile(TUMBLE, { inputs: INPUT });
    second.restore(state);
    const secondOut = collect(second, 'OUT');
    feed(second, 40, 90);
    second.advanceTime(T0 + 180_000);
    assert.equal(firstOut.length, 0, 'no window closed before the checkpoint');
    assert.deepEqual(secondOut, wholeOut);
    assert.equal(wholeOut.length, 4);
  });

  it('restores a Random Cut Forest so scores continue exactly', () => {
    const code = `CREATE OR REPLACE STREAM out (ticker VARCHAR(4), price DOUBLE, score DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM * FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM ticker, price FROM source_sql_stream_001), 20, 64, 1000, 1));`;
    const rows = Array.from({ length: 120 }, (_x, i) => ({ TICKER: 'A', PRICE: 10 + (i % 7) + (i === 100 ? 500 : 0) }));
    const a = SqlApplication.compile(code, { inputs: INPUT, rcfSeed: 3 });
    const aOut = collect(a, 'OUT');
    a.push('SOURCE_SQL_STREAM_001', rows, T0);
    const b1 = SqlApplication.compile(code, { inputs: INPUT, rcfSeed: 3 });
    b1.push('SOURCE_SQL_STREAM_001', rows.slice(0, 60), T0);
    const state = JSON.parse(JSON.stringify(b1.checkpoint())) as ReturnType<SqlApplication['checkpoint']>;
    const b2 = SqlApplication.compile(code, { inputs: INPUT, rcfSeed: 3 });
    b2.restore(state);
    const bOut = collect(b2, 'OUT');
    b2.push('SOURCE_SQL_STREAM_001', rows.slice(60), T0);
    assert.deepEqual(
      bOut.map((r) => r[3]),
      aOut.slice(60).map((r) => r[3]),
    );
    const spike = aOut[100]![3] as number;
    assert.ok(spike > 2 * Math.max(...aOut.slice(80, 100).map((r) => r[3] as number)), `spike scores ${spike}`);
  });
});

describe('RANDOM_CUT_FOREST_WITH_EXPLANATION', () => {
  it('explains a high outlier by the column that moved, with direction', () => {
    const code = `CREATE OR REPLACE STREAM out (a DOUBLE, b DOUBLE, score DOUBLE, expl VARCHAR(2048));
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM * FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(CURSOR(SELECT STREAM a, b FROM s), 50, 64, 1000, 1, TRUE));`;
    const app = SqlApplication.compile(code, {
      inputs: [
        {
          name: 'S',
          columns: [
            { name: 'A', type: { name: 'DOUBLE' } },
            { name: 'B', type: { name: 'DOUBLE' } },
          ],
        },
      ],
      rcfSeed: 1,
    });
    const out = collect(app, 'OUT');
    const rows = Array.from({ length: 200 }, (_x, i) => [Math.sin(i) * 2, Math.cos(i) * 2]);
    rows.push([2, 80]);
    app.push('S', rows, T0);
    const last = out[out.length - 1]!;
    const expl = JSON.parse(last[4] as string) as Record<string, { ATTRIBUTION_SCORE: string; DIRECTION: string; STRENGTH: string }>;
    assert.equal(expl.B!.DIRECTION, 'HIGH');
    assert.ok(Number(expl.B!.ATTRIBUTION_SCORE) > Number(expl.A!.ATTRIBUTION_SCORE));
    assert.ok(Math.abs(Number(expl.A!.ATTRIBUTION_SCORE) + Number(expl.B!.ATTRIBUTION_SCORE) - (last[3] as number)) < 0.05 * (last[3] as number) + 1e-3);
  });
});

describe('the plan', () => {
  it('is plain JSON: an application rebuilt from the serialised plan behaves the same', () => {
    const plan = planApplication(TUMBLE, { inputs: INPUT });
    const app = new SqlApplication(JSON.parse(JSON.stringify(plan)));
    const out = collect(app, 'OUT');
    app.push(
      'SOURCE_SQL_STREAM_001',
      [
        ['A', 1.5],
        ['A', 2],
      ],
      T0,
    );
    app.advanceTime(T0 + 60_000);
    assert.deepEqual(out, [[T0 + 60_000, 'A', 3.5, 2]]);
  });

  it('reports the end of the code as the position of a missing token', () => {
    assert.throws(
      () => parseApplication('CREATE STREAM s (a INTEGER'),
      (e: unknown) => e instanceof SqlError && e.line === 1 && e.column === 27 && /expected '\)'/.test(e.message),
    );
  });
});

describe('record formats', () => {
  const cols = [
    { name: 'city', type: { name: 'VARCHAR', length: 8 }, mapping: '$.location.city' },
    { name: 't', type: { name: 'TIMESTAMP' }, mapping: '$.ts' },
    { name: 'v', type: { name: 'INTEGER' }, mapping: '$.values[1]' },
  ] as const;
  it('maps nested JSON through JSONPath and converts to the column types', () => {
    const r = parseRecord('{"location":{"city":"Seattle, WA"},"ts":"2021-06-02T22:35:00Z","values":[1,42]}', { type: 'JSON' }, [...cols]);
    assert.deepEqual(r, { rows: [['Seattle,', Date.UTC(2021, 5, 2, 22, 35), 42]], errors: [] });
  });
  it('reports a record that does not parse instead of throwing', () => {
    assert.equal(parseRecord('{"location":', { type: 'JSON' }, [...cols]).errors.length, 1);
    assert.match(parseRecord('{"values":[1,"x"]}', { type: 'JSON' }, [...cols]).errors[0]!.message, /cannot convert 'x' to INTEGER/);
  });
  it('splits CSV by the row and column delimiters, honouring quotes', () => {
    const c = [
      { name: 'a', type: { name: 'VARCHAR' } },
      { name: 'b', type: { name: 'DOUBLE' } },
    ] as ColumnDef[];
    assert.deepEqual(parseRecord('"x|y"|1.5;z|2', { type: 'CSV', rowDelimiter: ';', columnDelimiter: '|' }, c).rows, [
      ['x|y', 1.5],
      ['z', 2],
    ]);
  });
  it('formats rows as KDA writes them: TIMESTAMP text, REAL at float precision', () => {
    const c: ColumnDef[] = [
      { name: 'store_id', type: { name: 'VARCHAR' } },
      { name: 'revenue', type: { name: 'REAL' } },
      { name: 'timestamp', type: { name: 'TIMESTAMP' } },
    ];
    const row = [0, 'store_1', Math.fround(22.78), Date.UTC(2021, 0, 31, 14, 47)];
    assert.equal(formatRowJson(c, row), '{"store_id":"store_1","revenue":22.78,"timestamp":"2021-01-31 14:47:00.000"}');
    assert.equal(formatRowCsv(c, row), 'store_1,22.78,2021-01-31 14:47:00.000');
    assert.equal(formatReal(Math.fround(8671.3125)), 8671.3125);
  });
  it('reads timestamps in the forms producers write (fast path and zones agree with Date.parse)', () => {
    for (const [text, iso] of [
      ['2021-01-31T14:05:47.190114', '2021-01-31T14:05:47.190Z'],
      ['2021-01-31 14:05:47', '2021-01-31T14:05:47Z'],
      ['1969-12-31 23:59:59.999', '1969-12-31T23:59:59.999Z'],
      ['2000-02-29T00:00:00.5', '2000-02-29T00:00:00.500Z'],
      ['2020-08-01T12:00:00.000Z', '2020-08-01T12:00:00.000Z'],
      ['2020-08-01T12:00:00+02:00', '2020-08-01T10:00:00Z'],
      ['2021-06-02', '2021-06-02T00:00:00Z'],
    ] as const)
      assert.equal(parseTimestamp(text), Date.parse(iso), text);
    assert.equal(parseTimestamp('2021-13-01 00:00:00'), null);
    assert.equal(parseTimestamp('yesterday'), null);
  });

  it('discovers a schema from sample JSON records', () => {
    const cols2 = discoverJsonSchema(['{"sensor_id": 66, "current_temperature": 69.67, "status": "OK", "event_time": "2022-11-20T18:31:30.693395"}']);
    assert.deepEqual(
      cols2.map((c) => [c.name, c.type.name, c.mapping]),
      [
        ['sensor_id', 'INTEGER', '$.sensor_id'],
        ['current_temperature', 'DOUBLE', '$.current_temperature'],
        ['status', 'VARCHAR', '$.status'],
        ['event_time', 'TIMESTAMP', '$.event_time'],
      ],
    );
  });
});

describe('HOTSPOTS', () => {
  it('finds the dense region among the last windowSize rows and reports its bounding box', () => {
    const code = `CREATE OR REPLACE STREAM out (x DOUBLE, y DOUBLE, hotspots_result VARCHAR(10000));
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM "x", "y", HOTSPOTS_RESULT FROM TABLE(HOTSPOTS(CURSOR(SELECT STREAM "x", "y" FROM s), 100, 1, 5));`;
    const app = SqlApplication.compile(code, {
      inputs: [
        {
          name: 'S',
          columns: [
            { name: 'x', type: { name: 'DOUBLE' } },
            { name: 'y', type: { name: 'DOUBLE' } },
          ],
        },
      ],
    });
    const out = collect(app, 'OUT');
    const rows: number[][] = [];
    for (let i = 0; i < 70; i++) rows.push([(i % 10) * 10 + 50, Math.floor(i / 10) * 10 + 50]); // a sparse lattice, 10 apart
    for (let i = 0; i < 30; i++) rows.push([10 + (i % 6) * 0.1, 10 + Math.floor(i / 6) * 0.1]); // a dense patch
    app.push('S', rows, T0);
    assert.equal(out.length, 100);
    const last = JSON.parse(out[99]![3] as string) as { hotspots: { density: number; minValues: number[]; maxValues: number[] }[] };
    assert.equal(last.hotspots.length, 1);
    assert.deepEqual(last.hotspots[0], { density: 0.3, minValues: [10, 10], maxValues: [10.5, 10.4] });
    assert.deepEqual(JSON.parse(out[10]![3] as string), { hotspots: [] });
  });
});

describe('restore after a code change', () => {
  it('starts a changed pump fresh and keeps the state of unchanged pumps', () => {
    const v1 = `CREATE OR REPLACE STREAM a_out (n INTEGER);
CREATE OR REPLACE STREAM b_out (total DOUBLE);
CREATE OR REPLACE PUMP pa AS INSERT INTO a_out SELECT STREAM COUNT(*) FROM source_sql_stream_001 GROUP BY FLOOR(source_sql_stream_001.ROWTIME TO MINUTE);
CREATE OR REPLACE PUMP pb AS INSERT INTO b_out SELECT STREAM SUM(price) FROM source_sql_stream_001 GROUP BY FLOOR(source_sql_stream_001.ROWTIME TO MINUTE);`;
    const v2 = v1.replace('SUM(price)', 'MAX(price)');
    const first = SqlApplication.compile(v1, { inputs: INPUT });
    first.push(
      'SOURCE_SQL_STREAM_001',
      [
        { TICKER: 'A', PRICE: 5 },
        { TICKER: 'A', PRICE: 7 },
      ],
      T0,
    );
    const state = first.checkpoint();
    const second = SqlApplication.compile(v2, { inputs: INPUT });
    second.restore(state);
    const a = collect(second, 'A_OUT');
    const b = collect(second, 'B_OUT');
    second.push('SOURCE_SQL_STREAM_001', [{ TICKER: 'A', PRICE: 1 }], T0 + 1000);
    second.advanceTime(T0 + 60_000);
    assert.deepEqual(a, [[T0 + 60_000, 3]], 'unchanged pump kept its two rows');
    assert.deepEqual(b, [[T0 + 60_000, 1]], 'changed pump started fresh');
  });
});

describe('SqlApplication runtime errors reach error_stream with DATA_ROW hex-encoded', () => {
  const fromHex = (v: unknown): string => Buffer.from(String(v), 'hex').toString('utf8');

  it('a row whose expression fails: the input row values, as JSON, hex-encoded; the application keeps running', () => {
    const code = `CREATE OR REPLACE STREAM out (ticker VARCHAR(4), n INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM ticker, CAST(ticker AS INTEGER) FROM source_sql_stream_001;`;
    const app = SqlApplication.compile(code, { inputs: INPUT });
    const out = collect(app, 'OUT');
    const errors = collect(app, 'error_stream');
    app.push(
      'SOURCE_SQL_STREAM_001',
      [
        { TICKER: 'AB', PRICE: 1.5 },
        { TICKER: '42', PRICE: 2 },
      ],
      T0,
    );
    assert.deepEqual(
      out.map((r) => r.slice(1)),
      [['42', 42]],
    );
    assert.equal(errors.length, 1);
    const [, , level, name, message, dataRowtime, dataRow, pump] = errors[0]!;
    assert.equal(level, 'ERROR');
    assert.equal(typeof name, 'string');
    assert.match(String(message), /AB/);
    assert.equal(dataRowtime, T0);
    assert.match(String(dataRow), /^[0-9a-f]+$/, 'DATA_ROW is hex');
    assert.deepEqual(JSON.parse(fromHex(dataRow)).slice(0, 2), ['AB', 1.5]);
    assert.equal(pump, 'P');
  });

  it('a pushed row that does not fit the input columns: the record as given, hex-encoded', () => {
    const app = SqlApplication.compile(TUMBLE, { inputs: INPUT });
    const errors = collect(app, 'error_stream');
    app.push('SOURCE_SQL_STREAM_001', [{ TICKER: 'A', PRICE: 'lots' }], T0);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]![4]), /lots/);
    assert.deepEqual(JSON.parse(fromHex(errors[0]![6])), { TICKER: 'A', PRICE: 'lots' });
  });
});
