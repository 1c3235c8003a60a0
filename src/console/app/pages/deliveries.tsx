/**
 * Delivery streams: the list (with create), and one delivery stream's buffer fill, DataFreshness and delivery
 * success charts, its configuration (changed with UpdateDestination), delete, and its bucket as a browsable tree
 * with a viewer for the delivered files.
 */
import { useEffect, useState } from 'preact/hooks';
import { aws, awsRest, consoleGet, errorText, hasCloudWatch, roleArn, streamArn, useLive, useLoad } from '../api.ts';
import { OutcomeText, useAction, useFields } from '../forms.tsx';
import { MetricChart } from '../metrics.tsx';
import { LiveChart, Sparkline } from '../charts.tsx';
import { bytes, cell, num } from '../format.ts';
import { link } from '../main.tsx';
import { openObject } from '../viewer.ts';
import type { Opened } from '../viewer.ts';

export function DeliveriesPage({ name }: { name: string | undefined }) {
  return name ? <DeliveryDetail name={name} /> : <DeliveryList />;
}

/** What the list says first after a delivery stream's page deleted it (shown once). */
let deletedNotice: string | undefined;

const COMPRESSIONS = ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'];

/**
 * Everything the create and edit forms set: an S3-style destination (a bucket of the server's object store) or an HTTP
 * endpoint (with a bucket for its backup), the processors Freshet runs (record de-aggregation, a Lambda function of the
 * server, metadata extraction for dynamic partitioning, a delimiter appended), dynamic partitioning and source-record
 * backup. Text fields hold what was typed; the request is built from them by destinationConfig().
 */
interface Settings {
  kind: 's3' | 'http';
  /** The destination bucket (S3), or the bucket an HTTP endpoint's backup goes to. */
  bucket: string;
  prefix: string;
  errorPrefix: string;
  sizeMiB: string;
  intervalS: string;
  compression: string;
  /** '' (records as received) or `<database>.<table>` (JSON → Parquet against a table the server declares). */
  parquetTable: string;
  /** Decompression (GZIP) of each record, and CloudWatchLogProcessing's message extraction after it (S3 only). */
  decompress: boolean;
  extractLogMessages: boolean;
  /** FileExtension ('' = Firehose's own) and CustomTimeZone ('' = UTC) of the objects' keys (S3 only). */
  fileExtension: string;
  timeZone: string;
  /** RecordDeAggregation's SubRecordType, or '' for none; the delimiter (as typed) for DELIMITED. */
  deaggregate: '' | 'JSON' | 'DELIMITED';
  deaggregateDelimiter: string;
  /** The Lambda processor's function (its ARN), or ''. */
  lambdaArn: string;
  lambdaBufferMiB: string;
  lambdaIntervalS: string;
  lambdaRetries: string;
  /** MetadataExtraction's JQ query (e.g. `{store: .store}`), or ''. */
  metadataQuery: string;
  appendDelimiter: boolean;
  dynamicPartitioning: boolean;
  /** S3 source-record backup (S3BackupMode Enabled) into another bucket and prefix. */
  backup: boolean;
  backupBucket: string;
  backupPrefix: string;
  /** HTTP endpoint: URL, name, access key (never described back: blank keeps the current one), retry duration, backup mode. */
  url: string;
  endpointName: string;
  accessKey: string;
  retryS: string;
  httpBackupMode: 'FailedDataOnly' | 'AllData';
  contentEncoding: 'NONE' | 'GZIP';
  /** HTTP endpoint: RequestConfiguration.CommonAttributes, one `name=value` a line. */
  commonAttributes: string;
  /** CloudWatchLoggingOptions: the log group and stream delivery errors go to ('' = logging off). */
  logGroup: string;
  logStream: string;
}

const DEFAULTS: Settings = {
  kind: 's3',
  bucket: 'freshet-deliveries',
  prefix: '',
  errorPrefix: '',
  sizeMiB: '5',
  intervalS: '300',
  compression: 'UNCOMPRESSED',
  parquetTable: '',
  decompress: false,
  extractLogMessages: false,
  fileExtension: '',
  timeZone: '',
  deaggregate: '',
  deaggregateDelimiter: '',
  lambdaArn: '',
  lambdaBufferMiB: '1',
  lambdaIntervalS: '60',
  lambdaRetries: '3',
  metadataQuery: '',
  appendDelimiter: false,
  dynamicPartitioning: false,
  backup: false,
  backupBucket: 'freshet-backup',
  backupPrefix: '',
  url: '',
  endpointName: '',
  accessKey: '',
  retryS: '300',
  httpBackupMode: 'FailedDataOnly',
  contentEncoding: 'NONE',
  commonAttributes: '',
  logGroup: '',
  logStream: '',
};

interface Processor {
  Type: string;
  Parameters?: Array<{ ParameterName: string; ParameterValue: string }>;
}
interface Processing {
  Enabled?: boolean;
  Processors?: Processor[];
}

/** The delimiter parameters are base64 on the wire; the form shows and takes them as text. */
function toB64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}
function fromB64(b64: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    return b64;
  }
}

/** ProcessingConfiguration from the form (in Firehose's own order); `undefined` when none was or is set. */
function processingOf(s: Settings, had: boolean): Processing | undefined {
  const processors: Processor[] = [];
  const param = (ParameterName: string, ParameterValue: string) => ({ ParameterName, ParameterValue });
  if (s.decompress) processors.push({ Type: 'Decompression', Parameters: [param('CompressionFormat', 'GZIP')] });
  if (s.extractLogMessages) processors.push({ Type: 'CloudWatchLogProcessing', Parameters: [param('DataMessageExtraction', 'true')] });
  if (s.deaggregate)
    processors.push({
      Type: 'RecordDeAggregation',
      Parameters: [param('SubRecordType', s.deaggregate), ...(s.deaggregate === 'DELIMITED' ? [param('Delimiter', toB64(s.deaggregateDelimiter))] : [])],
    });
  if (s.lambdaArn)
    processors.push({
      Type: 'Lambda',
      Parameters: [
        param('LambdaArn', s.lambdaArn),
        param('BufferSizeInMBs', s.lambdaBufferMiB),
        param('BufferIntervalInSeconds', s.lambdaIntervalS),
        param('NumberOfRetries', s.lambdaRetries),
      ],
    });
  if (s.metadataQuery)
    processors.push({ Type: 'MetadataExtraction', Parameters: [param('MetadataExtractionQuery', s.metadataQuery), param('JsonParsingEngine', 'JQ-1.6')] });
  if (s.appendDelimiter) processors.push({ Type: 'AppendDelimiterToRecord' });
  if (processors.length) return { Enabled: true, Processors: processors };
  return had ? { Enabled: false, Processors: [] } : undefined;
}

/** What the page read, as the form's settings (the edit form opens with them). */
function settingsOf(dest: Destination | undefined): Settings {
  const http = dest?.HttpEndpointDestinationDescription;
  const ext = dest?.ExtendedS3DestinationDescription;
  const s3 = http?.S3DestinationDescription ?? ext ?? dest?.S3DestinationDescription;
  const processing = (http ?? ext)?.ProcessingConfiguration;
  const processors = processing?.Enabled ? (processing.Processors ?? []) : [];
  const param = (type: string, name: string) => processors.find((p) => p.Type === type)?.Parameters?.find((x) => x.ParameterName === name)?.ParameterValue;
  const has = (type: string) => processors.some((p) => p.Type === type);
  const conversion = ext?.DataFormatConversionConfiguration;
  const hints = http?.BufferingHints ?? s3?.BufferingHints;
  const logging = (http ?? ext)?.CloudWatchLoggingOptions;
  return {
    ...DEFAULTS,
    kind: http ? 'http' : 's3',
    bucket: s3?.BucketARN.replace(/^arn:[^:]*:s3:::/, '') ?? '',
    prefix: s3?.Prefix ?? '',
    errorPrefix: s3?.ErrorOutputPrefix ?? '',
    sizeMiB: String(hints?.SizeInMBs ?? 5),
    intervalS: String(hints?.IntervalInSeconds ?? 300),
    compression: s3?.CompressionFormat ?? 'UNCOMPRESSED',
    parquetTable: conversion?.Enabled ? `${conversion.SchemaConfiguration?.DatabaseName ?? ''}.${conversion.SchemaConfiguration?.TableName ?? ''}` : '',
    decompress: has('Decompression'),
    extractLogMessages: param('CloudWatchLogProcessing', 'DataMessageExtraction') === 'true',
    fileExtension: ext?.FileExtension ?? '',
    timeZone: ext?.CustomTimeZone ?? '',
    deaggregate: has('RecordDeAggregation') ? ((param('RecordDeAggregation', 'SubRecordType') ?? 'JSON') as 'JSON' | 'DELIMITED') : '',
    deaggregateDelimiter: fromB64(param('RecordDeAggregation', 'Delimiter') ?? ''),
    lambdaArn: param('Lambda', 'LambdaArn') ?? '',
    lambdaBufferMiB: param('Lambda', 'BufferSizeInMBs') ?? DEFAULTS.lambdaBufferMiB,
    lambdaIntervalS: param('Lambda', 'BufferIntervalInSeconds') ?? DEFAULTS.lambdaIntervalS,
    lambdaRetries: param('Lambda', 'NumberOfRetries') ?? DEFAULTS.lambdaRetries,
    metadataQuery: param('MetadataExtraction', 'MetadataExtractionQuery') ?? '',
    appendDelimiter: has('AppendDelimiterToRecord'),
    dynamicPartitioning: ext?.DynamicPartitioningConfiguration?.Enabled ?? false,
    backup: ext?.S3BackupMode === 'Enabled',
    backupBucket: ext?.S3BackupDescription?.BucketARN.replace(/^arn:[^:]*:s3:::/, '') ?? DEFAULTS.backupBucket,
    backupPrefix: ext?.S3BackupDescription?.Prefix ?? '',
    url: http?.EndpointConfiguration?.Url ?? '',
    endpointName: http?.EndpointConfiguration?.Name ?? '',
    retryS: String(http?.RetryOptions?.DurationInSeconds ?? 300),
    httpBackupMode: http?.S3BackupMode ?? 'FailedDataOnly',
    contentEncoding: http?.RequestConfiguration?.ContentEncoding ?? 'NONE',
    commonAttributes: (http?.RequestConfiguration?.CommonAttributes ?? []).map((a) => `${a.AttributeName}=${a.AttributeValue}`).join('\n'),
    logGroup: logging?.Enabled ? (logging.LogGroupName ?? '') : '',
    logStream: logging?.Enabled ? (logging.LogStreamName ?? '') : '',
  };
}

/**
 * The destination member of CreateDeliveryStream (`update` false) or UpdateDestination (`update` true) and its body.
 * `before` is what the destination was (edit form): settings it had are sent switched off when the form clears
 * them, and an HTTP endpoint's configuration is sent only when its URL, name or key changes (Firehose never
 * describes the key, and an endpoint configuration without one removes it).
 */
function destinationConfig(s: Settings, role: string, update: boolean, before?: Settings): [string, Record<string, unknown>] {
  const bucketPart = (bucket: string, prefix: string) => ({ BucketARN: `arn:aws:s3:::${bucket}`, RoleARN: role, Prefix: prefix });
  const wasSameKind = before?.kind === s.kind;
  // CloudWatch logging of delivery errors: on with a log group, sent switched off when the form clears the one it had.
  const logging = s.logGroup
    ? { CloudWatchLoggingOptions: { Enabled: true, LogGroupName: s.logGroup, LogStreamName: s.logStream || 'DestinationDelivery' } }
    : wasSameKind && before?.logGroup
      ? { CloudWatchLoggingOptions: { Enabled: false } }
      : {};
  const processing = processingOf(
    s,
    wasSameKind &&
      !!before &&
      (before.decompress ||
        before.extractLogMessages ||
        before.deaggregate !== '' ||
        before.lambdaArn !== '' ||
        before.metadataQuery !== '' ||
        before.appendDelimiter),
  );
  if (s.kind === 'http') {
    const endpointChanged = !wasSameKind || s.url !== before?.url || s.endpointName !== before?.endpointName || s.accessKey !== '';
    return [
      update ? 'HttpEndpointDestinationUpdate' : 'HttpEndpointDestinationConfiguration',
      {
        ...(endpointChanged
          ? { EndpointConfiguration: { Url: s.url, ...(s.endpointName ? { Name: s.endpointName } : {}), ...(s.accessKey ? { AccessKey: s.accessKey } : {}) } }
          : {}),
        BufferingHints: { SizeInMBs: Number(s.sizeMiB), IntervalInSeconds: Number(s.intervalS) },
        RequestConfiguration: { ContentEncoding: s.contentEncoding, CommonAttributes: attributesOf(s.commonAttributes) },
        ...logging,
        RetryOptions: { DurationInSeconds: Number(s.retryS) },
        RoleARN: role,
        S3BackupMode: s.httpBackupMode,
        [update ? 'S3Update' : 'S3Configuration']: { ...bucketPart(s.bucket, s.prefix), CompressionFormat: s.compression },
        ...(processing ? { ProcessingConfiguration: processing } : {}),
      },
    ];
  }
  const [database, table] = s.parquetTable.split('.');
  const wasConverting = wasSameKind && !!before?.parquetTable;
  return [
    update ? 'ExtendedS3DestinationUpdate' : 'ExtendedS3DestinationConfiguration',
    {
      ...bucketPart(s.bucket, s.prefix),
      ...(s.errorPrefix || (wasSameKind && before?.errorPrefix) ? { ErrorOutputPrefix: s.errorPrefix } : {}),
      BufferingHints: { SizeInMBs: Number(s.sizeMiB), IntervalInSeconds: Number(s.intervalS) },
      CompressionFormat: s.compression,
      ...(s.fileExtension || (wasSameKind && before?.fileExtension) ? { FileExtension: s.fileExtension } : {}),
      ...(s.timeZone || (wasSameKind && before?.timeZone) ? { CustomTimeZone: s.timeZone || 'UTC' } : {}),
      ...(s.parquetTable
        ? {
            DataFormatConversionConfiguration: {
              Enabled: true,
              SchemaConfiguration: { DatabaseName: database, TableName: table ?? '', RoleARN: role },
              InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
              OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
            },
          }
        : wasConverting
          ? { DataFormatConversionConfiguration: { Enabled: false } }
          : {}),
      ...(processing ? { ProcessingConfiguration: processing } : {}),
      ...logging,
      ...(s.dynamicPartitioning || (wasSameKind && before?.dynamicPartitioning)
        ? { DynamicPartitioningConfiguration: { Enabled: s.dynamicPartitioning } }
        : {}),
      ...(s.backup
        ? { S3BackupMode: 'Enabled', [update ? 'S3BackupUpdate' : 'S3BackupConfiguration']: bucketPart(s.backupBucket, s.backupPrefix) }
        : wasSameKind && before?.backup
          ? { S3BackupMode: 'Disabled' }
          : {}),
    },
  ];
}

/** CommonAttributes from `name=value` lines (a line without `=` is a name with an empty value). */
function attributesOf(text: string): Array<{ AttributeName: string; AttributeValue: string }> {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf('=');
      return i < 0 ? { AttributeName: l, AttributeValue: '' } : { AttributeName: l.slice(0, i).trim(), AttributeValue: l.slice(i + 1).trim() };
    });
}

/** The keys a metadata extraction query of the usual form `{store: .store, day: .day}` names (none for other queries). */
function queryKeys(query: string): string[] {
  const body = /^\s*\{(.*)\}\s*$/s.exec(query)?.[1];
  if (!body) return [];
  return body
    .split(',')
    .map((part) => /^\s*"?([A-Za-z_][\w-]*)"?\s*:/.exec(part)?.[1])
    .filter((k): k is string => k !== undefined);
}

/** The server's functions (ListFunctions) the Lambda processor can call; none when the server has no Lambda API. */
function useFunctions(): Array<{ FunctionName: string; FunctionArn: string }> {
  const list = useLoad(
    () =>
      awsRest<{ Functions: Array<{ FunctionName: string; FunctionArn: string }> }>('lambda', 'GET', '/2015-03-31/functions/').then(
        (r) => r.Functions,
        () => [],
      ),
    [],
  );
  return list.data ?? [];
}

function DestinationFields({ value, onChange }: { value: Settings; onChange: (v: Settings) => void }) {
  const functions = useFunctions();
  type Text = { [K in keyof Settings]: Settings[K] extends string ? K : never }[keyof Settings];
  const text = (k: Text) => ({
    name: k,
    value: value[k],
    onInput: (e: { currentTarget: { value: string } }) => onChange({ ...value, [k]: e.currentTarget.value }),
  });
  const pick = (k: Text) => ({
    name: k,
    value: value[k],
    onChange: (e: { currentTarget: { value: string } }) => onChange({ ...value, [k]: e.currentTarget.value }),
  });
  const check = (k: 'appendDelimiter' | 'dynamicPartitioning' | 'backup' | 'decompress' | 'extractLogMessages') => ({
    name: k,
    checked: value[k],
    onChange: (e: { currentTarget: { checked: boolean } }) => onChange({ ...value, [k]: e.currentTarget.checked }),
  });
  const s3 = value.kind === 's3';
  const keys = queryKeys(value.metadataQuery);
  return (
    <>
      <label>
        Destination{' '}
        <select {...pick('kind')}>
          <option value="s3">Amazon S3 (a bucket of this server)</option>
          <option value="http">HTTP endpoint</option>
        </select>
      </label>
      {s3 ? null : (
        <fieldset data-testid="http-endpoint">
          <legend>HTTP endpoint</legend>
          <label>
            URL <input {...text('url')} required size={50} placeholder="https://example.com/ingest" />
          </label>
          <label>
            Name <input {...text('endpointName')} />
          </label>
          <label>
            Access key <input {...text('accessKey')} type="password" autoComplete="off" size={30} />{' '}
            <span class="muted small">(sent as X-Amz-Firehose-Access-Key; never shown again: blank keeps the current one)</span>
          </label>
          <label>
            Content encoding{' '}
            <select {...pick('contentEncoding')}>
              <option value="NONE">NONE</option>
              <option value="GZIP">GZIP</option>
            </select>{' '}
            Retry duration (s) <input {...text('retryS')} type="number" min="0" max="7200" />
          </label>
          <label>
            Common attributes (sent with every request; one <code>name=value</code> a line){' '}
            <textarea {...text('commonAttributes')} rows={2} cols={40} class="mono" />
          </label>
          <label>
            Back up to S3{' '}
            <select {...pick('httpBackupMode')}>
              <option value="FailedDataOnly">failed data only</option>
              <option value="AllData">all data</option>
            </select>
          </label>
        </fieldset>
      )}
      <label>
        {s3 ? 'Bucket' : 'Backup bucket'} <input {...text('bucket')} required />
      </label>
      <label>
        Prefix <input {...text('prefix')} placeholder="yyyy/MM/dd/HH/ when empty" size={40} />
      </label>
      {s3 ? (
        <label>
          File extension <input {...text('fileExtension')} size={10} placeholder=".json" /> Time zone of the prefix{' '}
          <input {...text('timeZone')} size={18} placeholder="UTC" />
        </label>
      ) : null}
      {s3 ? (
        <label>
          Error output prefix <input {...text('errorPrefix')} size={40} placeholder="needed with dynamic partitioning" />
        </label>
      ) : null}
      <label>
        Buffer size (MiB) <input name="size" type="number" min="1" max="128" value={value.sizeMiB} onInput={text('sizeMiB').onInput} required /> or interval
        (seconds) <input name="interval" type="number" min="0" max="900" value={value.intervalS} onInput={text('intervalS').onInput} required />
      </label>
      <label>
        Compression{' '}
        <select {...pick('compression')} name="compression">
          {COMPRESSIONS.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      {s3 ? (
        <label>
          Record format{' '}
          <select
            name="format"
            value={value.parquetTable ? 'parquet' : 'raw'}
            onChange={(e) => onChange({ ...value, parquetTable: e.currentTarget.value === 'parquet' ? 'db.table' : '' })}
          >
            <option value="raw">as received</option>
            <option value="parquet">JSON → Parquet</option>
          </select>
          {value.parquetTable ? (
            <>
              {' '}
              table (database.table) <input name="table" value={value.parquetTable} onInput={text('parquetTable').onInput} required />
            </>
          ) : null}
        </label>
      ) : null}
      <details open={!!(value.deaggregate || value.lambdaArn || value.metadataQuery || value.appendDelimiter || value.dynamicPartitioning || value.backup)}>
        <summary>Processing, dynamic partitioning and backup</summary>
        <fieldset data-testid="processors">
          <legend>Processors (run in Firehose's order)</legend>
          {s3 ? (
            <label>
              <input type="checkbox" {...check('decompress')} /> Decompress GZIP records{' '}
              {value.decompress ? (
                <>
                  {' '}
                  <input type="checkbox" {...check('extractLogMessages')} /> then keep only the messages of CloudWatch Logs subscription data
                </>
              ) : null}
            </label>
          ) : null}
          <label>
            De-aggregate records{' '}
            <select {...pick('deaggregate')}>
              <option value="">no</option>
              <option value="JSON">JSON (concatenated objects)</option>
              <option value="DELIMITED">delimited</option>
            </select>
            {value.deaggregate === 'DELIMITED' ? (
              <>
                {' '}
                delimiter <input {...text('deaggregateDelimiter')} required size={4} />
              </>
            ) : null}
          </label>
          <label>
            Lambda function{' '}
            <select {...pick('lambdaArn')}>
              <option value="">none</option>
              {functions.map((f) => (
                <option key={f.FunctionArn} value={f.FunctionArn}>
                  {f.FunctionName}
                </option>
              ))}
              {value.lambdaArn && !functions.some((f) => f.FunctionArn === value.lambdaArn) ? <option value={value.lambdaArn}>{value.lambdaArn}</option> : null}
            </select>
            {value.lambdaArn ? (
              <>
                {' '}
                buffer (MiB) <input {...text('lambdaBufferMiB')} size={4} /> interval (s) <input {...text('lambdaIntervalS')} size={4} /> retries{' '}
                <input {...text('lambdaRetries')} size={4} />
              </>
            ) : null}
          </label>
          {s3 ? (
            <label>
              Metadata extraction (JQ) <input {...text('metadataQuery')} size={40} placeholder="{store: .store}" />
            </label>
          ) : null}
          <label>
            <input type="checkbox" {...check('appendDelimiter')} /> Append a new line to each record
          </label>
        </fieldset>
        {s3 ? (
          <fieldset data-testid="partitioning-backup">
            <legend>Dynamic partitioning and backup</legend>
            <label>
              <input type="checkbox" {...check('dynamicPartitioning')} /> Dynamic partitioning (keys from the metadata extraction, used in the prefix as{' '}
              <code>{'!{partitionKeyFromQuery:store}'}</code>)
            </label>
            {value.dynamicPartitioning && keys.length ? (
              <p class="row small">
                Keys of the query: {keys.join(', ')}{' '}
                <button
                  type="button"
                  data-testid="keys-to-prefix"
                  onClick={() =>
                    onChange({
                      ...value,
                      prefix: keys.map((k) => `${k}=!{partitionKeyFromQuery:${k}}/`).join(''),
                      errorPrefix: value.errorPrefix || 'errors/!{firehose:error-output-type}/',
                    })
                  }
                >
                  Use them as the prefix
                </button>
              </p>
            ) : null}
            <label>
              <input type="checkbox" {...check('backup')} /> Back up source records to{' '}
              {value.backup ? (
                <>
                  bucket <input {...text('backupBucket')} required /> prefix <input {...text('backupPrefix')} />
                </>
              ) : (
                'another bucket'
              )}
            </label>
          </fieldset>
        ) : null}
      </details>
      <label data-testid="delivery-logging">
        Log delivery errors to CloudWatch Logs: group <input {...text('logGroup')} placeholder="blank: no logging" size={30} /> stream{' '}
        <input {...text('logStream')} placeholder="DestinationDelivery" />
      </label>
    </>
  );
}

/** CreateDeliveryStream: Direct PUT or a Kinesis data stream as source, delivered into a bucket or to an HTTP endpoint. */
function CreateDelivery() {
  const live = useLive();
  const [open, setOpen] = useState(false);
  const fields = useFields({ name: '', source: '' });
  const [settings, setSettings] = useState<Settings>(DEFAULTS);
  const action = useAction();
  const { name, source } = fields.values;
  const create = action.submit(
    () => `Creating ${name}…`,
    async () => {
      const role = await roleArn('firehose-delivery');
      const [member, config] = destinationConfig(settings, role, false);
      await aws('firehose', 'CreateDeliveryStream', {
        DeliveryStreamName: name,
        DeliveryStreamType: source ? 'KinesisStreamAsSource' : 'DirectPut',
        ...(source ? { KinesisStreamSourceConfiguration: { KinesisStreamARN: await streamArn(source), RoleARN: role } } : {}),
        [member]: config,
      });
      setOpen(false);
      fields.set('name', '');
    },
  );
  return (
    <div>
      <p class="row">
        <button type="button" onClick={() => setOpen(!open)} data-testid="create-delivery-open">
          Create delivery stream
        </button>
        <OutcomeText outcome={action.outcome} inline />
      </p>
      {open ? (
        <form class="card dialog" onSubmit={create} data-testid="create-delivery">
          <h3>Create a delivery stream</h3>
          <label>
            Name <input {...fields.bind('name')} required />
          </label>
          <label>
            Source{' '}
            <select name="source" value={source} onChange={(e) => fields.set('source', e.currentTarget.value)}>
              <option value="">Direct PUT</option>
              {live.latest?.streams.map((s) => (
                <option key={s.name} value={s.name}>
                  Kinesis data stream {s.name}
                </option>
              ))}
            </select>
          </label>
          <DestinationFields value={settings} onChange={setSettings} />
          <p class="row">
            <button type="submit" disabled={action.busy}>
              Create
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </p>
        </form>
      ) : null}
    </div>
  );
}

function DeliveryList() {
  const live = useLive();
  const [notice] = useState(() => {
    const n = deletedNotice;
    deletedNotice = undefined;
    return n;
  });
  return (
    <div>
      <h1>Delivery streams</h1>
      {notice ? <p class="message">{notice}</p> : null}
      <table class="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Incoming records</th>
            <th>Delivered records</th>
            <th>Files</th>
            <th>DataFreshness</th>
            <th>Incoming</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {live.latest?.deliveries.map((d) => (
            <tr key={d.name}>
              <td>
                <a href={link('deliveries', d.name)}>{d.name}</a>
              </td>
              <td>{num(d.metrics.IncomingRecords ?? 0)}</td>
              <td>{num(d.metrics['DeliveryToS3.Records'] ?? 0)}</td>
              <td>{num(d.metrics['DeliveryToS3.ObjectCount'] ?? 0)}</td>
              <td>{num(d.metrics['DeliveryToS3.DataFreshness'] ?? 0)} s</td>
              <td>{num(d.rate)}/s</td>
              <td>
                <Sparkline values={live.history.map((h) => h.deliveries.find((x) => x.name === d.name)?.rate ?? 0)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateDelivery />
    </div>
  );
}

interface S3Description {
  BucketARN: string;
  RoleARN?: string;
  Prefix?: string;
  ErrorOutputPrefix?: string;
  CompressionFormat?: string;
  BufferingHints?: { SizeInMBs?: number; IntervalInSeconds?: number };
}

interface Logging {
  Enabled?: boolean;
  LogGroupName?: string;
  LogStreamName?: string;
}

interface Destination {
  DestinationId: string;
  ExtendedS3DestinationDescription?: S3Description & {
    DataFormatConversionConfiguration?: { Enabled?: boolean; SchemaConfiguration?: { DatabaseName?: string; TableName?: string } };
    ProcessingConfiguration?: Processing;
    DynamicPartitioningConfiguration?: { Enabled?: boolean };
    FileExtension?: string;
    CustomTimeZone?: string;
    S3BackupMode?: string;
    S3BackupDescription?: S3Description;
    CloudWatchLoggingOptions?: Logging;
  };
  S3DestinationDescription?: S3Description;
  HttpEndpointDestinationDescription?: {
    EndpointConfiguration?: { Url?: string; Name?: string };
    BufferingHints?: { SizeInMBs?: number; IntervalInSeconds?: number };
    RequestConfiguration?: { ContentEncoding?: 'NONE' | 'GZIP'; CommonAttributes?: Array<{ AttributeName: string; AttributeValue: string }> };
    CloudWatchLoggingOptions?: Logging;
    RetryOptions?: { DurationInSeconds?: number };
    RoleARN?: string;
    S3BackupMode?: 'FailedDataOnly' | 'AllData';
    S3DestinationDescription?: S3Description;
    ProcessingConfiguration?: Processing;
  };
}

interface Described {
  DeliveryStreamDescription: {
    DeliveryStreamName: string;
    DeliveryStreamStatus: string;
    DeliveryStreamType: string;
    DeliveryStreamEncryptionConfiguration?: { Status?: string; KeyType?: string; KeyARN?: string };
    VersionId: string;
    Destinations: Destination[];
  };
}

/** One line saying where records go and what happens to them on the way. */
function destinationSummary(type: string | undefined, s: Settings): string {
  const where =
    s.kind === 'http'
      ? `${s.url}${s.endpointName ? ` (${s.endpointName})` : ''} · retry ${s.retryS} s · backup (${s.httpBackupMode === 'AllData' ? 'all data' : 'failed data'}) to s3://${s.bucket}/${s.prefix}`
      : `s3://${s.bucket}/${s.prefix}`;
  const steps = [
    s.decompress ? 'decompress GZIP' : '',
    s.extractLogMessages ? 'CloudWatch Logs messages' : '',
    s.deaggregate ? `de-aggregate ${s.deaggregate}` : '',
    s.lambdaArn ? `Lambda ${s.lambdaArn.slice(s.lambdaArn.lastIndexOf(':') + 1)}` : '',
    s.metadataQuery ? `metadata ${s.metadataQuery}` : '',
    s.appendDelimiter ? 'append new line' : '',
  ].filter(Boolean);
  return [
    `${type ?? ''} → ${where}`,
    `buffer ${s.sizeMiB} MiB / ${s.intervalS} s`,
    `compression ${s.compression}`,
    s.fileExtension ? `extension ${s.fileExtension}` : '',
    s.timeZone && s.timeZone !== 'UTC' ? `time zone ${s.timeZone}` : '',
    s.parquetTable ? 'JSON → Parquet' : '',
    steps.length ? `processors: ${steps.join(', ')}` : '',
    s.dynamicPartitioning ? 'dynamic partitioning' : '',
    s.backup ? `source records backed up to s3://${s.backupBucket}/${s.backupPrefix}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

function DeliveryDetail({ name }: { name: string }) {
  const live = useLive();
  const described = useLoad(() => aws<Described>('firehose', 'DescribeDeliveryStream', { DeliveryStreamName: name }), [name]);
  const desc = described.data?.DeliveryStreamDescription;
  const dest = desc?.Destinations[0];
  const settings = dest ? settingsOf(dest) : undefined;
  const bucket = settings?.bucket || undefined;
  const times = live.history.map((h) => h.timeMs / 1000);
  const metric = (m: string) => live.history.map((h) => h.deliveries.find((d) => d.name === name)?.metrics[m] ?? null);
  const sample = live.latest?.deliveries.find((d) => d.name === name);
  return (
    <div>
      <p class="crumbs">
        <a href={link('deliveries')}>Delivery streams</a> / {name}
      </p>
      <h1>
        {name} {desc ? <span class="status ok">{desc.DeliveryStreamStatus}</span> : null}
      </h1>
      {described.error ? <p class="error">{described.error}</p> : null}
      {settings ? (
        <p class="muted">
          <span data-testid="delivery-summary">{destinationSummary(desc?.DeliveryStreamType, settings)}</span> · version{' '}
          <span data-testid="delivery-version">{desc?.VersionId}</span>
        </p>
      ) : null}
      {desc ? <ManageDelivery desc={desc} onChange={described.reload} /> : null}
      {sample ? (
        <p>
          Buffered records: <b data-testid="buffered">{num(sample.metrics.BufferedRecords ?? 0)}</b> · delivered{' '}
          {num(sample.metrics['DeliveryToS3.Records'] ?? 0)} records in {num(sample.metrics['DeliveryToS3.ObjectCount'] ?? 0)} files (
          {bytes(sample.metrics['DeliveryToS3.Bytes'] ?? 0)})
        </p>
      ) : null}
      <div class="charts">
        <LiveChart
          title="Buffer fill (records waiting)"
          times={times}
          series={[{ label: 'buffered records', color: '#2f6fd0', values: metric('BufferedRecords') }]}
          height={140}
        />
        <LiveChart
          title="DataFreshness (seconds)"
          times={times}
          series={[{ label: 'DeliveryToS3.DataFreshness', color: '#d0602f', values: metric('DeliveryToS3.DataFreshness') }]}
          height={140}
        />
        <LiveChart
          title="Delivery success"
          times={times}
          series={[{ label: 'DeliveryToS3.Success', color: '#2f9d5a', values: metric('DeliveryToS3.Success') }]}
          height={140}
        />
      </div>
      {hasCloudWatch() ? (
        <div class="charts">
          <MetricChart
            title="DataFreshness"
            queries={[
              {
                id: 'fresh',
                label: 'DeliveryToS3.DataFreshness (Maximum)',
                color: '#d0602f',
                namespace: 'AWS/Firehose',
                metricName: 'DeliveryToS3.DataFreshness',
                dimensions: { DeliveryStreamName: name },
                stat: 'Maximum',
              },
            ]}
          />
          <MetricChart
            title="Delivery success and records"
            queries={[
              {
                id: 'success',
                label: 'DeliveryToS3.Success (Average)',
                color: '#2f9d5a',
                namespace: 'AWS/Firehose',
                metricName: 'DeliveryToS3.Success',
                dimensions: { DeliveryStreamName: name },
                stat: 'Average',
              },
              {
                id: 'records',
                label: 'DeliveryToS3.Records (Sum)',
                color: '#2f6fd0',
                namespace: 'AWS/Firehose',
                metricName: 'DeliveryToS3.Records',
                dimensions: { DeliveryStreamName: name },
                stat: 'Sum',
                right: true,
              },
            ]}
          />
        </div>
      ) : null}
      {bucket ? <BucketBrowser bucket={bucket} /> : null}
    </div>
  );
}

/** UpdateDestination (with the version it was read at) and DeleteDeliveryStream (after a confirmation). */
function ManageDelivery({ desc, onChange }: { desc: Described['DeliveryStreamDescription']; onChange: () => void }) {
  const dest = desc.Destinations[0];
  const [editing, setEditing] = useState(false);
  const [settings, setSettings] = useState<Settings>(() => settingsOf(dest));
  const action = useAction(onChange);
  const update = action.submit('Destination updated', async () => {
    const before = settingsOf(dest);
    const role = dest?.ExtendedS3DestinationDescription?.RoleARN ?? dest?.HttpEndpointDestinationDescription?.RoleARN ?? (await roleArn('firehose-delivery'));
    const [member, config] = destinationConfig(settings, role, true, before);
    await aws('firehose', 'UpdateDestination', {
      DeliveryStreamName: desc.DeliveryStreamName,
      CurrentDeliveryStreamVersionId: desc.VersionId,
      DestinationId: dest?.DestinationId,
      [member]: config,
    });
    setEditing(false);
  });
  const remove = () =>
    // As on AWS's console, deleting asks first: buffered records not yet delivered are lost.
    void action.run(
      `Deleting ${desc.DeliveryStreamName}…`,
      async () => {
        await aws('firehose', 'DeleteDeliveryStream', { DeliveryStreamName: desc.DeliveryStreamName });
        deletedNotice = `Deleting ${desc.DeliveryStreamName}…`;
        location.hash = link('deliveries');
      },
      { confirm: `Delete delivery stream ${desc.DeliveryStreamName}? Records still buffered are not delivered.` },
    );
  return (
    <div>
      <p class="row">
        <button
          type="button"
          onClick={() => {
            setSettings(settingsOf(dest));
            setEditing(!editing);
          }}
          disabled={!dest}
        >
          Edit destination
        </button>
        <button type="button" class="danger" onClick={remove} data-testid="delivery-delete" disabled={action.busy}>
          Delete delivery stream
        </button>
        <OutcomeText outcome={action.outcome} inline />
      </p>
      <Encryption desc={desc} onChange={onChange} />
      {editing ? (
        <form class="card dialog" onSubmit={update} data-testid="update-destination">
          <h3>
            Edit destination {dest?.DestinationId} <span class="muted small">(version {desc.VersionId})</span>
          </h3>
          <DestinationFields value={settings} onChange={setSettings} />
          <p class="row">
            <button type="submit" disabled={action.busy}>
              Update destination
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </p>
        </form>
      ) : null}
    </div>
  );
}

/**
 * Server-side encryption (StartDeliveryStreamEncryption with an AWS-owned or customer-managed key, and
 * StopDeliveryStreamEncryption): its status (ENABLING and DISABLING become ENABLED and DISABLED shortly after) is read
 * again each second while it changes. Firehose refuses it for a stream reading a Kinesis data stream, in its words.
 */
function Encryption({ desc, onChange }: { desc: Described['DeliveryStreamDescription']; onChange: () => void }) {
  const action = useAction(onChange);
  const [keyArn, setKeyArn] = useState('');
  const enc = desc.DeliveryStreamEncryptionConfiguration;
  const status = enc?.Status ?? 'DISABLED';
  const changing = status === 'ENABLING' || status === 'DISABLING';
  useEffect(() => {
    if (!changing) return;
    const t = setInterval(onChange, 1000);
    return () => clearInterval(t);
  }, [changing]);
  const name = desc.DeliveryStreamName;
  return (
    <p class="row" data-testid="delivery-encryption">
      Server-side encryption: <b data-testid="encryption-status">{status}</b>
      {enc?.KeyType && status !== 'DISABLED' ? <span class="muted small"> ({enc.KeyARN ?? enc.KeyType})</span> : null}{' '}
      {status === 'ENABLED' || status === 'ENABLING' ? (
        <button
          type="button"
          disabled={action.busy}
          onClick={() => void action.run('Disabling encryption', () => aws('firehose', 'StopDeliveryStreamEncryption', { DeliveryStreamName: name }))}
        >
          Disable encryption
        </button>
      ) : (
        <>
          <input
            name="keyArn"
            value={keyArn}
            onInput={(e) => setKeyArn(e.currentTarget.value)}
            placeholder="KMS key ARN (blank: AWS-owned key)"
            size={40}
            aria-label="KMS key ARN"
          />{' '}
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              void action.run('Enabling encryption', () =>
                aws('firehose', 'StartDeliveryStreamEncryption', {
                  DeliveryStreamName: name,
                  DeliveryStreamEncryptionConfigurationInput: keyArn ? { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: keyArn } : { KeyType: 'AWS_OWNED_CMK' },
                }),
              )
            }
          >
            Enable encryption
          </button>
        </>
      )}{' '}
      <OutcomeText outcome={action.outcome} inline />
    </p>
  );
}

interface ObjectList {
  objects: Array<{ key: string; size: number; modifiedMs: number }>;
  truncated: boolean;
}

interface Folder {
  folders: Map<string, Folder>;
  files: Array<{ key: string; name: string; size: number; modifiedMs: number }>;
}

function tree(objects: ObjectList['objects']): Folder {
  const root: Folder = { folders: new Map(), files: [] };
  for (const o of objects) {
    const parts = o.key.split('/');
    let f = root;
    for (const p of parts.slice(0, -1)) {
      if (!f.folders.has(p)) f.folders.set(p, { folders: new Map(), files: [] });
      f = f.folders.get(p)!;
    }
    f.files.push({ ...o, name: parts[parts.length - 1]! });
  }
  return root;
}

function FolderView({ folder, path, open, onOpen }: { folder: Folder; path: string; open: string | undefined; onOpen: (key: string) => void }) {
  return (
    <ul class="tree">
      {[...folder.folders.entries()]
        .sort(([a], [b]) => b.localeCompare(a))
        .map(([name, sub]) => (
          <li key={name}>
            <details open>
              <summary>{name}/</summary>
              <FolderView folder={sub} path={`${path}${name}/`} open={open} onOpen={onOpen} />
            </details>
          </li>
        ))}
      {folder.files.map((f) => (
        <li key={f.key} class={f.key === open ? 'file open' : 'file'}>
          <button type="button" class="link" onClick={() => onOpen(f.key)} data-key={f.key}>
            {f.name}
          </button>{' '}
          <span class="muted small">
            {bytes(f.size)} · {new Date(f.modifiedMs).toLocaleTimeString()}
          </span>
        </li>
      ))}
    </ul>
  );
}

function BucketBrowser({ bucket }: { bucket: string }) {
  const live = useLive();
  // Re-list when the number of delivered files changes.
  const files = live.latest?.deliveries.reduce((n, d) => n + (d.metrics['DeliveryToS3.ObjectCount'] ?? 0), 0) ?? 0;
  const listing = useLoad(() => consoleGet<ObjectList>(`objects?bucket=${encodeURIComponent(bucket)}`), [bucket, files]);
  const [open, setOpen] = useState<string | undefined>();
  const [opened, setOpened] = useState<Opened | undefined>();
  const [error, setError] = useState<string | undefined>();
  const show = async (key: string) => {
    setOpen(key);
    setOpened(undefined);
    try {
      setOpened(await openObject(bucket, key));
      setError(undefined);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const columns: string[] = [];
  for (const r of opened?.rows ?? []) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return (
    <section class="bucket" data-testid="bucket">
      <h2>Bucket s3://{bucket}</h2>
      <div class="split">
        <div class="tree-col">
          {listing.data?.objects.length === 0 ? <p class="muted">Nothing delivered yet.</p> : null}
          {listing.data ? <FolderView folder={tree(listing.data.objects)} path="" open={open} onOpen={(k) => void show(k)} /> : null}
        </div>
        <div class="viewer" data-testid="viewer">
          {error ? <p class="error">{error}</p> : null}
          {open && !opened && !error ? <p class="muted">Opening {open}…</p> : null}
          {opened ? (
            <>
              <h3>
                {open}{' '}
                <span class="muted small">
                  {opened.format}
                  {opened.totalRows !== undefined ? ` · ${opened.totalRows} rows` : ''}
                </span>
              </h3>
              {opened.rows ? (
                <table class="list compact">
                  <thead>
                    <tr>
                      {columns.map((c) => (
                        <th key={c}>{c}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {opened.rows.map((r, i) => (
                      <tr key={i}>
                        {columns.map((c) => (
                          <td key={c}>{cell(r[c])}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <pre>{opened.text}</pre>
              )}
            </>
          ) : null}
        </div>
      </div>
    </section>
  );
}
