/**
 * SQS semantics of the queues engine on the injected clock: visibility,
 * delays, retention, long polling, redrive to a dead-letter queue, FIFO
 * ordering and deduplication, purge, attributes and AWS's errors; and
 * durability: a reopened FileStorage replays sends, receives and deletes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ManualClock } from '../../src/core/index.ts';
import { FileStorage, MemoryStorage } from '../../src/storage/index.ts';
import type { LogStorage } from '../../src/storage/index.ts';
import { QueuesEngine, md5OfAttributes } from '../../src/queues/index.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

async function open(opts: { storage?: LogStorage; clock?: ManualClock } = {}): Promise<{ q: QueuesEngine; clock: ManualClock; storage: LogStorage }> {
  const clock = opts.clock ?? new ManualClock();
  const storage = opts.storage ?? new MemoryStorage();
  if (!opts.storage) await storage.open();
  const q = await QueuesEngine.open({ storage, clock, region: REGION, accountId: ACCOUNT });
  return { q, clock, storage };
}

async function rejects(p: Promise<unknown> | (() => unknown), code: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (e: any) => {
      assert.equal(e.code, code);
      if (typeof message === 'string') assert.equal(e.message, message);
      else if (message) assert.match(e.message, message);
      return true;
    },
  );
}

describe('message attribute MD5', () => {
  it('matches the digests SQS returns for known attribute sets', () => {
    assert.equal(md5OfAttributes({ timestamp: { dataType: 'Number', stringValue: '1493147359900' } }), '235c5c510d26fb653d073faed50ae77c');
    assert.equal(md5OfAttributes({ SellerName: { dataType: 'String', stringValue: 'Example Store' } }), 'cd28f3b68aeee4b2eac9c66f2f694b58');
    assert.equal(
      md5OfAttributes({ ordinal: { dataType: 'Number', stringValue: '1' }, category: { dataType: 'String', stringValue: 'test' } }),
      'd21ae90c49061e927f57df5f5d72be1f',
    );
    assert.equal(md5OfAttributes({}), undefined);
  });
});

describe('standard queues', () => {
  it('sends, receives and deletes a message with its MD5s and system attributes', async () => {
    const { q, clock } = await open();
    await q.createQueue('jobs');
    const sent = await q.sendMessage('jobs', { body: 'hello', messageAttributes: { SellerName: { dataType: 'String', stringValue: 'Example Store' } } });
    assert.equal(sent.md5OfBody, '5d41402abc4b2a76b9719d911017c592');
    assert.equal(sent.md5OfAttributes, 'cd28f3b68aeee4b2eac9c66f2f694b58');
    const [m] = await q.receiveMessage('jobs', { attributeNames: ['All'], messageAttributeNames: ['All'] });
    assert.ok(m);
    assert.equal(m.body, 'hello');
    assert.equal(m.messageId, sent.messageId);
    assert.equal(m.attributes.ApproximateReceiveCount, '1');
    assert.equal(m.attributes.SentTimestamp, String(clock.now()));
    assert.equal(m.md5OfMessageAttributes, sent.md5OfAttributes);
    assert.deepEqual(m.messageAttributes, { SellerName: { dataType: 'String', stringValue: 'Example Store' } });
    await q.deleteMessage('jobs', m.receiptHandle);
    assert.deepEqual(await q.receiveMessage('jobs'), []);
    assert.equal(q.getAttributes('jobs', ['ApproximateNumberOfMessages']).ApproximateNumberOfMessages, '0');
    // Deleting again succeeds, as in SQS.
    await q.deleteMessage('jobs', m.receiptHandle);
  });

  it('hides a received message for the visibility timeout, then delivers it again with a higher receive count', async () => {
    const { q, clock } = await open();
    await q.createQueue('vt', { VisibilityTimeout: '10' });
    await q.sendMessage('vt', { body: 'a' });
    const [first] = await q.receiveMessage('vt');
    assert.ok(first);
    assert.deepEqual(
      { ...q.getAttributes('vt', ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible']) },
      { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' },
    );
    clock.advance(9_999);
    assert.deepEqual(await q.receiveMessage('vt'), []);
    clock.advance(1);
    const [again] = await q.receiveMessage('vt', { attributeNames: ['ApproximateReceiveCount'] });
    assert.equal(again?.attributes.ApproximateReceiveCount, '2');
    assert.notEqual(again?.receiptHandle, first.receiptHandle);
  });

  it('changes the visibility of an in-flight message and refuses one that is not in flight', async () => {
    const { q, clock } = await open();
    await q.createQueue('cmv');
    await q.sendMessage('cmv', { body: 'a' });
    const [m] = await q.receiveMessage('cmv');
    await q.changeMessageVisibility('cmv', m!.receiptHandle, 0);
    const [again] = await q.receiveMessage('cmv', { visibilityTimeout: 5 });
    assert.ok(again);
    await rejects(
      q.changeMessageVisibility('cmv', m!.receiptHandle, 10),
      'MessageNotInflight',
      /Message does not exist or is not available for visibility timeout change/,
    );
    clock.advance(5_000);
    await rejects(q.changeMessageVisibility('cmv', again.receiptHandle, 10), 'MessageNotInflight');
    await rejects(q.changeMessageVisibility('cmv', again.receiptHandle, 43_201), 'InvalidParameterValue');
    await rejects(q.deleteMessage('cmv', 'not-a-handle'), 'ReceiptHandleIsInvalid', 'The input receipt handle "not-a-handle" is not a valid receipt handle.');
  });

  it('delays messages by DelaySeconds (per message or the queue default) and counts them as delayed', async () => {
    const { q, clock } = await open();
    await q.createQueue('delay', { DelaySeconds: '5' });
    await q.sendMessage('delay', { body: 'queue-default' });
    await q.sendMessage('delay', { body: 'own', delaySeconds: 1 });
    assert.equal(q.getAttributes('delay').ApproximateNumberOfMessagesDelayed, '2');
    clock.advance(1000);
    assert.deepEqual(
      (await q.receiveMessage('delay', { maxNumberOfMessages: 10 })).map((m) => m.body),
      ['own'],
    );
    clock.advance(4000);
    assert.deepEqual(
      (await q.receiveMessage('delay', { maxNumberOfMessages: 10 })).map((m) => m.body),
      ['queue-default'],
    );
  });

  it('drops messages older than MessageRetentionPeriod', async () => {
    const { q, clock } = await open();
    await q.createQueue('ret', { MessageRetentionPeriod: '60' });
    await q.sendMessage('ret', { body: 'old' });
    clock.advance(30_000);
    await q.sendMessage('ret', { body: 'young' });
    clock.advance(30_000);
    assert.deepEqual(
      (await q.receiveMessage('ret', { maxNumberOfMessages: 10 })).map((m) => m.body),
      ['young'],
    );
  });

  it('long-polls: a waiting receive returns when a message arrives, or empty when WaitTimeSeconds ends', async () => {
    const { q, clock } = await open();
    await q.createQueue('lp');
    const waiting = q.receiveMessage('lp', { waitTimeSeconds: 20 });
    await q.sendMessage('lp', { body: 'woken' });
    assert.deepEqual(
      (await waiting).map((m) => m.body),
      ['woken'],
    );
    const empty = q.receiveMessage('lp', { waitTimeSeconds: 3 });
    clock.advance(3000);
    assert.deepEqual(await empty, []);
    // The queue's ReceiveMessageWaitTimeSeconds is the default wait.
    await q.setAttributes('lp', { ReceiveMessageWaitTimeSeconds: '20' });
    let done = false;
    const dflt = q.receiveMessage('lp').then((r) => {
      done = true;
      return r;
    });
    clock.advance(19_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    clock.advance(1000);
    assert.deepEqual(await dflt, []);
  });

  it('long-polls across a visibility timeout: the waiting receive gets the message when it becomes visible again', async () => {
    const { q, clock } = await open();
    await q.createQueue('lpvt', { VisibilityTimeout: '4' });
    await q.sendMessage('lpvt', { body: 'x' });
    await q.receiveMessage('lpvt');
    const waiting = q.receiveMessage('lpvt', { waitTimeSeconds: 20, attributeNames: ['ApproximateReceiveCount'] });
    clock.advance(4000);
    const [m] = await waiting;
    assert.equal(m?.attributes.ApproximateReceiveCount, '2');
  });

  it('moves a message to the dead-letter queue once it was received maxReceiveCount times', async () => {
    const { q, clock } = await open();
    const dlq = await q.createQueue('jobs-dlq');
    await q.createQueue('jobs', { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }) });
    const sent = await q.sendMessage('jobs', { body: 'poison', messageAttributes: { k: { dataType: 'String', stringValue: 'v' } } });
    const sentAt = clock.now();
    for (let i = 0; i < 2; i++) {
      assert.equal((await q.receiveMessage('jobs')).length, 1);
      clock.advance(1000);
    }
    assert.deepEqual(await q.receiveMessage('jobs'), []);
    await new Promise((r) => setImmediate(r));
    const [moved] = await q.receiveMessage('jobs-dlq', { attributeNames: ['All'], messageAttributeNames: ['All'] });
    assert.ok(moved);
    assert.equal(moved.messageId, sent.messageId);
    assert.equal(moved.body, 'poison');
    assert.equal(moved.attributes.DeadLetterQueueSourceArn, q.arnFor('jobs'));
    assert.equal(moved.attributes.SentTimestamp, String(sentAt));
    assert.equal(moved.md5OfMessageAttributes, sent.md5OfAttributes);
    assert.deepEqual(q.deadLetterSources('jobs-dlq'), ['jobs']);
  });

  it('refuses a redrive policy naming a queue that does not exist', async () => {
    const { q } = await open();
    await rejects(
      q.createQueue('src', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nope', maxReceiveCount: 3 }) }),
      'InvalidParameterValue',
      /Dead-letter target does not exist/,
    );
    await rejects(q.createQueue('src', { RedrivePolicy: '{"deadLetterTargetArn":"x","maxReceiveCount":0}' }), 'InvalidAttributeValue', /maxReceiveCount/);
  });

  it('purges at most once every 60 seconds', async () => {
    const { q, clock } = await open();
    await q.createQueue('p');
    await q.sendMessage('p', { body: '1' });
    await q.purgeQueue('p');
    assert.deepEqual(await q.receiveMessage('p'), []);
    await rejects(q.purgeQueue('p'), 'PurgeQueueInProgress', 'Only one PurgeQueue operation on p is allowed every 60 seconds.');
    clock.advance(60_000);
    await q.purgeQueue('p');
  });
});

describe('queue lifecycle and attributes', () => {
  it('returns the existing queue for the same attributes and refuses different ones', async () => {
    const { q } = await open();
    const a = await q.createQueue('same', { VisibilityTimeout: '40' });
    const b = await q.createQueue('same', { VisibilityTimeout: '40' });
    assert.equal(a.arn, b.arn);
    await rejects(
      q.createQueue('same', { VisibilityTimeout: '41' }),
      'QueueNameExists',
      'A queue already exists with the same name and a different value for attribute VisibilityTimeout',
    );
  });

  it('validates names and attribute values in SQS words', async () => {
    const { q } = await open();
    await rejects(q.createQueue('bad name'), 'InvalidParameterValue', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    await rejects(q.createQueue('nofifo.fifo'), 'InvalidParameterValue');
    await rejects(q.createQueue('fifo-without-suffix', { FifoQueue: 'true' }), 'InvalidParameterValue', /must end with \.fifo suffix/);
    await rejects(q.createQueue('x', { VisibilityTimeout: '43201' }), 'InvalidAttributeValue', 'Invalid value for the parameter VisibilityTimeout.');
    await rejects(q.createQueue('x', { Bogus: '1' }), 'InvalidAttributeName', 'Unknown Attribute Bogus.');
    await rejects(q.createQueue('x', { ContentBasedDeduplication: 'true' }), 'InvalidAttributeValue');
    await q.createQueue('x');
    await rejects(q.sendMessage('x', { body: '' }), 'MissingParameter', 'The request must contain the parameter MessageBody.');
    await rejects(q.sendMessage('x', { body: 'bad\u0001' }), 'InvalidMessageContents');
    await rejects(
      q.sendMessage('x', { body: 'x'.repeat(262_145) }),
      'InvalidParameterValue',
      'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
    );
    await rejects(q.receiveMessage('x', { maxNumberOfMessages: 11 }), 'InvalidParameterValue', /MaxNumberOfMessages/);
    await rejects(q.receiveMessage('x', { waitTimeSeconds: 21 }), 'InvalidParameterValue', /WaitTimeSeconds/);
    await rejects(q.receiveMessage('nope'), 'QueueDoesNotExist', 'The specified queue does not exist.');
    await rejects(
      q.sendMessageBatch(
        'x',
        Array.from({ length: 11 }, (_, i) => ({ id: String(i), body: 'b' })),
      ),
      'TooManyEntriesInBatchRequest',
    );
    await rejects(
      q.sendMessageBatch('x', [
        { id: 'a', body: '1' },
        { id: 'a', body: '2' },
      ]),
      'BatchEntryIdsNotDistinct',
      'Id a repeated.',
    );
  });

  it('lists queues by prefix with pagination, and waits 60 seconds before a deleted name is reused', async () => {
    const { q, clock } = await open();
    for (const n of ['a1', 'a2', 'a3', 'b1']) await q.createQueue(n);
    assert.deepEqual(q.listQueues({ prefix: 'a' }).names, ['a1', 'a2', 'a3']);
    const p1 = q.listQueues({ maxResults: 2 });
    assert.deepEqual(p1.names, ['a1', 'a2']);
    assert.deepEqual(q.listQueues({ maxResults: 2, nextToken: p1.nextToken! }).names, ['a3', 'b1']);
    await q.deleteQueue('b1');
    await rejects(q.createQueue('b1'), 'QueueDeletedRecently');
    clock.advance(60_000);
    await q.createQueue('b1');
  });

  it('reports every attribute with All, and sets and tags', async () => {
    const { q } = await open();
    await q.createQueue('attrs');
    await q.setAttributes('attrs', { VisibilityTimeout: '60' });
    await q.tagQueue('attrs', { team: 'data' });
    const all = q.getAttributes('attrs');
    assert.equal(all.VisibilityTimeout, '60');
    assert.equal(all.QueueArn, 'arn:aws:sqs:us-east-1:000000000000:attrs');
    assert.equal(all.ApproximateNumberOfMessages, '0');
    assert.equal(all.MessageRetentionPeriod, '345600');
    assert.deepEqual(q.listTags('attrs'), { team: 'data' });
    await rejects(async () => q.getAttributes('attrs', ['Nope']), 'InvalidAttributeName');
  });
});

describe('FIFO queues', () => {
  it('delivers a group in order and holds the group while a message of it is in flight', async () => {
    const { q, clock } = await open();
    await q.createQueue('orders.fifo', { FifoQueue: 'true', VisibilityTimeout: '10' });
    for (const [g, b] of [
      ['A', 'a1'],
      ['B', 'b1'],
      ['A', 'a2'],
      ['B', 'b2'],
    ] as const) {
      await q.sendMessage('orders.fifo', { body: b, messageGroupId: g, messageDeduplicationId: b });
    }
    const first = await q.receiveMessage('orders.fifo', { maxNumberOfMessages: 1, attributeNames: ['All'] });
    assert.deepEqual(
      first.map((m) => m.body),
      ['a1'],
    );
    assert.match(first[0]!.attributes.SequenceNumber!, /^\d{20}$/);
    // Group A is locked by a1; B is free.
    const second = await q.receiveMessage('orders.fifo', { maxNumberOfMessages: 10 });
    assert.deepEqual(
      second.map((m) => m.body),
      ['b1', 'b2'],
    );
    assert.deepEqual(await q.receiveMessage('orders.fifo', { maxNumberOfMessages: 10 }), []);
    await q.deleteMessage('orders.fifo', first[0]!.receiptHandle);
    assert.deepEqual(
      (await q.receiveMessage('orders.fifo', { maxNumberOfMessages: 10 })).map((m) => m.body),
      ['a2'],
    );
    // b1, b2 (and a2) return after their visibility timeout, each group in order.
    clock.advance(10_000);
    const again = (await q.receiveMessage('orders.fifo', { maxNumberOfMessages: 10 })).map((m) => m.body);
    assert.deepEqual(
      again.filter((b) => b.startsWith('b')),
      ['b1', 'b2'],
    );
    assert.deepEqual(
      again.filter((b) => b.startsWith('a')),
      ['a2'],
    );
  });

  it('deduplicates within five minutes, by id or by content', async () => {
    const { q, clock } = await open();
    await q.createQueue('d.fifo', { FifoQueue: 'true' });
    const a = await q.sendMessage('d.fifo', { body: 'x', messageGroupId: 'g', messageDeduplicationId: 'same' });
    const b = await q.sendMessage('d.fifo', { body: 'y', messageGroupId: 'g', messageDeduplicationId: 'same' });
    assert.equal(b.messageId, a.messageId);
    assert.equal(b.sequenceNumber, a.sequenceNumber);
    clock.advance(5 * 60_000);
    const c = await q.sendMessage('d.fifo', { body: 'z', messageGroupId: 'g', messageDeduplicationId: 'same' });
    assert.notEqual(c.messageId, a.messageId);
    await q.createQueue('cb.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const d = await q.sendMessage('cb.fifo', { body: 'body', messageGroupId: 'g' });
    const e = await q.sendMessage('cb.fifo', { body: 'body', messageGroupId: 'h' });
    assert.equal(e.messageId, d.messageId);
    assert.equal(q.getAttributes('cb.fifo').ApproximateNumberOfMessages, '1');
  });

  it('requires a group id and a deduplication id (or content-based deduplication), and refuses per-message delays', async () => {
    const { q } = await open();
    await q.createQueue('v.fifo', { FifoQueue: 'true' });
    await rejects(
      q.sendMessage('v.fifo', { body: 'x', messageDeduplicationId: 'd' }),
      'MissingParameter',
      'The request must contain the parameter MessageGroupId.',
    );
    await rejects(
      q.sendMessage('v.fifo', { body: 'x', messageGroupId: 'g' }),
      'InvalidParameterValue',
      'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    );
    await rejects(q.sendMessage('v.fifo', { body: 'x', messageGroupId: 'g', messageDeduplicationId: 'd', delaySeconds: 3 }), 'InvalidParameterValue');
  });

  it('returns the same messages for a repeated ReceiveRequestAttemptId', async () => {
    const { q } = await open();
    await q.createQueue('r.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await q.sendMessage('r.fifo', { body: '1', messageGroupId: 'g' });
    const a = await q.receiveMessage('r.fifo', { receiveRequestAttemptId: 'try-1' });
    const b = await q.receiveMessage('r.fifo', { receiveRequestAttemptId: 'try-1' });
    assert.equal(a.length, 1);
    assert.deepEqual(
      b.map((m) => m.receiptHandle),
      a.map((m) => m.receiptHandle),
    );
  });
});

describe('queue durability', () => {
  it('replays sends, receives, deletes and visibility after reopening the storage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-queues-'));
    const clock = new ManualClock();
    try {
      let storage: LogStorage = new FileStorage({ dataDir: dir, fsync: { kind: 'always' }, clock });
      await storage.open();
      let { q } = await open({ storage, clock });
      await q.createQueue('durable', { VisibilityTimeout: '30' });
      await q.createQueue('durable.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
      for (const b of ['1', '2', '3']) await q.sendMessage('durable', { body: b });
      const fifoSent = await q.sendMessage('durable.fifo', { body: 'f', messageGroupId: 'g' });
      const [m1] = await q.receiveMessage('durable');
      await q.deleteMessage('durable', m1!.receiptHandle);
      const [m2] = await q.receiveMessage('durable');
      await q.close();
      await storage.close();

      storage = new FileStorage({ dataDir: dir, fsync: { kind: 'always' }, clock });
      await storage.open();
      ({ q } = await open({ storage, clock }));
      assert.deepEqual(
        { ...q.getAttributes('durable', ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible']) },
        { ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '1' },
      );
      // The in-flight message's receipt handle still works after the restart.
      await q.changeMessageVisibility('durable', m2!.receiptHandle, 0);
      const bodies = (await q.receiveMessage('durable', { maxNumberOfMessages: 10, attributeNames: ['ApproximateReceiveCount'] })).map(
        (m) => `${m.body}:${m.attributes.ApproximateReceiveCount}`,
      );
      assert.deepEqual(bodies.sort(), ['2:2', '3:1']);
      // FIFO deduplication survives too.
      const dup = await q.sendMessage('durable.fifo', { body: 'f', messageGroupId: 'g' });
      assert.equal(dup.messageId, fifoSent.messageId);
      await q.close();
      await storage.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
