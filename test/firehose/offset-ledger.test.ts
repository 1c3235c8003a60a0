import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetLedger } from '../../src/firehose/offset-ledger.ts';

describe('OffsetLedger (the delivery checkpoint)', () => {
  it('holds the checkpoint at the first offset with an output in flight', () => {
    const l = new OffsetLedger(100);
    l.add(100);
    l.add(101);
    l.add(101); // a record with two outputs (e.g. data and backup)
    assert.equal(l.advance(102), false);
    assert.equal(l.committed, 100);
    l.release(100);
    assert.equal(l.advance(102), true);
    assert.equal(l.committed, 101);
    l.release(101);
    assert.equal(l.advance(102), false, 'one of the two outputs of 101 is still in flight');
    l.release(101);
    assert.equal(l.advance(102), true);
    assert.equal(l.committed, 102);
  });

  it('counts offsets without outputs (dropped records) as done, up to what was ingested', () => {
    const l = new OffsetLedger(0);
    assert.equal(l.advance(50), true);
    assert.equal(l.committed, 50);
    l.add(60);
    assert.equal(l.advance(70), true);
    assert.equal(l.committed, 60);
  });

  it('keeps counts right when the window compacts and grows far past its first size', () => {
    const l = new OffsetLedger(0);
    // Deliver in order far beyond the initial 1,024-slot window: compaction must keep working.
    for (let i = 0; i < 10_000; i++) {
      l.add(i);
      l.release(i);
      l.advance(i + 1);
    }
    assert.equal(l.committed, 10_000);
    // One old output outstanding while many newer ones arrive: the window has to grow.
    l.add(10_000);
    for (let i = 10_001; i < 15_000; i++) l.add(i);
    for (let i = 10_001; i < 15_000; i++) l.release(i);
    assert.equal(l.advance(15_000), false);
    l.release(10_000);
    assert.equal(l.advance(15_000), true);
    assert.equal(l.committed, 15_000);
  });
});
