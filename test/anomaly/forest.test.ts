import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RandomCutForest, Shingle } from '../../src/anomaly/index.ts';
import { TestRandom, median } from './helpers.ts';

function gaussianForest(seed: number, n: number, opts: Partial<ConstructorParameters<typeof RandomCutForest>[0]> = {}) {
  const forest = new RandomCutForest({ dimensions: 2, seed, ...opts });
  const rnd = new TestRandom(seed + 1);
  const scores: number[] = [];
  for (let i = 0; i < n; i++) scores.push(forest.scoreAndUpdate([rnd.gaussian(), rnd.gaussian()]));
  return { forest, scores, rnd };
}

describe('RandomCutForest scores', () => {
  it('computes the reference formula exactly on a two-point sample', () => {
    // Sample {0, 1} in one dimension: every tree is a root cut between them with two leaves at depth 1.
    const forest = new RandomCutForest({ dimensions: 1, numberOfTrees: 7, sampleSize: 64, outputAfter: 2, seed: 1 });
    forest.update([0]);
    forest.update([1]);
    const log2of3 = Math.log2(3);
    // Unseen, outside the root box: leaf term 1/(1+1); the root's box [0,1] grows to [0,2], separation
    // probability 1/2, so 1/2 · 1/(0+1) + 1/2 · 1/2 = 0.75, times log2(mass + 1).
    assert.ok(Math.abs(forest.score([2]) - 0.75 * log2of3) < 1e-12, `score(2) = ${forest.score([2])}`);
    // Unseen, inside the root box: only the leaf term.
    assert.ok(Math.abs(forest.score([0.5]) - 0.5 * log2of3) < 1e-12);
    // Seen (a duplicate of a leaf of mass 1 in a tree of mass 2): damp 1 - 1/4 times 1/(1 + log2(2)).
    assert.ok(Math.abs(forest.score([0]) - 0.75 * 0.5 * log2of3) < 1e-12);
    const a = forest.attribution([2]);
    assert.ok(Math.abs(a.high[0]! - 0.75 * log2of3) < 1e-12 && a.low[0] === 0);
  });

  it('scores a far outlier far above 1 after warm-up and ordinary points near 1', () => {
    const { forest, scores, rnd } = gaussianForest(3, 2000);
    const steady = scores.slice(500);
    const m = median(steady);
    assert.ok(m > 0.5 && m < 1.2, `median ordinary score ${m}`);
    const fresh: number[] = [];
    for (let i = 0; i < 200; i++) fresh.push(forest.score([rnd.gaussian(), rnd.gaussian()]));
    assert.ok(median(fresh) < 1.2, `median score of new ordinary points ${median(fresh)}`);
    const outlier = forest.score([12, -9]);
    assert.ok(outlier > 4, `outlier score ${outlier}`);
    assert.ok(outlier > 4 * m, 'the outlier scores several times an ordinary point');
  });

  it('never exceeds log2(sampleSize + 1)', () => {
    const { forest } = gaussianForest(5, 600, { sampleSize: 64, numberOfTrees: 30 });
    const max = Math.log2(65);
    for (const p of [
      [1e9, 1e9],
      [-1e9, 3],
      [0, 1e12],
    ]) {
      const s = forest.score(p);
      assert.ok(s <= max + 1e-9 && s > max * 0.75, `score ${s} vs maximum ${max}`);
    }
  });

  it('reports 0 until outputAfter points have been seen', () => {
    const forest = new RandomCutForest({ dimensions: 1, numberOfTrees: 20, sampleSize: 64, outputAfter: 10, seed: 1 });
    const scores: number[] = [];
    for (let i = 0; i < 12; i++) scores.push(forest.scoreAndUpdate([i % 3]));
    assert.deepEqual(scores.slice(0, 10), new Array(10).fill(0));
    assert.ok(scores[10]! > 0 && scores[11]! > 0);
    assert.equal(forest.totalUpdates, 12);
    assert.equal(new RandomCutForest({ dimensions: 1 }).options.outputAfter, 64, 'default is sampleSize / 4');
  });

  it('gives a repeated point a low score and keeps duplicates as leaf mass', () => {
    const forest = new RandomCutForest({ dimensions: 2, numberOfTrees: 20, sampleSize: 32, seed: 2 });
    const rnd = new TestRandom(9);
    // The last free slot of a sample is taken with probability ~3.6% per point: 400 points fill every tree.
    for (let i = 0; i < 400; i++) forest.update(i % 2 === 0 ? [5, 5] : [rnd.gaussian(), rnd.gaussian()]);
    for (const m of forest.sampleMasses()) assert.equal(m, 32, 'each sample is full, duplicates counted');
    assert.ok(forest.score([5, 5]) < 1, `duplicate score ${forest.score([5, 5])}`);
    assert.ok(forest.score([5, -5]) > 2, `unseen far point ${forest.score([5, -5])}`);
  });

  it('rejects points of the wrong length or with non-finite values', () => {
    const forest = new RandomCutForest({ dimensions: 2, numberOfTrees: 5 });
    assert.throws(() => forest.update([1]), RangeError);
    assert.throws(() => forest.update([1, NaN]), /not a finite number/);
    assert.throws(() => new RandomCutForest({ dimensions: 0 }), /dimensions/);
    assert.throws(() => new RandomCutForest({ dimensions: 2, sampleSize: 1 }), /sampleSize/);
    assert.throws(() => new RandomCutForest({ dimensions: 2, timeDecay: 0 }), /timeDecay/);
    assert.throws(() => new RandomCutForest({ dimensions: 3, shingleSize: 2, internalShingling: false }), /multiple of shingleSize/);
  });
});

describe('RandomCutForest attribution', () => {
  it('splits the score into high and low parts per dimension that sum to the score', () => {
    const { forest } = gaussianForest(11, 1500);
    for (const p of [
      [0.1, -0.2],
      [9, 0.3],
      [-0.5, -8],
      [6, 6],
      [1.5, -1.5],
    ]) {
      const a = forest.attribution(p);
      let sum = 0;
      for (let i = 0; i < 2; i++) {
        assert.ok(a.high[i]! >= 0 && a.low[i]! >= 0);
        sum += a.high[i]! + a.low[i]!;
      }
      assert.ok(Math.abs(sum - a.score) < 1e-9, `sum ${sum} vs score ${a.score}`);
      assert.ok(Math.abs(a.score - forest.score(p)) < 1e-9, 'attribution score equals score()');
    }
  });

  it('points at the dimension and direction that make the point unusual', () => {
    const { forest } = gaussianForest(12, 1500);
    const up = forest.attribution([9, 0.3]);
    assert.ok(up.high[0]! > 0.8 * up.score, `x high share ${up.high[0]! / up.score}`);
    const down = forest.attribution([-0.5, -8]);
    assert.ok(down.low[1]! > 0.8 * down.score, `y low share ${down.low[1]! / down.score}`);
    assert.ok(down.high[1]! < 0.05 * down.score);
  });

  it('attributes a duplicate of a sampled point and still sums to its score', () => {
    const forest = new RandomCutForest({ dimensions: 3, numberOfTrees: 20, sampleSize: 32, seed: 4 });
    const rnd = new TestRandom(5);
    for (let i = 0; i < 100; i++) forest.update(i % 4 === 0 ? [1, 2, 3] : [rnd.gaussian(), rnd.gaussian(), rnd.gaussian()]);
    const a = forest.attribution([1, 2, 3]);
    const sum = Array.from(a.high).reduce((x, y) => x + y, 0) + Array.from(a.low).reduce((x, y) => x + y, 0);
    assert.ok(a.score > 0);
    assert.ok(Math.abs(sum - a.score) < 1e-9);
    assert.ok(Math.abs(a.score - forest.score([1, 2, 3])) < 1e-9);
  });
});

describe('RandomCutForest determinism and checkpoints', () => {
  it('gives identical scores for the same seed and input, different ones for another seed', () => {
    const a = gaussianForest(21, 800).scores;
    const b = gaussianForest(21, 800).scores;
    assert.deepEqual(a, b);
    const rnd = new TestRandom(22);
    const other = new RandomCutForest({ dimensions: 2, seed: 99 });
    const c: number[] = [];
    for (let i = 0; i < 800; i++) c.push(other.scoreAndUpdate([rnd.gaussian(), rnd.gaussian()]));
    assert.notDeepEqual(a.slice(100), c.slice(100));
  });

  it('restores from JSON and continues exactly as the original', () => {
    const { forest, rnd } = gaussianForest(31, 700, { numberOfTrees: 40, timeDecay: 500, shingleSize: 2 });
    const restored = RandomCutForest.fromJSON(JSON.parse(JSON.stringify(forest)));
    assert.equal(restored.totalUpdates, forest.totalUpdates);
    for (let i = 0; i < 600; i++) {
      const p = i === 300 ? [20, 20] : [rnd.gaussian(), rnd.gaussian()];
      assert.equal(restored.scoreAndUpdate(p), forest.scoreAndUpdate(p), `point ${i}`);
    }
    assert.deepEqual(restored.attribution([3, -3]), forest.attribution([3, -3]));
  });

  it('restores a forest without time decay (timeDecay Infinity survives JSON)', () => {
    const { forest, rnd } = gaussianForest(32, 300, { numberOfTrees: 10, timeDecay: Infinity });
    const restored = RandomCutForest.fromJSON(JSON.parse(JSON.stringify(forest)));
    assert.equal(restored.lambda, 0);
    for (let i = 0; i < 100; i++) {
      const p = [rnd.gaussian(), rnd.gaussian()];
      assert.equal(restored.scoreAndUpdate(p), forest.scoreAndUpdate(p));
    }
  });

  it('refuses a state that is not a forest', () => {
    assert.throws(() => RandomCutForest.fromJSON({} as never), /not a freshet.rcf/);
  });

  it('reports its memory', () => {
    const f = new RandomCutForest({ dimensions: 2 });
    const bytes = f.byteSize();
    assert.ok(bytes > 100 * 256 * 2 * 8 && bytes < 5_000_000, `bytes ${bytes}`);
  });
});

describe('RandomCutForest trees', () => {
  it('keeps every tree consistent through many inserts, evictions and duplicates', () => {
    const forest = new RandomCutForest({ dimensions: 3, numberOfTrees: 10, sampleSize: 32, timeDecay: 50, seed: 14 });
    const rnd = new TestRandom(15);
    for (let i = 0; i < 3000; i++) {
      // Mix of fresh points, exact repeats, repeats in one coordinate only and a moving level.
      const r = rnd.next();
      const p = r < 0.2 ? [1, 2, 3] : r < 0.3 ? [1, rnd.gaussian(), 3] : [rnd.gaussian() + i / 500, rnd.gaussian(), rnd.int(0, 3)];
      forest.update(p);
      if (i % 250 === 0) forest.checkInvariants();
    }
    forest.checkInvariants();
    for (const m of forest.sampleMasses()) assert.equal(m, 32);
  });
});

describe('RandomCutForest sampler and time decay', () => {
  function sampleMeanAge(timeDecay: number): number {
    const n = 3000;
    const forest = new RandomCutForest({ dimensions: 1, numberOfTrees: 20, sampleSize: 64, timeDecay, seed: 8 });
    for (let i = 0; i < n; i++) forest.update([i]);
    let sum = 0,
      count = 0;
    for (let t = 0; t < 20; t++) {
      for (const p of forest.samplePoints(t)) {
        sum += n - 1 - p[0]!;
        count++;
      }
    }
    assert.equal(count, 20 * 64);
    return sum / count;
  }

  it('favours recent points more as timeDecay gets smaller', () => {
    const none = sampleMeanAge(Infinity);
    const slow = sampleMeanAge(100000);
    const fast = sampleMeanAge(300);
    // Without decay the reservoir is uniform over the stream: mean age about n / 2.
    assert.ok(none > 1200 && none < 1800, `uniform reservoir mean age ${none}`);
    assert.ok(Math.abs(slow - none) < 250, `timeDecay 100000 is close to uniform on 3000 points (${slow})`);
    // With lambda = 1/300 the sample covers roughly the last few hundred points.
    assert.ok(fast < 400, `mean age with timeDecay 300: ${fast}`);
  });

  it('forgets an old regime: after a level shift, old values leave the sample', () => {
    const forest = new RandomCutForest({ dimensions: 1, numberOfTrees: 30, sampleSize: 64, timeDecay: 200, seed: 3 });
    const rnd = new TestRandom(4);
    for (let i = 0; i < 1000; i++) forest.update([rnd.gaussian()]);
    const before = forest.score([50 + rnd.gaussian()]);
    for (let i = 0; i < 2000; i++) forest.update([50 + rnd.gaussian()]);
    const after = forest.score([50 + rnd.gaussian()]);
    assert.ok(before > 3, `new level is anomalous at first (${before})`);
    assert.ok(after < 1.5, `new level is normal later (${after})`);
    let old = 0;
    for (let t = 0; t < 30; t++) old += forest.samplePoints(t).filter((p) => p[0]! < 25).length;
    assert.ok(old < 30 * 64 * 0.02, `old points left: ${old}`);
  });
});

describe('RandomCutForest shingling', () => {
  it('internal shingling scores the same as external shingles built with Shingle', () => {
    const internal = new RandomCutForest({ dimensions: 1, shingleSize: 4, numberOfTrees: 30, seed: 6 });
    const external = new RandomCutForest({ dimensions: 4, shingleSize: 4, internalShingling: false, numberOfTrees: 30, seed: 6 });
    assert.equal(internal.treeDimensions, 4);
    const sh = new Shingle(1, 4);
    const rnd = new TestRandom(7);
    for (let i = 0; i < 800; i++) {
      const v = Math.sin(i / 8) * 10 + rnd.gaussian() * 0.2;
      const si = internal.scoreAndUpdate([v]);
      sh.push([v]);
      if (i < 3) {
        assert.equal(si, 0, 'no score until the shingle is full');
        assert.equal(sh.isFull, false);
        continue;
      }
      assert.equal(si, external.scoreAndUpdate(sh.values), `point ${i}`);
    }
    assert.equal(internal.totalUpdates, 800);
    assert.equal(internal.treePoints, 797);
  });

  it('detects a break in the shape of a series whose values stay ordinary', () => {
    const make = (shingleSize: number) => new RandomCutForest({ dimensions: 1, shingleSize, numberOfTrees: 50, seed: 10 });
    const plain = make(1),
      shingled = make(8);
    const rnd = new TestRandom(11);
    let plainMax = 0,
      shingledMax = 0,
      shingledNormalMax = 0;
    for (let i = 0; i < 2400; i++) {
      // A sine wave (period 40) where one trough (i = 2030) is replaced by the peak value:
      // the value is ordinary, the shape is not.
      const v = (i === 2030 ? 10 : Math.sin((i * 2 * Math.PI) / 40) * 10) + rnd.gaussian() * 0.1;
      const a = plain.scoreAndUpdate([v]);
      const b = shingled.scoreAndUpdate([v]);
      if (i >= 2030 && i < 2038) {
        plainMax = Math.max(plainMax, a);
        shingledMax = Math.max(shingledMax, b);
      } else if (i > 1000) shingledNormalMax = Math.max(shingledNormalMax, b);
    }
    assert.ok(shingledMax > 1.6, `shingled score on the broken wave ${shingledMax}`);
    assert.ok(shingledMax > 1.5 * shingledNormalMax, `vs ordinary maximum ${shingledNormalMax}`);
    assert.ok(shingledMax > plainMax + 0.5, `single values score only ${plainMax}`);
  });

  it('folds attribution over shingle positions into input columns', () => {
    const forest = new RandomCutForest({ dimensions: 2, shingleSize: 3, numberOfTrees: 30, seed: 12 });
    const rnd = new TestRandom(13);
    for (let i = 0; i < 600; i++) forest.update([rnd.gaussian(), 10 + rnd.gaussian()]);
    const a = forest.attribution([0, 40]);
    assert.equal(a.high.length, 2);
    assert.ok(a.high[1]! > 0.8 * a.score, `column 1 high share ${a.high[1]! / a.score}`);
    const sum = a.high[0]! + a.high[1]! + a.low[0]! + a.low[1]!;
    assert.ok(Math.abs(sum - a.score) < 1e-9);
  });
});

describe('RandomCutForest tree-point queries (for the predictor-corrector)', () => {
  it('scores and attributes a given tree point exactly as the input that makes it', () => {
    const forest = new RandomCutForest({ dimensions: 1, shingleSize: 4, numberOfTrees: 20, seed: 21 });
    for (let i = 0; i < 500; i++) forest.update([Math.sin(i / 5)]);
    const p = new Float64Array(4);
    assert.equal(forest.treePointOf([3], p), true);
    assert.deepEqual(Array.from(p.subarray(0, 3)), [Math.sin(497 / 5), Math.sin(498 / 5), Math.sin(499 / 5)]);
    assert.equal(p[3], 3);
    assert.equal(forest.scoreTreePoint(p), forest.score([3]));
    const high = new Float64Array(4),
      low = new Float64Array(4);
    const s = forest.attributionTreePoint(p, high, low);
    assert.ok(Math.abs(s - forest.score([3])) < 1e-9);
    assert.ok(high[3]! > 0.8 * s, 'the new entry carries the attribution, on the high side');
    const folded = forest.attribution([3]);
    assert.ok(Math.abs(folded.high[0]! - (high[0]! + high[1]! + high[2]! + high[3]!)) < 1e-12);
  });

  it('imputes a missing entry from what the forest has seen in that context', () => {
    // Pairs (x, 2x + 1): given x, the forest's expected y is near 2x + 1.
    const forest = new RandomCutForest({ dimensions: 2, numberOfTrees: 50, seed: 22 });
    const rnd = new TestRandom(23);
    for (let i = 0; i < 1000; i++) {
      const x = rnd.next() * 10;
      forest.update([x, 2 * x + 1 + 0.05 * rnd.gaussian()]);
    }
    const out = new Float64Array(2);
    for (const x of [1, 4.5, 8]) {
      forest.imputeTreePoint(Float64Array.of(x, -100), [1], out);
      assert.equal(out[0], x, 'known entries stay');
      assert.ok(Math.abs(out[1]! - (2 * x + 1)) < 0.6, `x ${x}: imputed ${out[1]} for ${2 * x + 1}`);
    }
  });
});

describe('RandomCutForest checkpoint versions', () => {
  it('restores a version 1 state (node records without range sums) and scores as the original', () => {
    const forest = new RandomCutForest({ dimensions: 3, numberOfTrees: 10, seed: 31 });
    const rnd = new TestRandom(32);
    for (let i = 0; i < 500; i++) forest.update([rnd.gaussian(), rnd.gaussian(), 5 + rnd.gaussian()]);
    const state = forest.toJSON();
    // Version 1 stored 3 + 2d doubles per node: drop the range sum (slot 3).
    const v1 = JSON.parse(JSON.stringify(state));
    v1.version = 1;
    for (const t of v1.trees) {
      const now = new Float64Array(new Uint8Array(Buffer.from(t.arrays.nodes, 'base64')).buffer);
      const stride = 4 + 2 * 3,
        old = new Float64Array((now.length / stride) * (stride - 1));
      for (let i = 0; i < now.length / stride; i++) {
        old.set(now.subarray(i * stride, i * stride + 3), i * (stride - 1));
        old.set(now.subarray(i * stride + 4, (i + 1) * stride), i * (stride - 1) + 3);
      }
      t.arrays.nodes = Buffer.from(old.buffer).toString('base64');
    }
    const restored = RandomCutForest.fromJSON(v1);
    restored.checkInvariants();
    for (let i = 0; i < 200; i++) {
      const p = [rnd.gaussian(), rnd.gaussian(), i % 50 === 0 ? 20 : 5 + rnd.gaussian()];
      assert.ok(Math.abs(restored.scoreAndUpdate(p) - forest.scoreAndUpdate(p)) < 1e-12);
    }
  });
});

describe('RandomCutForest checkpoint layout', () => {
  it('a shingled forest survives save, restore and save again unchanged, and the copy scores bit for bit as the original', () => {
    // The TRCF default's shape: 8-value shingles, 30 trees, decay 1 / 2560; integer counts give duplicate leaves.
    const forest = new RandomCutForest({ dimensions: 1, shingleSize: 8, numberOfTrees: 30, sampleSize: 64, timeDecay: 640, seed: 41 });
    const rnd = new TestRandom(42);
    const next = (i: number): number[] => [i % 97 === 0 ? 40 : Math.round(5 * Math.sin(i / 9) + rnd.gaussian())];
    for (let i = 0; i < 2500; i++) forest.update(next(i));
    forest.checkInvariants();
    const text = JSON.stringify(forest);
    const restored = RandomCutForest.fromJSON(JSON.parse(text));
    restored.checkInvariants();
    assert.equal(JSON.stringify(restored), text);
    for (let i = 2500; i < 3500; i++) {
      const p = next(i);
      assert.equal(restored.scoreAndUpdate(p), forest.scoreAndUpdate(p), `point ${i}`);
    }
    restored.checkInvariants();
    assert.equal(JSON.stringify(restored), JSON.stringify(forest));
  });
});
