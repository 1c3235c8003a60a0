/**
 * Parameter study for the metric detector's series model on the NAB sample, in process
 * (bench/anomaly/nab-score.ts's port of NAB v1.1 scoring). Prints one line per configuration.
 *
 *   node --import tsx bench/detectors/tune.ts '{}' '{"residualGate":4}' '{"historyLength":1008}'
 */
import { createSeriesDetector, gradeSeries } from '../../src/detectors/index.ts';
import type { SeriesOptions } from '../../src/detectors/index.ts';
import { loadNabSample, scoreNab } from '../anomaly/nab-score.ts';

const sample = loadNabSample();
for (const arg of process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['{}']) {
  const options = JSON.parse(arg) as SeriesOptions;
  const t0 = process.cpuUsage();
  const scores = sample.map((s) => {
    const { detector, opts } = createSeriesDetector(undefined, options);
    const out = new Float64Array(s.values.length);
    let seen = 0;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      out[i] = gradeSeries(detector, s.timesMs[i]!, v, seen, opts).severity / 100;
      if (!Number.isNaN(v)) seen++;
    }
    return out;
  });
  const c = process.cpuUsage(t0);
  const r = scoreNab(sample, scores);
  console.log(
    `${arg}\tstandard ${r.standard.normalized}\tlowFP ${r.reward_low_FP_rate.normalized}\tlowFN ${r.reward_low_FN_rate.normalized}\tthr ${r.standard.threshold}\t${((c.user + c.system) / 1e6).toFixed(1)} CPU-s`,
  );
}
