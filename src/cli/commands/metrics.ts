/**
 * `freshet metrics [<namespace> <metric>]` and `freshet alarms`: a terminal view of the CloudWatch API
 * (GraniteServiceVersion20100801) through @aws-sdk/client-cloudwatch, so they work against AWS too.
 * `metrics` without arguments lists the metrics; with a namespace and a metric it draws one bar per
 * period for each matching series.
 */
import type { Command } from 'commander';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  type Datapoint,
  type Dimension,
  type Statistic,
} from '@aws-sdk/client-cloudwatch';
import { withSdkClient } from '../../client/index.ts';
import { addOutputOption, outputFormat, printList, printValue, type OutputFlags } from '../output.ts';

const ENDPOINT_HELP = 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)';
const STATISTICS = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'] as const;
/** Bars per chart at most: the period is chosen so the window fits. */
const MAX_BARS = 60;
const BAR_WIDTH = 40;

/** `90s`, `15m`, `3h`, `2d` → milliseconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(v.trim());
  if (!m) throw new Error(`--since must be a duration such as 90s, 15m, 3h or 2d, got '${v}'`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unit;
  if (ms < 1000 || ms > 455 * 86_400_000) throw new Error(`--since must be between 1s and 455d, got '${v}'`);
  return ms;
}

function parseDimension(v: string, previous: Dimension[] = []): Dimension[] {
  const i = v.indexOf('=');
  if (i < 1) throw new Error(`--dimension must be name=value (e.g. StreamName=orders), got '${v}'`);
  return [...previous, { Name: v.slice(0, i), Value: v.slice(i + 1) }];
}

function parseStatistic(v: string): string {
  const known = STATISTICS.find((s) => s.toLowerCase() === v.toLowerCase());
  if (known) return known;
  if (/^(p|tm|wm|tc|ts)\d+(\.\d+)?$/i.test(v)) return v.toLowerCase();
  throw new Error(`--stat must be one of ${STATISTICS.join(', ')} or a percentile such as p99, got '${v}'`);
}

/**
 * The smallest multiple of 60 s that draws the window in at most MAX_BARS bars (a minute at least: metrics are
 * stored per minute unless published at high resolution; --period asks for seconds).
 */
export function periodFor(sinceMs: number): number {
  return Math.max(1, Math.ceil(sinceMs / 1000 / MAX_BARS / 60)) * 60;
}

function fmtValue(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 100 ? 1 : 3 });
}

function fmtTime(ms: number, periodS: number, spansDays: boolean): string {
  const iso = new Date(ms).toISOString();
  const clock = periodS < 60 ? iso.slice(11, 19) : iso.slice(11, 16);
  return spansDays ? `${iso.slice(5, 10)} ${clock}` : clock;
}

function valueOf(d: Datapoint, stat: string): number | undefined {
  if ((STATISTICS as readonly string[]).includes(stat)) return d[stat as Statistic];
  return d.ExtendedStatistics?.[stat];
}

/** One chart: a bar per period from `fromMs`, blank where there is no datapoint. */
export function chart(points: Array<{ t: number; v: number }>, fromMs: number, toMs: number, periodS: number): string[] {
  const step = periodS * 1000;
  const start = Math.floor(fromMs / step) * step;
  const max = points.reduce((m, p) => Math.max(m, p.v), 0);
  const min = points.reduce((m, p) => Math.min(m, p.v), 0);
  const span = max - min || 1;
  const byTime = new Map(points.map((p) => [p.t, p.v]));
  const spansDays = toMs - start > 86_400_000;
  const lines: string[] = [];
  const blocks = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
  for (let t = start; t < toMs; t += step) {
    const v = byTime.get(t);
    const label = fmtTime(t, periodS, spansDays);
    if (v === undefined) {
      lines.push(`${label}  ${' '.repeat(BAR_WIDTH)}  ·`);
      continue;
    }
    const eighths = Math.round(((v - min) / span) * BAR_WIDTH * 8);
    const bar = '█'.repeat(Math.floor(eighths / 8)) + blocks[eighths % 8]!;
    lines.push(`${label}  ${bar.padEnd(BAR_WIDTH)}  ${fmtValue(v)}`);
  }
  return lines;
}

function dimsText(dims: readonly Dimension[] | undefined): string {
  return (dims ?? []).map((d) => `${d.Name}=${d.Value}`).join(' ');
}

interface MetricsOptions extends OutputFlags {
  dimension?: Dimension[];
  since: string;
  stat: string;
  period?: number;
  endpoint?: string;
}

async function listAll(client: CloudWatchClient, namespace: string | undefined, metric: string | undefined, dims: Dimension[]) {
  const out: Array<{ Namespace?: string; MetricName?: string; Dimensions?: Dimension[] }> = [];
  let token: string | undefined;
  do {
    const r = await client.send(
      new ListMetricsCommand({
        ...(namespace ? { Namespace: namespace } : {}),
        ...(metric ? { MetricName: metric } : {}),
        ...(dims.length ? { Dimensions: dims.map((d) => ({ Name: d.Name, Value: d.Value })) } : {}),
        ...(token ? { NextToken: token } : {}),
      }),
    );
    out.push(...(r.Metrics ?? []));
    token = r.NextToken;
  } while (token);
  return out;
}

/** What an empty listing says: where metrics come from, so the user knows what to start. */
function noMetrics(namespace: string | undefined): string {
  return `no metrics${namespace ? ` in ${namespace}` : ''} yet — streams, applications, delivery streams and functions publish theirs once they have traffic (\`freshet put\`, \`freshet generate\`), and \`aws cloudwatch put-metric-data\` adds your own`;
}

async function metricsCommand(namespace: string | undefined, metric: string | undefined, o: MetricsOptions): Promise<void> {
  const dims = o.dimension ?? [];
  await withSdkClient(CloudWatchClient, o.endpoint, async (client) => {
    const format = outputFormat(o);
    if (!namespace || !metric) {
      const all = await listAll(client, namespace, undefined, dims);
      all.sort((a, b) => `${a.Namespace} ${a.MetricName} ${dimsText(a.Dimensions)}`.localeCompare(`${b.Namespace} ${b.MetricName} ${dimsText(b.Dimensions)}`));
      await printList(
        all,
        format,
        [
          { header: 'namespace', value: (m) => m.Namespace },
          { header: 'metric', value: (m) => m.MetricName },
          { header: 'dimensions', value: (m) => dimsText(m.Dimensions) },
        ],
        noMetrics(namespace),
      );
      return;
    }
    const sinceMs = parseDuration(o.since);
    const periodS = o.period ?? periodFor(sinceMs);
    const toMs = Date.now();
    const fromMs = toMs - sinceMs;
    // Every series of the metric matching the dimensions given (the exact set when it has no others).
    const series = await listAll(client, namespace, metric, dims);
    if (series.length === 0 && format !== 'table') {
      await printValue([], format, () => '');
      return;
    }
    if (series.length === 0) {
      console.log(`no data for ${namespace} ${metric}${dims.length ? ` ${dimsText(dims)}` : ''} (freshet metrics ${namespace} lists its metrics)`);
      return;
    }
    const extended = !(STATISTICS as readonly string[]).includes(o.stat);
    /** JSON and YAML: one entry per series with its datapoints, oldest first. */
    const out: Array<{
      Namespace: string;
      MetricName: string;
      Dimensions: Dimension[];
      Statistic: string;
      Period: number;
      Unit: string | null;
      Datapoints: Array<{ Timestamp: string; Value: number }>;
    }> = [];
    const chartOnly = format === 'table';
    for (const s of series) {
      const r = await client.send(
        new GetMetricStatisticsCommand({
          Namespace: namespace,
          MetricName: metric,
          Dimensions: s.Dimensions ?? [],
          StartTime: new Date(fromMs),
          EndTime: new Date(toMs),
          Period: periodS,
          ...(extended ? { ExtendedStatistics: [o.stat] } : { Statistics: [o.stat as Statistic] }),
        }),
      );
      const points: Array<{ t: number; v: number }> = [];
      let unit = '';
      for (const d of r.Datapoints ?? []) {
        const v = valueOf(d, o.stat);
        if (v === undefined || d.Timestamp === undefined) continue;
        points.push({ t: d.Timestamp.getTime(), v });
        if (d.Unit && d.Unit !== 'None') unit = d.Unit;
      }
      if (!chartOnly) {
        points.sort((a, b) => a.t - b.t);
        out.push({
          Namespace: namespace,
          MetricName: metric,
          Dimensions: s.Dimensions ?? [],
          Statistic: o.stat,
          Period: periodS,
          Unit: unit || null,
          Datapoints: points.map((p) => ({ Timestamp: new Date(p.t).toISOString(), Value: p.v })),
        });
        continue;
      }
      const per = periodS % 60 === 0 ? `${periodS / 60} min` : `${periodS} s`;
      console.log(`${namespace} ${metric} ${dimsText(s.Dimensions)} — ${o.stat}${unit ? ` (${unit})` : ''} per ${per}, last ${o.since}`.replace('  ', ' '));
      for (const line of chart(points, fromMs, toMs, periodS)) console.log(line);
      console.log('');
    }
    if (!chartOnly) await printValue(out, format, () => '');
  });
}

interface AlarmsOptions extends OutputFlags {
  state?: string;
  prefix?: string;
  endpoint?: string;
}

async function alarmsCommand(o: AlarmsOptions): Promise<void> {
  const state = o.state?.toUpperCase();
  if (state !== undefined && !['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(state)) {
    throw new Error(`--state must be OK, ALARM or INSUFFICIENT_DATA, got '${o.state}'`);
  }
  await withSdkClient(CloudWatchClient, o.endpoint, async (client) => {
    const rows: Array<{ name: string; type: string; state: string; since: Date | undefined; reason: string }> = [];
    let token: string | undefined;
    do {
      const r = await client.send(
        new DescribeAlarmsCommand({
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          ...(state ? { StateValue: state as 'OK' } : {}),
          ...(o.prefix ? { AlarmNamePrefix: o.prefix } : {}),
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const a of r.MetricAlarms ?? []) {
        rows.push({ name: a.AlarmName ?? '', type: 'metric', state: a.StateValue ?? '', since: a.StateUpdatedTimestamp, reason: a.StateReason ?? '' });
      }
      for (const a of r.CompositeAlarms ?? []) {
        rows.push({ name: a.AlarmName ?? '', type: 'composite', state: a.StateValue ?? '', since: a.StateUpdatedTimestamp, reason: a.StateReason ?? '' });
      }
      token = r.NextToken;
    } while (token);
    const order: Record<string, number> = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };
    rows.sort((a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3) || a.name.localeCompare(b.name));
    await printList(
      rows,
      outputFormat(o),
      [
        { header: 'state', value: (r) => r.state },
        { header: 'alarm', value: (r) => r.name },
        { header: 'type', value: (r) => r.type },
        { header: 'since', value: (r) => (r.since ? r.since.toISOString().slice(0, 19).replace('T', ' ') : '') },
        { header: 'reason', value: (r) => r.reason },
      ],
      state || o.prefix ? 'no matching alarms' : 'no alarms (create them with PutMetricAlarm or a pipeline file)',
    );
  });
}

export function register(program: Command): void {
  addOutputOption(program.command('metrics [namespace] [metric]'), 'a chart or a table on a terminal, json when piped')
    .description('Chart a metric in the terminal (one bar per period); without a metric, list the metrics (of a namespace)')
    .option('-d, --dimension <name=value>', 'only series with this dimension (repeatable)', parseDimension)
    .option('--since <duration>', 'how far back: 90s, 15m, 3h, 2d', '15m')
    .option('--stat <statistic>', `${STATISTICS.join(', ')} or a percentile such as p99`, parseStatistic, 'Average')
    .option('--period <seconds>', 'seconds per bar (1, 5, 10, 20, 30 or a multiple of 60; default: whole minutes that fit --since in 60 bars)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || !(n === 1 || n === 5 || n === 10 || n === 20 || n === 30 || (n > 0 && n % 60 === 0))) {
        throw new Error(`--period must be 1, 5, 10, 20, 30 or a multiple of 60, got '${v}'`);
      }
      return n;
    })
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action((namespace: string | undefined, metric: string | undefined, o: MetricsOptions) => metricsCommand(namespace, metric, o));

  addOutputOption(program.command('alarms'))
    .description('List alarms and their states (ALARM first), metric and composite')
    .option('--state <state>', 'only alarms in this state: OK, ALARM or INSUFFICIENT_DATA')
    .option('--prefix <prefix>', 'only alarms whose name starts with this')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action((o: AlarmsOptions) => alarmsCommand(o));
}
