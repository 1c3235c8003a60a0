/**
 * Function code from the embedded object store: CreateFunction and
 * UpdateFunctionCode with S3Bucket/S3Key read `<data-dir>/s3/<bucket>/<key>`
 * (where delivery streams write, and where a user puts a package), and a
 * missing bucket or key answers Lambda's GetObject error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { ROLE, zipOf } from './helpers.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

describe('function code from S3Bucket/S3Key', () => {
  let server: FreshetServer;
  let lambda: LambdaClient;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'freshet-s3code-'));
    server = await startServer({ port: 0, dataDir, fsync: { kind: 'never' }, createDelayMs: 0 });
    lambda = new LambdaClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  });
  after(async () => {
    lambda.destroy();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const put = (key: string, version: number) => {
    const path = join(dataDir, 's3', 'code-bucket', key);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, zipOf({ 'index.mjs': `export const handler = async () => ({ version: ${version} });` }));
  };
  const invoke = async (name: string) => JSON.parse(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: name }))).Payload!).toString());

  it('creates and updates a function from objects of the embedded store', async () => {
    put('releases/v1.zip', 1);
    put('releases/v2.zip', 2);
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'from-s3',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { S3Bucket: 'code-bucket', S3Key: 'releases/v1.zip' },
      }),
    );
    assert.deepEqual(await invoke('from-s3'), { version: 1 });
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'from-s3', S3Bucket: 'code-bucket', S3Key: 'releases/v2.zip' }));
    assert.deepEqual(await invoke('from-s3'), { version: 2 });
  });

  it("answers Lambda's GetObject errors for a missing key or bucket", async () => {
    for (const [S3Bucket, S3Key, code] of [
      ['code-bucket', 'nope.zip', 'NoSuchKey'],
      ['no-bucket', 'x.zip', 'NoSuchBucket'],
      ['code-bucket', '../../etc/passwd', 'NoSuchBucket'],
    ] as const) {
      await assert.rejects(
        lambda.send(
          new CreateFunctionCommand({ FunctionName: 'bad-s3', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { S3Bucket, S3Key } }),
        ),
        (e: Error) => e.name === 'InvalidParameterValueException' && e.message.includes(`S3 Error Code: ${code}`),
      );
    }
  });
});
