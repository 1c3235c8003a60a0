/**
 * Overview: every resource with its status and a sparkline of its main rate, and the pipeline graphs
 * (stream → SQL application → delivery stream → bucket) with live rates on the edges. Functions (with their
 * AWS/Lambda Invocations per minute) and metric detectors (with their anomaly group count) come from their
 * AWS APIs every 10 s.
 */
import { useEffect, useState } from 'preact/hooks';
import { aws, awsRest, hasCloudWatch, useLive, useLoad } from '../api.ts';
import type { LiveState } from '../api.ts';
import { Sparkline } from '../charts.tsx';
import { num, statusClass } from '../format.ts';
import { link } from '../main.tsx';
import { color, metricData } from '../metrics.tsx';
import type { MetricQuery } from '../metrics.tsx';
import type { LiveSnapshot } from '../../snapshot.ts';

interface DeliveryDescription {
  Destinations?: Array<{ ExtendedS3DestinationDescription?: { BucketARN?: string }; S3DestinationDescription?: { BucketARN?: string } }>;
  Source?: { KinesisStreamSourceDescription?: { KinesisStreamARN?: string } };
}

interface DeliveryInfo {
  name: string;
  bucket?: string;
  sourceStream?: string;
}

function nameOfArn(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const i = Math.max(arn.lastIndexOf('/'), arn.lastIndexOf(':'));
  return arn.slice(i + 1);
}

async function describeDeliveries(names: string[]): Promise<DeliveryInfo[]> {
  return Promise.all(
    names.map(async (name) => {
      try {
        const d = await aws<{ DeliveryStreamDescription: DeliveryDescription }>('firehose', 'DescribeDeliveryStream', { DeliveryStreamName: name });
        const desc = d.DeliveryStreamDescription;
        const dest = desc.Destinations?.[0] ?? {};
        const s3 = dest.ExtendedS3DestinationDescription ?? dest.S3DestinationDescription;
        return { name, bucket: nameOfArn(s3?.BucketARN), sourceStream: nameOfArn(desc.Source?.KinesisStreamSourceDescription?.KinesisStreamARN) };
      } catch {
        return { name };
      }
    }),
  );
}

/** The tag `freshet up` puts on every resource of a pipeline (src/pipeline's PIPELINE_TAG). */
const PIPELINE_TAG = 'freshet:pipeline';

/** Each stream's pipeline name, from its tags (streams not made by `freshet up` have none). */
async function pipelinesOf(streams: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    streams.map(async (name) => {
      try {
        const r = await aws<{ Tags: Array<{ Key: string; Value?: string }> }>('kinesis', 'ListTagsForStream', { StreamName: name });
        const tag = r.Tags.find((t) => t.Key === PIPELINE_TAG);
        if (tag?.Value) out.set(name, tag.Value);
      } catch {
        // deleted meanwhile: no pipeline name
      }
    }),
  );
  return out;
}

interface GraphNode {
  id: string;
  kind: 'stream' | 'app' | 'delivery' | 'bucket';
  label: string;
  rate?: number;
  href?: string;
}
interface GraphEdge {
  from: string;
  to: string;
  rate: number | undefined;
}

function buildGraphs(snap: LiveSnapshot, deliveries: DeliveryInfo[]): Array<{ nodes: GraphNode[]; edges: GraphEdge[] }> {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  for (const s of snap.streams)
    nodes.set(`stream:${s.name}`, { id: `stream:${s.name}`, kind: 'stream', label: s.name, rate: s.rate, href: link('streams', s.name) });
  for (const d of snap.deliveries)
    nodes.set(`delivery:${d.name}`, { id: `delivery:${d.name}`, kind: 'delivery', label: d.name, rate: d.rate, href: link('deliveries', d.name) });
  for (const a of snap.apps) {
    nodes.set(`app:${a.name}`, { id: `app:${a.name}`, kind: 'app', label: a.name, rate: a.rate, href: link('apps', a.name) });
    for (const i of a.inputs) edges.push({ from: `stream:${i}`, to: `app:${a.name}`, rate: a.rate });
    for (const o of a.outputs) {
      const to = nodes.has(`stream:${o}`) ? `stream:${o}` : `delivery:${o}`;
      edges.push({ from: `app:${a.name}`, to, rate: a.outRate / Math.max(1, a.outputs.length) });
    }
  }
  const bySample = new Map(snap.deliveries.map((d) => [d.name, d]));
  for (const d of deliveries) {
    const sample = bySample.get(d.name);
    if (d.sourceStream) edges.push({ from: `stream:${d.sourceStream}`, to: `delivery:${d.name}`, rate: sample?.rate });
    if (d.bucket) {
      const id = `bucket:${d.bucket}`;
      if (!nodes.has(id)) nodes.set(id, { id, kind: 'bucket', label: `s3://${d.bucket}`, href: link('deliveries', d.name) });
      edges.push({ from: `delivery:${d.name}`, to: id, rate: sample?.deliveredRate });
    }
  }
  // Connected components: one graph per pipeline.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (const id of nodes.keys()) parent.set(id, id);
  for (const e of edges) if (nodes.has(e.from) && nodes.has(e.to)) parent.set(find(e.from), find(e.to));
  const groups = new Map<string, { nodes: GraphNode[]; edges: GraphEdge[] }>();
  for (const n of nodes.values()) {
    const root = find(n.id);
    if (!groups.has(root)) groups.set(root, { nodes: [], edges: [] });
    groups.get(root)!.nodes.push(n);
  }
  for (const e of edges) if (nodes.has(e.from) && nodes.has(e.to)) groups.get(find(e.from))!.edges.push(e);
  return [...groups.values()].filter((g) => g.edges.length > 0);
}

const NODE_W = 190;
const NODE_H = 44;
const COL_GAP = 70;
const ROW_GAP = 14;
const KIND_LABEL = { stream: 'stream', app: 'SQL app', delivery: 'delivery', bucket: 'bucket' } as const;

function PipelineGraph({ graph }: { graph: { nodes: GraphNode[]; edges: GraphEdge[] } }) {
  // Column = longest path from a source.
  const depth = new Map<string, number>(graph.nodes.map((n) => [n.id, 0]));
  for (let pass = 0; pass < graph.nodes.length; pass++) {
    for (const e of graph.edges) depth.set(e.to, Math.max(depth.get(e.to) ?? 0, (depth.get(e.from) ?? 0) + 1));
  }
  const columns: GraphNode[][] = [];
  for (const n of graph.nodes) (columns[depth.get(n.id)!] ??= []).push(n);
  const pos = new Map<string, { x: number; y: number }>();
  let maxRows = 0;
  columns.forEach((col, c) => {
    col.sort((a, b) => a.label.localeCompare(b.label));
    col.forEach((n, r) => pos.set(n.id, { x: 10 + c * (NODE_W + COL_GAP), y: 10 + r * (NODE_H + ROW_GAP) }));
    maxRows = Math.max(maxRows, col.length);
  });
  const width = 20 + columns.length * (NODE_W + COL_GAP) - COL_GAP;
  const height = 20 + maxRows * (NODE_H + ROW_GAP) - ROW_GAP;
  return (
    <svg class="graph" width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
      <title>pipeline graph</title>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#6b7a90" />
        </marker>
      </defs>
      {graph.edges.map((e) => {
        const a = pos.get(e.from)!;
        const b = pos.get(e.to)!;
        const x1 = a.x + NODE_W;
        const y1 = a.y + NODE_H / 2;
        const x2 = b.x;
        const y2 = b.y + NODE_H / 2;
        return (
          <g key={`${e.from}>${e.to}`} class="edge">
            <path d={`M${x1},${y1} C${x1 + 35},${y1} ${x2 - 35},${y2} ${x2},${y2}`} fill="none" stroke="#6b7a90" stroke-width="1.5" marker-end="url(#arrow)" />
            {e.rate !== undefined ? (
              <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 6} text-anchor="middle" class="edge-rate">
                {num(e.rate)}/s
              </text>
            ) : null}
          </g>
        );
      })}
      {graph.nodes.map((n) => {
        const p = pos.get(n.id)!;
        return (
          <a key={n.id} href={n.href}>
            <g class={`node ${n.kind}`} transform={`translate(${p.x},${p.y})`}>
              <rect width={NODE_W} height={NODE_H} rx="6" />
              <text x="10" y="17" class="node-kind">
                {KIND_LABEL[n.kind]}
              </text>
              <text x="10" y="34" class="node-label">
                {n.label.length > 26 ? `${n.label.slice(0, 25)}…` : n.label}
              </text>
            </g>
          </a>
        );
      })}
    </svg>
  );
}

/** The pipeline (freshet.yaml `name`) a graph's streams were created by, if any. */
function pipelineName(g: { nodes: GraphNode[] }, pipelines: Map<string, string> | undefined): string | undefined {
  for (const n of g.nodes) if (n.kind === 'stream' && pipelines?.has(n.label)) return `pipeline ${pipelines.get(n.label)}`;
  return undefined;
}

/** The latest snapshot with every rate averaged over the last ten seconds (generators write in bursts). */
function smoothed(live: LiveState): LiveSnapshot | undefined {
  const last = live.history.slice(-10);
  const snap = live.latest;
  if (!snap || last.length === 0) return snap;
  const mean = (pick: (s: LiveSnapshot) => number | undefined): number => last.reduce((n, s) => n + (pick(s) ?? 0), 0) / last.length;
  return {
    ...snap,
    streams: snap.streams.map((x) => ({ ...x, rate: mean((s) => s.streams.find((y) => y.name === x.name)?.rate) })),
    apps: snap.apps.map((x) => ({
      ...x,
      rate: mean((s) => s.apps.find((y) => y.name === x.name)?.rate),
      outRate: mean((s) => s.apps.find((y) => y.name === x.name)?.outRate),
    })),
    deliveries: snap.deliveries.map((x) => ({
      ...x,
      rate: mean((s) => s.deliveries.find((y) => y.name === x.name)?.rate),
      deliveredRate: mean((s) => s.deliveries.find((y) => y.name === x.name)?.deliveredRate),
    })),
  };
}

interface FunctionRow {
  name: string;
  state: string;
  /** Invocations per minute over the last SPARK_MINUTES (empty without a CloudWatch API). */
  perMinute: number[];
}

interface DetectorRow {
  name: string;
  status: string;
  groups: number | undefined;
}

const SPARK_MINUTES = 30;
/** GetMetricData takes at most 500 queries; the overview charts the first 100 functions. */
const MAX_FUNCTION_SPARKS = 100;

/** Every function with its state and, where the server has CloudWatch, its Invocations (Sum) per minute. */
async function loadFunctions(): Promise<FunctionRow[]> {
  const list = await awsRest<{ Functions?: Array<{ FunctionName: string; State?: string }> }>('lambda', 'GET', '/2015-03-31/functions/');
  const fns = list.Functions ?? [];
  const rows = fns.map((f) => ({ name: f.FunctionName, state: f.State ?? 'Active', perMinute: [] as number[] }));
  if (rows.length === 0 || !hasCloudWatch()) return rows;
  const queries: MetricQuery[] = rows.slice(0, MAX_FUNCTION_SPARKS).map((r, i) => ({
    id: `f${i}`,
    label: r.name,
    color: color(i),
    namespace: 'AWS/Lambda',
    metricName: 'Invocations',
    dimensions: { FunctionName: r.name },
    stat: 'Sum',
  }));
  const d = await metricData(queries, SPARK_MINUTES, 60);
  // A dense minute axis: minutes without invocations have no datapoint and count 0.
  const [from, to] = d.range;
  d.series.forEach((s, i) => {
    const at = new Map(d.times.map((t, j) => [t, s.values[j] ?? 0]));
    const dense: number[] = [];
    for (let t = from; t < to; t += 60) dense.push(at.get(t) ?? 0);
    rows[i]!.perMinute = dense;
  });
  return rows;
}

const lookout = <T,>(action: string, body: unknown) => awsRest<T>('lookoutmetrics', 'POST', `/${action}`, body);

/** Every metric detector with its status and how many anomaly groups it has found. */
async function loadDetectors(): Promise<DetectorRow[]> {
  const list = await lookout<{ AnomalyDetectorSummaryList?: Array<{ AnomalyDetectorArn: string; AnomalyDetectorName: string; Status?: string }> }>(
    'ListAnomalyDetectors',
    {},
  );
  return Promise.all(
    (list.AnomalyDetectorSummaryList ?? []).map(async (d) => {
      let groups: number | undefined;
      try {
        const g = await lookout<{ AnomalyGroupStatistics?: { TotalCount?: number } }>('ListAnomalyGroupSummaries', {
          AnomalyDetectorArn: d.AnomalyDetectorArn,
          SensitivityThreshold: 0,
          MaxResults: 1,
        });
        groups = g.AnomalyGroupStatistics?.TotalCount ?? 0;
      } catch {
        // deleted meanwhile, or not allowed: no count
      }
      return { name: d.AnomalyDetectorName, status: d.Status ?? '', groups };
    }),
  );
}

/** Functions and detectors, reloaded every 10 s; a server without those APIs (or a caller not allowed them) shows none. */
function useAwsResources(): { functions: FunctionRow[]; detectors: DetectorRow[] } {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 10_000);
    return () => clearInterval(t);
  }, []);
  const functions = useLoad(() => loadFunctions().catch(() => []), [tick]);
  const detectors = useLoad(() => loadDetectors().catch(() => []), [tick]);
  return { functions: functions.data ?? [], detectors: detectors.data ?? [] };
}

function series(live: LiveState, pick: (s: LiveSnapshot) => number | undefined): number[] {
  return live.history.map((s) => pick(s) ?? 0);
}

export function Overview() {
  const live = useLive();
  const snap = smoothed(live);
  const deliveryNames = snap?.deliveries.map((d) => d.name).join(',') ?? '';
  const { data: deliveries } = useLoad(() => describeDeliveries(deliveryNames ? deliveryNames.split(',') : []), [deliveryNames]);
  const streamNames = snap?.streams.map((s) => s.name).join(',') ?? '';
  const { data: pipelines } = useLoad(() => pipelinesOf(streamNames ? streamNames.split(',') : []), [streamNames]);
  const { functions, detectors } = useAwsResources();
  if (!snap) return <p class="muted">Connecting to the live feed…</p>;
  const graphs = buildGraphs(snap, deliveries ?? []);
  return (
    <div class="overview">
      <h1>Overview</h1>
      <section>
        <h2>Pipelines</h2>
        <p class="muted">Record rates per second, averaged over the last 10 seconds.</p>
        {graphs.length === 0 ? <p class="muted">No pipelines yet: apply a freshet.yaml (npx freshet up -f …) or run npm start.</p> : null}
        <div class="graphs">
          {graphs.map((g) => (
            <div class="graph-box" key={g.nodes.map((n) => n.id).join()} data-testid="pipeline">
              <h3 class="graph-title">{pipelineName(g, pipelines) ?? 'resources not created by freshet up'}</h3>
              <PipelineGraph graph={g} />
            </div>
          ))}
        </div>
      </section>
      <section class="resource-grid">
        <div>
          <h2>Streams</h2>
          <table class="resources" data-testid="overview-streams">
            <tbody>
              {snap.streams.map((s) => (
                <tr key={s.name} data-name={s.name}>
                  <td>
                    <a href={link('streams', s.name)}>{s.name}</a>
                  </td>
                  <td>
                    <span class={statusClass(s.status)}>{s.status}</span>
                  </td>
                  <td class="rate">{num(s.rate)}/s</td>
                  <td>
                    <Sparkline values={series(live, (x) => x.streams.find((y) => y.name === s.name)?.rate)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h2>SQL applications</h2>
          <table class="resources" data-testid="overview-apps">
            <tbody>
              {snap.apps.map((a) => (
                <tr key={a.name} data-name={a.name}>
                  <td>
                    <a href={link('apps', a.name)}>{a.name}</a>
                  </td>
                  <td>
                    <span class={statusClass(a.status)}>{a.status}</span>
                  </td>
                  <td class="rate">{num(a.rate)}/s</td>
                  <td>
                    <Sparkline values={series(live, (x) => x.apps.find((y) => y.name === a.name)?.rate)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h2>Delivery streams</h2>
          <table class="resources" data-testid="overview-deliveries">
            <tbody>
              {snap.deliveries.map((d) => (
                <tr key={d.name} data-name={d.name}>
                  <td>
                    <a href={link('deliveries', d.name)}>{d.name}</a>
                  </td>
                  <td>{num(d.metrics['DeliveryToS3.ObjectCount'] ?? 0)} files</td>
                  <td class="rate">{num(d.rate)}/s</td>
                  <td>
                    <Sparkline values={series(live, (x) => x.deliveries.find((y) => y.name === d.name)?.rate)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {functions.length > 0 ? (
          <div>
            <h2>Functions</h2>
            <table class="resources" data-testid="overview-functions">
              <tbody>
                {functions.map((f) => (
                  <tr key={f.name} data-name={f.name}>
                    <td>
                      <a href={link('functions', f.name)}>{f.name}</a>
                    </td>
                    <td>
                      <span class={statusClass(f.state === 'Active' ? 'ACTIVE' : f.state.toUpperCase())}>{f.state}</span>
                    </td>
                    <td class="rate">{hasCloudWatch() ? `${num(f.perMinute.reduce((a, v) => a + v, 0))} invocations` : ''}</td>
                    <td>
                      <Sparkline values={f.perMinute} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {hasCloudWatch() ? <p class="muted small">Invocations in the last {SPARK_MINUTES} minutes (AWS/Lambda), per minute.</p> : null}
          </div>
        ) : null}
        {detectors.length > 0 ? (
          <div>
            <h2>Metric detectors</h2>
            <table class="resources" data-testid="overview-detectors">
              <tbody>
                {detectors.map((d) => (
                  <tr key={d.name} data-name={d.name}>
                    <td>
                      <a href={link('detectors', d.name)}>{d.name}</a>
                    </td>
                    <td>
                      <span class={statusClass(d.status)}>{d.status}</span>
                    </td>
                    <td class="rate">{d.groups === undefined ? '' : `${d.groups} anomaly group(s)`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </div>
  );
}
