import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RandomCutForest, checkKdaRcfParameters, kdaExplanation, kdaForestOptions, KDA_RCF_DEFAULTS } from '../../src/anomaly/index.ts';
import { TestRandom, tradeBatch } from './helpers.ts';
import type { Trade } from './helpers.ts';

describe('Scenario S2: anomalous stock trades', () => {
  it('scores the injected 5% (much higher price and quantity) highest, above 1, and few normal trades above 1', () => {
    // RANDOM_CUT_FOREST(CURSOR(SELECT STREAM "price", "quantity" ...)) with KDA's defaults.
    const forest = new RandomCutForest(kdaForestOptions(2));
    const rnd = new TestRandom(2024);
    const scored: { trade: Trade; score: number }[] = [];
    let topInjected = 0,
      topTotal = 0;
    for (let b = 0; b < 20; b++) {
      const batch = tradeBatch(rnd, b * 100).map((trade) => ({ trade, score: forest.scoreAndUpdate([trade.price, trade.quantity]) }));
      if (b < 2) continue; // warm-up: scores are 0 for the first 64 points
      scored.push(...batch);
      const top = [...batch].sort((x, y) => y.score - x.score).slice(0, 5);
      topInjected += top.filter((s) => s.trade.injected).length;
      topTotal += 5;
    }
    const injected = scored.filter((s) => s.trade.injected);
    const normal = scored.filter((s) => !s.trade.injected);
    const injectedAbove = injected.filter((s) => s.score > 1).length / injected.length;
    const normalAbove = normal.filter((s) => s.score > 1).length / normal.length;
    assert.ok(injectedAbove >= 0.95, `injected trades with ANOMALY_SCORE > 1: ${injectedAbove}`);
    assert.ok(normalAbove <= 0.2, `normal trades with ANOMALY_SCORE > 1: ${normalAbove}`);
    assert.ok(topInjected / topTotal >= 0.9, `injected share of each batch's top 5: ${topInjected / topTotal}`);
    // The OUTPUT_PUMP keeps ANOMALY_SCORE > 1: the injected trades must dominate what it emits.
    const emitted = scored.filter((s) => s.score > 1);
    const injectedShare = emitted.filter((s) => s.trade.injected).length / emitted.length;
    assert.ok(injectedShare >= 0.2, `injected share of emitted rows: ${injectedShare} (5% of input)`);
  });
});

describe('KDA RANDOM_CUT_FOREST parameters', () => {
  it('accepts the documented defaults and ranges and rejects values outside them', () => {
    assert.equal(checkKdaRcfParameters({}), null);
    assert.equal(checkKdaRcfParameters({ numberOfTrees: 1000, subSampleSize: 10, timeDecay: 11, shingleSize: 30 }), null);
    assert.match(checkKdaRcfParameters({ numberOfTrees: 0 })!, /numberOfTrees must be an integer between 1 and 1000/);
    assert.match(checkKdaRcfParameters({ subSampleSize: 1001 })!, /subSampleSize/);
    assert.match(checkKdaRcfParameters({ shingleSize: 31 })!, /shingleSize/);
    assert.match(checkKdaRcfParameters({ subSampleSize: 256, timeDecay: 200 })!, /less than timeDecay/);
    const o = kdaForestOptions(3, { shingleSize: 4 });
    assert.equal(o.numberOfTrees, KDA_RCF_DEFAULTS.numberOfTrees);
    const f = new RandomCutForest(o);
    assert.equal(f.treeDimensions, 12);
    assert.equal(f.lambda, 1 / 100000);
  });
});

describe('RANDOM_CUT_FOREST_WITH_EXPLANATION explanation', () => {
  it('gives each column an ATTRIBUTION_SCORE summing to ANOMALY_SCORE, with DIRECTION and STRENGTH on request', () => {
    const forest = new RandomCutForest(kdaForestOptions(2, {}, 4));
    const rnd = new TestRandom(8);
    for (let i = 0; i < 1000; i++) forest.update([50 + rnd.gaussian(), 20 + rnd.gaussian()]);
    const a = forest.attribution([50, 5]);
    const plain = kdaExplanation(['purchases', 'carts'], a, false);
    assert.deepEqual(Object.keys(plain), ['purchases', 'carts']);
    assert.equal(plain.carts!.DIRECTION, undefined);
    assert.ok(Math.abs(plain.purchases!.ATTRIBUTION_SCORE + plain.carts!.ATTRIBUTION_SCORE - a.score) < 1e-9);
    const directed = kdaExplanation(['purchases', 'carts'], a, true);
    assert.equal(directed.carts!.DIRECTION, 'LOW');
    assert.ok(directed.carts!.STRENGTH! > 0.9 && directed.carts!.STRENGTH! <= 1);
    assert.ok(directed.carts!.ATTRIBUTION_SCORE > 0.8 * a.score);
    assert.throws(() => kdaExplanation(['one'], a, true), RangeError);
  });
});
