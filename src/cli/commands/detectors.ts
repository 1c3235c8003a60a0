/**
 * `freshet detectors list|describe|anomalies <detector>`: the metric detectors of a Freshet server, through the
 * LookoutMetrics API (so they work against any endpoint speaking it). `anomalies` prints each anomaly group
 * with its severity, the contribution of each dimension value and a text sparkline of the leading series.
 *
 * Also here, for `freshet anomaly`: `detect <file.csv>` runs a metric detector over a local CSV (each measure ×
 * dimension combination one series, aggregated per interval) and prints the anomaly groups; and the
 * `--detector metric` scorer for `anomaly score` (one row = one interval of one series).
 */
import { readFile } from 'node:fs/promises';
import { Option } from 'commander';
import type { Command } from 'commander';
import {
  DescribeAlertCommand,
  DescribeAnomalyDetectorCommand,
  DescribeMetricSetCommand,
  GetAnomalyGroupCommand,
  ListAlertsCommand,
  ListAnomalyDetectorsCommand,
  ListAnomalyGroupSummariesCommand,
  ListAnomalyGroupTimeSeriesCommand,
  ListMetricSetsCommand,
  type Alert,
  type AnomalyDetectorSummary,
  type AnomalyGroup,
  type TimeSeries,
  type DescribeMetricSetCommandOutput,
} from '@aws-sdk/client-lookoutmetrics';
import { LookoutMetricsClient } from '@aws-sdk/client-lookoutmetrics';
import { parseTimestamp, splitCsvLine } from '../../anomaly/index.ts';
import { FREQUENCY_MS, MetricSetDetector, byInterval, contributions, createSeriesDetector, gradeSeries, parseRows } from '../../detectors/index.ts';
import type { ParsedRow, ParseStats, SeriesHit, SeriesOptions } from '../../detectors/index.ts';
import { withSdkClient } from '../../client/index.ts';
import { addOutputOption, outputFormat, printList, printValue, type OutputFlags } from '../output.ts';

const ENDPOINT_HELP = 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)';
const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the values (missing ones as spaces). */
export function sparkline(values: readonly (number | null | undefined)[]): string {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (nums.length === 0) return '';
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  return values
    .map((v) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return ' ';
      const i = hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1));
      return BARS[i];
    })
    .join('');
}

async function arnOf(c: LookoutMetricsClient, name: string): Promise<string> {
  if (name.startsWith('arn:')) return name;
  let token: string | undefined;
  const names: string[] = [];
  do {
    const res = await c.send(new ListAnomalyDetectorsCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) }));
    for (const d of res.AnomalyDetectorSummaryList ?? []) {
      if (d.AnomalyDetectorName === name) return d.AnomalyDetectorArn!;
      names.push(d.AnomalyDetectorName ?? '');
    }
    token = res.NextToken;
  } while (token);
  throw new Error(`no detector named '${name}' (detectors: ${names.join(', ') || 'none'}); create one with freshet up or the LookoutMetrics API`);
}

export function register(program: Command): void {
  const detectors = program.command('detectors').description('Metric anomaly detectors (Lookout for Metrics API): list, describe, and show anomaly groups');
  addOutputOption(detectors.command('list').description('List detectors with their status and frequency'))
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (o: OutputFlags & { endpoint?: string }) => {
      await withSdkClient(LookoutMetricsClient, o.endpoint, async (c) => {
        const rows: Array<AnomalyDetectorSummary & { AnomalyDetectorFrequency?: string }> = [];
        let token: string | undefined;
        do {
          const res = await c.send(new ListAnomalyDetectorsCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) }));
          for (const d of res.AnomalyDetectorSummaryList ?? []) {
            const desc = await c.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: d.AnomalyDetectorArn }));
            rows.push({ ...d, AnomalyDetectorFrequency: desc.AnomalyDetectorConfig?.AnomalyDetectorFrequency });
          }
          token = res.NextToken;
        } while (token);
        const empty = 'no detectors yet — create one with `freshet up -f <pipeline file>` (a detectors: entry) or the LookoutMetrics API';
        await printList(
          rows,
          outputFormat(o),
          [
            { header: 'name', value: (d) => d.AnomalyDetectorName },
            { header: 'status', value: (d) => d.Status },
            { header: 'frequency', value: (d) => d.AnomalyDetectorFrequency },
            { header: 'description', value: (d) => d.AnomalyDetectorDescription },
          ],
          empty,
        );
      });
    });
  addOutputOption(detectors.command('describe').description('Show a detector, its metric set and its alerts'))
    .argument('<detector>', 'detector name or ARN')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: OutputFlags & { endpoint?: string }) => {
      await withSdkClient(LookoutMetricsClient, o.endpoint, async (c) => {
        const arn = await arnOf(c, name);
        const { $metadata: _d, ...d } = await c.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
        const lines = [`${d.AnomalyDetectorName}  ${d.Status}  ${d.AnomalyDetectorConfig?.AnomalyDetectorFrequency}  ${arn}`];
        if (d.FailureReason) lines.push(`  failure: ${d.FailureReason}`);
        const metricSets: Array<Omit<DescribeMetricSetCommandOutput, '$metadata'>> = [];
        const sets = await c.send(new ListMetricSetsCommand({ AnomalyDetectorArn: arn }));
        for (const s of sets.MetricSetSummaryList ?? []) {
          const { $metadata: _m, ...ms } = await c.send(new DescribeMetricSetCommand({ MetricSetArn: s.MetricSetArn }));
          metricSets.push(ms);
          lines.push(
            `  metric set ${ms.MetricSetName}: measures ${(ms.MetricList ?? []).map((m) => `${m.MetricName} (${m.AggregationFunction})`).join(', ')}`,
            `    dimensions ${(ms.DimensionList ?? []).join(', ') || '(none)'}; timestamp ${ms.TimestampColumn?.ColumnName} ${ms.TimestampColumn?.ColumnFormat ?? ''}; offset ${ms.Offset} s`,
          );
          for (const p of ms.MetricSource?.S3SourceConfig?.TemplatedPathList ?? []) lines.push(`    reads ${p}`);
        }
        const alerts: Alert[] = [];
        const listed = await c.send(new ListAlertsCommand({ AnomalyDetectorArn: arn }));
        for (const a of listed.AlertSummaryList ?? []) {
          const full = (await c.send(new DescribeAlertCommand({ AlertArn: a.AlertArn }))).Alert;
          if (full) alerts.push(full);
          const target = full?.Action?.SNSConfiguration?.SnsTopicArn ?? full?.Action?.LambdaConfiguration?.LambdaArn ?? '';
          lines.push(`  alert ${a.AlertName}: severity >= ${a.AlertSensitivityThreshold} → ${target} (${a.AlertStatus})`);
        }
        // JSON and YAML: DescribeAnomalyDetector's answer with its metric sets and alerts as their describe calls answer.
        await printValue({ ...d, MetricSets: metricSets, Alerts: alerts }, outputFormat(o), () => lines.join('\n'));
      });
    });
  addOutputOption(detectors.command('anomalies').description('Print anomaly groups: severity, dimension contributions, and a sparkline of the leading series'))
    .argument('<detector>', 'detector name or ARN')
    .option('--threshold <n>', 'lowest severity shown (0–100)', '0')
    .option('--limit <n>', 'groups shown, newest first', '20')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: OutputFlags & { threshold: string; limit: string; endpoint?: string }) => {
      const threshold = Number(o.threshold);
      if (!(threshold >= 0 && threshold <= 100)) throw new Error(`--threshold must be 0–100, got '${o.threshold}'`);
      const format = outputFormat(o);
      await withSdkClient(LookoutMetricsClient, o.endpoint, async (c) => {
        const arn = await arnOf(c, name);
        const res = await c.send(
          new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: threshold, MaxResults: Number(o.limit) || 20 }),
        );
        const groups = res.AnomalyGroupSummaryList ?? [];
        if (groups.length === 0) {
          if (format !== 'table') return printValue([], format, () => '');
          const d = await c.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
          console.log(`no anomaly groups at severity >= ${threshold} (detector ${d.Status}${d.Status === 'LEARNING' ? ': still learning the series' : ''})`);
          return;
        }
        // JSON and YAML: each group as GetAnomalyGroup answers it, with the time series of each metric it impacts.
        const out: Array<AnomalyGroup & { TimeSeries: Record<string, TimeSeries[]> }> = [];
        const lines: string[] = [];
        for (const g of groups) {
          const full = (await c.send(new GetAnomalyGroupCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: g.AnomalyGroupId }))).AnomalyGroup!;
          const series: Record<string, TimeSeries[]> = {};
          out.push({ ...full, TimeSeries: series });
          lines.push(`${g.StartTime} – ${g.EndTime}  severity ${g.AnomalyGroupScore}  ${g.PrimaryMetricName}  ${g.AnomalyGroupId}`);
          for (const impact of full.MetricLevelImpactList ?? []) {
            for (const dc of impact.ContributionMatrix?.DimensionContributionList ?? []) {
              const parts = (dc.DimensionValueContributionList ?? []).map((v) => `${v.DimensionValue} ${v.ContributionScore}%`);
              lines.push(`  ${impact.MetricName} by ${dc.DimensionName}: ${parts.join(', ')}`);
            }
            const ts = await c.send(
              new ListAnomalyGroupTimeSeriesCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: g.AnomalyGroupId, MetricName: impact.MetricName }),
            );
            series[impact.MetricName ?? ''] = ts.TimeSeriesList ?? [];
            for (const s of (ts.TimeSeriesList ?? []).slice(0, 3)) {
              const dims = (s.DimensionList ?? []).map((x) => `${x.DimensionName}=${x.DimensionValue}`).join(' ');
              const values = s.MetricValueList ?? [];
              lines.push(`    ${dims || impact.MetricName}  ${sparkline(values)}  last ${values[values.length - 1] ?? ''}`);
            }
          }
        }
        await printValue(out, format, () => lines.join('\n'));
      });
    });
}

// ---- freshet anomaly detect ------------------------------------------------------------------------

interface DetectFlags {
  timestamp: string;
  measures: string;
  dimensions?: string;
  frequency: string;
  aggregation: 'SUM' | 'AVG';
  timezone: string;
  json?: boolean;
}

interface LocalGroup {
  startMs: number;
  endMs: number;
  series: SeriesHit[];
}

function csvList(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Runs a metric set detector over a CSV held in memory; returns the anomaly groups (as the server forms them). */
export function detectCsv(text: string, flags: DetectFlags): { groups: LocalGroup[]; intervals: number; series: number; stats: ParseStats } {
  const freqMs = FREQUENCY_MS[flags.frequency];
  if (freqMs === undefined) throw new Error(`--frequency must be one of ${Object.keys(FREQUENCY_MS).join(', ')}, got '${flags.frequency}'`);
  const measures = csvList(flags.measures);
  if (measures.length === 0) throw new Error('--measures needs at least one column name');
  const dims = csvList(flags.dimensions);
  const header = splitCsvLine(text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')).replace(/^\uFEFF/, '')).map((c) => c.trim());
  for (const col of [flags.timestamp, ...measures, ...dims]) {
    if (!header.includes(col)) throw new Error(`column '${col}' not found in the CSV header (columns: ${header.join(', ')})`);
  }
  const rows: ParsedRow[] = [];
  const stats: ParseStats = { rows: 0, invalidRows: 0, partialRows: 0 };
  parseRows(
    text,
    {
      format: 'CSV',
      delimiter: ',',
      headerList: undefined,
      containsHeader: true,
      timestampColumn: flags.timestamp,
      timestampFormat: undefined,
      timezone: flags.timezone,
      metrics: measures,
      dimensions: dims,
    },
    stats,
    rows,
  );
  const byStart = byInterval(rows, freqMs);
  const keys = [...byStart.keys()].sort((a, b) => a - b);
  const det = new MetricSetDetector(
    measures.map((m) => ({ name: m, aggregation: flags.aggregation })),
    dims,
    freqMs,
  );
  const groups: LocalGroup[] = [];
  let open: LocalGroup | undefined;
  let intervals = 0;
  if (keys.length > 0) {
    for (let t = keys[0]!; t <= keys[keys.length - 1]!; t += freqMs) {
      const r = det.process(t, byStart.get(t) ?? []);
      intervals += 1;
      if (r.hits.length === 0) {
        open = undefined;
        continue;
      }
      const ids = new Set(open?.series.map((s) => s.seriesId));
      if (open && open.endMs === t && r.hits.some((h) => ids.has(h.seriesId))) {
        open.endMs = t + freqMs;
        for (const h of r.hits) {
          const i = open.series.findIndex((s) => s.seriesId === h.seriesId);
          if (i < 0) open.series.push(h);
          else if (h.severity > open.series[i]!.severity) open.series[i] = h;
        }
      } else {
        open = { startMs: t, endMs: t + freqMs, series: [...r.hits] };
        groups.push(open);
      }
    }
  }
  return { groups, intervals, series: det.seriesCount, stats };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Registers `anomaly detect` on the `anomaly` command. */
export function registerDetect(anomaly: Command): void {
  anomaly
    .command('detect')
    .description('Run a metric detector over a CSV: each measure × dimension combination is a series per interval; prints the anomaly groups')
    .argument('<file.csv>', 'CSV file with a header line')
    .option('--timestamp <column>', 'timestamp column (dates or epoch seconds/ms)', 'timestamp')
    .requiredOption('--measures <names>', 'comma-separated measure columns')
    .option('--dimensions <names>', 'comma-separated dimension columns')
    .addOption(new Option('--frequency <f>', 'interval length').choices(Object.keys(FREQUENCY_MS)).default('PT5M'))
    .addOption(new Option('--aggregation <fn>', 'how rows of one interval combine').choices(['SUM', 'AVG']).default('SUM'))
    .option('--timezone <zone>', 'zone of timestamps without an offset', 'UTC')
    .option('--json', 'print the groups as JSON lines')
    .action(async (file: string, flags: DetectFlags) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw new Error(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      const r = detectCsv(text, flags);
      for (const g of r.groups) {
        const score = Math.max(...g.series.map((s) => s.severity));
        const primary = g.series.find((s) => s.severity === score)!.metric;
        const byMetric = [...new Set(g.series.map((s) => s.metric))].map((m) => ({
          metric: m,
          contributions: contributions(g.series.filter((s) => s.metric === m)),
        }));
        if (flags.json) {
          console.log(
            JSON.stringify({ start: iso(g.startMs), end: iso(g.endMs), severity: score, primaryMetric: primary, metrics: byMetric, series: g.series }),
          );
          continue;
        }
        console.log(`${iso(g.startMs)} – ${iso(g.endMs)}  severity ${score}  ${primary}`);
        for (const m of byMetric) {
          for (const dc of m.contributions) console.log(`  ${m.metric} by ${dc.name}: ${dc.values.map((v) => `${v.value} ${v.score}%`).join(', ')}`);
          if (m.contributions.length === 0) {
            const s = g.series.find((x) => x.metric === m.metric)!;
            console.log(`  ${m.metric}: ${s.value} (expected ${Number.isFinite(s.expected) ? s.expected.toFixed(2) : '?'})`);
          }
        }
      }
      console.error(
        `anomaly detect: ${r.stats.rows} rows (${r.stats.invalidRows} without a valid timestamp), ${r.series} series, ${r.intervals} intervals, ${r.groups.length} anomaly group(s)`,
      );
    });
}

/**
 * `anomaly score --detector metric`: one column as one series, a row per interval, scored as the metric
 * detectors score a series (severity / 100 as the grade). Prints timestamp,<column>,anomaly_score,anomaly_grade,expected,reason.
 */
export async function scoreMetricCsv(
  file: string,
  column: string,
  timestampColumn: string,
  out: NodeJS.WritableStream,
  options: SeriesOptions = {},
): Promise<number> {
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine((lines[0] ?? '').replace(/^\uFEFF/, '')).map((c) => c.trim());
  const vi = header.indexOf(column);
  const ti = header.indexOf(timestampColumn);
  if (vi < 0) throw new Error(`column '${column}' not found in the CSV header (columns: ${header.join(', ')})`);
  if (ti < 0) throw new Error(`timestamp column '${timestampColumn}' not found in the CSV header (columns: ${header.join(', ')}); choose one with --timestamp`);
  const { detector, opts } = createSeriesDetector(undefined, options);
  let seen = 0;
  let rows = 0;
  let chunk = `${timestampColumn},${column},anomaly_score,anomaly_grade,expected,reason\n`;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line);
    const tsCell = cells[ti] ?? '';
    const ts = parseTimestamp(tsCell);
    if (!Number.isFinite(ts)) throw new Error(`line ${i + 1}: timestamp '${tsCell}' is neither a date nor a number`);
    const cell = (cells[vi] ?? '').trim();
    const v = cell === '' ? NaN : Number(cell);
    if (cell !== '' && !Number.isFinite(v)) throw new Error(`line ${i + 1}: column '${column}' is not a number: '${cell}'`);
    const g = gradeSeries(detector, ts, v, seen, opts);
    if (!Number.isNaN(v)) seen += 1;
    const grade = g.severity / 100;
    chunk += `${tsCell},${cell},${grade.toFixed(6)},${grade.toFixed(6)},${Number.isFinite(g.expected) ? g.expected.toFixed(6) : ''},${g.reason}\n`;
    rows += 1;
    if (chunk.length > 65536) {
      out.write(chunk);
      chunk = '';
    }
  }
  out.write(chunk);
  return rows;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
