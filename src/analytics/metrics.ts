/**
 * AWS/KinesisAnalytics metrics of running SQL applications, named as Kinesis
 * Data Analytics publishes them to CloudWatch: Records and Bytes per input
 * (Flow=Input, Id=input id) and per output (Flow=Output, Id=output id),
 * Success per output write, MillisBehindLatest per application. The runners
 * keep plain counters; `emitApplicationMetrics` turns them into time series
 * once a second through the metrics registry.
 */
import type { MetricHandle, MetricsRegistry } from '../metrics/index.ts';
import type { ApplicationStats, OutputStats, RunningStats } from './runtime/host.ts';

const NAMESPACE = 'AWS/KinesisAnalytics';

interface Flow {
  records: MetricHandle;
  bytes: MetricHandle;
  prevRecords: number;
  prevBytes: number;
}

interface OutputFlow extends Flow {
  stats: OutputStats;
  success: MetricHandle;
  prevAttempts: number;
  prevSuccesses: number;
}

interface Emitting {
  stats: ApplicationStats;
  input: Flow | undefined;
  behind: MetricHandle;
  outputs: Map<string, OutputFlow>;
}

function flow(registry: MetricsRegistry, application: string, direction: 'Input' | 'Output', id: string): Flow {
  const dims = [
    { name: 'Application', value: application },
    { name: 'Flow', value: direction },
    { name: 'Id', value: id },
  ];
  return {
    records: registry.handle(NAMESPACE, 'Records', dims, 'Count'),
    bytes: registry.handle(NAMESPACE, 'Bytes', dims, 'Bytes'),
    prevRecords: 0,
    prevBytes: 0,
  };
}

function advance(f: Flow, records: number, bytes: number): void {
  if (records > f.prevRecords) f.records.record(records - f.prevRecords);
  if (bytes > f.prevBytes) f.bytes.record(bytes - f.prevBytes);
  f.prevRecords = records;
  f.prevBytes = bytes;
}

/**
 * Emits every running application's counters as AWS/KinesisAnalytics metrics,
 * once a second: each counter's increase in that second is one datapoint (Sum
 * is exact; SampleCount counts seconds with activity); Success is one sample
 * per output write call (1 or 0), so its Average is the success rate;
 * MillisBehindLatest is the last read's largest shard lag, sampled each second
 * (dimension Application). An application's counters start at zero when it
 * starts, so nothing it did is missed. Returns the collector's removal.
 */
export function emitApplicationMetrics(registry: MetricsRegistry, running: () => Iterable<RunningStats>): () => void {
  const emitting = new Map<string, Emitting>();
  return registry.addCollector(() => {
    const seen = new Set<string>();
    for (const r of running()) {
      seen.add(r.application);
      let e = emitting.get(r.application);
      if (!e || e.stats !== r.stats) {
        const inputId = r.inputIds[0];
        e = {
          stats: r.stats,
          input: inputId === undefined ? undefined : flow(registry, r.application, 'Input', inputId),
          behind: registry.handle(NAMESPACE, 'MillisBehindLatest', [{ name: 'Application', value: r.application }], 'Milliseconds'),
          outputs: new Map(),
        };
        emitting.set(r.application, e);
      }
      const s = r.stats;
      if (e.input) advance(e.input, s.recordsRead, s.bytesRead);
      if (e.input) e.behind.record(s.millisBehindLatest);
      for (const [id, o] of r.outputs) {
        let f = e.outputs.get(id);
        if (!f || f.stats !== o) {
          const dims = [
            { name: 'Application', value: r.application },
            { name: 'Flow', value: 'Output' },
            { name: 'Id', value: id },
          ];
          f = {
            ...flow(registry, r.application, 'Output', id),
            stats: o,
            success: registry.handle(NAMESPACE, 'Success', dims, 'None'),
            prevAttempts: 0,
            prevSuccesses: 0,
          };
          e.outputs.set(id, f);
        }
        advance(f, o.records, o.bytes);
        const attempts = o.attempts - f.prevAttempts;
        const successes = o.successes - f.prevSuccesses;
        for (let i = 0; i < successes; i++) f.success.record(1);
        for (let i = successes; i < attempts; i++) f.success.record(0);
        f.prevAttempts = o.attempts;
        f.prevSuccesses = o.successes;
      }
    }
    for (const name of emitting.keys()) if (!seen.has(name)) emitting.delete(name);
  });
}
