/**
 * Columnar batches (ColumnBatch, pushColumns, and pushRecords, which decodes a page into columns): window
 * aggregations over TUMBLE, sliced HOP and SESSION read the vectors; the same rows pushed as rows must give the
 * same output rows in the same order, the same late-row count and, for a batch whose rowtime has a NULL, the
 * same row error (that batch goes through the row path).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ColumnBatch, FlinkApplication, type Row } from '../../../src/sql/index.ts';

const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);

const CODE = `
CREATE TABLE bid (auction INT, bidder INT, price DOUBLE, channel STRING, dateTime TIMESTAMP(3),
  WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND) WITH ('connector' = 'kinesis', 'stream' = 'bids', 'format' = 'json');
CREATE TABLE q7 (window_start TIMESTAMP(3), window_end TIMESTAMP(3), max_price DOUBLE, n BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE q5 (auction INT, window_start TIMESTAMP(3), window_end TIMESTAMP(3), num BIGINT, total DOUBLE) WITH ('connector' = 'blackhole');
CREATE TABLE q11 (bidder INT, n BIGINT, top DOUBLE, window_start TIMESTAMP(3), window_end TIMESTAMP(3)) WITH ('connector' = 'blackhole');
CREATE TABLE chan (channel STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO q7 SELECT window_start, window_end, MAX(price), COUNT(*)
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND)) GROUP BY window_start, window_end;
INSERT INTO q5 SELECT auction, window_start, window_end, COUNT(*), SUM(price)
FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' SECOND, INTERVAL '3' SECOND)) GROUP BY auction, window_start, window_end;
INSERT INTO q11 SELECT bidder, COUNT(*), MAX(price), window_start, window_end
FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(dateTime), INTERVAL '1' SECOND)) GROUP BY bidder, window_start, window_end;
INSERT INTO chan SELECT channel, window_start, window_end, COUNT(*) FILTER (WHERE price > 500)
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND)) GROUP BY channel, window_start, window_end;`;

const SINKS = ['q7', 'q5', 'q11', 'chan'];

/** Bids over 20 s, mostly in order, some up to 3 s late (past the watermark: dropped), a few with a NULL price. */
function bids(): Row[] {
  let x = 7;
  const rnd = (m: number): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % m;
  };
  const out: Row[] = [];
  for (let i = 0; i < 2000; i++) {
    const late = rnd(20) === 0 ? 3000 : 0;
    out.push([0, rnd(30), rnd(50), rnd(17) === 0 ? null : 100 + rnd(900), ['a', 'b', 'c'][rnd(3)]!, T0 + i * 10 - late]);
  }
  return out;
}

function run(feed: (app: FlinkApplication, rows: Row[], arrival: number) => void): { out: Record<string, string[]>; late: number; errors: number } {
  const app = FlinkApplication.compile(CODE);
  const out: Record<string, string[]> = {};
  for (const s of SINKS) {
    out[s] = [];
    app.onOutput(s, (rows) => {
      for (const r of rows) out[s]!.push(JSON.stringify(r));
    });
  }
  const all = bids();
  for (let i = 0; i < all.length; i += 100) {
    const batch = all.slice(i, i + 100).map((r) => r.slice());
    // One batch with a NULL rowtime: a row error, whichever way it comes.
    if (i === 1000) batch[5]![5] = null;
    feed(app, batch, T0 + i * 10);
  }
  app.finish();
  const m = app.metrics();
  app.close();
  return { out, late: m.lateRowsDropped, errors: m.rowErrors };
}

describe('columnar batches', () => {
  it('give the window aggregations the same rows, late rows and errors as rows do', () => {
    const rows = run((app, batch, at) => app.pushRows('bid', batch, at));
    const cols = run((app, batch, at) => app.pushColumns('bid', ColumnBatch.fromRows(batch, 6), at));
    for (const s of SINKS) assert.ok(rows.out[s]!.length > 10, `${s} has output (${rows.out[s]!.length})`);
    assert.ok(rows.late > 0, 'some rows are late');
    assert.equal(rows.errors, 1);
    assert.deepEqual(cols, rows);
  });

  it('decodes a page of records into columns (pushRecords) with the same result as rows', () => {
    const rows = run((app, batch, at) => app.pushRows('bid', batch, at));
    const recs = run((app, batch, at) =>
      app.pushRecords(
        'bid',
        batch.map((r) => ({
          data: JSON.stringify({
            auction: r[1],
            bidder: r[2],
            price: r[3],
            channel: r[4],
            dateTime: r[5] === null ? null : new Date(r[5] as number).toISOString().replace('T', ' ').replace('Z', ''),
          }),
        })),
        at,
        'shard-0',
      ),
    );
    assert.deepEqual(recs, rows);
  });

  it('keeps vectors of numbers in Float64Arrays and anything else as given', () => {
    const b = ColumnBatch.fromRows(
      [
        [0, 1, 'x', null, 5],
        [0, 2, 'y', 3, 6],
      ],
      5,
    );
    assert.ok(b.cols[1] instanceof Float64Array);
    assert.deepEqual(b.cols[2], ['x', 'y']);
    assert.deepEqual(b.cols[3], [null, 3]);
    assert.deepEqual(
      b.row(1),
      [undefined, 2, 'y', 3, 6].map((v) => v ?? null),
    );
  });
});
