/**
 * IAM action names and resource ARNs for every service besides Kinesis (src/iam/mappings.ts), end to end under
 * `--auth enforce`: an IAM user whose policy allows the `ok-*` resources of each service gets past authorisation
 * there (the service's own error or answer comes back) and is denied elsewhere with AWS's AccessDenied text
 * naming `<prefix>:<Action>` and the resource's ARN as the Service Authorization Reference spells it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FirehoseClient, DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand } from '@aws-sdk/client-firehose';
import { KinesisAnalyticsClient, DescribeApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import {
  KinesisAnalyticsV2Client,
  CreateApplicationCommand as CreateApplicationV2Command,
  DescribeApplicationCommand as DescribeApplicationV2Command,
  UpdateApplicationCommand as UpdateApplicationV2Command,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { LambdaClient, CreateFunctionCommand, GetEventSourceMappingCommand, GetFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { SQSClient, CreateQueueCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { CloudWatchClient, DeleteAlarmsCommand, GetDashboardCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { LookoutMetricsClient, CreateAnomalyDetectorCommand, DescribeAnomalyDetectorCommand } from '@aws-sdk/client-lookoutmetrics';
import { CreateAccessKeyCommand, CreateUserCommand, GetUserCommand, IAMClient, ListUsersCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const USER = `arn:aws:iam::${ACCOUNT}:user/svc`;
const ROOT = { accessKeyId: 'AKIAFRESHETROOT00003', secretAccessKey: 'root-secret-for-mapping-tests-00000000000' };
const ROLE = `arn:aws:iam::${ACCOUNT}:role/lambda-exec`;

/** The outcome of a call: 'ok', `denied: <message>` for AccessDenied, or the service's own error code. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    if (/AccessDenied/.test(err.name)) return `denied: ${err.message}`;
    return err.name;
  }
}

const noPolicy = (action: string, resource: string): string =>
  `denied: User: ${USER} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

describe('IAM mappings of every service under --auth enforce', () => {
  let server: FreshetServer;
  let creds: { accessKeyId: string; secretAccessKey: string };
  const clients: Array<{ destroy(): void }> = [];
  const as = <T extends { destroy(): void }>(make: (cfg: { endpoint: string; region: string; credentials: typeof creds; maxAttempts: number }) => T): T => {
    const c = make({ endpoint: server.url, region: REGION, credentials: creds, maxAttempts: 1 });
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startServer({
      storage: 'memory',
      auth: 'enforce',
      clock: new ManualClock(Date.now()),
      env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
    });
    const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: ROOT, maxAttempts: 1 });
    try {
      await iam.send(new CreateUserCommand({ UserName: 'svc' }));
      const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'svc' }));
      creds = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
      const statements = [
        { Effect: 'Allow', Action: 'firehose:*', Resource: `arn:aws:firehose:*:${ACCOUNT}:deliverystream/ok-*` },
        { Effect: 'Allow', Action: 'kinesisanalytics:Describe*', Resource: `arn:aws:kinesisanalytics:*:*:application/ok-*` },
        {
          Effect: 'Allow',
          Action: ['kinesisanalytics:CreateApplication', 'kinesisanalytics:UpdateApplication'],
          Resource: `arn:aws:kinesisanalytics:*:*:application/ok-*`,
        },
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ACCOUNT}:role/ok-*` },
        { Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:GetFunction', 'lambda:CreateFunction'], Resource: 'arn:aws:lambda:*:*:function:ok-*' },
        { Effect: 'Allow', Action: 'sqs:*', Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:ok-*` },
        { Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'App/ok' } } },
        {
          Effect: 'Allow',
          Action: ['cloudwatch:DeleteAlarms', 'cloudwatch:GetDashboard'],
          Resource: ['arn:aws:cloudwatch:*:*:alarm:ok-*', 'arn:aws:cloudwatch::*:dashboard/ok-*'],
        },
        { Effect: 'Allow', Action: 'lookoutmetrics:*', Resource: 'arn:aws:lookoutmetrics:*:*:AnomalyDetector:ok-*' },
        { Effect: 'Allow', Action: 'iam:GetUser', Resource: USER },
        { Effect: 'Allow', Action: 'logs:GetLogEvents', Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:ok-*` },
        { Effect: 'Deny', Action: 'sqs:*', Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:ok-blocked` },
      ];
      await iam.send(
        new PutUserPolicyCommand({ UserName: 'svc', PolicyName: 'mapped', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }),
      );
    } finally {
      iam.destroy();
    }
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.close();
  });

  it('Firehose: firehose:<Action> on deliverystream/<name>; ListDeliveryStreams on *', async () => {
    const f = as((c) => new FirehoseClient(c));
    assert.equal(await outcome(f.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'ok-ds' }))), 'ResourceNotFoundException');
    assert.equal(
      await outcome(f.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'no-ds' }))),
      noPolicy('firehose:DescribeDeliveryStream', `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/no-ds`),
    );
    assert.equal(await outcome(f.send(new ListDeliveryStreamsCommand({}))), noPolicy('firehose:ListDeliveryStreams', '*'));
  });

  it('Kinesis Analytics v1 and v2: kinesisanalytics:<Action> on application/<name>', async () => {
    const v1 = as((c) => new KinesisAnalyticsClient(c));
    const v2 = as((c) => new KinesisAnalyticsV2Client(c));
    assert.equal(await outcome(v1.send(new DescribeApplicationCommand({ ApplicationName: 'ok-app' }))), 'ResourceNotFoundException');
    assert.equal(
      await outcome(v1.send(new DescribeApplicationCommand({ ApplicationName: 'no-app' }))),
      noPolicy('kinesisanalytics:DescribeApplication', `arn:aws:kinesisanalytics:${REGION}:${ACCOUNT}:application/no-app`),
    );
    assert.equal(await outcome(v2.send(new DescribeApplicationV2Command({ ApplicationName: 'ok-app' }))), 'ResourceNotFoundException');
    assert.equal(
      await outcome(v2.send(new DescribeApplicationV2Command({ ApplicationName: 'no-app' }))),
      noPolicy('kinesisanalytics:DescribeApplication', `arn:aws:kinesisanalytics:${REGION}:${ACCOUNT}:application/no-app`),
    );
  });

  it('Kinesis Analytics v2: CreateApplication and UpdateApplication with a ServiceExecutionRole need iam:PassRole on it', async () => {
    const v2 = as((c) => new KinesisAnalyticsV2Client(c));
    const create = (name: string, role: string) =>
      v2.send(
        new CreateApplicationV2Command({
          ApplicationName: name,
          RuntimeEnvironment: 'FLINK-1_15',
          ServiceExecutionRole: role,
          ApplicationConfiguration: {
            ApplicationCodeConfiguration: {
              CodeContentType: 'PLAINTEXT',
              CodeContent: { TextContent: "CREATE TABLE s (v STRING) WITH ('connector' = 'kinesis', 'stream' = 's', 'format' = 'json');" },
            },
          },
        }),
      );
    const other = `arn:aws:iam::${ACCOUNT}:role/kda-other`;
    assert.equal(await outcome(create('ok-flink', other)), noPolicy('iam:PassRole', other));
    // Passing an ok-* role is allowed: the call gets as far as the role's trust policy (the role does not exist).
    assert.equal(await outcome(create('ok-flink', `arn:aws:iam::${ACCOUNT}:role/ok-kda`)), 'InvalidArgumentException');
    assert.equal(
      await outcome(
        v2.send(new UpdateApplicationV2Command({ ApplicationName: 'ok-flink', CurrentApplicationVersionId: 1, ServiceExecutionRoleUpdate: other })),
      ),
      noPolicy('iam:PassRole', other),
    );
  });

  it('Lambda: Invoke is lambda:InvokeFunction, qualifiers and event source mappings have their ARNs, CreateFunction needs iam:PassRole', async () => {
    const l = as((c) => new LambdaClient(c));
    assert.equal(await outcome(l.send(new InvokeCommand({ FunctionName: 'ok-fn' }))), 'ResourceNotFoundException');
    assert.equal(
      await outcome(l.send(new InvokeCommand({ FunctionName: 'no-fn' }))),
      noPolicy('lambda:InvokeFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:no-fn`),
    );
    assert.equal(
      await outcome(l.send(new GetFunctionCommand({ FunctionName: 'no-fn', Qualifier: 'live' }))),
      noPolicy('lambda:GetFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:no-fn:live`),
    );
    assert.equal(
      await outcome(l.send(new GetFunctionCommand({ FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ok-fn` }))),
      'ResourceNotFoundException',
    );
    const uuid = '14e0db71-5d35-4eb5-b481-8945cf9d10c2';
    assert.equal(
      await outcome(l.send(new GetEventSourceMappingCommand({ UUID: uuid }))),
      noPolicy('lambda:GetEventSourceMapping', `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:${uuid}`),
    );
    assert.equal(
      await outcome(
        l.send(
          new CreateFunctionCommand({
            FunctionName: 'ok-fn',
            Role: ROLE,
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Code: { ZipFile: new Uint8Array([0x50, 0x4b, 5, 6, ...new Array<number>(18).fill(0)]) },
          }),
        ),
      ),
      noPolicy('iam:PassRole', ROLE),
    );
  });

  it('SQS: the batch calls are authorised as their single forms on the queue ARN; an explicit Deny wins', async () => {
    const q = as((c) => new SQSClient(c));
    const ok = await q.send(new CreateQueueCommand({ QueueName: 'ok-q' }));
    assert.equal(await outcome(q.send(new SendMessageCommand({ QueueUrl: ok.QueueUrl!, MessageBody: 'x' }))), 'ok');
    const noUrl = ok.QueueUrl!.replace('ok-q', 'no-q');
    assert.equal(
      await outcome(q.send(new SendMessageBatchCommand({ QueueUrl: noUrl, Entries: [{ Id: '1', MessageBody: 'x' }] }))),
      noPolicy('sqs:SendMessage', `arn:aws:sqs:${REGION}:${ACCOUNT}:no-q`),
    );
    assert.match(
      await outcome(q.send(new CreateQueueCommand({ QueueName: 'ok-blocked' }))),
      /^denied: User: .* is not authorized to perform: sqs:CreateQueue on resource: arn:aws:sqs:us-east-1:000000000000:ok-blocked with an explicit deny in an identity-based policy$/,
    );
  });

  it('CloudWatch: cloudwatch:namespace conditions PutMetricData; every alarm of DeleteAlarms must be allowed; dashboards have no region', async () => {
    const cw = as((c) => new CloudWatchClient(c));
    const put = (ns: string) => cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: 'm', Value: 1 }] }));
    assert.equal(await outcome(put('App/ok')), 'ok');
    assert.equal(await outcome(put('App/other')), noPolicy('cloudwatch:PutMetricData', '*'));
    assert.equal(await outcome(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['ok-a'] }))), 'ResourceNotFound', 'past authorisation');
    assert.equal(
      await outcome(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['ok-a', 'no-a'] }))),
      noPolicy('cloudwatch:DeleteAlarms', `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:no-a`),
    );
    assert.equal(await outcome(cw.send(new GetDashboardCommand({ DashboardName: 'ok-d' }))), 'ResourceNotFound', 'past authorisation');
    assert.equal(
      await outcome(cw.send(new GetDashboardCommand({ DashboardName: 'no-d' }))),
      noPolicy('cloudwatch:GetDashboard', `arn:aws:cloudwatch::${ACCOUNT}:dashboard/no-d`),
    );
  });

  it('Lookout for Metrics: lookoutmetrics:<Action> on the detector ARN, CreateAnomalyDetector on the one it would create', async () => {
    const lm = as((c) => new LookoutMetricsClient(c));
    const created = await lm.send(
      new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'ok-det', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT1H' } }),
    );
    assert.equal(created.AnomalyDetectorArn, `arn:aws:lookoutmetrics:${REGION}:${ACCOUNT}:AnomalyDetector:ok-det`);
    assert.equal(await outcome(lm.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: created.AnomalyDetectorArn! }))), 'ok');
    assert.equal(
      await outcome(lm.send(new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'no-det', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT1H' } }))),
      noPolicy('lookoutmetrics:CreateAnomalyDetector', `arn:aws:lookoutmetrics:${REGION}:${ACCOUNT}:AnomalyDetector:no-det`),
    );
  });

  it('CloudWatch Logs: logs:<Action> on log-group:<name>[:log-stream:<stream>]; DescribeLogGroups without a name on *', async () => {
    const l = as((c) => new CloudWatchLogsClient(c));
    assert.equal(await outcome(l.send(new GetLogEventsCommand({ logGroupName: 'ok-g', logStreamName: 's' }))), 'ResourceNotFoundException');
    assert.equal(
      await outcome(l.send(new GetLogEventsCommand({ logGroupName: 'no-g', logStreamName: 's' }))),
      noPolicy('logs:GetLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:no-g:log-stream:s`),
    );
    assert.equal(await outcome(l.send(new DescribeLogGroupsCommand({}))), noPolicy('logs:DescribeLogGroups', '*'));
  });

  it('IAM and STS: GetUser without a name acts on the caller; ListUsers on user/; GetSessionToken on *; GetCallerIdentity always answers', async () => {
    const iam = as((c) => new IAMClient(c));
    assert.equal((await iam.send(new GetUserCommand({}))).User!.Arn, USER);
    assert.equal(await outcome(iam.send(new ListUsersCommand({}))), noPolicy('iam:ListUsers', `arn:aws:iam::${ACCOUNT}:user/`));
    const sts = as((c) => new STSClient(c));
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, USER);
    assert.equal(await outcome(sts.send(new GetSessionTokenCommand({}))), noPolicy('sts:GetSessionToken', '*'));
  });
});
