/**
 * IAM policy evaluation: table tests from the IAM User Guide's documented examples ("Policy evaluation
 * logic", "IAM JSON policy elements": NotAction, NotResource, Condition operators and global keys),
 * then the same logic end to end under `--auth enforce`: IAM users and role sessions calling Kinesis
 * with the SDK get AWS's AccessDeniedException texts, the PutRecords fast path included.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DeleteResourcePolicyCommand,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-kinesis';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteUserCommand,
  GetRoleCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ManualClock } from '../../src/core/index.ts';
import { compilePolicy, evaluate, accessDeniedMessage } from '../../src/iam/index.ts';
import type { ContextValue, EvaluationRequest } from '../../src/iam/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';

const ACCOUNT = '000000000000';
const STREAM = (name: string): string => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`;

function request(
  action: string,
  resource: string,
  keys: Record<string, ContextValue> = {},
  principalArn = `arn:aws:iam::${ACCOUNT}:user/alice`,
): EvaluationRequest {
  const lower = new Map(Object.entries(keys).map(([k, v]) => [k.toLowerCase(), v]));
  return { action, resource, principalArn, principalAccount: ACCOUNT, context: { get: (k) => lower.get(k) } };
}

function decide(policies: unknown[], r: EvaluationRequest, resourcePolicy?: unknown): string {
  const compiled = policies.map((p, i) => compilePolicy(JSON.stringify(p), `p${i}`));
  return evaluate(r, compiled, resourcePolicy === undefined ? undefined : compilePolicy(JSON.stringify(resourcePolicy), 'resource')).decision;
}

const allow = (action: unknown, resource: unknown = '*', extra: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource, ...extra }],
});
const deny = (action: unknown, resource: unknown = '*', extra: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: action, Resource: resource, ...extra }],
});

describe('policy evaluation (IAM User Guide examples)', () => {
  it('denies by default, allows on a matching Allow, and lets an explicit Deny win', () => {
    assert.equal(decide([], request('kinesis:PutRecord', STREAM('s'))), 'ImplicitDeny');
    assert.equal(decide([allow('kinesis:PutRecord')], request('kinesis:PutRecord', STREAM('s'))), 'Allow');
    assert.equal(decide([allow('kinesis:*'), deny('kinesis:PutRecord', STREAM('s'))], request('kinesis:PutRecord', STREAM('s'))), 'ExplicitDeny');
    assert.equal(decide([allow('kinesis:*'), deny('kinesis:PutRecord', STREAM('s'))], request('kinesis:PutRecord', STREAM('t'))), 'Allow');
  });

  it('matches actions case-insensitively with * and ?, resources case-sensitively', () => {
    assert.equal(decide([allow('Kinesis:put*')], request('kinesis:PutRecords', STREAM('s'))), 'Allow');
    assert.equal(decide([allow('kinesis:PutRecor?')], request('kinesis:PutRecords', STREAM('s'))), 'ImplicitDeny');
    assert.equal(decide([allow('kinesis:PutRecor?')], request('kinesis:PutRecord', STREAM('s'))), 'Allow');
    assert.equal(decide([allow('*', 'arn:aws:kinesis:*:*:stream/orders-*')], request('kinesis:PutRecord', STREAM('orders-eu'))), 'Allow');
    assert.equal(decide([allow('*', 'arn:aws:kinesis:*:*:stream/orders-*')], request('kinesis:PutRecord', STREAM('Orders-eu'))), 'ImplicitDeny');
  });

  it('NotAction allows everything but the listed actions (the "all but IAM" example)', () => {
    const p = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] };
    assert.equal(decide([p], request('kinesis:DeleteStream', STREAM('s'))), 'Allow');
    assert.equal(decide([p], request('iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/bob`)), 'ImplicitDeny');
  });

  it('NotResource with Deny protects everything but the listed resources', () => {
    const p = deny('kinesis:*', undefined, { NotResource: [STREAM('public')] });
    delete (p.Statement[0] as Record<string, unknown>).Resource;
    assert.equal(decide([allow('*'), p], request('kinesis:PutRecord', STREAM('public'))), 'Allow');
    assert.equal(decide([allow('*'), p], request('kinesis:PutRecord', STREAM('private'))), 'ExplicitDeny');
  });

  it('IpAddress / NotIpAddress on aws:SourceIp (the "deny outside these ranges" example)', () => {
    const p = [allow('*'), deny('*', '*', { Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] } } })];
    assert.equal(decide(p, request('kinesis:PutRecord', STREAM('s'), { 'aws:SourceIp': '192.0.2.17' })), 'Allow');
    assert.equal(decide(p, request('kinesis:PutRecord', STREAM('s'), { 'aws:SourceIp': '198.51.100.1' })), 'ExplicitDeny');
    const v6 = [allow('*', '*', { Condition: { IpAddress: { 'aws:SourceIp': '2001:db8::/32' } } })];
    assert.equal(decide(v6, request('kinesis:PutRecord', STREAM('s'), { 'aws:SourceIp': '2001:db8:1::5' })), 'Allow');
    assert.equal(decide(v6, request('kinesis:PutRecord', STREAM('s'), { 'aws:SourceIp': '2001:db9::5' })), 'ImplicitDeny');
  });

  it('DateGreaterThan / DateLessThan on aws:CurrentTime (the time-window example)', () => {
    const p = [
      allow('*', '*', {
        Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-04-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2020-06-30T23:59:59Z' } },
      }),
    ];
    assert.equal(decide(p, request('kinesis:PutRecord', STREAM('s'), { 'aws:CurrentTime': '2020-05-01T12:00:00.000Z' })), 'Allow');
    assert.equal(decide(p, request('kinesis:PutRecord', STREAM('s'), { 'aws:CurrentTime': '2020-07-01T00:00:00.000Z' })), 'ImplicitDeny');
  });

  it('Bool on aws:SecureTransport (the "deny plain HTTP" example)', () => {
    const p = [allow('*'), deny('*', '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })];
    assert.equal(decide(p, request('kinesis:PutRecord', STREAM('s'), { 'aws:SecureTransport': 'true' })), 'Allow');
    assert.equal(decide(p, request('kinesis:PutRecord', STREAM('s'), { 'aws:SecureTransport': 'false' })), 'ExplicitDeny');
  });

  it('StringEquals / StringLike / ArnLike, a missing key fails the condition, IfExists and Null treat absence', () => {
    const byPrincipal = [allow('*', '*', { Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/ali*' } } })];
    assert.equal(decide(byPrincipal, request('kinesis:PutRecord', STREAM('s'), { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/alice` })), 'Allow');
    assert.equal(decide(byPrincipal, request('kinesis:PutRecord', STREAM('s'), { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/bob` })), 'ImplicitDeny');
    const region = [allow('*', '*', { Condition: { StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] } } })];
    assert.equal(decide(region, request('kinesis:PutRecord', STREAM('s'), { 'aws:RequestedRegion': 'eu-west-1' })), 'Allow');
    assert.equal(decide(region, request('kinesis:PutRecord', STREAM('s'))), 'ImplicitDeny');
    const like = [allow('*', '*', { Condition: { StringLike: { 'aws:username': 'dev-*' } } })];
    assert.equal(decide(like, request('kinesis:PutRecord', STREAM('s'), { 'aws:username': 'dev-ann' })), 'Allow');
    const ifExists = [allow('*', '*', { Condition: { StringEqualsIfExists: { 'kinesis:ConsumerName': 'c1' } } })];
    assert.equal(decide(ifExists, request('kinesis:PutRecord', STREAM('s'))), 'Allow');
    const isNull = [allow('*', '*', { Condition: { Null: { 'aws:TokenIssueTime': 'true' } } })];
    assert.equal(decide(isNull, request('kinesis:PutRecord', STREAM('s'))), 'Allow');
    assert.equal(decide(isNull, request('kinesis:PutRecord', STREAM('s'), { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' })), 'ImplicitDeny');
  });

  it('a resource policy naming the caller allows without an identity policy; naming the account does not', () => {
    const named = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: 'kinesis:PutRecord', Resource: STREAM('s') }],
    };
    assert.equal(decide([], request('kinesis:PutRecord', STREAM('s')), named), 'Allow');
    const account = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kinesis:PutRecord', Resource: STREAM('s') }],
    };
    assert.equal(decide([], request('kinesis:PutRecord', STREAM('s')), account), 'ImplicitDeny');
    const denyAll = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'kinesis:*', Resource: STREAM('s') }] };
    assert.equal(decide([allow('*')], request('kinesis:PutRecord', STREAM('s')), denyAll), 'ExplicitDeny');
  });

  it('words AccessDenied as AWS does', () => {
    const arn = `arn:aws:iam::${ACCOUNT}:user/alice`;
    assert.equal(
      accessDeniedMessage(arn, 'kinesis:PutRecord', STREAM('s'), { decision: 'ImplicitDeny' }),
      `User: ${arn} is not authorized to perform: kinesis:PutRecord on resource: ${STREAM('s')} because no identity-based policy allows the kinesis:PutRecord action`,
    );
    assert.equal(
      accessDeniedMessage(arn, 'kinesis:PutRecord', STREAM('s'), { decision: 'ExplicitDeny', kind: 'identity' }),
      `User: ${arn} is not authorized to perform: kinesis:PutRecord on resource: ${STREAM('s')} with an explicit deny in an identity-based policy`,
    );
  });

  it('refuses malformed documents', () => {
    assert.throws(() => compilePolicy('{', 'x'), /Syntax errors in policy/);
    assert.throws(() => compilePolicy('{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}', 'x'), /Effect/);
    assert.throws(
      () => compilePolicy('{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSortOf":{"a":"b"}}}]}', 'x'),
      /Unknown condition operator/,
    );
  });
});

describe('policies enforced on real calls', () => {
  const ROOT = { accessKeyId: 'AKIAFRESHETROOT00002', secretAccessKey: 'root-secret-for-policy-tests-000000000000' };
  let server: FreshetServer;
  let clock: ManualClock;
  let iam: IAMClient;
  before(async () => {
    clock = new ManualClock(Date.now());
    server = await startServer({
      storage: 'memory',
      auth: 'enforce',
      clock,
      env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
    });
    iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    const k = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    try {
      for (const name of ['allowed', 'other']) await k.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(10);
    } finally {
      k.destroy();
    }
  });
  after(async () => {
    iam.destroy();
    await server.close();
  });

  async function userWithKey(name: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    await iam.send(new CreateUserCommand({ UserName: name }));
    const out = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: out.AccessKey!.AccessKeyId!, secretAccessKey: out.AccessKey!.SecretAccessKey! };
  }

  async function denied(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (e) {
      const err = e as Error & { $metadata?: { httpStatusCode?: number } };
      return `${err.name} ${err.$metadata?.httpStatusCode}: ${err.message}`;
    }
    return 'allowed';
  }

  it('a user without policies is denied with AWS words; an inline policy allows one stream; an explicit Deny wins', async () => {
    const creds = await userWithKey('writer');
    const k = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const put = (s: string) => k.send(new PutRecordCommand({ StreamName: s, PartitionKey: 'k', Data: Buffer.from('x') }));
    const putMany = (s: string) => k.send(new PutRecordsCommand({ StreamName: s, Records: [{ PartitionKey: 'k', Data: Buffer.from('x') }] }));
    const user = `arn:aws:iam::${ACCOUNT}:user/writer`;
    try {
      assert.equal(
        await denied(put('allowed')),
        `AccessDeniedException 400: User: ${user} is not authorized to perform: kinesis:PutRecord on resource: ${STREAM('allowed')} because no identity-based policy allows the kinesis:PutRecord action`,
      );
      await iam.send(
        new PutUserPolicyCommand({
          UserName: 'writer',
          PolicyName: 'write-allowed',
          PolicyDocument: JSON.stringify(allow(['kinesis:PutRecord', 'kinesis:PutRecords'], 'arn:aws:kinesis:*:*:stream/allowed')),
        }),
      );
      assert.equal(await denied(put('allowed')), 'allowed');
      assert.equal(await denied(putMany('allowed')), 'allowed', 'the PutRecords fast path is authorised too');
      assert.match(
        await denied(putMany('other')),
        /^AccessDeniedException 400: User: .* kinesis:PutRecords on resource: arn:aws:kinesis:us-east-1:000000000000:stream\/other because/,
      );
      assert.match(await denied(k.send(new ListStreamsCommand({}))), /kinesis:ListStreams on resource: \* because no identity-based policy/);
      await iam.send(new PutUserPolicyCommand({ UserName: 'writer', PolicyName: 'no', PolicyDocument: JSON.stringify(deny('kinesis:PutRecords', '*')) }));
      assert.match(await denied(putMany('allowed')), /with an explicit deny in an identity-based policy$/);
      const got = await iam.send(new GetUserPolicyCommand({ UserName: 'writer', PolicyName: 'no' }));
      assert.deepEqual(JSON.parse(decodeURIComponent(got.PolicyDocument!)), deny('kinesis:PutRecords', '*'));
    } finally {
      k.destroy();
    }
  });

  it('a managed policy attached to a user; IAM errors in IAM words', async () => {
    const creds = await userWithKey('reader');
    const created = await iam.send(new CreatePolicyCommand({ PolicyName: 'list', PolicyDocument: JSON.stringify(allow('kinesis:List*')) }));
    assert.equal(created.Policy!.Arn, `arn:aws:iam::${ACCOUNT}:policy/list`);
    await iam.send(new AttachUserPolicyCommand({ UserName: 'reader', PolicyArn: created.Policy!.Arn! }));
    const k = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    try {
      assert.deepEqual((await k.send(new ListStreamsCommand({}))).StreamNames, ['allowed', 'other']);
    } finally {
      k.destroy();
    }
    assert.equal(
      await denied(iam.send(new CreateUserCommand({ UserName: 'reader' }))),
      'EntityAlreadyExistsException 409: User with name reader already exists.',
    );
    assert.equal(
      await denied(iam.send(new DeleteUserCommand({ UserName: 'nobody' }))),
      'NoSuchEntityException 404: The user with name nobody cannot be found.',
    );
    assert.equal(
      await denied(iam.send(new DeleteUserCommand({ UserName: 'reader' }))),
      'DeleteConflictException 409: Cannot delete entity, must delete access keys first.',
    );
    assert.equal(
      await denied(iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'bad', PolicyDocument: '{"Statement":' }))),
      'MalformedPolicyDocumentException 400: Syntax errors in policy.',
    );
    const users = await iam.send(new ListUsersCommand({}));
    assert.deepEqual(
      users.Users!.map((u) => u.UserName),
      ['reader', 'writer'],
    );
    // A user's own IAM calls are checked too.
    const ri = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    try {
      assert.match(
        await denied(ri.send(new CreateUserCommand({ UserName: 'x' }))),
        /^AccessDenied 403: User: arn:aws:iam::000000000000:user\/reader is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::000000000000:user\/x because/,
      );
    } finally {
      ri.destroy();
    }
  });

  it('AssumeRole: the trust policy decides who may assume, the role’s policies what the session may do, a session policy narrows it', async () => {
    const creds = await userWithKey('assumer');
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/assumer` }, Action: 'sts:AssumeRole' }],
    };
    await iam.send(new CreateRoleCommand({ RoleName: 'producer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'producer', PolicyName: 'put', PolicyDocument: JSON.stringify(allow('kinesis:Put*')) }));
    const role = await iam.send(new GetRoleCommand({ RoleName: 'producer' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!)), trust);
    const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const other = await userWithKey('stranger');
    const stsOther = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: other, maxAttempts: 1 });
    try {
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'job-1', DurationSeconds: 900 }));
      assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/producer/job-1`);
      const session = {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      };
      const k = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: session, maxAttempts: 1 });
      try {
        assert.equal(await denied(k.send(new PutRecordCommand({ StreamName: 'other', PartitionKey: 'k', Data: Buffer.from('x') }))), 'allowed');
        assert.match(
          await denied(k.send(new ListStreamsCommand({}))),
          /^AccessDeniedException 400: User: arn:aws:sts::000000000000:assumed-role\/producer\/job-1 is not authorized to perform: kinesis:ListStreams/,
        );
      } finally {
        k.destroy();
      }
      const narrowed = await sts.send(
        new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'job-2', Policy: JSON.stringify(allow('kinesis:PutRecord', STREAM('allowed'))) }),
      );
      const k2 = new KinesisClient({
        endpoint: server.url,
        region: 'us-east-1',
        credentials: {
          accessKeyId: narrowed.Credentials!.AccessKeyId!,
          secretAccessKey: narrowed.Credentials!.SecretAccessKey!,
          sessionToken: narrowed.Credentials!.SessionToken!,
        },
        maxAttempts: 1,
      });
      try {
        assert.equal(await denied(k2.send(new PutRecordCommand({ StreamName: 'allowed', PartitionKey: 'k', Data: Buffer.from('x') }))), 'allowed');
        assert.match(await denied(k2.send(new PutRecordCommand({ StreamName: 'other', PartitionKey: 'k', Data: Buffer.from('x') }))), /^AccessDeniedException/);
      } finally {
        k2.destroy();
      }
      assert.equal(
        await denied(stsOther.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'stranger' }))),
        `AccessDenied 403: User: arn:aws:iam::${ACCOUNT}:user/stranger is not authorized to perform: sts:AssumeRole on resource: ${role.Role!.Arn} because no identity-based policy allows the sts:AssumeRole action`,
      );
      assert.match(
        await denied(sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'long', DurationSeconds: 7200 }))),
        /^ValidationError 400: The requested DurationSeconds exceeds the MaxSessionDuration set for this role\.$/,
      );
    } finally {
      sts.destroy();
      stsOther.destroy();
    }
  });

  it('a stream resource policy (Kinesis PutResourcePolicy) lets a named user in without an identity policy, and a Deny in it wins', async () => {
    const creds = await userWithKey('guest');
    const root = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    const k = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const put = () => k.send(new PutRecordCommand({ StreamName: 'other', PartitionKey: 'k', Data: Buffer.from('x') }));
    const policy = (effect: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: effect, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/guest` }, Action: 'kinesis:PutRecord', Resource: STREAM('other') }],
      });
    try {
      assert.match(await denied(put()), /^AccessDeniedException/);
      assert.equal((await root.send(new GetResourcePolicyCommand({ ResourceARN: STREAM('other') }))).Policy, '{}');
      await root.send(new PutResourcePolicyCommand({ ResourceARN: STREAM('other'), Policy: policy('Allow') }));
      assert.equal((await root.send(new GetResourcePolicyCommand({ ResourceARN: STREAM('other') }))).Policy, policy('Allow'));
      assert.equal(await denied(put()), 'allowed');
      await iam.send(new PutUserPolicyCommand({ UserName: 'guest', PolicyName: 'all', PolicyDocument: JSON.stringify(allow('kinesis:*')) }));
      await root.send(new PutResourcePolicyCommand({ ResourceARN: STREAM('other'), Policy: policy('Deny') }));
      assert.match(await denied(put()), /with an explicit deny in a resource-based policy$/);
      await root.send(new DeleteResourcePolicyCommand({ ResourceARN: STREAM('other') }));
      assert.equal(await denied(put()), 'allowed');
      assert.match(
        await denied(root.send(new PutResourcePolicyCommand({ ResourceARN: STREAM('nope'), Policy: policy('Allow') }))),
        /^ResourceNotFoundException 400: Stream nope under account 000000000000 not found\.$/,
      );
      assert.match(
        await denied(root.send(new PutResourcePolicyCommand({ ResourceARN: STREAM('other'), Policy: 'not json' }))),
        /^InvalidArgumentException 400: Syntax errors in policy\.$/,
      );
    } finally {
      root.destroy();
      k.destroy();
    }
  });
});
