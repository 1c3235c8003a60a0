/**
 * Every wire protocol of the toolkit, proven with tiny services built from the real generated models
 * (a few STS, SQS, CloudWatch and Lambda operations with stub handlers) and driven by real clients:
 * @aws-sdk/client-{sts,sqs,cloudwatch,lambda}, Debian's AWS CLI v2 and boto3. What each handler received
 * is recorded, so the tests check decoding (lists, maps, flattening, headers, labels, blobs, timestamps)
 * as well as the responses and errors the clients read.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { CloudWatchClient, PutMetricDataCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient, InvokeCommand, GetFunctionCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { ManualClock } from '../../src/core/index.ts';
import { Router, actionTable, defineAction, defineErrors, defineService, noActions } from '../../src/aws/index.ts';
import type { AwsService } from '../../src/aws/index.ts';
import { stsModel } from '../../src/aws/models/sts.ts';
import { sqsModel } from '../../src/aws/models/sqs.ts';
import { cloudWatchModel } from '../../src/aws/models/cloudwatch.ts';
import { lambdaModel } from '../../src/aws/models/lambda.ts';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const EXPIRES = Date.UTC(2030, 0, 2, 3, 4, 5) / 1000;

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** What the stub handlers were called with, by operation. */
const seen = new Map<string, unknown>();
function record(op: string, input: unknown): void {
  seen.set(op, input);
}

const stsErrors = defineErrors(stsModel, { MalformedPolicyDocumentException: { httpStatus: 400, retryable: false } });
const sts = defineService(
  {
    model: stsModel,
    errors: stsErrors,
    validation: { validationCode: 'ValidationError' },
    actions: actionTable(stsModel, {
      ...noActions(stsModel),
      GetCallerIdentity: defineAction(stsModel, 'GetCallerIdentity', (_input, ctx) => ({
        UserId: 'AIDEXAMPLE',
        Account: ctx.accountId,
        Arn: `arn:aws:iam::${ctx.accountId}:user/tester`,
      })),
      AssumeRole: defineAction(stsModel, 'AssumeRole', (input) => {
        record('AssumeRole', input);
        if (input.Policy === 'bad') throw stsErrors.create('MalformedPolicyDocumentException', 'The policy is not valid JSON.');
        return {
          Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 's3cr3t', SessionToken: 'token&<>', Expiration: EXPIRES },
          AssumedRoleUser: { AssumedRoleId: 'AROA:session', Arn: `${input.RoleArn}/${input.RoleSessionName}` },
          PackedPolicySize: 6,
        };
      }),
    }),
  },
  undefined,
);

const sqsErrors = defineErrors(sqsModel, { QueueDoesNotExist: { httpStatus: 400, retryable: false } });
const sqs = defineService(
  {
    model: sqsModel,
    errors: sqsErrors,
    actions: actionTable(sqsModel, {
      ...noActions(sqsModel),
      CreateQueue: defineAction(sqsModel, 'CreateQueue', (input) => {
        record('CreateQueue', input);
        return { QueueUrl: `http://localhost/000000000000/${input.QueueName}` };
      }),
      GetQueueUrl: defineAction(sqsModel, 'GetQueueUrl', (input) => {
        throw sqsErrors.create('QueueDoesNotExist', `The specified queue ${input.QueueName} does not exist.`);
      }),
      SendMessage: defineAction(sqsModel, 'SendMessage', (input) => {
        record('SendMessage', input);
        return { MessageId: 'm-1', MD5OfMessageBody: md5(input.MessageBody) };
      }),
      ReceiveMessage: defineAction(sqsModel, 'ReceiveMessage', (input) => {
        record('ReceiveMessage', input);
        return {
          Messages: [
            {
              MessageId: 'm-1',
              ReceiptHandle: 'r-1',
              Body: 'hello <world> & co',
              MD5OfBody: md5('hello <world> & co'),
              Attributes: { SentTimestamp: '1700000000000', ApproximateReceiveCount: '1' },
              MessageAttributes: { bin: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]) }, s: { DataType: 'String', StringValue: 'v' } },
            },
            { MessageId: 'm-2', ReceiptHandle: 'r-2', Body: 'second', MD5OfBody: md5('second') },
          ],
        };
      }),
    }),
  },
  undefined,
);

const cloudWatch = defineService(
  {
    model: cloudWatchModel,
    validation: { validationCode: 'ValidationError' },
    actions: actionTable(cloudWatchModel, {
      ...noActions(cloudWatchModel),
      PutMetricData: defineAction(cloudWatchModel, 'PutMetricData', (input, ctx) => {
        record(`PutMetricData/${ctx.protocol}`, input);
        return undefined;
      }),
      ListMetrics: defineAction(cloudWatchModel, 'ListMetrics', (input) => {
        record('ListMetrics', input);
        return { Metrics: [{ Namespace: 'App', MetricName: 'Latency', Dimensions: [{ Name: 'Host', Value: 'a' }] }] };
      }),
      GetMetricData: defineAction(cloudWatchModel, 'GetMetricData', (input) => {
        record('GetMetricData', input);
        return {
          MetricDataResults: [{ Id: 'q1', Label: 'Latency', Timestamps: [1700000060, 1700000000], Values: [2.5, 1], StatusCode: 'Complete' as const }],
        };
      }),
    }),
  },
  undefined,
);

const lambdaErrors = defineErrors(lambdaModel, { ResourceNotFoundException: { httpStatus: 404, retryable: false } });
const lambda = defineService(
  {
    model: lambdaModel,
    errors: lambdaErrors,
    actions: actionTable(lambdaModel, {
      ...noActions(lambdaModel),
      Invoke: defineAction(lambdaModel, 'Invoke', (input) => {
        record('Invoke', input);
        if (input.FunctionName === 'missing')
          throw lambdaErrors.create('ResourceNotFoundException', 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing');
        const body = JSON.parse(Buffer.from(input.Payload ?? new Uint8Array()).toString('utf8') || '{}') as { n?: number };
        return {
          StatusCode: input.InvocationType === 'Event' ? 202 : 200,
          ExecutedVersion: '$LATEST',
          ...(input.LogType === 'Tail' ? { LogResult: Buffer.from('START\nEND\n').toString('base64') } : {}),
          ...(body.n === -1 ? { FunctionError: 'Unhandled' } : {}),
          Payload: Buffer.from(JSON.stringify({ doubled: (body.n ?? 0) * 2 })),
        };
      }),
      GetFunction: defineAction(lambdaModel, 'GetFunction', (input) => {
        record('GetFunction', input);
        return { Configuration: { FunctionName: input.FunctionName, Version: input.Qualifier ?? '$LATEST', MemorySize: 128, Runtime: 'nodejs18.x' as const } };
      }),
      ListFunctions: defineAction(lambdaModel, 'ListFunctions', (input) => {
        record('ListFunctions', input);
        return { Functions: [{ FunctionName: 'f1' }, { FunctionName: 'f2' }], NextMarker: 'next' };
      }),
    }),
  },
  undefined,
);

describe('AWS protocols with real clients', () => {
  let server: Server;
  let url: string;
  before(async () => {
    const services: AwsService[] = [sts, sqs, cloudWatch, lambda];
    const router = new Router({
      services,
      clock: new ManualClock(0),
      region: 'us-east-1',
      accountId: '000000000000',
      routes: [
        {
          method: 'GET',
          path: '/health',
          handle: (_req, res) => {
            res.setHeader('Content-Type', 'text/plain');
            res.end('ok\n');
          },
        },
      ],
    });
    server = createServer(router.listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  // Debian's AWS CLI and boto3, each call a fork of a Python that imported them once (test/helpers/third-party-clients.ts).
  const cli = (args: string[]): Promise<any> => awsCli(url, ['--region', 'us-east-1', ...args]);
  const boto3 = (code: string): Promise<string> =>
    python3(
      `import boto3, json\ndef client(name): return boto3.client(name, endpoint_url='${url}', region_name='us-east-1', aws_access_key_id='AKID', aws_secret_access_key='secret')\n${code}`,
      [],
    );

  it('serves a mounted non-AWS route', async () => {
    const r = await fetch(`${url}/health`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'ok\n');
  });

  it('awsQuery: STS through @aws-sdk/client-sts, lists of structures in, XML with escaping and ISO timestamps out', async () => {
    const client = new STSClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const me = await client.send(new GetCallerIdentityCommand({}));
    assert.deepEqual([me.Account, me.Arn], ['000000000000', 'arn:aws:iam::000000000000:user/tester']);
    const r = await client.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::000000000000:role/r',
        RoleSessionName: 'session',
        DurationSeconds: 900,
        Tags: [
          { Key: 'team', Value: 'data' },
          { Key: 'env', Value: 'dev' },
        ],
        TransitiveTagKeys: ['team'],
      }),
    );
    assert.equal(r.Credentials?.SessionToken, 'token&<>');
    assert.equal(r.Credentials?.Expiration?.getTime(), EXPIRES * 1000);
    assert.equal(r.AssumedRoleUser?.Arn, 'arn:aws:iam::000000000000:role/r/session');
    assert.equal(r.PackedPolicySize, 6);
    assert.deepEqual(seen.get('AssumeRole'), {
      RoleArn: 'arn:aws:iam::000000000000:role/r',
      RoleSessionName: 'session',
      DurationSeconds: 900,
      Tags: [
        { Key: 'team', Value: 'data' },
        { Key: 'env', Value: 'dev' },
      ],
      TransitiveTagKeys: ['team'],
    });
    // The model's constraints in STS's query words, and an error from the service's catalog.
    await assert.rejects(client.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/r', RoleSessionName: 'x' })), {
      name: 'ValidationError',
      message: "1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    });
    await assert.rejects(client.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/r', RoleSessionName: 'session', Policy: 'bad' })), {
      name: 'MalformedPolicyDocumentException',
      message: 'The policy is not valid JSON.',
    });
    client.destroy();
  });

  it('awsQuery: an unknown or unimplemented Action gets InvalidAction in an XML error document', async () => {
    const r = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
        Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x',
        'X-Amz-Date': '20240101T000000Z',
      },
      body: 'Action=GetSessionToken&Version=2011-06-15',
    });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('content-type'), 'text/xml');
    const text = await r.text();
    assert.match(
      text,
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>Could not find operation GetSessionToken for version 2011-06-15<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    // A GET with the parameters in the query string is awsQuery too.
    const get = await fetch(`${url}/?Action=GetCallerIdentity&Version=2011-06-15`, {
      headers: {
        Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=x',
        'X-Amz-Date': '20240101T000000Z',
      },
    });
    assert.equal(get.status, 200);
    assert.match(
      await get.text(),
      /<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><GetCallerIdentityResult><UserId>AIDEXAMPLE<\/UserId>/,
    );
  });

  it('awsQuery: STS through Debian’s AWS CLI and boto3', async () => {
    const out = (await cli(['sts', 'get-caller-identity'])) as { Account: string };
    assert.equal(out.Account, '000000000000');
    const b = await boto3(
      "r = client('sts').assume_role(RoleArn='arn:aws:iam::000000000000:role/r', RoleSessionName='py')\nprint(json.dumps({'token': r['Credentials']['SessionToken'], 'exp': r['Credentials']['Expiration'].timestamp()}))",
    );
    assert.deepEqual(JSON.parse(b), { token: 'token&<>', exp: EXPIRES });
  });

  it('AWS JSON 1.0 (query-compatible): SQS through @aws-sdk/client-sqs, blobs in maps both ways, the query error code in x-amzn-query-error', async () => {
    const client = new SQSClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const q = await client.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { VisibilityTimeout: '30' }, tags: { team: 'data' } }));
    assert.equal(q.QueueUrl, 'http://localhost/000000000000/jobs');
    assert.deepEqual(seen.get('CreateQueue'), { QueueName: 'jobs', Attributes: { VisibilityTimeout: '30' }, tags: { team: 'data' } });
    await client.send(
      new SendMessageCommand({
        QueueUrl: q.QueueUrl,
        MessageBody: 'hi',
        DelaySeconds: 5,
        MessageAttributes: { bin: { DataType: 'Binary', BinaryValue: new Uint8Array([9, 8, 7]) } },
      }),
    );
    const sent = seen.get('SendMessage') as { MessageAttributes: { bin: { BinaryValue: Buffer } }; DelaySeconds: number };
    assert.deepEqual([...sent.MessageAttributes.bin.BinaryValue], [9, 8, 7]);
    assert.equal(sent.DelaySeconds, 5);
    const got = await client.send(new ReceiveMessageCommand({ QueueUrl: q.QueueUrl, MaxNumberOfMessages: 2, MessageAttributeNames: ['All'] }));
    assert.equal(got.Messages?.length, 2);
    assert.equal(got.Messages?.[0]?.Body, 'hello <world> & co');
    assert.deepEqual([...(got.Messages?.[0]?.MessageAttributes?.bin?.BinaryValue ?? [])], [0, 1, 2, 255]);
    assert.equal(got.Messages?.[0]?.Attributes?.ApproximateReceiveCount, '1');
    await assert.rejects(
      client.send(new GetQueueUrlCommand({ QueueName: 'nope' })),
      (e: Error & { Code?: string; $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'QueueDoesNotExist');
        assert.equal(e.Code, 'AWS.SimpleQueueService.NonExistentQueue');
        assert.equal(e.message, 'The specified queue nope does not exist.');
        assert.equal(e.$metadata?.httpStatusCode, 400);
        return true;
      },
    );
    client.destroy();
  });

  it('awsQuery: SQS through Debian’s AWS CLI and boto3, flattened lists and maps both ways', async () => {
    const out = (await cli(['sqs', 'create-queue', '--queue-name', 'cli-q', '--attributes', 'DelaySeconds=3,VisibilityTimeout=40'])) as {
      QueueUrl: string;
    };
    assert.equal(out.QueueUrl, 'http://localhost/000000000000/cli-q');
    assert.deepEqual(seen.get('CreateQueue'), { QueueName: 'cli-q', Attributes: { DelaySeconds: '3', VisibilityTimeout: '40' } });
    const b = await boto3(
      [
        "c = client('sqs')",
        "c.send_message(QueueUrl='u', MessageBody='x', MessageAttributes={'bin': {'DataType': 'Binary', 'BinaryValue': b'\\x00\\xff'}, 's': {'DataType': 'String', 'StringValue': 'v'}})",
        "r = c.receive_message(QueueUrl='u', MaxNumberOfMessages=2, AttributeNames=['All'], MessageAttributeNames=['All'])",
        "m = r['Messages']",
        "print(json.dumps({'n': len(m), 'body': m[0]['Body'], 'bin': list(m[0]['MessageAttributes']['bin']['BinaryValue']), 'attrs': m[0]['Attributes']}))",
        "try:\n  c.get_queue_url(QueueName='nope')\nexcept c.exceptions.QueueDoesNotExist as e:\n  print(json.dumps(e.response['Error']))",
      ].join('\n'),
    );
    const [received, error] = b
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(received, {
      n: 2,
      body: 'hello <world> & co',
      bin: [0, 1, 2, 255],
      attrs: { SentTimestamp: '1700000000000', ApproximateReceiveCount: '1' },
    });
    assert.deepEqual(error, { Type: 'Sender', Code: 'AWS.SimpleQueueService.NonExistentQueue', Message: 'The specified queue nope does not exist.' });
    const sent = seen.get('SendMessage') as { MessageAttributes: Record<string, { BinaryValue?: Buffer; StringValue?: string }> };
    assert.deepEqual([...sent.MessageAttributes.bin!.BinaryValue!], [0, 255]);
    assert.equal(sent.MessageAttributes.s!.StringValue, 'v');
    assert.deepEqual(seen.get('ReceiveMessage'), { QueueUrl: 'u', MaxNumberOfMessages: 2, AttributeNames: ['All'], MessageAttributeNames: ['All'] });
  });

  it('AWS JSON 1.0 and Smithy RPC v2 CBOR: CloudWatch through @aws-sdk/client-cloudwatch, timestamps both ways', async () => {
    for (const protocol of ['json', 'rpcv2-cbor'] as const) {
      const client = new CloudWatchClient({
        endpoint: url,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
        ...(protocol === 'rpcv2-cbor' ? { protocol: AwsSmithyRpcV2CborProtocol } : {}),
      });
      await client.send(
        new PutMetricDataCommand({
          Namespace: 'App',
          MetricData: [
            { MetricName: 'Latency', Value: 12.5, Unit: 'Milliseconds', Timestamp: new Date(1700000000500), Dimensions: [{ Name: 'Host', Value: 'a' }] },
          ],
        }),
      );
      assert.deepEqual(seen.get(`PutMetricData/${protocol}`), {
        Namespace: 'App',
        MetricData: [{ MetricName: 'Latency', Value: 12.5, Unit: 'Milliseconds', Timestamp: 1700000000.5, Dimensions: [{ Name: 'Host', Value: 'a' }] }],
      });
      const data = await client.send(
        new GetMetricDataCommand({
          StartTime: new Date(1700000000000),
          EndTime: new Date(1700000120000),
          MetricDataQueries: [{ Id: 'q1', MetricStat: { Metric: { Namespace: 'App', MetricName: 'Latency' }, Period: 60, Stat: 'Average' } }],
        }),
      );
      const result = data.MetricDataResults?.[0];
      assert.deepEqual(
        result?.Timestamps?.map((t) => t.getTime()),
        [1700000060000, 1700000000000],
      );
      assert.deepEqual(result?.Values, [2.5, 1]);
      assert.equal((seen.get('GetMetricData') as { StartTime: number }).StartTime, 1700000000);
      client.destroy();
    }
  });

  it('awsQuery: CloudWatch through Debian’s AWS CLI and boto3', async () => {
    await cli(['cloudwatch', 'put-metric-data', '--namespace', 'App', '--metric-name', 'Hits', '--value', '3', '--dimensions', 'Host=a,Zone=z']);
    const put = seen.get('PutMetricData/query') as { Namespace: string; MetricData: Array<{ MetricName: string; Value: number; Dimensions: unknown[] }> };
    assert.equal(put.Namespace, 'App');
    assert.deepEqual(put.MetricData[0], {
      MetricName: 'Hits',
      Value: 3,
      Dimensions: [
        { Name: 'Host', Value: 'a' },
        { Name: 'Zone', Value: 'z' },
      ],
    });
    const listed = JSON.parse(await boto3("print(json.dumps(client('cloudwatch').list_metrics(Namespace='App')['Metrics']))")) as unknown;
    assert.deepEqual(listed, [{ Namespace: 'App', MetricName: 'Latency', Dimensions: [{ Name: 'Host', Value: 'a' }] }]);
    assert.deepEqual(seen.get('ListMetrics'), { Namespace: 'App' });
  });

  it('restJson1: Lambda through @aws-sdk/client-lambda — labels, query strings, headers, raw payload, status code, a 404 error', async () => {
    const client = new LambdaClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const r = await client.send(new InvokeCommand({ FunctionName: 'doubler', Payload: Buffer.from('{"n":21}'), LogType: 'Tail', Qualifier: 'live' }));
    assert.equal(r.StatusCode, 200);
    assert.equal(r.ExecutedVersion, '$LATEST');
    assert.equal(Buffer.from(r.LogResult!, 'base64').toString(), 'START\nEND\n');
    assert.deepEqual(JSON.parse(Buffer.from(r.Payload!).toString()), { doubled: 42 });
    const invoked = seen.get('Invoke') as { FunctionName: string; Payload: Buffer; LogType: string; Qualifier: string };
    assert.deepEqual([invoked.FunctionName, invoked.LogType, invoked.Qualifier, invoked.Payload.toString()], ['doubler', 'Tail', 'live', '{"n":21}']);
    const event = await client.send(new InvokeCommand({ FunctionName: 'doubler', InvocationType: 'Event', Payload: Buffer.from('{"n":-1}') }));
    assert.equal(event.StatusCode, 202);
    assert.equal(event.FunctionError, 'Unhandled');
    const fn = await client.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:doubler', Qualifier: '3' }));
    assert.equal(fn.Configuration?.Version, '3');
    assert.deepEqual(seen.get('GetFunction'), { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:doubler', Qualifier: '3' });
    const list = await client.send(new ListFunctionsCommand({ MaxItems: 2, Marker: 'm' }));
    assert.deepEqual(
      list.Functions?.map((f) => f.FunctionName),
      ['f1', 'f2'],
    );
    assert.deepEqual(seen.get('ListFunctions'), { Marker: 'm', MaxItems: 2 });
    await assert.rejects(client.send(new InvokeCommand({ FunctionName: 'missing' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'ResourceNotFoundException');
      assert.equal(e.message, 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing');
      assert.equal(e.$metadata?.httpStatusCode, 404);
      return true;
    });
    client.destroy();
  });

  it('restJson1: Lambda through Debian’s AWS CLI and boto3', async () => {
    const out = (await cli(['lambda', 'get-function', '--function-name', 'cli-fn'])) as { Configuration: { FunctionName: string } };
    assert.equal(out.Configuration.FunctionName, 'cli-fn');
    const b = await boto3(
      "r = client('lambda').invoke(FunctionName='py', Payload=b'{\"n\": 4}', InvocationType='RequestResponse')\nprint(json.dumps({'status': r['StatusCode'], 'payload': json.loads(r['Payload'].read())}))",
    );
    assert.deepEqual(JSON.parse(b), { status: 200, payload: { doubled: 8 } });
  });
});
