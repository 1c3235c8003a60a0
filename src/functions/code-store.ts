/**
 * Function code, content-addressed: each deployment package is kept as
 * `<root>/<sha256 hex>.zip` and extracted once to `<root>/<sha256 hex>/`,
 * which environments run from (LAMBDA_TASK_ROOT). Versions are immutable
 * because a package, once stored, never changes; $LATEST points at a new
 * package after UpdateFunctionCode.
 *
 * A local directory (a Freshet extension) is snapshotted into a zip with
 * fixed timestamps, so the same files give the same CodeSha256.
 *
 * Unix permissions come from the zip's central directory (external
 * attributes, made by Unix zip tools), so a custom runtime's `bootstrap`
 * stays executable. Entries that would land outside the directory (`..`,
 * absolute paths) make the package invalid.
 */
import type { AwsError } from '../core/index.ts';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { createRequire } from 'node:module';
import type { Zippable } from 'fflate';
import { lambdaError } from './errors.ts';
import type { CodeSource } from './model.ts';
import { LIMITS } from './model.ts';

// The ZIP library loads with the first package zipped or unzipped: a server without functions starts without it.
const require = createRequire(import.meta.url);
let fflateLib: typeof import('fflate') | undefined;
const fflate = (): typeof import('fflate') => (fflateLib ??= require('fflate') as typeof import('fflate'));

export interface StoredCode {
  /** Base64 SHA-256 of the package, as Lambda's CodeSha256. */
  sha256: string;
  /** Hex SHA-256: the package's key in the store. */
  key: string;
  size: number;
}

const COMPLETE = '.freshet-code';
/** 1980-01-01, the earliest time a zip entry can carry: directory snapshots are reproducible. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

function invalidZip(): AwsError {
  return lambdaError('InvalidParameterValueException', 'Could not unzip uploaded file. Please check your file, then try to upload again.');
}

/** Unix modes by entry name, read from the central directory (external attributes, high 16 bits). */
export function zipModes(zip: Uint8Array): Map<string, number> {
  const modes = new Map<string, number>();
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return modes;
  const entries = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  for (let n = 0; n < entries && p + 46 <= zip.length; n++) {
    if (view.getUint32(p, true) !== 0x02014b50) break;
    const madeBy = view.getUint8(p + 5);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const external = view.getUint32(p + 38, true);
    const name = Buffer.from(zip.buffer, zip.byteOffset + p + 46, nameLen).toString('utf8');
    const mode = external >>> 16;
    if (madeBy === 3 && mode !== 0) modes.set(name, mode & 0o7777);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return modes;
}

async function walk(dir: string, root: string, out: Zippable): Promise<number> {
  let bytes = 0;
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    const st = await stat(full);
    if (st.isDirectory()) {
      bytes += await walk(full, root, out);
    } else if (st.isFile()) {
      const data = await readFile(full);
      bytes += data.length;
      out[relative(root, full).split(sep).join('/')] = [data, { os: 3, attrs: (st.mode & 0o777) << 16, mtime: FIXED_MTIME, level: 1 }];
    }
  }
  return bytes;
}

/**
 * A directory as a deployment package: files in name order, Unix modes kept,
 * fixed timestamps — the same files always give the same bytes (and CodeSha256),
 * so `freshet up` can tell whether a function's code changed.
 */
export async function zipDirectory(directory: string): Promise<Uint8Array> {
  let st;
  try {
    st = await stat(directory);
  } catch {
    throw lambdaError('InvalidParameterValueException', `Code directory ${directory} does not exist.`);
  }
  if (!st.isDirectory()) throw lambdaError('InvalidParameterValueException', `Code directory ${directory} is not a directory.`);
  const files: Zippable = {};
  const bytes = await walk(directory, directory, files);
  if (bytes > LIMITS.maxUnzippedBytes)
    throw lambdaError('InvalidParameterValueException', `Unzipped size must be smaller than ${LIMITS.maxUnzippedBytes} bytes`);
  return fflate().zipSync(files);
}

export class CodeStore {
  constructor(readonly root: string) {}

  /** The directory a stored package is extracted to. */
  dirOf(key: string): string {
    return join(this.root, key);
  }

  /** Whether the package is stored (and extracted) here. */
  has(key: string): boolean {
    return existsSync(join(this.dirOf(key), COMPLETE));
  }

  zipPathOf(key: string): string {
    return join(this.root, `${key}.zip`);
  }

  async readZip(key: string): Promise<Buffer> {
    return readFile(this.zipPathOf(key));
  }

  /** Stores a package (a zip or a directory snapshot), extracting it if new. Invalid zips fail as in Lambda. */
  async put(source: CodeSource): Promise<StoredCode> {
    const zip = 'directory' in source ? await zipDirectory(source.directory) : source.zip;
    if (zip.length > LIMITS.maxZipBytes) {
      throw lambdaError('RequestTooLargeException', `Request must be smaller than ${LIMITS.maxZipBytes} bytes for the CreateFunction operation`);
    }
    const digest = createHash('sha256').update(zip).digest();
    const stored: StoredCode = { sha256: digest.toString('base64'), key: digest.toString('hex'), size: zip.length };
    const dir = this.dirOf(stored.key);
    if (existsSync(join(dir, COMPLETE))) return stored;
    let files: Record<string, Uint8Array>;
    try {
      files = fflate().unzipSync(zip);
    } catch {
      throw invalidZip();
    }
    let total = 0;
    for (const [name, data] of Object.entries(files)) {
      if (name.startsWith('/') || name.split(/[\\/]/).includes('..')) throw invalidZip();
      total += data.length;
    }
    if (total > LIMITS.maxUnzippedBytes)
      throw lambdaError('InvalidParameterValueException', `Unzipped size must be smaller than ${LIMITS.maxUnzippedBytes} bytes`);
    const modes = zipModes(zip);
    await mkdir(this.root, { recursive: true });
    const tmp = join(this.root, `.tmp-${stored.key}-${randomBytes(4).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    for (const [name, data] of Object.entries(files)) {
      const target = join(tmp, name);
      if (name.endsWith('/')) {
        await mkdir(target, { recursive: true });
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
      const mode = modes.get(name);
      if (mode !== undefined) await chmod(target, mode | 0o400);
    }
    await writeFile(join(tmp, COMPLETE), '');
    await writeFile(this.zipPathOf(stored.key), zip);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return stored;
  }

  /** Removes stored packages whose keys are not in `keep`. */
  async gc(keep: ReadonlySet<string>): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return;
    }
    for (const n of names) {
      const key = n.endsWith('.zip') ? n.slice(0, -4) : n;
      if (key.startsWith('.tmp-') || !keep.has(key)) await rm(join(this.root, n), { recursive: true, force: true });
    }
  }
}
