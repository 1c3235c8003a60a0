/**
 * The AmazonSQS API on the Freshet server with real clients:
 * @aws-sdk/client-sqs (AWS JSON 1.0, which checks the MD5s of bodies and
 * attributes itself), Debian's AWS CLI and boto3 (awsQuery) — queues,
 * messages with attributes, batches, long polling, FIFO, redrive, and SQS's
 * errors with their query codes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let n = 0;
const unique = (p: string) => `${p}-${process.pid}-${n++}`;

describe('AmazonSQS API', () => {
  let server: FreshetServer;
  let sqs: SQSClient;
  before(async () => {
    server = await startServer({ port: 0, storage: 'memory', createDelayMs: 0 });
    sqs = new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  });
  after(async () => {
    sqs.destroy();
    await server.close();
  });

  it('sends, receives (with attributes and MD5s the SDK checks), changes visibility and deletes with the SDK', async () => {
    const name = unique('jobs');
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '20' }, tags: { team: 'data' } }));
    assert.equal(QueueUrl, `${server.url}/000000000000/${name}`);
    assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl, QueueUrl);
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'hello',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' }, blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2]) } },
        MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793' } },
      }),
    );
    assert.equal(sent.MD5OfMessageBody, '5d41402abc4b2a76b9719d911017c592');
    assert.ok(sent.MD5OfMessageAttributes && sent.MD5OfMessageSystemAttributes);
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    const m = got.Messages![0]!;
    assert.equal(m.Body, 'hello');
    assert.equal(m.MessageId, sent.MessageId);
    assert.deepEqual(m.MessageAttributes?.kind, { DataType: 'String', StringValue: 'greeting' });
    assert.deepEqual(Buffer.from(m.MessageAttributes!.blob!.BinaryValue!), Buffer.from([0, 1, 2]));
    assert.equal(m.Attributes?.ApproximateReceiveCount, '1');
    assert.equal(m.Attributes?.AWSTraceHeader, 'Root=1-5759e988-bd862e3fe1be46a994272793');
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    assert.equal(again.Messages![0]!.Attributes?.ApproximateReceiveCount, '2');
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.Messages![0]!.ReceiptHandle }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    assert.equal(attrs.Attributes?.ApproximateNumberOfMessages, '0');
    assert.equal(attrs.Attributes?.VisibilityTimeout, '20');
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { team: 'data' });
  });

  it('handles batches entry by entry, long polls, and purges', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('batch') }));
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two', DelaySeconds: 901 },
          { Id: 'c', MessageBody: 'three' },
        ],
      }),
    );
    assert.deepEqual(batch.Successful?.map((s) => s.Id).sort(), ['a', 'c']);
    assert.equal(batch.Failed?.[0]?.Id, 'b');
    assert.equal(batch.Failed?.[0]?.SenderFault, true);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    assert.deepEqual(got.Messages?.map((m) => m.Body).sort(), ['one', 'three']);
    const del = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl, Entries: got.Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }),
    );
    assert.equal(del.Successful?.length, 2);
    const t0 = Date.now();
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
    setTimeout(() => void sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' })), 200);
    const late = await waiting;
    assert.equal(late.Messages?.[0]?.Body, 'late');
    assert.ok(Date.now() - t0 < 5000);
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    await assert.rejects(sqs.send(new PurgeQueueCommand({ QueueUrl })), (e: any) => e.name === 'PurgeQueueInProgress' && e.$metadata.httpStatusCode === 403);
  });

  it('keeps FIFO order per group, and redrives to a dead-letter queue', async () => {
    const { QueueUrl: dlqUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('dlq') }));
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('src') }));
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) } }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined);
    const moved = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 2, MessageSystemAttributeNames: ['All'] }));
    assert.equal(moved.Messages?.[0]?.Body, 'poison');
    assert.deepEqual((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls, [QueueUrl]);

    const fifo = await sqs.send(
      new CreateQueueCommand({ QueueName: `${unique('orders')}.fifo`, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }),
    );
    for (const b of ['a1', 'a2', 'a3']) await sqs.send(new SendMessageCommand({ QueueUrl: fifo.QueueUrl, MessageBody: b, MessageGroupId: 'A' }));
    const seq = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: fifo.QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['SequenceNumber', 'MessageGroupId'] }),
    );
    assert.deepEqual(
      seq.Messages?.map((m) => m.Body),
      ['a1', 'a2', 'a3'],
    );
    assert.equal(seq.Messages?.[0]?.Attributes?.MessageGroupId, 'A');
  });

  it('answers SQS’s errors with their codes', async () => {
    await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: 'does-not-exist' })), (e: any) => {
      assert.equal(e.name, 'QueueDoesNotExist');
      assert.equal(e.message, 'The specified queue does not exist.');
      return true;
    });
    const name = unique('err');
    await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '30' } }));
    await assert.rejects(
      sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '31' } })),
      (e: any) => e.name === 'QueueNameExists',
    );
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    await assert.rejects(
      sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'garbage' })),
      (e: any) => e.name === 'ReceiptHandleIsInvalid' && e.$metadata.httpStatusCode === 404,
    );
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { a: 'b' } }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    assert.ok(!((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }))).QueueUrls ?? []).includes(QueueUrl!));
  });

  it('works from Debian’s AWS CLI and boto3 over the query protocol', async () => {
    const name = unique('cli');
    const created = await awsCli(server.url, ['sqs', 'create-queue', '--queue-name', name, '--attributes', 'DelaySeconds=0,VisibilityTimeout=40']);
    assert.equal(created.QueueUrl, `${server.url}/000000000000/${name}`);
    const sent = await awsCli(server.url, [
      'sqs',
      'send-message',
      '--queue-url',
      created.QueueUrl,
      '--message-body',
      'from the cli <&>',
      '--message-attributes',
      '{"k": {"DataType": "String", "StringValue": "v"}}',
    ]);
    assert.equal(sent.MD5OfMessageBody, createHash('md5').update('from the cli <&>').digest('hex'));
    const got = await awsCli(server.url, [
      'sqs',
      'receive-message',
      '--queue-url',
      created.QueueUrl,
      '--message-attribute-names',
      'All',
      '--attribute-names',
      'All',
    ]);
    assert.equal(got.Messages[0].Body, 'from the cli <&>');
    assert.deepEqual(got.Messages[0].MessageAttributes, { k: { DataType: 'String', StringValue: 'v' } });
    const script = [
      'import sys, json, boto3',
      "c = boto3.client('sqs', endpoint_url=sys.argv[1], region_name='us-east-1')",
      "u = c.create_queue(QueueName=sys.argv[2])['QueueUrl']",
      "c.send_message_batch(QueueUrl=u, Entries=[{'Id': 'x', 'MessageBody': 'b1'}, {'Id': 'y', 'MessageBody': 'b2'}])",
      'r = c.receive_message(QueueUrl=u, MaxNumberOfMessages=10, WaitTimeSeconds=1)',
      "c.delete_message_batch(QueueUrl=u, Entries=[{'Id': str(i), 'ReceiptHandle': m['ReceiptHandle']} for i, m in enumerate(r['Messages'])])",
      "a = c.get_queue_attributes(QueueUrl=u, AttributeNames=['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'])['Attributes']",
      'try:',
      "    c.get_queue_url(QueueName='nope-' + sys.argv[2])",
      '    err = None',
      'except c.exceptions.QueueDoesNotExist as e:',
      "    err = e.response['Error']['Code']",
      "print(json.dumps({'bodies': sorted(m['Body'] for m in r['Messages']), 'attrs': a, 'err': err}))",
    ].join('\n');
    const out = JSON.parse((await python3(script, [server.url, unique('boto')])).trim());
    assert.deepEqual(out, {
      bodies: ['b1', 'b2'],
      attrs: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' },
      err: 'AWS.SimpleQueueService.NonExistentQueue',
    });
  });
});
