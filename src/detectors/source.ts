/**
 * Reading a metric set's data: S3SourceConfig paths (`s3://<bucket>/<prefix>`, templated with `{{yyyyMMdd}}`-
 * style keys for continuous data, or a folder of historical data) over the embedded object store
 * (`<data-dir>/s3/<bucket>/<key>`, where Freshet's delivery streams write) or the remote S3-compatible store
 * the bucket is mapped to (the server's `firehose.buckets`, as delivery streams and KDA reference data use it),
 * CSV or JSON lines, optionally gzipped; rows are parsed into (interval, series, value) aggregates by the metric set's columns.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
// Loaded by the first read from a remote store: the client costs ~0.3 s to load, and most servers never need it.
import type { S3Client } from '@aws-sdk/client-s3';
import { splitCsvLine } from '../core/index.ts';
import { intervalStart, parseTimestampCell } from './time.ts';

export interface S3Location {
  bucket: string;
  prefix: string;
}

export function parseS3Path(path: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(path);
  if (!m) return undefined;
  return { bucket: m[1]!, prefix: m[2] ?? '' };
}

/** A bucket mapped to a remote S3-compatible store (the shape of the server's `firehose.buckets` entries). */
export interface RemoteStore {
  endpoint: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle?: boolean;
  /** Bucket name at the remote store, when it differs from the path's. */
  remoteBucket?: string;
}

/** Where buckets live: a local directory, a remote store, or undefined when the bucket cannot be read. */
export type BucketResolver = (bucket: string) => string | RemoteStore | undefined;

const remoteClients = new Map<string, S3Client>();

/**
 * Throws (AWS's AccessDenied text) when the reader may not list the bucket (`key` undefined) or read the object
 * `key`: under `--auth enforce` a metric set reads with its RoleArn (roles.ts).
 */
export type ReadGuard = (bucket: string, key: string | undefined) => void;

async function readRemote(loc: S3Location, store: RemoteStore, gzip: boolean, guard: ReadGuard | undefined): Promise<SourceFile[]> {
  const { S3Client, ListObjectsV2Command, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const id = `${store.endpoint}|${store.region ?? ''}|${store.credentials?.accessKeyId ?? ''}`;
  let client = remoteClients.get(id);
  if (!client) {
    client = new S3Client({
      endpoint: store.endpoint,
      region: store.region ?? 'us-east-1',
      forcePathStyle: store.forcePathStyle ?? true,
      ...(store.credentials ? { credentials: store.credentials } : {}),
    });
    remoteClients.set(id, client);
  }
  const bucket = store.remoteBucket ?? loc.bucket;
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: loc.prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined && !o.Key.endsWith('/')) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  keys.sort();
  const out: SourceFile[] = [];
  for (const key of keys) {
    guard?.(loc.bucket, key);
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const raw = Buffer.from(await res.Body!.transformToByteArray());
    const data = gzip || key.endsWith('.gz') ? gunzipSync(raw) : raw;
    out.push({ key, text: data.toString('utf8') });
  }
  return out;
}

export interface SourceFile {
  key: string;
  text: string;
}

async function walk(dir: string, base: string, out: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const rel = base === '' ? e.name : `${base}/${e.name}`;
    if (e.isDirectory()) await walk(join(dir, e.name), rel, out);
    else if (e.isFile()) out.push(rel);
  }
}

/** Every object under `s3://bucket/prefix` (a key prefix, as S3 lists it), sorted by key. */
export async function readObjects(loc: S3Location, resolve: BucketResolver, gzip: boolean, guard?: ReadGuard): Promise<SourceFile[]> {
  guard?.(loc.bucket, undefined);
  const root = resolve(loc.bucket);
  if (root === undefined) throw new Error(`bucket ${loc.bucket} is neither an embedded bucket nor mapped to a remote store`);
  if (typeof root !== 'string') return readRemote(loc, root, gzip, guard);
  // List from the deepest folder the prefix names, then keep keys that start with the prefix.
  const slash = loc.prefix.lastIndexOf('/');
  const folder = slash < 0 ? '' : loc.prefix.slice(0, slash);
  const keys: string[] = [];
  await walk(folder === '' ? root : join(root, folder), folder, keys);
  keys.sort();
  const out: SourceFile[] = [];
  for (const key of keys) {
    if (!key.startsWith(loc.prefix)) continue;
    guard?.(loc.bucket, key);
    const raw = await readFile(join(root, key));
    const data = gzip || key.endsWith('.gz') ? gunzipSync(raw) : raw;
    out.push({ key, text: data.toString('utf8') });
  }
  return out;
}

export interface RowSchema {
  format: 'CSV' | 'JSON';
  delimiter: string;
  /** For CSV without a header line. */
  headerList: string[] | undefined;
  containsHeader: boolean;
  timestampColumn: string;
  timestampFormat: string | undefined;
  timezone: string;
  metrics: readonly string[];
  dimensions: readonly string[];
}

export interface ParsedRow {
  timestampMs: number;
  /** One per schema metric (NaN: empty or not a number). */
  values: number[];
  dimensions: string[];
}

export interface ParseStats {
  rows: number;
  invalidRows: number;
  /** Rows with a value missing in some metric or dimension column. */
  partialRows: number;
}

/** Parses one file's rows. Rows without a valid timestamp are counted invalid and dropped. */
export function parseRows(text: string, schema: RowSchema, stats: ParseStats, out: ParsedRow[]): void {
  const lines = text.split(/\r?\n/);
  if (schema.format === 'JSON') {
    for (const line of lines) {
      if (line.trim() === '') continue;
      stats.rows += 1;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(line) as Record<string, unknown>;
      } catch {
        stats.invalidRows += 1;
        continue;
      }
      pushRow((name) => {
        const v = obj[name];
        return v === undefined || v === null ? undefined : String(v);
      });
    }
    return;
  }
  let header = schema.headerList;
  let first = true;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line, schema.delimiter);
    if (first && (schema.containsHeader || header === undefined)) {
      first = false;
      if (schema.containsHeader || !header) {
        header = cells.map((c) => c.trim());
        continue;
      }
    }
    first = false;
    stats.rows += 1;
    const h = header!;
    pushRow((name) => {
      const i = h.indexOf(name);
      return i < 0 ? undefined : cells[i];
    });
  }

  function pushRow(get: (name: string) => string | undefined): void {
    const ts = parseTimestampCell(get(schema.timestampColumn) ?? '', schema.timestampFormat, schema.timezone);
    if (!Number.isFinite(ts)) {
      stats.invalidRows += 1;
      return;
    }
    let partial = false;
    const values: number[] = [];
    for (const m of schema.metrics) {
      const cell = get(m);
      const v = cell === undefined || cell.trim() === '' ? NaN : Number(cell);
      if (Number.isNaN(v)) partial = true;
      values.push(v);
    }
    const dims: string[] = [];
    for (const d of schema.dimensions) {
      const cell = get(d);
      if (cell === undefined || cell === '') partial = true;
      dims.push(cell ?? '');
    }
    if (partial) stats.partialRows += 1;
    out.push({ timestampMs: ts, values, dimensions: dims });
  }
}

/** Rows grouped by interval start. */
export function byInterval(rows: readonly ParsedRow[], freqMs: number): Map<number, ParsedRow[]> {
  const out = new Map<number, ParsedRow[]>();
  for (const r of rows) {
    const k = intervalStart(r.timestampMs, freqMs);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(r);
  }
  return out;
}

/** Detects a file's format for DetectMetricSetConfig / GetSampleData: JSON lines or CSV with its delimiter and header. */
export function sniffFormat(text: string): { format: 'CSV' | 'JSON'; delimiter: string; header: string[]; rows: string[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines[0]?.trim().startsWith('{')) {
    const objs = lines.slice(0, 20).map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
    const header = [...new Set(objs.flatMap((o) => Object.keys(o)))];
    return { format: 'JSON', delimiter: ',', header, rows: objs.map((o) => header.map((h) => (o[h] === undefined ? '' : String(o[h])))) };
  }
  const first = lines[0] ?? '';
  let delimiter = ',';
  for (const d of [',', '\t', ';', '|']) if (first.split(d).length > first.split(delimiter).length) delimiter = d;
  const header = splitCsvLine(first, delimiter).map((c) => c.trim());
  return { format: 'CSV', delimiter, header, rows: lines.slice(1, 21).map((l) => splitCsvLine(l, delimiter)) };
}
