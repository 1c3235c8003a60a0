/**
 * AWS/Lambda and AWS/SQS metrics on a ManualClock, read back with the CloudWatch SDK and the AWS CLI
 * after a known load: invocations, errors, throttles and durations per function, per Resource and per
 * ExecutedVersion of an alias; IteratorAge of a stream mapping; dead-letter queue delivery of a failed
 * asynchronous event; messages sent, received, deleted, empty receives, message sizes, and the
 * once-a-minute queue depth and age gauges.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import type { Statistic } from '@aws-sdk/client-cloudwatch';
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { awsCli } from '../helpers/third-party-clients.ts';
import { ROLE, zipOf } from '../functions/helpers.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const HOUR = 3_600_000;
const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };

describe('AWS/Lambda and AWS/SQS metrics', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  let cw: CloudWatchClient;
  let lambda: LambdaClient;
  let sqs: SQSClient;
  let kinesis: KinesisClient;

  before(async () => {
    clock = new ManualClock(T0);
    server = await startServer({ storage: 'memory', clock, createDelayMs: 0, metrics: { evaluationDelayMs: 0 }, functions: { mappingTransitionMs: 1 } });
    const cfg = { endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 };
    cw = new CloudWatchClient(cfg);
    lambda = new LambdaClient(cfg);
    sqs = new SQSClient(cfg);
    kinesis = new KinesisClient(cfg);
  });
  after(async () => {
    for (const c of [cw, lambda, sqs, kinesis]) c.destroy();
    await server.close();
  });

  async function stat(
    namespace: string,
    metric: string,
    statistic: Statistic,
    dims: Record<string, string>,
    range: { start: number; end: number; period: number } = { start: T0 - HOUR, end: T0 + 2 * HOUR, period: 3 * 3600 },
  ): Promise<number | undefined> {
    const r = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: metric,
        Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
        StartTime: new Date(range.start),
        EndTime: new Date(range.end),
        Period: range.period / 1000,
        Statistics: [statistic],
      }),
    );
    assert.ok((r.Datapoints?.length ?? 0) <= 1, `one datapoint for ${metric}`);
    return r.Datapoints?.[0]?.[statistic];
  }

  async function createFunction(name: string, code: string): Promise<string> {
    const r = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: zipOf({ 'index.js': code }) },
      }),
    );
    return r.FunctionArn!;
  }

  /** Lets the clock run in small steps until `check` holds (pollers and transitions wait on the clock). */
  async function runClockUntil(check: () => boolean | Promise<boolean>, what: string, stepMs = 20): Promise<void> {
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      if (await check()) return;
      clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('counts Invocations, Errors, Throttles and Duration per function, Resource, ExecutedVersion and account', async () => {
    await createFunction('calc', `exports.handler = async (e) => { if (e.fail) throw new Error('bad input'); return e.n * 2; };`);
    const invoke = (payload: unknown, qualifier?: string) =>
      lambda.send(new InvokeCommand({ FunctionName: 'calc', Payload: Buffer.from(JSON.stringify(payload)), ...(qualifier ? { Qualifier: qualifier } : {}) }));
    for (let i = 0; i < 3; i++) assert.equal((await invoke({ n: i })).FunctionError, undefined);
    assert.equal((await invoke({ fail: true })).FunctionError, 'Unhandled');
    const v = await lambda.send(new PublishVersionCommand({ FunctionName: 'calc' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'calc', Name: 'live', FunctionVersion: v.Version! }));
    await invoke({ n: 5 }, 'live');
    await invoke({ n: 6 }, 'live');
    await invoke({ n: 7 }, v.Version!);
    // Reserved concurrency 0: every request is throttled and none runs.
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'calc', ReservedConcurrentExecutions: 0 }));
    await assert.rejects(invoke({ n: 1 }), TooManyRequestsException);
    await assert.rejects(invoke({ n: 1 }, 'live'), TooManyRequestsException);

    const fn = { FunctionName: 'calc' };
    assert.equal(await stat('AWS/Lambda', 'Invocations', 'Sum', fn), 7);
    assert.equal(await stat('AWS/Lambda', 'Errors', 'Sum', fn), 1);
    assert.equal(await stat('AWS/Lambda', 'Throttles', 'Sum', fn), 2);
    assert.equal(await stat('AWS/Lambda', 'Duration', 'SampleCount', fn), 7);
    const maxMs = (await stat('AWS/Lambda', 'Duration', 'Maximum', fn))!;
    assert.ok(maxMs > 0 && maxMs < 10_000, `Duration ${maxMs} ms`);
    assert.equal(await stat('AWS/Lambda', 'ConcurrentExecutions', 'Maximum', fn), 1);
    // Resource: the unqualified name, name:alias and name:version each get their own series.
    assert.equal(await stat('AWS/Lambda', 'Invocations', 'Sum', { FunctionName: 'calc', Resource: 'calc' }), 4);
    assert.equal(await stat('AWS/Lambda', 'Invocations', 'Sum', { FunctionName: 'calc', Resource: 'calc:live' }), 2);
    assert.equal(await stat('AWS/Lambda', 'Invocations', 'Sum', { FunctionName: 'calc', Resource: `calc:${v.Version}` }), 1);
    assert.equal(await stat('AWS/Lambda', 'Throttles', 'Sum', { FunctionName: 'calc', Resource: 'calc:live' }), 1);
    assert.equal(await stat('AWS/Lambda', 'Invocations', 'Sum', { FunctionName: 'calc', Resource: 'calc:live', ExecutedVersion: v.Version! }), 2);
    assert.equal(
      await stat('AWS/Lambda', 'Invocations', 'Sum', { FunctionName: 'calc', Resource: `calc:${v.Version}`, ExecutedVersion: v.Version! }),
      undefined,
    );
    // Account-wide (no dimensions) series include every function's invocations.
    assert.ok((await stat('AWS/Lambda', 'Invocations', 'Sum', {}))! >= 7);

    const listed = await awsCli(server.url, ['cloudwatch', 'list-metrics', '--namespace', 'AWS/Lambda', '--dimensions', 'Name=FunctionName,Value=calc']);
    const names = new Set<string>(listed.Metrics.map((m: { MetricName: string }) => m.MetricName));
    for (const n of ['Invocations', 'Errors', 'Throttles', 'Duration', 'ConcurrentExecutions']) assert.ok(names.has(n), `list-metrics has ${n}`);
  });

  it('reports IteratorAge of a stream mapping as the age of each batch’s last record when it is sent', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: 1 }));
    clock.advance(10);
    await server.kinesis.whenActive('ticks');
    const put = clock.now();
    await kinesis.send(new PutRecordsCommand({ StreamName: 'ticks', Records: [1, 2, 3].map((i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`r${i}`) })) }));
    clock.advance(7000);
    const arn = await createFunction('tick-consumer', `exports.handler = async () => {};`);
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: arn,
        EventSourceArn: server.kinesis.arnFor('ticks'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
      }),
    );
    await runClockUntil(async () => (await stat('AWS/Lambda', 'Invocations', 'Sum', { FunctionName: 'tick-consumer' })) === 1, 'the batch');
    const sentAfter = clock.now() - put;
    const age = await stat('AWS/Lambda', 'IteratorAge', 'Maximum', { FunctionName: 'tick-consumer' });
    assert.ok(age !== undefined && age >= 7000 && age <= sentAfter, `IteratorAge ${age} ms in [7000, ${sentAfter}]`);
  });

  it('sends a failed asynchronous event to the function’s dead-letter queue', async () => {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'calc-dlq' }));
    const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:calc-dlq';
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'always-fails',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: zipOf({ 'index.js': `exports.handler = async () => { throw new Error('nope'); };` }) },
        DeadLetterConfig: { TargetArn: dlqArn },
      }),
    );
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'always-fails', MaximumRetryAttempts: 0 }));
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'always-fails', InvocationType: 'Event', Payload: Buffer.from('{"job":42}') }));
    assert.equal(r.StatusCode, 202);
    let got: ReceiveMessageCommandOutput = { $metadata: {} };
    await runClockUntil(async () => {
      got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.QueueUrl, MessageAttributeNames: ['All'] }));
      return (got.Messages?.length ?? 0) === 1;
    }, 'the dead-letter message');
    const m = got.Messages![0]!;
    const attrs = m.MessageAttributes!;
    assert.equal(m.Body, '{"job":42}');
    assert.equal(attrs.ErrorCode!.StringValue, '200');
    assert.equal(attrs.ErrorMessage!.StringValue, 'nope');
    assert.match(attrs.RequestID!.StringValue!, /^[0-9a-f-]{36}$/);
    assert.equal(await stat('AWS/Lambda', 'Errors', 'Sum', { FunctionName: 'always-fails' }), 1);
    assert.equal(await stat('AWS/Lambda', 'DeadLetterErrors', 'Sum', { FunctionName: 'always-fails' }), undefined);
  });

  it('counts messages sent, received, deleted, empty receives and sizes, and samples depth and age once a minute', async () => {
    const q = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    const empty = await sqs.send(new CreateQueueCommand({ QueueName: 'idle' }));
    const firstSent = clock.now();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.QueueUrl, MessageBody: 'a'.repeat(100) }));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.QueueUrl,
        Entries: [
          { Id: '1', MessageBody: 'b'.repeat(200) },
          { Id: '2', MessageBody: 'c'.repeat(300) },
          { Id: '3', MessageBody: 'later', DelaySeconds: 900 },
        ],
      }),
    );
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.QueueUrl, MaxNumberOfMessages: 2, VisibilityTimeout: 600 }));
    assert.equal(got.Messages?.length, 2);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: q.QueueUrl, ReceiptHandle: got.Messages![0]!.ReceiptHandle! }));
    for (let i = 0; i < 3; i++) assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: empty.QueueUrl }))).Messages, undefined);

    const jobs = { QueueName: 'jobs' };
    assert.equal(await stat('AWS/SQS', 'NumberOfMessagesSent', 'Sum', jobs), 4);
    assert.equal(await stat('AWS/SQS', 'SentMessageSize', 'Sum', jobs), 605);
    assert.equal(await stat('AWS/SQS', 'SentMessageSize', 'Maximum', jobs), 300);
    assert.equal(await stat('AWS/SQS', 'NumberOfMessagesReceived', 'Sum', jobs), 2);
    assert.equal(await stat('AWS/SQS', 'NumberOfMessagesDeleted', 'Sum', jobs), 1);
    assert.equal(await stat('AWS/SQS', 'NumberOfEmptyReceives', 'Sum', { QueueName: 'idle' }), 3);
    assert.equal(await stat('AWS/SQS', 'NumberOfMessagesReceived', 'Sum', { QueueName: 'idle' }), undefined);

    // The gauges are sampled at the first flush of each clock minute.
    clock.advance(61_000 - (clock.now() % 60_000));
    const minute = clock.now() - (clock.now() % 60_000);
    const range = { start: minute, end: minute + 60_000, period: 60_000 };
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['All'] }));
    assert.equal(await stat('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', jobs, range), Number(attrs.Attributes!.ApproximateNumberOfMessages));
    assert.equal(await stat('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', jobs, range), 1);
    assert.equal(await stat('AWS/SQS', 'ApproximateNumberOfMessagesNotVisible', 'Maximum', jobs, range), 1);
    assert.equal(await stat('AWS/SQS', 'ApproximateNumberOfMessagesDelayed', 'Maximum', jobs, range), 1);
    assert.equal(await stat('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'Maximum', jobs, range), Math.floor((clock.now() - firstSent) / 1000));
    assert.equal(await stat('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', { QueueName: 'idle' }, range), 0);
    assert.equal(await stat('AWS/SQS', 'ApproximateAgeOfOldestMessage', 'Maximum', { QueueName: 'idle' }, range), undefined);

    const cli = await awsCli(server.url, [
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/SQS',
      '--metric-name',
      'NumberOfMessagesSent',
      '--dimensions',
      'Name=QueueName,Value=jobs',
      '--start-time',
      new Date(T0 - HOUR).toISOString(),
      '--end-time',
      new Date(T0 + 2 * HOUR).toISOString(),
      '--period',
      '10800',
      '--statistics',
      'Sum',
    ]);
    assert.equal(cli.Datapoints[0].Sum, 4);
  });
});
