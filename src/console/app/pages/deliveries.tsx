/**
 * Delivery streams: the list (with create), and one delivery stream's buffer fill, DataFreshness and delivery
 * success charts, its configuration (changed with UpdateDestination), delete, and its bucket as a browsable tree
 * with a viewer for the delivered files.
 */
import { useState } from 'preact/hooks';
import { aws, consoleGet, errorText, hasCloudWatch, roleArn, streamArn, useLive, useLoad } from '../api.ts';
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

/** The destination settings both forms edit: S3-style delivery into a bucket of the server's object store. */
interface S3Settings {
  bucket: string;
  prefix: string;
  sizeMiB: string;
  intervalS: string;
  compression: string;
  /** '' (records as received) or `<database>.<table>` (JSON → Parquet against a table the server declares). */
  parquetTable: string;
}

/** ExtendedS3DestinationConfiguration (or …Update) fields from the form. */
function s3Fields(s: S3Settings, role: string, wasConverting = false): Record<string, unknown> {
  const [database, table] = s.parquetTable.split('.');
  return {
    BucketARN: `arn:aws:s3:::${s.bucket}`,
    RoleARN: role,
    Prefix: s.prefix,
    BufferingHints: { SizeInMBs: Number(s.sizeMiB), IntervalInSeconds: Number(s.intervalS) },
    CompressionFormat: s.compression,
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
  };
}

function S3Fields({ value, onChange }: { value: S3Settings; onChange: (v: S3Settings) => void }) {
  const field = (k: keyof S3Settings) => (e: { currentTarget: { value: string } }) => onChange({ ...value, [k]: e.currentTarget.value });
  return (
    <>
      <label>
        Bucket <input name="bucket" value={value.bucket} onInput={field('bucket')} required />
      </label>
      <label>
        Prefix <input name="prefix" value={value.prefix} onInput={field('prefix')} placeholder="yyyy/MM/dd/HH/ when empty" size={40} />
      </label>
      <label>
        Buffer size (MiB) <input name="size" type="number" min="1" max="128" value={value.sizeMiB} onInput={field('sizeMiB')} required /> or interval (seconds){' '}
        <input name="interval" type="number" min="0" max="900" value={value.intervalS} onInput={field('intervalS')} required />
      </label>
      <label>
        Compression{' '}
        <select name="compression" value={value.compression} onChange={field('compression')}>
          {COMPRESSIONS.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
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
            table (database.table) <input name="table" value={value.parquetTable} onInput={field('parquetTable')} required />
          </>
        ) : null}
      </label>
    </>
  );
}

/** CreateDeliveryStream: Direct PUT or a Kinesis data stream as source, delivered into a bucket. */
function CreateDelivery() {
  const live = useLive();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [source, setSource] = useState('');
  const [s3, setS3] = useState<S3Settings>({
    bucket: 'freshet-deliveries',
    prefix: '',
    sizeMiB: '5',
    intervalS: '300',
    compression: 'UNCOMPRESSED',
    parquetTable: '',
  });
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const role = await roleArn('firehose-delivery');
      await aws('firehose', 'CreateDeliveryStream', {
        DeliveryStreamName: name,
        DeliveryStreamType: source ? 'KinesisStreamAsSource' : 'DirectPut',
        ...(source ? { KinesisStreamSourceConfiguration: { KinesisStreamARN: await streamArn(source), RoleARN: role } } : {}),
        ExtendedS3DestinationConfiguration: s3Fields(s3, role),
      });
      setMessage({ text: `Creating ${name}…`, error: false });
      setOpen(false);
      setName('');
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
    }
  };
  return (
    <div>
      <p class="row">
        <button type="button" onClick={() => setOpen(!open)} data-testid="create-delivery-open">
          Create delivery stream
        </button>
        {message ? <span class={message.error ? 'error' : 'message'}>{message.text}</span> : null}
      </p>
      {open ? (
        <form class="card dialog" onSubmit={(e) => void create(e)} data-testid="create-delivery">
          <h3>Create a delivery stream</h3>
          <label>
            Name <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
          </label>
          <label>
            Source{' '}
            <select name="source" value={source} onChange={(e) => setSource(e.currentTarget.value)}>
              <option value="">Direct PUT</option>
              {live.latest?.streams.map((s) => (
                <option key={s.name} value={s.name}>
                  Kinesis data stream {s.name}
                </option>
              ))}
            </select>
          </label>
          <S3Fields value={s3} onChange={setS3} />
          <p class="row">
            <button type="submit">Create</button>
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

interface Described {
  DeliveryStreamDescription: {
    DeliveryStreamName: string;
    DeliveryStreamStatus: string;
    DeliveryStreamType: string;
    VersionId: string;
    Destinations: Array<{
      DestinationId: string;
      ExtendedS3DestinationDescription?: {
        BucketARN: string;
        RoleARN?: string;
        Prefix?: string;
        CompressionFormat?: string;
        BufferingHints?: { SizeInMBs?: number; IntervalInSeconds?: number };
        DataFormatConversionConfiguration?: { Enabled?: boolean; SchemaConfiguration?: { DatabaseName?: string; TableName?: string } };
      };
      S3DestinationDescription?: {
        BucketARN: string;
        Prefix?: string;
        CompressionFormat?: string;
        BufferingHints?: { SizeInMBs?: number; IntervalInSeconds?: number };
      };
    }>;
  };
}

function DeliveryDetail({ name }: { name: string }) {
  const live = useLive();
  const described = useLoad(() => aws<Described>('firehose', 'DescribeDeliveryStream', { DeliveryStreamName: name }), [name]);
  const desc = described.data?.DeliveryStreamDescription;
  const s3 = desc?.Destinations[0]?.ExtendedS3DestinationDescription ?? desc?.Destinations[0]?.S3DestinationDescription;
  const bucket = s3?.BucketARN.replace(/^arn:[^:]*:s3:::/, '');
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
      {s3 ? (
        <p class="muted">
          {desc?.DeliveryStreamType} → s3://{bucket}/{s3.Prefix ?? ''} · buffer {s3.BufferingHints?.SizeInMBs ?? 5} MiB /{' '}
          {s3.BufferingHints?.IntervalInSeconds ?? 300} s · compression {s3.CompressionFormat ?? 'UNCOMPRESSED'}
          {desc?.Destinations[0]?.ExtendedS3DestinationDescription?.DataFormatConversionConfiguration?.Enabled ? ' · JSON → Parquet' : ''} · version{' '}
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
  const ext = dest?.ExtendedS3DestinationDescription;
  const plain = dest?.S3DestinationDescription;
  const cur = ext ?? plain;
  const conversion = ext?.DataFormatConversionConfiguration;
  const initial = (): S3Settings => ({
    bucket: cur?.BucketARN.replace(/^arn:[^:]*:s3:::/, '') ?? '',
    prefix: cur?.Prefix ?? '',
    sizeMiB: String(cur?.BufferingHints?.SizeInMBs ?? 5),
    intervalS: String(cur?.BufferingHints?.IntervalInSeconds ?? 300),
    compression: cur?.CompressionFormat ?? 'UNCOMPRESSED',
    parquetTable: conversion?.Enabled ? `${conversion.SchemaConfiguration?.DatabaseName ?? ''}.${conversion.SchemaConfiguration?.TableName ?? ''}` : '',
  });
  const [editing, setEditing] = useState(false);
  const [s3, setS3] = useState<S3Settings>(initial);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const update = async (e: Event) => {
    e.preventDefault();
    try {
      const role = ext?.RoleARN ?? (await roleArn('firehose-delivery'));
      await aws('firehose', 'UpdateDestination', {
        DeliveryStreamName: desc.DeliveryStreamName,
        CurrentDeliveryStreamVersionId: desc.VersionId,
        DestinationId: dest?.DestinationId,
        ExtendedS3DestinationUpdate: s3Fields(s3, role, conversion?.Enabled === true),
      });
      setMessage({ text: 'Destination updated', error: false });
      setEditing(false);
      onChange();
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
    }
  };
  const remove = () => {
    // As on AWS's console, deleting asks first: buffered records not yet delivered are lost.
    if (!confirm(`Delete delivery stream ${desc.DeliveryStreamName}? Records still buffered are not delivered.`)) return;
    aws('firehose', 'DeleteDeliveryStream', { DeliveryStreamName: desc.DeliveryStreamName }).then(
      () => {
        deletedNotice = `Deleting ${desc.DeliveryStreamName}…`;
        location.hash = link('deliveries');
      },
      (err: unknown) => setMessage({ text: errorText(err), error: true }),
    );
  };
  return (
    <div>
      <p class="row">
        <button
          type="button"
          onClick={() => {
            setS3(initial());
            setEditing(!editing);
          }}
          disabled={!cur}
        >
          Edit destination
        </button>
        <button type="button" class="danger" onClick={remove} data-testid="delivery-delete">
          Delete delivery stream
        </button>
        {message ? <span class={message.error ? 'error' : 'message'}>{message.text}</span> : null}
      </p>
      {editing ? (
        <form class="card dialog" onSubmit={(e) => void update(e)} data-testid="update-destination">
          <h3>
            Edit destination {dest?.DestinationId} <span class="muted small">(version {desc.VersionId})</span>
          </h3>
          <S3Fields value={s3} onChange={setS3} />
          <p class="row">
            <button type="submit">Update destination</button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </p>
        </form>
      ) : null}
    </div>
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
