import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetricStore } from '../../src/metrics/store/store.ts';
import { TIER_1H, TIER_1M, TIER_1S, TIER_5M, type Tier } from '../../src/metrics/store/tiers.ts';
import type { SeriesInfo } from '../../src/metrics/store/series.ts';
import { Sketch } from '../../src/metrics/sketch.ts';
import { DAY, HOUR, MINUTE, T0, clockAt, tempDir } from './helpers.ts';
import type { ManualClock } from '../../src/core/index.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.unshift(t.remove);
  return t.dir;
}

async function openStore(clock: ManualClock, d?: string, checkpointIntervalMs?: number): Promise<MetricStore> {
  const store = await MetricStore.open({ clock, dir: d, fsync: false, checkpointIntervalMs });
  cleanups.push(() => store.close());
  return store;
}

/** [cellTimeMs, count, sum, min, max] of every cell of a series at a tier within [from, to). */
async function cells(store: MetricStore, s: SeriesInfo, tier: Tier, fromMs: number, toMs: number): Promise<number[][]> {
  await store.load(tier, fromMs / 1000, toMs / 1000);
  const out: number[][] = [];
  store.scan(s.id, tier, fromMs / 1000, toMs / 1000, (run, i0, i1, start, res) => {
    for (let i = i0; i < i1; i++) out.push([(start + run.off[i]! * res) * 1000, run.count[i]!, run.sum[i]!, run.min[i]!, run.max[i]!]);
  });
  return out;
}

function value(store: MetricStore, s: SeriesInfo, tsMs: number, v: number, highRes = false): void {
  store.record(s, tsMs, 1, v, v, v, null, highRes);
}

describe('MetricStore', () => {
  it('folds each datapoint into the 1-minute, 5-minute and 1-hour tiers (the roll-ups), and 1-second cells only for high-resolution data', async () => {
    const clock = clockAt(T0 + HOUR);
    const store = await openStore(clock);
    const s = store.series('App', 'Latency', [{ name: 'Host', value: 'a' }], 'Milliseconds');
    value(store, s, T0 + 10_000, 5);
    value(store, s, T0 + 50_000, 1);
    value(store, s, T0 + 70_000, 9, true);
    value(store, s, T0 + 6 * MINUTE, 2);
    assert.deepEqual(await cells(store, s, TIER_1M, T0, T0 + HOUR), [
      [T0, 2, 6, 1, 5],
      [T0 + MINUTE, 1, 9, 9, 9],
      [T0 + 6 * MINUTE, 1, 2, 2, 2],
    ]);
    assert.deepEqual(await cells(store, s, TIER_5M, T0, T0 + HOUR), [
      [T0, 3, 15, 1, 9],
      [T0 + 5 * MINUTE, 1, 2, 2, 2],
    ]);
    assert.deepEqual(await cells(store, s, TIER_1H, T0, T0 + HOUR), [[T0, 4, 17, 1, 9]]);
    assert.deepEqual(await cells(store, s, TIER_1S, T0, T0 + HOUR), [[T0 + 70_000, 1, 9, 9, 9]]);
  });

  it('keeps data exactly as long as each tier retains it: 1 s for 3 h, 1 min for 15 days, 5 min for 63 days, 1 h for 455 days', async () => {
    const clock = clockAt(T0);
    const store = await openStore(clock, undefined, DAY);
    const s = store.series('App', 'Requests', [], 'Count');
    value(store, s, T0, 1, true);
    const count = async (tier: Tier): Promise<number> => (await cells(store, s, tier, T0 - HOUR, T0 + HOUR)).length;
    assert.deepEqual([await count(TIER_1S), await count(TIER_1M), await count(TIER_5M), await count(TIER_1H)], [1, 1, 1, 1]);
    clock.advance(3 * HOUR + 1000);
    assert.deepEqual([await count(TIER_1S), await count(TIER_1M)], [0, 1]);
    clock.advanceTo(T0 + 15 * DAY + MINUTE);
    assert.deepEqual([await count(TIER_1M), await count(TIER_5M)], [0, 1]);
    clock.advanceTo(T0 + 63 * DAY + 5 * MINUTE);
    assert.deepEqual([await count(TIER_5M), await count(TIER_1H)], [0, 1]);
    clock.advanceTo(T0 + 455 * DAY + HOUR);
    assert.equal(await count(TIER_1H), 0);
    clock.advance(17 * DAY); // blocks go whole, once their newest cell has expired
    assert.equal(store.stats().blocksInMemory, 0, 'expired blocks are dropped from memory');
  });

  it('ignores datapoints older than a tier keeps and merges late datapoints into the right cells', async () => {
    const clock = clockAt(T0 + 20 * DAY);
    const store = await openStore(clock);
    const s = store.series('App', 'Late', [], 'None');
    value(store, s, T0, 4); // 20 days old: only the 5-minute and 1-hour tiers still cover it
    value(store, s, T0 + 20 * DAY - 2 * MINUTE, 1);
    value(store, s, T0 + 20 * DAY - 3 * MINUTE, 2); // out of order
    assert.deepEqual(await cells(store, s, TIER_1M, T0 - DAY, T0 + 21 * DAY), [
      [T0 + 20 * DAY - 3 * MINUTE, 1, 2, 2, 2],
      [T0 + 20 * DAY - 2 * MINUTE, 1, 1, 1, 1],
    ]);
    assert.deepEqual(await cells(store, s, TIER_5M, T0 - DAY, T0 + DAY), [[T0, 1, 4, 4, 4]]);
  });

  it('keeps the distribution of each cell and drops it in cells that receive data without one', async () => {
    const clock = clockAt(T0 + HOUR);
    const store = await openStore(clock);
    const s = store.series('App', 'Mixed', [], 'None');
    const sk = new Sketch();
    sk.add(3);
    store.record(s, T0, 1, 3, 3, 3, sk, false);
    store.record(s, T0 + MINUTE, 1, 3, 3, 3, sk, false);
    store.record(s, T0 + MINUTE, 1, 4, 4, 4, null, false);
    const seen: Array<boolean> = [];
    store.scan(s.id, TIER_1M, T0 / 1000, (T0 + HOUR) / 1000, (run, i0, i1) => {
      for (let i = i0; i < i1; i++) seen.push(run.hasSketch(i));
    });
    assert.deepEqual(seen, [true, false]);
  });

  it('survives a restart: series, cells and distributions come back from the log and the blocks, counted once', async () => {
    const d = await dir();
    const clock = clockAt(T0 + HOUR);
    const first = await MetricStore.open({ clock, dir: d, fsync: true });
    const s = first.series('App', 'Bytes', [{ name: 'Stream', value: 'orders' }], 'Bytes');
    const sk = new Sketch();
    sk.add(100);
    first.record(s, T0, 1, 100, 100, 100, sk, false);
    await first.checkpoint(); // blocks written, log retired
    first.record(s, T0 + 30_000, 1, 50, 50, 50, null, false); // only in the log
    const s2 = first.series('App', 'Bytes', [{ name: 'Stream', value: 'other' }], 'Bytes');
    first.record(s2, T0, 2, 10, 5, 5, null, false);
    await first.flush();
    // A crash here: `first` is never closed; a new store opens the same directory.
    const second = await openStore(clock, d);
    assert.equal(second.recovery.walRecordsReplayed, 2);
    const again = second.series('App', 'Bytes', [{ name: 'Stream', value: 'orders' }], 'Bytes');
    assert.equal(again.id, s.id);
    assert.deepEqual(await cells(second, again, TIER_1M, T0, T0 + HOUR), [[T0, 2, 150, 50, 100]]);
    const other = second.series('App', 'Bytes', [{ name: 'Stream', value: 'other' }], 'Bytes');
    assert.deepEqual(await cells(second, other, TIER_1H, T0, T0 + HOUR), [[T0, 2, 10, 5, 5]]);
    // A checkpoint in the middle of replayed data, then another crash: still counted once.
    await second.checkpoint();
    const third = await openStore(clock, d);
    const s3 = third.series('App', 'Bytes', [{ name: 'Stream', value: 'orders' }], 'Bytes');
    assert.deepEqual(await cells(third, s3, TIER_5M, T0, T0 + HOUR), [[T0, 2, 150, 50, 100]]);
    // The distribution of a cell that only ever got sketched contributions came back from the block file.
    const sketched = third.series('App', 'Sketched', [], 'None');
    const sk2 = new Sketch();
    sk2.add(7);
    third.record(sketched, T0, 1, 7, 7, 7, sk2, false);
    third.record(sketched, T0, 1, 7, 7, 7, sk2, false);
    await third.checkpoint();
    const fourth = await openStore(clock, d);
    const s4 = fourth.series('App', 'Sketched', [], 'None');
    await fourth.load(TIER_1M, T0 / 1000, (T0 + HOUR) / 1000);
    const quantiles: number[] = [];
    fourth.scan(s4.id, TIER_1M, T0 / 1000, (T0 + HOUR) / 1000, (run, i0) => {
      const back = run.sketchAt(i0)!;
      quantiles.push(back.total, Math.round(back.quantile(0.5)));
    });
    assert.deepEqual(quantiles, [2, 7]);
  });

  it('replays a log whose checkpoint was interrupted after the blocks were written without counting twice', async () => {
    const d = await dir();
    const clock = clockAt(T0 + HOUR);
    const first = await MetricStore.open({ clock, dir: d, fsync: false });
    const s = first.series('App', 'Count', [], 'Count');
    value(first, s, T0, 7);
    await first.flush();
    const logsBefore = readdirSync(join(d, 'wal'));
    await first.checkpoint();
    // Put the retired log back, as if the crash came before it was deleted.
    assert.equal(readdirSync(join(d, 'wal')).length, 0);
    const { writeFileSync } = await import('node:fs');
    for (const name of logsBefore) writeFileSync(join(d, 'wal', name), Buffer.alloc(0));
    const second = await openStore(clock, d);
    const s2 = second.series('App', 'Count', [], 'Count');
    assert.deepEqual(await cells(second, s2, TIER_1M, T0, T0 + HOUR), [[T0, 1, 7, 7, 7]]);
  });

  it('cuts a torn log tail and keeps every complete frame before it', async () => {
    const d = await dir();
    const clock = clockAt(T0 + HOUR);
    const first = await MetricStore.open({ clock, dir: d, fsync: false });
    const s = first.series('App', 'Torn', [], 'Count');
    value(first, s, T0, 1);
    await first.flush();
    value(first, s, T0, 1);
    await first.flush();
    const [log] = readdirSync(join(d, 'wal'));
    const path = join(d, 'wal', log!);
    const good = statSync(path).size;
    appendFileSync(path, Buffer.from([200, 0, 0, 0, 1, 2, 3]));
    const second = await openStore(clock, d);
    assert.equal(second.recovery.walBytesTruncated, 7);
    assert.equal(statSync(path).size, good);
    const s2 = second.series('App', 'Torn', [], 'Count');
    assert.deepEqual(await cells(second, s2, TIER_1M, T0, T0 + HOUR), [[T0, 2, 2, 1, 1]]);
  });

  it('reads evicted blocks back from disk and accepts late data for them', async () => {
    const d = await dir();
    const clock = clockAt(T0 + 2 * DAY);
    const store = await MetricStore.open({ clock, dir: d, fsync: false, maxCacheBytes: 0 });
    cleanups.push(() => store.close());
    const s = store.series('App', 'Evict', [], 'Count');
    value(store, s, T0, 3);
    value(store, s, T0 + 2 * DAY - MINUTE, 1);
    await store.checkpoint();
    assert.ok(store.stats().blocksInMemory <= 4, 'old blocks were evicted');
    value(store, s, T0 + 1000, 4); // late data into an evicted block
    assert.deepEqual(await cells(store, s, TIER_1M, T0, T0 + HOUR), [[T0, 2, 7, 3, 4]]);
    await store.checkpoint();
    assert.deepEqual(await cells(store, s, TIER_1M, T0, T0 + HOUR), [[T0, 2, 7, 3, 4]]);
  });
});
