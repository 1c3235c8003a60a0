/**
 * Where a `filesystem` table's `path` lives on this machine: `s3://bucket/prefix`
 * in the embedded object store (`<s3Root>/<bucket>/<prefix>`, where Firehose
 * writes that bucket, or the directory the bucket is mapped to), `file:///abs`
 * or an absolute path as it is. Nothing outside those roots is reachable
 * through an s3:// path.
 */
import { isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PathRoots {
  /** Root of embedded buckets (`<dataDir>/s3`). */
  s3Root?: string | undefined;
  /** Buckets mapped to directories (Firehose's `buckets` option). */
  bucketDirs?: Readonly<Record<string, string>> | undefined;
  /** Base for relative paths (the CLI's working directory). */
  cwd?: string;
}

export class PathError extends Error {
  override readonly name = 'PathError';
}

/** The local directory or file a connector path names. */
export function resolveTablePath(path: string, roots: PathRoots): string {
  const s3 = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(path);
  if (s3) {
    const bucket = s3[1]!;
    const key = s3[2]!;
    const dir = roots.bucketDirs?.[bucket] ?? (roots.s3Root !== undefined ? join(roots.s3Root, bucket) : undefined);
    if (dir === undefined) throw new PathError(`cannot resolve ${path}: the server has no data directory for the embedded object store`);
    const base = resolve(dir);
    const full = resolve(base, key);
    if (full !== base && !full.startsWith(base + sep)) throw new PathError(`${path} is not inside bucket ${bucket}`);
    return full;
  }
  if (path.startsWith('file://')) return fileURLToPath(path);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path))
    throw new PathError(`unsupported file system scheme in ${path}; use s3://bucket/prefix (the embedded object store), file:///dir or a local path`);
  return isAbsolute(path) ? path : resolve(roots.cwd ?? process.cwd(), path);
}
