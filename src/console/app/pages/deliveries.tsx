/**
 * Delivery streams: the list, and one delivery stream's buffer fill, DataFreshness and delivery success
 * charts, its configuration, and its bucket as a browsable tree with a viewer for the delivered files.
 */
import { useState } from 'preact/hooks';
import { aws, consoleGet, errorText, hasCloudWatch, useLive, useLoad } from '../api.ts';
import { MetricChart } from '../metrics.tsx';
import { LiveChart, Sparkline } from '../charts.tsx';
import { bytes, cell, num } from '../format.ts';
import { link } from '../main.tsx';
import { openObject } from '../viewer.ts';
import type { Opened } from '../viewer.ts';

export function DeliveriesPage({ name }: { name: string | undefined }) {
  return name ? <DeliveryDetail name={name} /> : <DeliveryList />;
}

function DeliveryList() {
  const live = useLive();
  return (
    <div>
      <h1>Delivery streams</h1>
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
    </div>
  );
}

interface Described {
  DeliveryStreamDescription: {
    DeliveryStreamName: string;
    DeliveryStreamStatus: string;
    DeliveryStreamType: string;
    Destinations: Array<{
      ExtendedS3DestinationDescription?: {
        BucketARN: string;
        Prefix?: string;
        CompressionFormat?: string;
        BufferingHints?: { SizeInMBs?: number; IntervalInSeconds?: number };
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
        </p>
      ) : null}
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
