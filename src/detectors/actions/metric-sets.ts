/**
 * Metric set actions (Amazon Lookout for Metrics API Reference): CreateMetricSet, DescribeMetricSet,
 * ListMetricSets, UpdateMetricSet, DetectMetricSetConfig, GetSampleData. A detector has one metric set, as
 * on AWS. Sources: S3SourceConfig over the embedded object store or a remote S3-compatible store, and — a
 * Freshet extension — `kinesis://<stream>` paths in it, naming a Kinesis stream on this server read directly
 * (stream-source.ts); the other sources are refused.
 */
import { defineAction } from '../../aws/index.ts';
import { lookoutMetricsModel } from '../../aws/models/lookoutmetrics.ts';
import type { DescribeMetricSetResponse, DetectMetricSetConfigResponse, FileFormatDescriptor, MetricSource } from '../../aws/models/lookoutmetrics.ts';
import type { DetectorsEngine, Frequency, MetricSetRecord } from '../engine.ts';
import { conflict, validation } from '../errors.ts';
import { parseS3Path, readObjects, sniffFormat } from '../source.ts';
import { parseStreamPath, STREAM_SCHEME } from '../stream-source.ts';
import { detectorOf, metricSetOf, page, seconds, tagsOf } from './common.ts';
import type { DetectorsContext } from './common.ts';

function checkSource(source: MetricSource): void {
  const s3 = source.S3SourceConfig;
  const others = (['AppFlowConfig', 'CloudWatchConfig', 'RDSSourceConfig', 'RedshiftSourceConfig', 'AthenaSourceConfig'] as const).filter(
    (k) => source[k] !== undefined,
  );
  if (others.length > 0) throw validation(`Freshet reads metric sets from S3SourceConfig only; ${others.join(', ')} is not supported.`);
  if (!s3) throw validation('MetricSource must have an S3SourceConfig.');
  const paths = [...(s3.TemplatedPathList ?? []), ...(s3.HistoricalDataPathList ?? [])];
  if (paths.length === 0) throw validation('S3SourceConfig needs a TemplatedPathList or a HistoricalDataPathList.');
  let stream = false;
  for (const p of paths) {
    if (p.startsWith(STREAM_SCHEME)) {
      if (parseStreamPath(p) === undefined) throw validation(`${p} does not name a Kinesis stream (kinesis://<stream-name>, 1 to 128 of a-z A-Z 0-9 _ . -).`);
      stream = true;
    } else if (!parseS3Path(p)) throw validation(`${p} is not an S3 path (s3://<bucket>/<prefix>) or a Kinesis stream (kinesis://<stream-name>).`);
  }
  const csv = s3.FileFormatDescriptor?.CsvFormatDescriptor;
  if (stream && csv && !s3.FileFormatDescriptor?.JsonFormatDescriptor) {
    // A record carries rows, never a header line: the columns come from the descriptor.
    if (csv.ContainsHeader === true)
      throw validation('Records of a kinesis:// source have no header line: set ContainsHeader to false and list the columns in HeaderList.');
    if (!csv.HeaderList || csv.HeaderList.length === 0) throw validation('A kinesis:// source in CSV needs the columns in CsvFormatDescriptor.HeaderList.');
  }
}

function checkColumns(metricNames: readonly string[], dimensions: readonly string[], timestamp: string | undefined): void {
  const seen = new Set<string>();
  for (const n of [...metricNames, ...dimensions]) {
    if (seen.has(n)) throw validation(`Column ${n} is used more than once among the metrics and dimensions.`);
    seen.add(n);
  }
  if (timestamp !== undefined && seen.has(timestamp)) throw validation(`The timestamp column ${timestamp} cannot also be a metric or a dimension.`);
}

export const createMetricSet = defineAction(lookoutMetricsModel, 'CreateMetricSet', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const d = detectorOf(engine, input.AnomalyDetectorArn);
  const arn = engine.arn('MetricSet', `${d.name}/${input.MetricSetName}`);
  if (engine.metricSets.has(arn)) throw conflict(`A metric set with name ${input.MetricSetName} already exists.`, arn, 'MetricSet');
  if (engine.metricSetOf(d.arn)) throw conflict(`Anomaly detector ${d.name} already has a metric set; a detector has one.`, arn, 'MetricSet');
  const frequency = (input.MetricSetFrequency as Frequency | undefined) ?? d.frequency;
  if (frequency !== d.frequency) throw validation(`MetricSetFrequency ${frequency} must match the anomaly detector's frequency ${d.frequency}.`);
  checkSource(input.MetricSource);
  const dims = input.DimensionList ?? [];
  checkColumns(
    input.MetricList.map((m) => m.MetricName),
    dims,
    input.TimestampColumn?.ColumnName,
  );
  if (!input.TimestampColumn?.ColumnName) throw validation('TimestampColumn.ColumnName is required for an S3 source.');
  const now = ctx.clock.now();
  const ms: MetricSetRecord = {
    arn,
    detectorArn: d.arn,
    name: input.MetricSetName,
    metricList: input.MetricList,
    offset: input.Offset ?? 0,
    timestampColumn: input.TimestampColumn,
    dimensionList: dims,
    frequency,
    source: input.MetricSource,
    timezone: input.Timezone ?? 'UTC',
    creationTime: now,
    lastModificationTime: now,
    ...(input.MetricSetDescription !== undefined ? { description: input.MetricSetDescription } : {}),
    ...(input.DimensionFilterList !== undefined ? { dimensionFilterList: input.DimensionFilterList } : {}),
  };
  engine.metricSets.set(arn, ms);
  if (input.Tags) engine.tags.set(arn, { ...input.Tags });
  engine.save();
  return { MetricSetArn: arn };
});

export const describeMetricSet = defineAction(lookoutMetricsModel, 'DescribeMetricSet', (input, ctx: DetectorsContext): DescribeMetricSetResponse => {
  const ms = metricSetOf(ctx.deps, input.MetricSetArn);
  return {
    MetricSetArn: ms.arn,
    AnomalyDetectorArn: ms.detectorArn,
    MetricSetName: ms.name,
    ...(ms.description !== undefined ? { MetricSetDescription: ms.description } : {}),
    CreationTime: seconds(ms.creationTime),
    LastModificationTime: seconds(ms.lastModificationTime),
    Offset: ms.offset,
    MetricList: ms.metricList,
    ...(ms.timestampColumn !== undefined ? { TimestampColumn: ms.timestampColumn } : {}),
    DimensionList: ms.dimensionList,
    MetricSetFrequency: ms.frequency as 'PT5M',
    Timezone: ms.timezone ?? 'UTC',
    MetricSource: ms.source,
    ...(ms.dimensionFilterList !== undefined ? { DimensionFilterList: ms.dimensionFilterList } : {}),
  };
});

export const listMetricSets = defineAction(lookoutMetricsModel, 'ListMetricSets', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  if (input.AnomalyDetectorArn !== undefined) detectorOf(engine, input.AnomalyDetectorArn);
  const all = [...engine.metricSets.values()]
    .filter((m) => input.AnomalyDetectorArn === undefined || m.detectorArn === input.AnomalyDetectorArn)
    .sort((a, b) => a.arn.localeCompare(b.arn));
  const p = page(all, input.MaxResults, input.NextToken);
  return {
    MetricSetSummaryList: p.items.map((m) => {
      const tags = tagsOf(engine, m.arn);
      return {
        MetricSetArn: m.arn,
        AnomalyDetectorArn: m.detectorArn,
        MetricSetName: m.name,
        ...(m.description !== undefined ? { MetricSetDescription: m.description } : {}),
        CreationTime: seconds(m.creationTime),
        LastModificationTime: seconds(m.lastModificationTime),
        ...(tags ? { Tags: tags } : {}),
      };
    }),
    ...(p.NextToken !== undefined ? { NextToken: p.NextToken } : {}),
  };
});

export const updateMetricSet = defineAction(lookoutMetricsModel, 'UpdateMetricSet', (input, ctx: DetectorsContext) => {
  const engine = ctx.deps;
  const ms = metricSetOf(engine, input.MetricSetArn);
  const d = detectorOf(engine, ms.detectorArn);
  if (input.MetricSetFrequency !== undefined && input.MetricSetFrequency !== d.frequency)
    throw validation(`MetricSetFrequency ${input.MetricSetFrequency} must match the anomaly detector's frequency ${d.frequency}.`);
  if (input.MetricSource) checkSource(input.MetricSource);
  const metricList = input.MetricList ?? ms.metricList;
  const dims = input.DimensionList ?? ms.dimensionList;
  const ts = input.TimestampColumn ?? ms.timestampColumn;
  checkColumns(
    metricList.map((m) => m.MetricName),
    dims,
    ts?.ColumnName,
  );
  const shapeChanged = input.MetricList !== undefined || input.DimensionList !== undefined || input.DimensionFilterList !== undefined;
  ms.metricList = metricList;
  ms.dimensionList = dims;
  if (ts) ms.timestampColumn = ts;
  if (input.Offset !== undefined) ms.offset = input.Offset;
  if (input.MetricSource) ms.source = input.MetricSource;
  if (input.MetricSetDescription !== undefined) ms.description = input.MetricSetDescription;
  if (input.DimensionFilterList !== undefined) ms.dimensionFilterList = input.DimensionFilterList;
  ms.lastModificationTime = ctx.clock.now();
  // New measures or dimensions make new series: the old models no longer fit.
  if (shapeChanged) engine.resetModel(d.arn);
  // A stream reader sums rows by the old columns and source: it starts over.
  if (shapeChanged || input.MetricSource !== undefined || input.TimestampColumn !== undefined) engine.restartStreamSource(d.arn);
  engine.save();
  return { MetricSetArn: ms.arn };
});

/** The first object under the given paths (templated keys cut off at the first `{{`). */
async function firstObject(engine: DetectorsEngine, paths: readonly string[], gzip: boolean): Promise<string | undefined> {
  for (const p of paths) {
    const cut = p.indexOf('{{');
    const loc = parseS3Path(cut < 0 ? p : p.slice(0, cut));
    if (!loc) throw validation(`${p} is not an S3 path (s3://<bucket>/<prefix>).`);
    let files: Awaited<ReturnType<typeof readObjects>>;
    try {
      files = await readObjects(loc, engine.deps.bucketPath, gzip);
    } catch (e) {
      throw validation((e as Error).message);
    }
    if (files.length > 0) return files[files.length - 1]!.text;
  }
  return undefined;
}

export const detectMetricSetConfig = defineAction(
  lookoutMetricsModel,
  'DetectMetricSetConfig',
  async (input, ctx: DetectorsContext): Promise<DetectMetricSetConfigResponse> => {
    const engine = ctx.deps;
    detectorOf(engine, input.AnomalyDetectorArn);
    const s3 = input.AutoDetectionMetricSource.S3SourceConfig;
    const paths = [...(s3?.TemplatedPathList ?? []), ...(s3?.HistoricalDataPathList ?? [])];
    if (paths.length === 0) throw validation('AutoDetectionMetricSource needs an S3SourceConfig with a path.');
    const text = await firstObject(engine, paths, false);
    if (text === undefined) throw validation(`No data found under ${paths.join(', ')}.`);
    const f = sniffFormat(text);
    const high = 'HIGH' as const;
    return {
      DetectedMetricSetConfig: {
        MetricSource: {
          S3SourceConfig: {
            FileFormatDescriptor:
              f.format === 'JSON'
                ? {
                    JsonFormatDescriptor: { FileCompression: { Value: { S: 'NONE' }, Confidence: high }, Charset: { Value: { S: 'UTF-8' }, Confidence: high } },
                  }
                : {
                    CsvFormatDescriptor: {
                      FileCompression: { Value: { S: 'NONE' }, Confidence: high },
                      Charset: { Value: { S: 'UTF-8' }, Confidence: high },
                      ContainsHeader: { Value: { S: 'true' }, Confidence: high },
                      Delimiter: { Value: { S: f.delimiter }, Confidence: high },
                      HeaderList: { Value: { SS: f.header }, Confidence: high },
                      QuoteSymbol: { Value: { S: '"' }, Confidence: high },
                    },
                  },
          },
        },
      },
    };
  },
);

export const getSampleData = defineAction(lookoutMetricsModel, 'GetSampleData', async (input, ctx: DetectorsContext) => {
  const s3 = input.S3SourceConfig;
  if (!s3) throw validation('S3SourceConfig is required.');
  const paths = [...(s3.TemplatedPathList ?? []), ...(s3.HistoricalDataPathList ?? [])];
  if (paths.length === 0) throw validation('S3SourceConfig needs a TemplatedPathList or a HistoricalDataPathList.');
  const fmt: FileFormatDescriptor = s3.FileFormatDescriptor;
  const gzip = (fmt.CsvFormatDescriptor?.FileCompression ?? fmt.JsonFormatDescriptor?.FileCompression) === 'GZIP';
  const text = await firstObject(ctx.deps, paths, gzip);
  if (text === undefined) throw validation(`No data found under ${paths.join(', ')}.`);
  const f = sniffFormat(text);
  const header = fmt.CsvFormatDescriptor?.HeaderList ?? f.header;
  const rows = fmt.CsvFormatDescriptor?.HeaderList && fmt.CsvFormatDescriptor.ContainsHeader === false ? [f.header, ...f.rows] : f.rows;
  return { HeaderValues: header, SampleRows: rows.slice(0, 20) };
});
