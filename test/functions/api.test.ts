/**
 * The AWSLambda API on the Freshet server with real clients:
 * @aws-sdk/client-lambda (restJson1: labels, query strings, headers, the raw
 * Invoke payload), Debian's AWS CLI and boto3 — functions from zip files,
 * invocations with their headers, versions and aliases, concurrency
 * (reserved and provisioned), tags,
 * event source mappings from a stream and from a queue, and AWS's errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  TagResourceCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';
import { ROLE, uniqueName, zipOf } from './helpers.ts';
import { waitUntil } from './esm-harness.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const json = (b: Uint8Array | undefined) => JSON.parse(Buffer.from(b ?? new Uint8Array()).toString('utf8'));

describe('AWSLambda API', () => {
  let server: FreshetServer;
  let lambda: LambdaClient;
  let sqs: SQSClient;
  let kinesis: KinesisClient;
  let dir: string;
  before(async () => {
    server = await startServer({
      port: 0,
      storage: 'memory',
      createDelayMs: 0,
      functions: { mappingTransitionMs: 1, mappingRetryInitialMs: 20, provisionedReadyMs: 300 },
    });
    const cfg = { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 };
    lambda = new LambdaClient(cfg);
    sqs = new SQSClient(cfg);
    kinesis = new KinesisClient(cfg);
    dir = mkdtempSync(join(tmpdir(), 'freshet-lambda-api-'));
  });
  after(async () => {
    lambda.destroy();
    sqs.destroy();
    kinesis.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, invokes, updates, lists and deletes a function with the SDK', async () => {
    const name = uniqueName('sdk');
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: {
          ZipFile: zipOf({
            'index.js':
              'exports.handler = async (e, c) => { console.log("hello"); if (e.fail) throw new RangeError("bad"); return { got: e, v: c.functionVersion }; };',
          }),
        },
        Environment: { Variables: { GREETING: 'hi' } },
        Tags: { team: 'data' },
      }),
    );
    assert.equal(created.FunctionArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    assert.equal(created.State, 'Active');
    assert.equal(created.Version, '$LATEST');
    assert.deepEqual(created.Environment?.Variables, { GREETING: 'hi' });
    assert.match(created.LastModified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

    const ok = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"n":1}'), LogType: 'Tail' }));
    assert.equal(ok.StatusCode, 200);
    assert.equal(ok.FunctionError, undefined);
    assert.equal(ok.ExecutedVersion, '$LATEST');
    assert.deepEqual(json(ok.Payload), { got: { n: 1 }, v: '$LATEST' });
    assert.match(
      Buffer.from(ok.LogResult!, 'base64').toString(),
      /START RequestId: .* Version: \$LATEST\n.*\tINFO\thello\nEND RequestId: .*\nREPORT RequestId: /,
    );

    const failed = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"fail":true}') }));
    assert.equal(failed.FunctionError, 'Unhandled');
    assert.equal(json(failed.Payload).errorType, 'RangeError');

    const event = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from('{}') }));
    assert.equal(event.StatusCode, 202);
    const dry = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);

    const got = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    assert.equal(got.Configuration?.CodeSha256, created.CodeSha256);
    assert.deepEqual(got.Tags, { team: 'data' });
    const zip = Buffer.from(await (await fetch(got.Code!.Location!)).arrayBuffer());
    assert.equal(zip.subarray(0, 2).toString('latin1'), 'PK');

    const updated = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 9, MemorySize: 256 }));
    assert.equal(updated.Timeout, 9);
    assert.equal(updated.MemorySize, 256);
    const code = await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipOf({ 'index.js': 'exports.handler = async () => "v2";' }) }),
    );
    assert.notEqual(code.CodeSha256, created.CodeSha256);
    assert.equal(json((await lambda.send(new InvokeCommand({ FunctionName: name }))).Payload), 'v2');
    assert.ok((await lambda.send(new ListFunctionsCommand({}))).Functions!.some((f) => f.FunctionName === name));
    assert.equal((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).MemorySize, 256);

    await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: name })), (e: any) => {
      assert.equal(e.name, 'ResourceNotFoundException');
      assert.equal(e.message, `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}`);
      assert.equal(e.$metadata.httpStatusCode, 404);
      assert.equal(e.Type, 'User');
      return true;
    });
  });

  it('publishes versions, routes an alias, reports concurrency and tags, and throttles with TooManyRequestsException', async () => {
    const name = uniqueName('ver');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'python3.11',
        Role: ROLE,
        Handler: 'app.h',
        Code: { ZipFile: zipOf({ 'app.py': 'def h(e, c):\n    return "one"\n' }) },
      }),
    );
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'first' }));
    assert.equal(v1.Version, '1');
    assert.equal(v1.FunctionArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}:1`);
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipOf({ 'app.py': 'def h(e, c):\n    return "two"\n' }) }));
    const alias = await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    assert.equal(alias.AliasArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}:live`);
    const viaAlias = await lambda.send(new InvokeCommand({ FunctionName: `${name}:live` }));
    assert.equal(json(viaAlias.Payload), 'one');
    assert.equal(viaAlias.ExecutedVersion, '1');
    assert.deepEqual(
      (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }))).Versions!.map((v) => v.Version),
      ['$LATEST', '1'],
    );
    await lambda.send(new TagResourceCommand({ Resource: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, Tags: { env: 'test' } }));
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `arn:aws:lambda:us-east-1:000000000000:function:${name}` }))).Tags, { env: 'test' });
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 0 }));
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: name })), (e: any) => {
      assert.equal(e.name, 'TooManyRequestsException');
      assert.equal(e.$metadata.httpStatusCode, 429);
      assert.equal(e.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
      return true;
    });
    const settings = await lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(settings.AccountLimit?.ConcurrentExecutions, 1000);
    assert.equal(settings.AccountLimit?.UnreservedConcurrentExecutions, 1000);
  });

  it('keeps provisioned concurrency warm on a version or alias: IN_PROGRESS then READY, no cold start, AWS refusals', async () => {
    const name = uniqueName('pc');
    const code =
      'import os, time\nSTARTED = time.time()\ndef h(e, c):\n    time.sleep(e.get("sleep", 0))\n    return {"type": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"], "pid": os.getpid()}\n';
    await lambda.send(
      new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.11', Role: ROLE, Handler: 'app.h', Code: { ZipFile: zipOf({ 'app.py': code }) } }),
    );
    await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    const refused = async (p: Promise<unknown>, type: string, status: number, message: string) =>
      assert.rejects(p, (e: any) => {
        assert.equal(e.name, type);
        assert.equal(e.$metadata.httpStatusCode, status);
        assert.equal(e.message, message);
        return true;
      });
    await refused(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '$LATEST', ProvisionedConcurrentExecutions: 1 })),
      'InvalidParameterValueException',
      400,
      'Provisioned Concurrency Configs cannot be applied to unpublished function versions.',
    );
    await refused(
      lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' })),
      'ProvisionedConcurrencyConfigNotFoundException',
      404,
      'No Provisioned Concurrency Config found for this function',
    );
    const before = (await lambda.send(new GetAccountSettingsCommand({}))).AccountLimit!.UnreservedConcurrentExecutions!;
    await refused(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1', ProvisionedConcurrentExecutions: before - 99 })),
      'InvalidParameterValueException',
      400,
      "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );
    const put = await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    assert.equal(put.$metadata.httpStatusCode, 202);
    assert.equal(put.Status, 'IN_PROGRESS');
    assert.equal(put.RequestedProvisionedConcurrentExecutions, 2);
    assert.equal(put.AvailableProvisionedConcurrentExecutions, 0);
    assert.equal((await lambda.send(new GetAccountSettingsCommand({}))).AccountLimit!.UnreservedConcurrentExecutions, before - 2);
    await refused(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: 'live', ProvisionedConcurrentExecutions: 1 })),
      'ResourceConflictException',
      409,
      "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
    );
    let got = await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' }));
    await waitUntil(async () => {
      got = await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' }));
      return got.Status === 'READY';
    }, 'READY');
    assert.equal(got.AllocatedProvisionedConcurrentExecutions, 2);
    assert.equal(got.AvailableProvisionedConcurrentExecutions, 2);
    // Two invocations at once both run on the environments initialised beforehand: no Init Duration.
    const both = await Promise.all(
      [0, 1].map(() => lambda.send(new InvokeCommand({ FunctionName: `${name}:1`, Payload: Buffer.from('{"sleep": 0.3}'), LogType: 'Tail' }))),
    );
    for (const r of both) {
      assert.equal(json(r.Payload).type, 'provisioned-concurrency');
      assert.doesNotMatch(Buffer.from(r.LogResult!, 'base64').toString('utf8'), /Init Duration/);
    }
    assert.notEqual(json(both[0]!.Payload).pid, json(both[1]!.Payload).pid);
    // A third at once with them spills over to an on-demand environment; AWS/Lambda counts both kinds per Resource.
    const three = await Promise.all([0, 1, 2].map(() => lambda.send(new InvokeCommand({ FunctionName: `${name}:1`, Payload: Buffer.from('{"sleep": 1}') }))));
    assert.deepEqual(three.map((r) => json(r.Payload).type).sort(), ['on-demand', 'provisioned-concurrency', 'provisioned-concurrency']);
    const cw = new CloudWatchClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const sum = async (metric: string) =>
      (
        await cw.send(
          new GetMetricStatisticsCommand({
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [
              { Name: 'FunctionName', Value: name },
              { Name: 'Resource', Value: `${name}:1` },
            ],
            StartTime: new Date(Date.now() - 3_600_000),
            EndTime: new Date(Date.now() + 3_600_000),
            Period: 7200,
            Statistics: ['Sum'],
          }),
        )
      ).Datapoints?.[0]?.Sum;
    assert.equal(await sum('ProvisionedConcurrencyInvocations'), 4);
    assert.equal(await sum('ProvisionedConcurrencySpilloverInvocations'), 1);
    cw.destroy();
    // $LATEST has none: its first invocation starts an on-demand environment.
    const latest = await lambda.send(new InvokeCommand({ FunctionName: name, LogType: 'Tail' }));
    assert.equal(json(latest.Payload).type, 'on-demand');
    assert.match(Buffer.from(latest.LogResult!, 'base64').toString('utf8'), /Init Duration/);
    const listed = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: name }));
    assert.deepEqual(
      listed.ProvisionedConcurrencyConfigs!.map((c) => [c.FunctionArn, c.RequestedProvisionedConcurrentExecutions, c.Status]),
      [[`arn:aws:lambda:us-east-1:000000000000:function:${name}:1`, 2, 'READY']],
    );
    // With reserved concurrency, the provisioned total stays within it.
    await lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' }));
    await refused(
      lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' })),
      'ProvisionedConcurrencyConfigNotFoundException',
      404,
      'No Provisioned Concurrency Config found for this function',
    );
    assert.equal((await lambda.send(new GetAccountSettingsCommand({}))).AccountLimit!.UnreservedConcurrentExecutions, before);
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
    await refused(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: 'live', ProvisionedConcurrentExecutions: 2 })),
      'InvalidParameterValueException',
      400,
      'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
    );
    const onAlias = await lambda.send(
      new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }),
    );
    assert.equal(onAlias.Status, 'IN_PROGRESS');
    await refused(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1', ProvisionedConcurrentExecutions: 1 })),
      'ResourceConflictException',
      409,
      'Version is pointed by a Provisioned Concurrency alias',
    );
    await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  });

  it('maps a stream and a queue to functions: records are processed, the mapping is listed, updated and deleted', async () => {
    const stream = uniqueName('in');
    await server.kinesis.createStream(stream, { shardCount: 2 });
    await server.kinesis.whenActive(stream);
    const out = join(dir, `${stream}.jsonl`);
    const name = uniqueName('consumer');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: ROLE,
        Handler: 'index.handler',
        Environment: { Variables: { OUT: out } },
        Code: {
          ZipFile: zipOf({
            'index.js': `exports.handler = async (e) => { for (const r of e.Records) require('fs').appendFileSync(process.env.OUT, (r.kinesis ? Buffer.from(r.kinesis.data, 'base64').toString() : r.body) + '\\n'); };`,
          }),
        },
      }),
    );
    const m = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: server.kinesis.arnFor(stream),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 50,
      }),
    );
    assert.equal(m.State, 'Creating');
    assert.equal(m.BatchSize, 50);
    assert.equal(m.MaximumRetryAttempts, -1);
    await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 20 }, (_, i) => ({ Data: Buffer.from(`r${i}`), PartitionKey: `k${i}` })) }),
    );
    const lines = (): string[] => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []);
    await waitUntil(() => lines().length === 20, 'the stream’s records');
    assert.equal((await lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).State, 'Enabled');
    assert.equal((await lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).LastProcessingResult, 'OK');
    assert.deepEqual(
      (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: name }))).EventSourceMappings!.map((x) => x.UUID),
      [m.UUID],
    );
    const disabled = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: false }));
    assert.equal(disabled.State, 'Disabling');

    const q = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('q') }));
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const qm = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: arn, BatchSize: 5 }));
    assert.equal(qm.StartingPosition, undefined);
    await sqs.send(new SendMessageCommand({ QueueUrl: q.QueueUrl, MessageBody: 'from-queue' }));
    await waitUntil(() => lines().includes('from-queue'), 'the queue’s message');
    await waitUntil(
      async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.QueueUrl, VisibilityTimeout: 0 }))).Messages === undefined,
      'the message deleted',
    );
    const deleted = await lambda.send(new DeleteEventSourceMappingCommand({ UUID: qm.UUID }));
    assert.equal(deleted.State, 'Deleting');
    await assert.rejects(
      lambda.send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: server.kinesis.arnFor(stream), StartingPosition: 'LATEST' })),
      (e: any) => e.name === 'ResourceConflictException' && e.$metadata.httpStatusCode === 409,
    );
  });

  it('works from Debian’s AWS CLI and boto3', async () => {
    const name = uniqueName('cli');
    const zipPath = join(dir, 'cli.zip');
    writeFileSync(zipPath, zipOf({ 'lambda_function.py': 'def lambda_handler(event, context):\n    return {"echo": event, "fn": context.function_name}\n' }));
    const created = await awsCli(server.url, [
      'lambda',
      'create-function',
      '--function-name',
      name,
      '--runtime',
      'python3.11',
      '--role',
      ROLE,
      '--handler',
      'lambda_function.lambda_handler',
      '--zip-file',
      `fileb://${zipPath}`,
    ]);
    assert.equal(created.FunctionName, name);
    const outFile = join(dir, 'cli-out.json');
    const inv = await awsCli(server.url, [
      'lambda',
      'invoke',
      '--function-name',
      name,
      '--cli-binary-format',
      'raw-in-base64-out',
      '--payload',
      '{"k": 2}',
      outFile,
    ]);
    assert.equal(inv.StatusCode, 200);
    assert.deepEqual(JSON.parse(readFileSync(outFile, 'utf8')), { echo: { k: 2 }, fn: name });
    // Provisioned concurrency on a published version, from the CLI.
    assert.equal((await awsCli(server.url, ['lambda', 'publish-version', '--function-name', name])).Version, '1');
    const pc = await awsCli(server.url, [
      'lambda',
      'put-provisioned-concurrency-config',
      '--function-name',
      name,
      '--qualifier',
      '1',
      '--provisioned-concurrent-executions',
      '1',
    ]);
    assert.equal(pc.Status, 'IN_PROGRESS');
    assert.equal(pc.RequestedProvisionedConcurrentExecutions, 1);
    const pcs = await awsCli(server.url, ['lambda', 'list-provisioned-concurrency-configs', '--function-name', name]);
    assert.deepEqual(
      pcs.ProvisionedConcurrencyConfigs.map((c: { FunctionArn: string }) => c.FunctionArn),
      [`arn:aws:lambda:us-east-1:000000000000:function:${name}:1`],
    );
    await awsCli(server.url, ['lambda', 'delete-provisioned-concurrency-config', '--function-name', name, '--qualifier', '1']);
    await assert.rejects(
      awsCli(server.url, ['lambda', 'get-provisioned-concurrency-config', '--function-name', name, '--qualifier', '1']),
      /ProvisionedConcurrencyConfigNotFoundException/,
    );
    const script = [
      'import sys, json, boto3',
      "c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1')",
      'r = c.invoke(FunctionName=sys.argv[2], Payload=b\'{"from": "boto3"}\', LogType=\'Tail\')',
      "print(json.dumps({'status': r['StatusCode'], 'payload': json.loads(r['Payload'].read()), 'log': 'START RequestId' in __import__('base64').b64decode(r['LogResult']).decode()}))",
      'try:',
      "    c.get_function(FunctionName='does-not-exist')",
      'except c.exceptions.ResourceNotFoundException as e:',
      "    print(json.dumps({'error': e.response['Error']['Code'], 'message': e.response['Error']['Message']}))",
    ].join('\n');
    const [first, second] = (await python3(script, [server.url, name])).trim().split('\n');
    assert.deepEqual(JSON.parse(first!), { status: 200, payload: { echo: { from: 'boto3' }, fn: name }, log: true });
    assert.deepEqual(JSON.parse(second!), {
      error: 'ResourceNotFoundException',
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:does-not-exist',
    });
  });
});
