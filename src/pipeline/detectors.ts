/**
 * `detectors:` in freshet.yaml: metric anomaly detectors applied through the LookoutMetrics API by
 * `freshet up` / `diff` / `down`. Each entry is either
 *
 *  - LookoutMetrics shapes: `AnomalyDetectorName`, `AnomalyDetectorConfig`, `AnomalyDetectorDescription`,
 *    `MetricSet` (CreateMetricSet's input without the detector ARN), `Alerts` (CreateAlert's inputs without
 *    it; an alert may add `webhook: <url>`, Freshet's `freshet:webhook` tag), `activate` (default true); or
 *  - the seed's flat settings (scenario S3): `detectorname`, `datasetname`, `metricnames`, `dimensions`,
 *    `timestampcolumn`, `timestampformat`, `timezone`, `timeoffset`, `l4mfrequency`, `bucketprefix`, plus
 *    Freshet's `bucket` (default: the bucket of the file's S3 delivery stream), `columns` (the CSV's column
 *    order when the files have no header line; default dimensions, timestamp, metrics, as the S3 example's
 *    SQL writes them), `alertthreshold` and `webhook` / `snstopic` for one alert; or, instead of the bucket,
 *    `stream: <name>` (a Kinesis stream of this server read directly, `kinesis://<name>`) with `format: csv`
 *    (the default; rows in `columns` order) or `format: json` (one JSON object per line of a record).
 */
import {
  ActivateAnomalyDetectorCommand,
  CreateAlertCommand,
  CreateAnomalyDetectorCommand,
  CreateMetricSetCommand,
  DeleteAnomalyDetectorCommand,
  ListAnomalyDetectorsCommand,
  DescribeMetricSetCommand,
  ListAlertsCommand,
  ListMetricSetsCommand,
  ListTagsForResourceCommand,
  UpdateMetricSetCommand,
  type CreateAlertCommandInput,
  type CreateMetricSetCommandInput,
  type S3SourceConfig,
  type UpdateMetricSetCommandInput,
} from '@aws-sdk/client-lookoutmetrics';
import type { FreshetClients } from './clients.ts';
import type { PipelineSpec } from './types.ts';

const PIPELINE_TAG = 'freshet:pipeline';

export interface DetectorPlanSpec {
  name: string;
  frequency: string;
  description?: string;
  metricSet: Omit<CreateMetricSetCommandInput, 'AnomalyDetectorArn'>;
  alerts: (Omit<CreateAlertCommandInput, 'AnomalyDetectorArn'> & { webhook?: string })[];
  activate: boolean;
}

export interface DetectorChange {
  resource: 'detector';
  name: string;
  action: 'create' | 'update' | 'unchanged' | 'delete' | 'keep';
  details: string[];
  apply?: () => Promise<void>;
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return [];
}

/** The S3 bucket of the file's (first) S3 delivery stream, for the flat shorthand's default. */
function pipelineBucket(spec: PipelineSpec): string | undefined {
  for (const d of spec.deliveryStreams) {
    const dest = (d.ExtendedS3DestinationConfiguration ?? d.S3DestinationConfiguration) as { BucketARN?: string } | undefined;
    const m = /^arn:aws:s3:::(.+)$/.exec(dest?.BucketARN ?? '');
    if (m) return m[1];
  }
  return undefined;
}

/** One `detectors:` entry as the API inputs it stands for. Throws a one-line message for a bad entry. */
export function detectorSpec(raw: Record<string, unknown>, spec: PipelineSpec): DetectorPlanSpec {
  if (typeof raw.AnomalyDetectorName === 'string') {
    const ms = raw.MetricSet as Omit<CreateMetricSetCommandInput, 'AnomalyDetectorArn'> | undefined;
    if (!ms) throw new Error(`detector ${raw.AnomalyDetectorName}: MetricSet is required`);
    const config = raw.AnomalyDetectorConfig as { AnomalyDetectorFrequency?: string } | undefined;
    return {
      name: raw.AnomalyDetectorName,
      frequency: config?.AnomalyDetectorFrequency ?? ms.MetricSetFrequency ?? 'PT5M',
      ...(typeof raw.AnomalyDetectorDescription === 'string' ? { description: raw.AnomalyDetectorDescription } : {}),
      metricSet: ms,
      alerts: (raw.Alerts as DetectorPlanSpec['alerts'] | undefined) ?? [],
      activate: raw.activate !== false,
    };
  }
  const name = raw.detectorname;
  if (typeof name !== 'string' || name === '') throw new Error('a detector needs AnomalyDetectorName (LookoutMetrics shape) or detectorname (flat settings)');
  const metrics = list(raw.metricnames);
  if (metrics.length === 0) throw new Error(`detector ${name}: metricnames is required`);
  const dims = list(raw.dimensions);
  const ts = typeof raw.timestampcolumn === 'string' ? raw.timestampcolumn : 'timestamp';
  const frequency = typeof raw.l4mfrequency === 'string' ? raw.l4mfrequency : 'PT5M';
  const columns = raw.columns !== undefined ? list(raw.columns) : [...dims, ts, ...metrics];
  const stream = typeof raw.stream === 'string' ? raw.stream : undefined;
  const format = raw.format === undefined ? 'csv' : String(raw.format).toLowerCase();
  if (format !== 'csv' && format !== 'json') throw new Error(`detector ${name}: format must be csv or json, not ${String(raw.format)}`);
  let source: S3SourceConfig;
  if (stream !== undefined) {
    if (raw.bucket !== undefined || raw.bucketprefix !== undefined) throw new Error(`detector ${name}: set either stream: or bucket/bucketprefix, not both`);
    // Rows straight from the stream's records, by their timestamp column (docs/detectors.md, "Stream sources").
    source = {
      RoleArn: spec.defaultRoleArn,
      TemplatedPathList: [`kinesis://${stream}`],
      FileFormatDescriptor:
        format === 'json'
          ? { JsonFormatDescriptor: { FileCompression: 'NONE', Charset: 'UTF-8' } }
          : { CsvFormatDescriptor: { FileCompression: 'NONE', Charset: 'UTF-8', ContainsHeader: false, Delimiter: ',', HeaderList: columns } },
    };
  } else {
    const bucket = typeof raw.bucket === 'string' ? raw.bucket : pipelineBucket(spec);
    if (!bucket) throw new Error(`detector ${name}: no bucket — set bucket: or stream:, or declare an S3 delivery stream in the file`);
    const prefix = typeof raw.bucketprefix === 'string' ? raw.bucketprefix.replace(/\/+$/, '') : '';
    const base = `s3://${bucket}/${prefix === '' ? '' : `${prefix}/`}data/`;
    source = {
      RoleArn: spec.defaultRoleArn,
      TemplatedPathList: [`${base}intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}`],
      FileFormatDescriptor: {
        CsvFormatDescriptor: { FileCompression: 'NONE', Charset: 'UTF-8', ContainsHeader: false, Delimiter: ',', HeaderList: columns },
      },
    };
  }
  const alerts: DetectorPlanSpec['alerts'] = [];
  if (raw.webhook !== undefined || raw.snstopic !== undefined || raw.alertthreshold !== undefined) {
    alerts.push({
      AlertName: `${name}-alert`,
      AlertSensitivityThreshold: Number(raw.alertthreshold ?? 70),
      Action: {
        SNSConfiguration: {
          RoleArn: spec.defaultRoleArn,
          SnsTopicArn: typeof raw.snstopic === 'string' ? raw.snstopic : `arn:aws:sns:us-east-1:000000000000:${name}-alerts`,
          SnsFormat: 'JSON',
        },
      },
      ...(typeof raw.webhook === 'string' ? { webhook: raw.webhook } : {}),
    });
  }
  return {
    name,
    frequency,
    metricSet: {
      MetricSetName: typeof raw.datasetname === 'string' ? raw.datasetname : name,
      MetricList: metrics.map((m) => ({ MetricName: m, AggregationFunction: 'SUM' })),
      DimensionList: dims,
      TimestampColumn: { ColumnName: ts, ...(typeof raw.timestampformat === 'string' ? { ColumnFormat: raw.timestampformat } : {}) },
      Offset: Number(raw.timeoffset ?? 0),
      MetricSetFrequency: frequency as 'PT5M',
      Timezone: typeof raw.timezone === 'string' ? raw.timezone : 'UTC',
      MetricSource: { S3SourceConfig: source },
    },
    alerts,
    activate: raw.activate !== false,
  };
}

/** The ARN of the detector named `name`, found by listing (the server builds ARNs from its region and account). */
async function detectorArn(clients: FreshetClients, name: string): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const res = await clients.lookoutmetrics.send(new ListAnomalyDetectorsCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) }));
    const hit = res.AnomalyDetectorSummaryList?.find((d) => d.AnomalyDetectorName === name);
    if (hit) return hit.AnomalyDetectorArn;
    token = res.NextToken;
  } while (token);
  return undefined;
}

/** The change `up` makes for one detector: create it (metric set, alerts, activation) or update its metric set. */
export async function planDetectorUp(
  d: DetectorPlanSpec,
  clients: FreshetClients,
  pipeline: string,
  markCreated: (key: string) => void,
): Promise<DetectorChange> {
  const lm = clients.lookoutmetrics;
  const arn = await detectorArn(clients, d.name);
  const createAlerts = async (detector: string, existing: Set<string>) => {
    for (const a of d.alerts) {
      if (existing.has(a.AlertName ?? '')) continue;
      const { webhook, ...input } = a;
      const tags = { ...input.Tags, [PIPELINE_TAG]: pipeline, ...(webhook !== undefined ? { 'freshet:webhook': webhook } : {}) };
      await lm.send(new CreateAlertCommand({ ...input, AnomalyDetectorArn: detector, Tags: tags }));
    }
  };
  if (!arn) {
    return {
      resource: 'detector',
      name: d.name,
      action: 'create',
      details: [
        `${d.frequency}, metric set ${d.metricSet.MetricSetName}${d.alerts.length ? `, ${d.alerts.length} alert(s)` : ''}${d.activate ? ', activated' : ''}`,
      ],
      apply: async () => {
        const res = await lm.send(
          new CreateAnomalyDetectorCommand({
            AnomalyDetectorName: d.name,
            AnomalyDetectorConfig: { AnomalyDetectorFrequency: d.frequency as 'PT5M' },
            ...(d.description !== undefined ? { AnomalyDetectorDescription: d.description } : {}),
            Tags: { [PIPELINE_TAG]: pipeline },
          }),
        );
        const created = res.AnomalyDetectorArn!;
        markCreated(`detector/${d.name}`);
        await lm.send(new CreateMetricSetCommand({ ...d.metricSet, AnomalyDetectorArn: created, Tags: { ...d.metricSet.Tags, [PIPELINE_TAG]: pipeline } }));
        await createAlerts(created, new Set());
        if (d.activate) await lm.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: created }));
      },
    };
  }
  const sets = await lm.send(new ListMetricSetsCommand({ AnomalyDetectorArn: arn }));
  const msArn = sets.MetricSetSummaryList?.[0]?.MetricSetArn;
  const details: string[] = [];
  const update: Record<string, unknown> = {};
  if (msArn) {
    const have = await lm.send(new DescribeMetricSetCommand({ MetricSetArn: msArn }));
    for (const k of ['MetricList', 'DimensionList', 'TimestampColumn', 'Offset', 'MetricSource', 'MetricSetDescription'] as const) {
      const want = d.metricSet[k];
      if (want !== undefined && !subset(want, have[k])) {
        details.push(`metric set ${k} changes`);
        update[k] = want;
      }
    }
  }
  const alerts = await lm.send(new ListAlertsCommand({ AnomalyDetectorArn: arn }));
  const existing = new Set((alerts.AlertSummaryList ?? []).map((a) => a.AlertName ?? ''));
  const missing = d.alerts.filter((a) => !existing.has(a.AlertName ?? ''));
  for (const a of missing) details.push(`alert ${a.AlertName} is added`);
  if (details.length === 0) return { resource: 'detector', name: d.name, action: 'unchanged', details: [] };
  return {
    resource: 'detector',
    name: d.name,
    action: 'update',
    details,
    apply: async () => {
      if (msArn && Object.keys(update).length > 0) await lm.send(new UpdateMetricSetCommand({ MetricSetArn: msArn, ...update } as UpdateMetricSetCommandInput));
      await createAlerts(arn, existing);
    },
  };
}

/** The change `down` makes for one detector: delete it when this pipeline created it (tag or local record). */
export async function planDetectorDown(
  d: DetectorPlanSpec,
  clients: FreshetClients,
  pipeline: string,
  createdHere: boolean,
): Promise<DetectorChange | undefined> {
  const arn = await detectorArn(clients, d.name);
  if (!arn) return undefined;
  const tags = (await clients.lookoutmetrics.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags ?? {};
  if (!createdHere && tags[PIPELINE_TAG] !== pipeline)
    return { resource: 'detector', name: d.name, action: 'keep', details: [`not created by pipeline ${pipeline}`] };
  return {
    resource: 'detector',
    name: d.name,
    action: 'delete',
    details: [],
    apply: async () => {
      await clients.lookoutmetrics.send(new DeleteAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    },
  };
}

/** `want` is contained in `have` (every field the file sets matches). */
function subset(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && want.length === have.length && want.every((w, i) => subset(w, have[i]));
  if (want && typeof want === 'object') {
    if (!have || typeof have !== 'object') return false;
    return Object.entries(want).every(([k, v]) => v === undefined || subset(v, (have as Record<string, unknown>)[k]));
  }
  return want === have;
}
