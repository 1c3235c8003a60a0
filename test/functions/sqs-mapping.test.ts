/**
 * SQS event source mappings: the SQS event, deletion after success, failed
 * messages returning after the visibility timeout until the queue's redrive
 * policy moves them to its dead-letter queue, partial batch responses,
 * filtering (non-matching messages are deleted) and Lambda's checks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EsmHarness } from './esm-harness.ts';
import { esmHarness, recorder, waitUntil } from './esm-harness.ts';
import { uniqueName } from './helpers.ts';

describe('SQS event source mappings', () => {
  let h: EsmHarness;
  before(async () => {
    h = await esmHarness();
  });
  after(async () => {
    await h.close();
  });

  it('invokes with the SQS event and deletes the messages it processed', async () => {
    const name = uniqueName('q');
    const q = await h.queues.createQueue(name);
    const f = await h.fn(`const fs = require('fs'); exports.handler = async (e) => { fs.appendFileSync(process.env.OUT, JSON.stringify(e) + '\\n'); };`);
    const sent = await h.queues.sendMessage(name, { body: 'hello', messageAttributes: { kind: { dataType: 'String', stringValue: 'greeting' } } });
    await h.fns.mappings.create({ functionName: f.name, eventSourceArn: q.arn, batchSize: 10 });
    await waitUntil(() => h.lines(f.out).length === 1, 'the invocation');
    const [rec] = h.lines(f.out)[0].Records;
    assert.deepEqual(Object.keys(rec), [
      'messageId',
      'receiptHandle',
      'body',
      'attributes',
      'messageAttributes',
      'md5OfBody',
      'md5OfMessageAttributes',
      'eventSource',
      'eventSourceARN',
      'awsRegion',
    ]);
    assert.equal(rec.messageId, sent.messageId);
    assert.equal(rec.body, 'hello');
    assert.equal(rec.md5OfBody, sent.md5OfBody);
    assert.equal(rec.md5OfMessageAttributes, sent.md5OfAttributes);
    assert.deepEqual(rec.messageAttributes, { kind: { stringValue: 'greeting', stringListValues: [], binaryListValues: [], dataType: 'String' } });
    assert.equal(rec.attributes.ApproximateReceiveCount, '1');
    assert.equal(rec.eventSource, 'aws:sqs');
    assert.equal(rec.eventSourceARN, q.arn);
    assert.equal(rec.awsRegion, 'us-east-1');
    await waitUntil(() => {
      const a = h.queues.getAttributes(name, ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible']);
      return a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0';
    }, 'the message to be deleted');
  });

  it('leaves failed messages to return after the visibility timeout, until the redrive policy moves them to the dead-letter queue', async () => {
    const dlqName = uniqueName('dlq');
    const dlq = await h.queues.createQueue(dlqName);
    const name = uniqueName('q');
    const q = await h.queues.createQueue(name, { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }) });
    const f = await h.fn(recorder(`throw new Error('fails');`), { timeoutSeconds: 1 });
    await h.queues.sendMessage(name, { body: 'doomed' });
    await h.fns.mappings.create({ functionName: f.name, eventSourceArn: q.arn });
    await waitUntil(
      () => h.queues.getAttributes(dlqName, ['ApproximateNumberOfMessages']).ApproximateNumberOfMessages === '1',
      'the dead-letter queue',
      20_000,
    );
    assert.equal(h.lines(f.out).length, 2, 'invoked maxReceiveCount times');
    const [m] = await h.queues.receiveMessage(dlqName, { attributeNames: ['All'] });
    assert.equal(m!.body, 'doomed');
    assert.equal(m!.attributes.DeadLetterQueueSourceArn, q.arn);
  });

  it('deletes only the messages not listed in batchItemFailures', async () => {
    const name = uniqueName('q');
    const q = await h.queues.createQueue(name, { VisibilityTimeout: '30' });
    const f = await h.fn(recorder(`return { batchItemFailures: seqs.filter((id, i) => datas[i] === 'keep').map((id) => ({ itemIdentifier: id })) };`));
    for (const b of ['done-1', 'keep', 'done-2']) await h.queues.sendMessage(name, { body: b });
    await h.fns.mappings.create({
      functionName: f.name,
      eventSourceArn: q.arn,
      batchSize: 10,
      maximumBatchingWindowSeconds: 1,
      functionResponseTypes: ['ReportBatchItemFailures'],
    });
    await waitUntil(() => h.lines(f.out).flatMap((l) => l.datas).length === 3, 'all three messages', 20_000);
    await waitUntil(
      () => h.queues.getAttributes(name, ['ApproximateNumberOfMessagesNotVisible']).ApproximateNumberOfMessagesNotVisible === '1',
      'one message left',
    );
    assert.equal(h.queues.getAttributes(name, ['ApproximateNumberOfMessages']).ApproximateNumberOfMessages, '0');
  });

  it('deletes messages that do not pass the filters without invoking the function', async () => {
    const name = uniqueName('q');
    const q = await h.queues.createQueue(name);
    const f = await h.fn(recorder());
    await h.fns.mappings.create({ functionName: f.name, eventSourceArn: q.arn, filters: [{ pattern: '{"body": {"type": ["order"]}}' }] });
    await h.queues.sendMessage(name, { body: '{"type": "ping"}' });
    await h.queues.sendMessage(name, { body: '{"type": "order", "id": 1}' });
    await waitUntil(() => h.lines(f.out).flatMap((l) => l.datas).length === 1, 'the order');
    assert.deepEqual(
      h.lines(f.out).flatMap((l) => l.datas),
      ['{"type": "order", "id": 1}'],
    );
    await waitUntil(
      () => h.queues.getAttributes(name).ApproximateNumberOfMessages === '0' && h.queues.getAttributes(name).ApproximateNumberOfMessagesNotVisible === '0',
      'both messages gone',
    );
  });

  it('refuses a queue whose visibility timeout is shorter than the function timeout, and Kinesis-only settings', async () => {
    const name = uniqueName('q');
    const q = await h.queues.createQueue(name, { VisibilityTimeout: '5' });
    const f = await h.fn(recorder(), { timeoutSeconds: 10 });
    await assert.rejects(
      h.fns.mappings.create({ functionName: f.name, eventSourceArn: q.arn }),
      (e: any) => e.code === 'InvalidParameterValueException' && e.message === 'Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds',
    );
    await h.queues.setAttributes(name, { VisibilityTimeout: '30' });
    await assert.rejects(
      h.fns.mappings.create({ functionName: f.name, eventSourceArn: q.arn, startingPosition: 'LATEST' }),
      (e: any) => e.code === 'InvalidParameterValueException',
    );
    await assert.rejects(
      h.fns.mappings.create({ functionName: f.name, eventSourceArn: q.arn, batchSize: 11 }),
      (e: any) => e.code === 'InvalidParameterValueException',
    );
    await assert.rejects(
      h.fns.mappings.create({ functionName: f.name, eventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:missing' }),
      (e: any) => e.code === 'InvalidParameterValueException' && /NonExistentQueue/.test(e.message),
    );
  });
});
