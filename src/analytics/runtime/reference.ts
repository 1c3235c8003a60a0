/**
 * Reference data for in-application tables. An S3ReferenceDataSource names an
 * object as BucketARN `arn:aws:s3:::<bucket>` + FileKey; Freshet reads it where
 * Firehose writes that bucket: the embedded object store
 * `<dataDir>/s3/<bucket>/<key>`, or the directory or remote S3-compatible store
 * the bucket is mapped to (FirehoseOptions.buckets). Two extensions: a FileKey
 * `file:///abs/path` reads a local file, and an `http(s)://` FileKey is fetched.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
// Loaded by the first read from a remote store: the client costs ~0.3 s to load, and most servers never need it.
import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsError } from '../../core/index.ts';
import { parseArn } from '../model.ts';
import { analyticsErrors } from '../errors.ts';

export function bucketFromArn(bucketArn: string): string | undefined {
  const p = parseArn(bucketArn);
  if (p?.service !== 's3' || !p.resourceName || p.resourceType !== '') return undefined;
  return p.resourceName;
}

/** Where an object lives under `root/<bucket>`; refuses keys that would escape the bucket. */
export function objectPath(rootDir: string, bucket: string, key: string): string {
  const root = resolve(rootDir, bucket);
  const path = resolve(join(root, key));
  if (path !== root && !path.startsWith(root + sep)) throw analyticsErrors.create('InvalidArgumentException', `FileKey ${key} is not inside bucket ${bucket}`);
  return path;
}

/** Where a bucket's objects live, as Firehose's configuration maps them. */
export type BucketLocation =
  | { kind: 'null' }
  | { kind: 'directory'; path: string }
  | {
      kind?: 's3';
      endpoint: string;
      region?: string;
      credentials?: { accessKeyId: string; secretAccessKey: string };
      forcePathStyle?: boolean;
      remoteBucket?: string;
    };

export interface ObjectStoreConfig {
  /** The server's data directory: embedded buckets are `<dataDir>/s3/<bucket>`. */
  dataDir?: string | undefined;
  /** Firehose's bucket mappings (FirehoseOptions.buckets). */
  buckets?: Readonly<Record<string, BucketLocation>> | undefined;
  /** Firehose's root of embedded buckets when there is no data directory (FirehoseOptions.s3Root). */
  s3Root?: string | undefined;
}

export type ObjectReader = (bucketArn: string, fileKey: string) => Promise<Uint8Array>;

function notFound(bucket: string, key: string, where: string): AwsError {
  return analyticsErrors.create('ResourceNotFoundException', `Object ${key} in bucket ${bucket} is not found (${where})`);
}

async function readLocal(root: string, bucket: string, key: string): Promise<Uint8Array> {
  const path = objectPath(root, bucket, key);
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(bucket, key, path);
    throw e;
  }
}

/**
 * Reads objects the way Firehose writes them: a bucket mapped to a directory or
 * to a remote S3-compatible store is read from there; any other bucket from the
 * embedded store.
 */
export function createObjectReader(config: ObjectStoreConfig): ObjectReader {
  const clients = new Map<string, S3Client>();
  return async (bucketArn, fileKey) => {
    if (fileKey.startsWith('file://')) return readFile(fileURLToPath(fileKey));
    if (fileKey.startsWith('http://') || fileKey.startsWith('https://')) {
      const res = await fetch(fileKey);
      if (!res.ok) throw analyticsErrors.create('ResourceNotFoundException', `Fetching ${fileKey} failed with HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    }
    const bucket = bucketFromArn(bucketArn);
    if (!bucket) throw analyticsErrors.create('InvalidArgumentException', `BucketARN ${bucketArn} is not an S3 bucket ARN (arn:aws:s3:::<bucket>)`);
    const mapping = config.buckets?.[bucket];
    if (mapping?.kind === 'null') throw notFound(bucket, fileKey, 'the bucket is mapped to the null sink');
    if (mapping?.kind === 'directory') return readLocal(mapping.path, '.', fileKey);
    if (mapping) {
      const { GetObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
      let client = clients.get(bucket);
      if (!client) {
        client = new S3Client({
          endpoint: mapping.endpoint,
          region: mapping.region ?? 'us-east-1',
          forcePathStyle: mapping.forcePathStyle ?? true,
          ...(mapping.credentials ? { credentials: mapping.credentials } : {}),
        });
        clients.set(bucket, client);
      }
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: mapping.remoteBucket ?? bucket, Key: fileKey }));
        return await res.Body!.transformToByteArray();
      } catch (e) {
        if ((e as { name?: string }).name === 'NoSuchKey') throw notFound(bucket, fileKey, mapping.endpoint);
        throw analyticsErrors.create(
          'ResourceNotFoundException',
          `Reading ${fileKey} from bucket ${bucket} at ${mapping.endpoint} failed: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      }
    }
    const root = config.dataDir !== undefined ? join(config.dataDir, 's3') : config.s3Root;
    if (root === undefined) throw notFound(bucket, fileKey, 'the server has no data directory');
    return readLocal(root, bucket, fileKey);
  };
}
