/**
 * Every stored series in the Prometheus text exposition format (version 0.0.4),
 * for `GET /metrics`.
 *
 * Names: `<namespace>_<metric name>`, each part turned into snake_case —
 * camelCase and acronyms split at case changes, every run of other characters
 * ('/', '.', '-', spaces) a single '_', lower case — so `AWS/Kinesis`
 * `PutRecords.Latency` is `aws_kinesis_put_records_latency` and a custom
 * `MyApp` `RequestCount` is `my_app_request_count`. A name starting with a
 * digit gets a leading '_'.
 *
 * Per metric, one family of type summary: `<name>_count` and `<name>_sum` are
 * the SampleCount and Sum recorded since the server started (counters, so
 * `rate()` works; they restart at 0 with the server, which Prometheus treats
 * as a counter reset), plus gauges `<name>_minimum` and `<name>_maximum` with
 * the last complete minute's Minimum and Maximum (absent when that minute had
 * no data). Labels: each dimension (name sanitised the same way, case kept),
 * and `unit` when the data has one other than None. Series without data for
 * two weeks are left out, as ListMetrics leaves them out.
 */
import type { MetricStore } from './store/store.ts';
import type { SeriesInfo } from './store/series.ts';
import { TIER_1M } from './store/tiers.ts';

export function snakeCase(s: string): string {
  const out = s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

export function prometheusName(namespace: string, metricName: string): string {
  return `${snakeCase(namespace)}_${snakeCase(metricName)}`;
}

function labelName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function labels(s: SeriesInfo): string {
  const parts = s.dimensions.map((d) => `${labelName(d.name)}="${escapeLabel(d.value)}"`);
  if (s.unit !== 'None') parts.push(`unit="${escapeLabel(s.unit)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** The exposition text. Reads the last complete minute from memory (blocks not in memory are skipped). */
export function prometheusText(store: MetricStore, nowMs: number): string {
  const nowSec = Math.floor(nowMs / 1000);
  const minuteEnd = Math.floor(nowSec / 60) * 60;
  const minSeen = nowSec - 14 * 86_400;
  const families = new Map<string, { help: string; series: SeriesInfo[] }>();
  for (const s of store.catalog.all()) {
    if (s.lastSeenSec < minSeen) continue;
    const name = prometheusName(s.namespace, s.metricName);
    let f = families.get(name);
    if (!f) families.set(name, (f = { help: `CloudWatch metric ${s.namespace} ${s.metricName}`, series: [] }));
    f.series.push(s);
  }
  const lines: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const f = families.get(name)!;
    lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} summary`);
    const gauges: string[] = [];
    for (const s of f.series) {
      const l = labels(s);
      lines.push(`${name}_sum${l} ${formatValue(s.totalSum)}`, `${name}_count${l} ${formatValue(s.totalCount)}`);
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      store.scan(s.id, TIER_1M, minuteEnd - 60, minuteEnd, (run, i0, i1) => {
        for (let i = i0; i < i1; i++) {
          if (run.min[i]! < min) min = run.min[i]!;
          if (run.max[i]! > max) max = run.max[i]!;
        }
      });
      if (min <= max) gauges.push(`${name}_minimum${l} ${formatValue(min)}`, `${name}_maximum${l} ${formatValue(max)}`);
    }
    if (gauges.length)
      lines.push(
        `# TYPE ${name}_minimum gauge`,
        ...gauges.filter((g) => g.startsWith(`${name}_minimum`)),
        `# TYPE ${name}_maximum gauge`,
        ...gauges.filter((g) => g.startsWith(`${name}_maximum`)),
      );
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
