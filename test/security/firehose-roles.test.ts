/**
 * A delivery stream writes its destination and invokes its processor with its roles under `--auth enforce`
 * (issue 18): a destination role that does not trust Firehose is refused at CreateDeliveryStream; one that may
 * not put objects into the bucket makes every delivery attempt fail with S3.AccessDenied and be retried (as AWS
 * retries S3 for up to 24 h), and the records arrive once the role may write again: nothing acknowledged is lost.
 * A processor role that may not invoke the function sends the batch to processing-failed with
 * Lambda.InvokeAccessDenied.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateDeliveryStreamCommand, FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import type { FirehoseService } from '../../src/firehose/index.ts';
import { listFiles, readObject } from '../firehose/helpers.ts';

const ACCOUNT = '000000000000';
const ROOT = { accessKeyId: 'AKIAFRESHETROOT00005', secretAccessKey: 'root-secret-for-firehose-roles-000000000' };
const role = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const TRUST = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
const policy = (effect: string, action: string | string[], resource: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: action, Resource: resource }] });
const TRANSFORM = 'arn:aws:lambda:us-east-1:000000000000:function:transform';
const p = (name: string, value: string) => ({ ParameterName: name, ParameterValue: value });

describe('delivery streams write and process with their roles under --auth enforce', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  let dir: string;
  let iam: IAMClient;
  let firehose: FirehoseClient;
  let settle: (name: string) => Promise<void>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'freshet-fh-roles-'));
    // Near real time, and advanced by seconds only: requests are signed with the wall clock and checked against this one.
    clock = new ManualClock(Date.now());
    server = await startServer({
      storage: new MemoryStorage(),
      dataDir: dir,
      auth: 'enforce',
      clock,
      firehose: {
        createDelayMs: 0,
        logger: () => {},
        functions: { transform: fileURLToPath(new URL('../firehose/fixtures/transform.ts', import.meta.url)) },
        retry: { initialDelayMs: 1000, s3MaxDelayMs: 1000 },
      },
      env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
    });
    const cfg = { endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 };
    iam = new IAMClient(cfg);
    firehose = new FirehoseClient(cfg);
    const engine = (server.services.find((s) => s.targetPrefix === 'Firehose_20150804') as FirehoseService).engine;
    settle = async (name) => {
      for (let i = 0; i < 3; i++) {
        await engine.settled(name);
        await new Promise((r) => setImmediate(r));
      }
    };
    await iam.send(new CreateRoleCommand({ RoleName: 'ec2-only', AssumeRolePolicyDocument: TRUST('ec2.amazonaws.com') }));
    await iam.send(new CreateRoleCommand({ RoleName: 'delivery', AssumeRolePolicyDocument: TRUST('firehose.amazonaws.com') }));
  });
  after(async () => {
    iam.destroy();
    firehose.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const create = (name: string, roleName: string, extra: Record<string, unknown> = {}) =>
    firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: {
          BucketARN: `arn:aws:s3:::bkt-${name}`,
          RoleARN: role(roleName),
          Prefix: 'out/',
          ErrorOutputPrefix: 'err/!{firehose:error-output-type}/',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 1 },
          ...extra,
        },
      }),
    );
  const put = (name: string, records: string[]) =>
    firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: Buffer.from(r) })) }));
  const tick = async (name: string, ms: number) => {
    await settle(name);
    clock.advance(ms);
    await settle(name);
  };

  it('refuses a destination role that does not trust Firehose', async () => {
    await assert.rejects(create('untrusted', 'ec2-only'), (e: Error) => {
      assert.equal(e.name, 'InvalidArgumentException');
      assert.equal(e.message, `Firehose is unable to assume role ${role('ec2-only')}. Please check the role provided.`);
      return true;
    });
  });

  it('retries S3.AccessDenied while the role may not put objects, then delivers every record once it may', async () => {
    await create('denied', 'delivery');
    await tick('denied', 1000);
    await put('denied', ['a\n', 'b\n']);
    const root = join(dir, 's3', 'bkt-denied');
    for (let i = 0; i < 5; i++) await tick('denied', 2000);
    assert.deepEqual(await listFiles(root), [], 'nothing written without s3:PutObject');

    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'delivery', PolicyName: 's3', PolicyDocument: policy('Allow', 's3:PutObject', 'arn:aws:s3:::bkt-*/*') }),
    );
    for (let i = 0; i < 3 && (await listFiles(root)).length === 0; i++) await tick('denied', 2000);
    const files = await listFiles(root);
    assert.equal(files.length, 1, files.join(','));
    assert.match(files[0]!, /^out\//);
    assert.equal((await readObject(root, files[0]!)).toString(), 'a\nb\n');
  });

  it('sends a batch to processing-failed with Lambda.InvokeAccessDenied when the processor role may not invoke the function', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'invoker', AssumeRolePolicyDocument: TRUST('firehose.amazonaws.com') }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'invoker', PolicyName: 'deny', PolicyDocument: policy('Deny', 'lambda:InvokeFunction', TRANSFORM) }));
    const processing = (roleArn: string | undefined) => ({
      ProcessingConfiguration: {
        Enabled: true,
        Processors: [
          {
            Type: 'Lambda' as const,
            Parameters: [p('LambdaArn', TRANSFORM), p('NumberOfRetries', '0'), p('BufferIntervalInSeconds', '60'), ...(roleArn ? [p('RoleArn', roleArn)] : [])],
          },
        ],
      },
    });
    // The processor's RoleArn parameter decides; without it, the destination's role does.
    await create('blocked', 'delivery', processing(role('invoker')));
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'delivery', PolicyName: 'invoke', PolicyDocument: policy('Allow', 'lambda:InvokeFunction', TRANSFORM) }),
    );
    await create('allowed', 'delivery', processing(undefined));
    for (const name of ['blocked', 'allowed']) {
      await tick(name, 1000);
      await put(name, ['keep me']);
      // 61 s seals the processor's batch (its interval cannot be under 60 s); the rest delivers it.
      await tick(name, 61_000);
      for (let i = 0; i < 2; i++) await tick(name, 2000);
    }
    const blocked = join(dir, 's3', 'bkt-blocked');
    const files = await listFiles(blocked);
    assert.equal(files.length, 1, files.join(','));
    assert.match(files[0]!, /^err\/processing-failed\//);
    const rec = JSON.parse((await readObject(blocked, files[0]!)).toString().trim());
    assert.equal(rec.errorCode, 'Lambda.InvokeAccessDenied');
    assert.equal(
      rec.errorMessage,
      `Access was denied. Ensure that the access policy allows access to the Lambda function. (User: arn:aws:sts::${ACCOUNT}:assumed-role/invoker/blocked is not authorized to perform: lambda:InvokeFunction on resource: ${TRANSFORM} with an explicit deny in an identity-based policy)`,
    );
    assert.equal(Buffer.from(rec.rawData, 'base64').toString(), 'keep me');
    const allowed = join(dir, 's3', 'bkt-allowed');
    const ok = await listFiles(allowed);
    assert.equal(ok.length, 1, ok.join(','));
    assert.equal((await readObject(allowed, ok[0]!)).toString(), 'KEEP ME\n');
  });
});
