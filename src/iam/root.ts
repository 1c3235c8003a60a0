/**
 * The account's root credentials: `FRESHET_ROOT_ACCESS_KEY_ID` / `FRESHET_ROOT_SECRET_ACCESS_KEY` when
 * both are set (as MinIO takes its root user), else `<data dir>/root-credentials` (mode 0600), written
 * with fresh keys at first start (the caller prints them once). In memory only without a data dir.
 */
import { chmod, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { awsId, newSecret } from './store.ts';
import type { RootCredentials } from './store.ts';

export const ROOT_CREDENTIALS_FILE = 'root-credentials';

export interface RootCredentialsResult {
  credentials: RootCredentials;
  /** Where they came from: the environment, the file, or generated now (and written to `file`). */
  origin: 'env' | 'file' | 'generated';
  file?: string;
}

/** `aws_access_key_id = …` / `aws_secret_access_key = …` lines, the AWS credentials file's syntax. */
function parse(text: string): RootCredentials | undefined {
  const id = /aws_access_key_id\s*=\s*(\S+)/.exec(text)?.[1];
  const secret = /aws_secret_access_key\s*=\s*(\S+)/.exec(text)?.[1];
  return id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined;
}

export async function rootCredentials(dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<RootCredentialsResult> {
  const envId = env.FRESHET_ROOT_ACCESS_KEY_ID;
  const envSecret = env.FRESHET_ROOT_SECRET_ACCESS_KEY;
  if (envId && envSecret) return { credentials: { accessKeyId: envId, secretAccessKey: envSecret }, origin: 'env' };
  if (envId || envSecret) throw new Error('set both FRESHET_ROOT_ACCESS_KEY_ID and FRESHET_ROOT_SECRET_ACCESS_KEY, or neither');
  const generated = { accessKeyId: awsId('AKIA'), secretAccessKey: newSecret() };
  if (dataDir === undefined) return { credentials: generated, origin: 'generated' };
  const file = join(dataDir, ROOT_CREDENTIALS_FILE);
  try {
    const found = parse(await readFile(file, 'utf8'));
    if (found === undefined) throw new Error(`${file} has no aws_access_key_id / aws_secret_access_key lines: fix or delete it`);
    return { credentials: found, origin: 'file', file };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  // 'wx': never overwrite credentials another process just wrote.
  const h = await open(file, 'wx', 0o600);
  try {
    await h.writeFile(`[default]\naws_access_key_id = ${generated.accessKeyId}\naws_secret_access_key = ${generated.secretAccessKey}\n`);
    await h.sync();
  } finally {
    await h.close();
  }
  await chmod(file, 0o600);
  return { credentials: generated, origin: 'generated', file };
}
