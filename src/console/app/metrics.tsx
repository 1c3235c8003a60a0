/**
 * Charts of CloudWatch metrics (GetMetricData on the server's CloudWatch-compatible API): the last hour at
 * one-minute resolution, refreshed every 10 s. Where the server has no CloudWatch API the chart says so.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, aws } from './api.ts';
import { LiveChart } from './charts.tsx';

export interface MetricQuery {
  id: string;
  label: string;
  color: string;
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, string>;
  stat?: string;
  /** A metric-math expression over the other queries' ids instead of a metric. */
  expression?: string;
  right?: boolean;
}

interface MetricDataResult {
  Id: string;
  Label?: string;
  Timestamps?: number[];
  Values?: number[];
}

const PALETTE = ['#2f6fd0', '#d0602f', '#2f9d5a', '#8a4fd0', '#d03a7a', '#5a8a9d', '#b08a1f'];
export function color(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** Runs GetMetricData and lines the series up on one time axis (epoch seconds). */
export async function metricData(
  queries: MetricQuery[],
  minutes: number,
  period: number,
): Promise<{ times: number[]; range: [number, number]; series: Array<{ query: MetricQuery; values: Array<number | null> }> }> {
  const end = Math.ceil(Date.now() / 60_000) * 60;
  const out = await aws<{ MetricDataResults: MetricDataResult[] }>('cloudwatch', 'GetMetricData', {
    StartTime: end - minutes * 60,
    EndTime: end,
    ScanBy: 'TimestampAscending',
    MetricDataQueries: queries.map((q) =>
      q.expression
        ? { Id: q.id, Expression: q.expression, Label: q.label, ReturnData: true }
        : {
            Id: q.id,
            Label: q.label,
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: q.namespace,
                MetricName: q.metricName,
                Dimensions: Object.entries(q.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: period,
              Stat: q.stat ?? 'Average',
            },
          },
    ),
  });
  const times = new Set<number>();
  for (const r of out.MetricDataResults) for (const t of r.Timestamps ?? []) times.add(t);
  const axis = [...times].sort((a, b) => a - b);
  const index = new Map(axis.map((t, i) => [t, i]));
  const series = queries.map((query) => {
    const values: Array<number | null> = axis.map(() => null);
    const r = out.MetricDataResults.find((x) => x.Id === query.id);
    r?.Timestamps?.forEach((t, i) => {
      values[index.get(t)!] = r.Values?.[i] ?? null;
    });
    return { query, values };
  });
  return { times: axis, range: [end - minutes * 60, end], series };
}

export type MetricData = Awaited<ReturnType<typeof metricData>>;

/** GetMetricData over the last `minutes`, again every `refreshMs`; the error reads "no CloudWatch API …" where it is missing. */
export function useMetricData(
  queries: MetricQuery[],
  minutes: number,
  period: number,
  refreshMs = 10_000,
): { data: MetricData | undefined; error: string | undefined } {
  const [data, setData] = useState<MetricData | undefined>();
  const [error, setError] = useState<string | undefined>();
  const key = JSON.stringify(queries);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      // Nothing to ask for (e.g. a stream whose shards are not known yet): GetMetricData refuses an empty list.
      if (queries.length === 0) return;
      try {
        const d = await metricData(queries, minutes, period);
        if (live) {
          setData(d);
          setError(undefined);
        }
      } catch (e) {
        if (live)
          setError(e instanceof ApiError && /UnknownOperation|not found|404/i.test(`${e.code} ${e.message}`) ? 'no CloudWatch API on this server' : String(e));
      }
      if (live) timer = setTimeout(load, refreshMs);
    };
    void load();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [key, minutes, period, refreshMs]);
  return { data, error };
}

/** A chart of already loaded metric data (several charts can share one GetMetricData call). */
export function MetricDataChart({ title, data, minutes, height = 160 }: { title: string; data: MetricData; minutes: number; height?: number }) {
  return (
    <div data-testid="metric-chart" data-title={title}>
      <LiveChart
        title={`${title} (CloudWatch, last ${minutes} min)`}
        times={data.times}
        xRange={data.range}
        series={data.series.map((s) => ({ label: s.query.label, color: s.query.color, values: s.values, ...(s.query.right ? { right: true } : {}) }))}
        height={height}
      />
    </div>
  );
}

export function MetricChart({
  title,
  queries,
  minutes = 60,
  period = 60,
  height = 160,
}: {
  title: string;
  queries: MetricQuery[];
  minutes?: number;
  period?: number;
  height?: number;
}) {
  const { data, error } = useMetricData(queries, minutes, period);
  if (error)
    return (
      <p class="muted small">
        {title}: {error}
      </p>
    );
  if (!data) return <p class="muted small">{title}: loading…</p>;
  return <MetricDataChart title={title} data={data} minutes={minutes} height={height} />;
}
