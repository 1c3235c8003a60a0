/**
 * Reference data for in-application tables. An S3ReferenceDataSource names an
 * object as BucketARN `arn:aws:s3:::<bucket>` + FileKey; Freshet reads it from
 * its embedded object store, `<dataDir>/s3/<bucket>/<key>` (the layout the
 * Firehose S3 destination writes). Two extensions: a FileKey `file:///abs/path`
 * reads a local file, and an `http(s)://` FileKey fetches from an
 * S3-compatible endpoint.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsError } from '../../core/index.ts';
import { parseArn } from '../model.ts';

export function bucketFromArn(bucketArn: string): string | undefined {
  const p = parseArn(bucketArn);
  if (!p || p.service !== 's3' || !p.resourceName || p.resourceType !== '') return undefined;
  return p.resourceName;
}

/** Where an object lives in the embedded store; refuses keys that would escape the bucket. */
export function objectPath(dataDir: string, bucket: string, key: string): string {
  const root = resolve(dataDir, 's3', bucket);
  const path = resolve(join(root, key));
  if (path !== root && !path.startsWith(root + sep)) throw new AwsError('InvalidArgumentException', `FileKey ${key} is not inside bucket ${bucket}`);
  return path;
}

export async function readObject(dataDir: string | undefined, bucketArn: string, fileKey: string): Promise<Uint8Array> {
  if (fileKey.startsWith('file://')) return readFile(fileURLToPath(fileKey));
  if (fileKey.startsWith('http://') || fileKey.startsWith('https://')) {
    const res = await fetch(fileKey);
    if (!res.ok) throw new AwsError('ResourceNotFoundException', `Fetching ${fileKey} failed with HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  const bucket = bucketFromArn(bucketArn);
  if (!bucket) throw new AwsError('InvalidArgumentException', `BucketARN ${bucketArn} is not an S3 bucket ARN (arn:aws:s3:::<bucket>)`);
  if (dataDir === undefined) throw new AwsError('ResourceNotFoundException', `Object ${fileKey} in bucket ${bucket} is not found: the server has no data directory`);
  try {
    return await readFile(objectPath(dataDir, bucket, fileKey));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AwsError('ResourceNotFoundException', `Object ${fileKey} in bucket ${bucket} is not found`);
    }
    throw e;
  }
}
