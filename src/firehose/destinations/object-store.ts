/**
 * Where S3 destinations write objects. A bucket is either embedded (a
 * directory: `<dataDir>/s3/<bucket>/<key>`), mapped in the server options to an
 * S3-compatible endpoint (written with @aws-sdk/client-s3), or the null sink
 * (benchmarks). Writes are atomic: the directory store writes a temp file and
 * renames it into place; S3 PutObject is atomic by itself.
 */
import { mkdir, open, rename, writeFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { LruCache, log } from '../../core/index.ts';
// Loaded on the first PutObject: most servers never write to a remote store, and the client costs ~0.3 s to load.
import type { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

interface S3Connection {
  client: S3Client;
  PutObjectCommand: typeof PutObjectCommand;
}

const logger = log.child('firehose');

export interface RemoteBucket {
  kind?: 's3';
  endpoint: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle?: boolean;
  /** Bucket name at the remote store, when it differs from the BucketARN's. */
  remoteBucket?: string;
}

export type BucketMapping = RemoteBucket | { kind: 'null' } | { kind: 'directory'; path: string };

export interface ObjectWriter {
  readonly description: string;
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>;
}

export class DestinationError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DestinationError';
  }
}

class DirectoryWriter implements ObjectWriter {
  readonly description: string;
  constructor(
    private readonly root: string,
    private readonly tmpDir: string,
  ) {
    this.description = `directory ${root}`;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    if (key.split('/').includes('..')) throw new DestinationError(`Refusing key with '..': ${key}`, 'S3.InvalidKey');
    const target = join(this.root, ...key.split('/'));
    const tmp = join(this.tmpDir, `${randomUUID()}.tmp`);
    try {
      await mkdir(dirname(target), { recursive: true });
      await mkdir(this.tmpDir, { recursive: true });
      await writeFile(tmp, body, { flush: true });
      await rename(tmp, target);
      // The rename must survive a machine crash before the checkpoint moves past these records.
      const dir = await open(dirname(target), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (e) {
      // The write failed and is retried; a temp file left behind only wastes space: log it, count it, go on.
      await rm(tmp, { force: true }).catch((err) => logger.swallowed('removing a temporary object file', err, { path: tmp }));
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      throw new DestinationError(`Writing ${target} failed: ${(e as Error).message}`, `S3.${code}`, { cause: e });
    }
  }
}

class S3Writer implements ObjectWriter {
  readonly description: string;
  private connection: Promise<S3Connection> | undefined;
  constructor(
    private readonly bucket: string,
    private readonly cfg: RemoteBucket,
  ) {
    this.description = `s3 ${cfg.endpoint}/${bucket}`;
  }

  private connect(): Promise<S3Connection> {
    const cfg = this.cfg;
    this.connection ??= import('@aws-sdk/client-s3').then(({ S3Client, PutObjectCommand }) => ({
      client: new S3Client({
        endpoint: cfg.endpoint,
        region: cfg.region ?? 'us-east-1',
        forcePathStyle: cfg.forcePathStyle ?? true,
        credentials: cfg.credentials ?? { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        maxAttempts: 1,
      }),
      PutObjectCommand,
    }));
    return this.connection;
  }

  async put(key: string, body: Uint8Array, contentType?: string): Promise<void> {
    try {
      const { client, PutObjectCommand } = await this.connect();
      await client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (e) {
      throw new DestinationError(`PutObject ${this.bucket}/${key} failed: ${(e as Error).message}`, `S3.${(e as Error).name ?? 'Error'}`, { cause: e });
    }
  }
}

const NULL_WRITER: ObjectWriter = { description: 'null sink', put: async () => {} };

export class ObjectStores {
  /** Writers hold no state beyond their settings, so the map is a bounded cache (bucket names come from the API). */
  private readonly writers = new LruCache<string, ObjectWriter>(1024);
  /** `root` holds the embedded buckets: `<dataDir>/s3`, or FirehoseOptions.s3Root without a data directory. */
  constructor(
    private readonly root: string,
    private readonly buckets: Readonly<Record<string, BucketMapping>> = {},
  ) {}

  /** The writer for a bucket name (from `arn:aws:s3:::<bucket>`). */
  forBucket(bucket: string): ObjectWriter {
    let w = this.writers.get(bucket);
    if (w) return w;
    const m = this.buckets[bucket];
    if (!m) w = new DirectoryWriter(join(this.root, bucket), join(this.root, '.tmp'));
    else if (m.kind === 'null') w = NULL_WRITER;
    else if (m.kind === 'directory') w = new DirectoryWriter(m.path, join(m.path, '..', `.${bucket}.tmp`));
    else w = new S3Writer(m.remoteBucket ?? bucket, m);
    this.writers.set(bucket, w);
    return w;
  }

  /** Local path of an embedded bucket (for the CLI and tests), or undefined when it is remote. */
  localPath(bucket: string): string | undefined {
    const m = this.buckets[bucket];
    if (!m) return join(this.root, bucket);
    if (m.kind === 'directory') return m.path;
    return undefined;
  }
}
