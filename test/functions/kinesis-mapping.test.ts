/**
 * Kinesis event source mappings against AWS's documented behaviour: the event
 * byte for byte, starting positions, batching and order, failure handling
 * (bisection isolates a poison record whose metadata alone reaches the
 * on-failure queue; ReportBatchItemFailures resumes at the failed record;
 * MaximumRetryAttempts and MaximumRecordAgeInSeconds stop retries; timeouts
 * and crashing handlers), ParallelizationFactor, filters, KPL
 * de-aggregation, resharding, tumbling windows and the state machine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { ManualClock } from '../../src/core/index.ts';
import type { EsmHarness } from './esm-harness.ts';
import { enc, esmHarness, recorder, waitUntil } from './esm-harness.ts';
import { ROLE, uniqueName } from './helpers.ts';

const require = createRequire(import.meta.url);
const agg = require('aws-kinesis-agg') as {
  aggregate(
    records: { partitionKey: string; data: Buffer }[],
    onEncoded: (r: { partitionKey: string; data: Buffer }, cb: (err?: Error) => void) => void,
    after: () => void,
    onError: (e: Error) => void,
  ): void;
};

async function put(h: EsmHarness, stream: string, datas: string[], key = (i: number) => `k${i}`): Promise<string[]> {
  const res = await h.kinesis.putRecords(
    stream,
    datas.map((d, i) => ({ partitionKey: key(i), data: enc(d) })),
  );
  return res.map((r) => r.sequenceNumber);
}

async function dlqMessages(h: EsmHarness, queue: string): Promise<any[]> {
  const out: any[] = [];
  for (;;) {
    const got = await h.queues.receiveMessage(queue, { maxNumberOfMessages: 10 });
    if (got.length === 0) return out;
    for (const m of got) out.push(JSON.parse(m.body));
  }
}

describe('Kinesis event source mappings', () => {
  let h: EsmHarness;
  before(async () => {
    h = await esmHarness();
  });
  after(async () => {
    await h.close();
  });

  it('invokes with the Kinesis event exactly as Lambda writes it', async () => {
    const s = await h.stream(1);
    const f = await h.fn(
      `const fs = require('fs'); exports.handler = async (e, c) => { fs.appendFileSync(process.env.OUT, JSON.stringify({ raw: JSON.stringify(e) }) + '\\n'); };`,
    );
    const seqs = await put(h, s.name, ['{"a":1}', 'second'], (i) => (i === 0 ? 'key "q"' : 'k2'));
    await h.fns.mappings.create({ functionName: f.name, eventSourceArn: s.arn, startingPosition: 'TRIM_HORIZON' });
    await waitUntil(() => h.lines(f.out).length > 0, 'an invocation');
    const raw = h.lines(f.out)[0].raw;
    const recs = await (await h.kinesis.openShardReader(s.name, 'shardId-000000000000', { type: 'TRIM_HORIZON' })).read();
    const rec = (i: number, key: string, data: string) => {
      const ms = recs.records[i]!.approximateArrivalTimestampMs;
      // Lambda sends three decimals; the handler above re-serialises the parsed event, so
      // trailing zeros are gone by the time it is written (1796612816.660 -> 1796612816.66).
      const ts = JSON.stringify(Number(`${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`));
      return (
        `{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":${JSON.stringify(key)},"sequenceNumber":"${seqs[i]}","data":"${Buffer.from(data).toString('base64')}","approximateArrivalTimestamp":${ts}},` +
        `"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"shardId-000000000000:${seqs[i]}","eventName":"aws:kinesis:record",` +
        `"invokeIdentityArn":"${ROLE}","awsRegion":"us-east-1","eventSourceARN":"${s.arn}"}`
      );
    };
    assert.equal(raw, `{"Records":[${rec(0, 'key "q"', '{"a":1}')},${rec(1, 'k2', 'second')}]}`);
  });

  it('starts at TRIM_HORIZON, LATEST or AT_TIMESTAMP and keeps shard order in batches of at most BatchSize', async () => {
    const s = await h.stream(1);
    await put(h, s.name, ['old-1', 'old-2']);
    await new Promise((r) => setTimeout(r, 30));
    const between = Date.now();
    await new Promise((r) => setTimeout(r, 30));
    await put(h, s.name, ['mid-1']);
    const trim = await h.fn(recorder());
    const latest = await h.fn(recorder());
    const at = await h.fn(recorder());
    await h.fns.mappings.create({ functionName: trim.name, eventSourceArn: s.arn, startingPosition: 'TRIM_HORIZON', batchSize: 2 });
    const lm = await h.fns.mappings.create({ functionName: latest.name, eventSourceArn: s.arn, startingPosition: 'LATEST' });
    await h.fns.mappings.create({ functionName: at.name, eventSourceArn: s.arn, startingPosition: 'AT_TIMESTAMP', startingPositionTimestampMs: between });
    await waitUntil(() => h.fns.mappings.get(lm.uuid).state === 'Enabled', 'Enabled');
    await h.fns.mappings.settled();
    await put(h, s.name, ['new-1', 'new-2', 'new-3']);
    const all = (out: string) => h.lines(out).flatMap((l) => l.datas);
    await waitUntil(() => all(trim.out).length === 6 && all(latest.out).length === 3 && all(at.out).length === 4, 'every mapping to catch up');
    assert.deepEqual(all(trim.out), ['old-1', 'old-2', 'mid-1', 'new-1', 'new-2', 'new-3']);
    assert.ok(h.lines(trim.out).every((l) => l.datas.length <= 2));
    assert.deepEqual(all(latest.out), ['new-1', 'new-2', 'new-3']);
    assert.deepEqual(all(at.out), ['mid-1', 'new-1', 'new-2', 'new-3']);
  });

  it('isolates a poison record by bisection: only its metadata reaches the on-failure queue, everything else is processed', async () => {
    const s = await h.stream(1);
    const dlq = uniqueName('dlq');
    const q = await h.queues.createQueue(dlq);
    const f = await h.fn(recorder(`if (datas.includes('poison')) throw new Error('cannot handle poison');`));
    const datas = Array.from({ length: 20 }, (_, i) => (i === 13 ? 'poison' : `r${i}`));
    const seqs = await put(h, s.name, datas);
    await h.fns.mappings.create({
      functionName: f.name,
      eventSourceArn: s.arn,
      startingPosition: 'TRIM_HORIZON',
      batchSize: 20,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 0,
      onFailureDestination: q.arn,
    });
    await waitUntil(
      () =>
        new Set(
          h
            .lines(f.out)
            .filter((l) => !l.failed)
            .flatMap((l) => l.datas),
        ).size === 19,
      'all good records',
    );
    await h.fns.mappings.settled();
    const failures = await dlqMessages(h, dlq);
    assert.equal(failures.length, 1);
    const rec = failures[0];
    assert.equal(rec.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(rec.requestContext.functionArn, h.fns.arn(f.name));
    assert.equal(rec.responseContext.functionError, 'Unhandled');
    assert.equal(rec.responseContext.statusCode, 200);
    assert.equal(rec.responseContext.executedVersion, '$LATEST');
    assert.equal(rec.version, '1.0');
    assert.deepEqual(
      { ...rec.KinesisBatchInfo, approximateArrivalOfFirstRecord: undefined, approximateArrivalOfLastRecord: undefined },
      {
        shardId: 'shardId-000000000000',
        startSequenceNumber: seqs[13],
        endSequenceNumber: seqs[13],
        approximateArrivalOfFirstRecord: undefined,
        approximateArrivalOfLastRecord: undefined,
        batchSize: 1,
        streamArn: s.arn,
      },
    );
    assert.match(rec.KinesisBatchInfo.approximateArrivalOfFirstRecord, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const ok = h.lines(f.out).filter((l) => !l.failed);
    assert.ok(!ok.some((l) => l.datas.includes('poison')));
  });

  it('resumes at the lowest failed sequence number reported with ReportBatchItemFailures', async () => {
    const s = await h.stream(1);
    const f = await h.fn(
      recorder(`
        const marker = process.env.DIR + '/' + context.functionName + '.failed-once';
        const i = datas.indexOf('r5');
        if (i >= 0 && !fs.existsSync(marker)) { fs.writeFileSync(marker, '1'); return { batchItemFailures: [{ itemIdentifier: seqs[i + 2] }, { itemIdentifier: seqs[i] }] }; }
        return { batchItemFailures: [] };`),
    );
    await put(
      h,
      s.name,
      Array.from({ length: 10 }, (_, i) => `r${i}`),
    );
    await h.fns.mappings.create({
      functionName: f.name,
      eventSourceArn: s.arn,
      startingPosition: 'TRIM_HORIZON',
      batchSize: 10,
      functionResponseTypes: ['ReportBatchItemFailures'],
    });
    await waitUntil(() => h.lines(f.out).length >= 2, 'the retry');
    const [first, second] = h.lines(f.out);
    assert.deepEqual(
      first.datas,
      Array.from({ length: 10 }, (_, i) => `r${i}`),
    );
    assert.deepEqual(second.datas, ['r5', 'r6', 'r7', 'r8', 'r9']);
  });

  it('treats a partial-batch response naming an unknown record as a failure of the whole batch', async () => {
    const s = await h.stream(1);
    const f = await h.fn(
      recorder(`
        const marker = process.env.DIR + '/' + context.functionName + '.bad-once';
        if (!fs.existsSync(marker)) { fs.writeFileSync(marker, '1'); return { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] }; }
        return {};`),
    );
    await put(h, s.name, ['a', 'b', 'c']);
    await h.fns.mappings.create({
      functionName: f.name,
      eventSourceArn: s.arn,
      startingPosition: 'TRIM_HORIZON',
      functionResponseTypes: ['ReportBatchItemFailures'],
    });
    await waitUntil(() => h.lines(f.out).length >= 2, 'the retry');
    assert.deepEqual(h.lines(f.out)[1].datas, ['a', 'b', 'c']);
  });

  it('stops retrying after MaximumRetryAttempts, records the invoke count, and moves on to the next records', async () => {
    const s = await h.stream(1);
    const dlq = uniqueName('dlq');
    const q = await h.queues.createQueue(dlq);
    const f = await h.fn(recorder(`if (datas.includes('bad')) throw new Error('still bad');`));
    await put(h, s.name, ['bad']);
    await h.fns.mappings.create({
      functionName: f.name,
      eventSourceArn: s.arn,
      startingPosition: 'TRIM_HORIZON',
      maximumRetryAttempts: 2,
      onFailureDestination: q.arn,
    });
    await waitUntil(() => h.lines(f.out).length === 3, 'three invocations');
    await put(h, s.name, ['good']);
    await waitUntil(() => h.lines(f.out).some((l) => l.datas.includes('good')), 'the next record');
    assert.equal(h.lines(f.out).filter((l) => l.datas.includes('bad')).length, 3);
    const [rec] = await dlqMessages(h, dlq);
    assert.equal(rec.requestContext.approximateInvokeCount, 3);
    assert.equal(rec.KinesisBatchInfo.batchSize, 1);
  });

  it('fails batches whose handler times out or crashes like any function error', async () => {
    const s = await h.stream(1);
    const dlq = uniqueName('dlq');
    const q = await h.queues.createQueue(dlq);
    const f = await h.fn(recorder(`if (datas.includes('slow')) await new Promise((r) => setTimeout(r, 5000)); if (datas.includes('crash')) process.exit(7);`), {
      timeoutSeconds: 1,
    });
    await put(h, s.name, ['slow', 'crash', 'fine']);
    await h.fns.mappings.create({
      functionName: f.name,
      eventSourceArn: s.arn,
      startingPosition: 'TRIM_HORIZON',
      batchSize: 1,
      maximumRetryAttempts: 0,
      onFailureDestination: q.arn,
    });
    await waitUntil(() => h.lines(f.out).some((l) => l.datas.includes('fine')), 'the record after the failures', 20_000);
    await h.fns.mappings.settled();
    const recs = await dlqMessages(h, dlq);
    assert.equal(recs.length, 2);
    assert.ok(recs.every((r) => r.responseContext.functionError === 'Unhandled' && r.KinesisBatchInfo.batchSize === 1));
  });

  it('keeps partition-key order with ParallelizationFactor while running batches of a shard concurrently', async () => {
    const s = await h.stream(1);
    const f = await h.fn(recorder(`await new Promise((r) => setTimeout(r, 40));`));
    const n = 120;
    await put(
      h,
      s.name,
      Array.from({ length: n }, (_, i) => `${i}`),
      (i) => `key-${i % 12}`,
    );
    await h.fns.mappings.create({ functionName: f.name, eventSourceArn: s.arn, startingPosition: 'TRIM_HORIZON', batchSize: 5, parallelizationFactor: 4 });
    await waitUntil(() => h.lines(f.out).flatMap((l) => l.datas).length === n, 'every record', 60_000);
    const lines = h.lines(f.out);
    const byKey = new Map<string, number[]>();
    for (const l of lines.sort((a, b) => a.t0 - b.t0)) {
      l.keys.forEach((k: string, i: number) => {
        if (!byKey.has(k)) byKey.set(k, []);
        byKey.get(k)!.push(Number(l.datas[i]));
      });
    }
    for (const [k, seq] of byKey)
      assert.deepEqual(
        seq,
        [...seq].sort((a, b) => a - b),
        `order of ${k}`,
      );
    let overlap = 0;
    for (const a of lines) for (const b of lines) if (a !== b && a.t0 < b.t1 && b.t0 < a.t1) overlap++;
    assert.ok(overlap > 0, 'batches of one shard ran concurrently');
  });

  it('delivers only records that pass FilterCriteria, and moves past the others', async () => {
    const s = await h.stream(1);
    const f = await h.fn(recorder());
    await put(h, s.name, ['{"temp": 40}', '{"temp": 70}', 'not json', '{"temp": 65}']);
    await h.fns.mappings.create({
      functionName: f.name,
      eventSourceArn: s.arn,
      startingPosition: 'TRIM_HORIZON',
      filters: [{ pattern: JSON.stringify({ data: { temp: [{ numeric: ['>', 60] }] } }) }],
    });
    await waitUntil(() => h.lines(f.out).flatMap((l) => l.datas).length === 2, 'the matching records');
    await put(h, s.name, ['{"temp": 99}']);
    await waitUntil(() => h.lines(f.out).flatMap((l) => l.datas).length === 3, 'the next matching record');
    assert.deepEqual(
      h.lines(f.out).flatMap((l) => l.datas),
      ['{"temp": 70}', '{"temp": 65}', '{"temp": 99}'],
    );
  });

  it('de-aggregates KPL records, each user record with its own partition key', async () => {
    const s = await h.stream(1);
    const f = await h.fn(recorder());
    const users = Array.from({ length: 5 }, (_, i) => ({ partitionKey: `u${i}`, data: enc(`user-${i}`) }));
    const aggregated = await new Promise<{ partitionKey: string; data: Buffer }[]>((resolve, reject) => {
      const out: { partitionKey: string; data: Buffer }[] = [];
      agg.aggregate(
        users,
        (r, cb) => {
          out.push(r);
          cb();
        },
        () => resolve(out),
        reject,
      );
    });
    await h.kinesis.putRecords(s.name, aggregated);
    await h.fns.mappings.create({ functionName: f.name, eventSourceArn: s.arn, startingPosition: 'TRIM_HORIZON' });
    await waitUntil(() => h.lines(f.out).flatMap((l) => l.datas).length === 5, 'the user records');
    const line = h.lines(f.out)[0];
    assert.deepEqual(line.datas, ['user-0', 'user-1', 'user-2', 'user-3', 'user-4']);
    assert.deepEqual(line.keys, ['u0', 'u1', 'u2', 'u3', 'u4']);
  });

  it('follows a shard split: the parent is processed before its children, and nothing is lost', async () => {
    const s = await h.stream(1);
    const f = await h.fn(recorder());
    await h.fns.mappings.create({ functionName: f.name, eventSourceArn: s.arn, startingPosition: 'TRIM_HORIZON', batchSize: 3 });
    await put(
      h,
      s.name,
      Array.from({ length: 6 }, (_, i) => `before-${i}`),
      (i) => `k${i % 3}`,
    );
    await h.kinesis.splitShard(s.name, 'shardId-000000000000', (2n ** 127n).toString());
    await h.kinesis.whenActive(s.name);
    await put(
      h,
      s.name,
      Array.from({ length: 6 }, (_, i) => `after-${i}`),
      (i) => `k${i % 3}`,
    );
    await waitUntil(() => h.lines(f.out).flatMap((l) => l.datas).length === 12, 'every record', 30_000);
    const order = h
      .lines(f.out)
      .sort((a, b) => a.t0 - b.t0)
      .flatMap((l) => l.datas);
    const lastBefore = Math.max(...order.map((d, i) => (d.startsWith('before') ? i : -1)));
    const firstAfter = order.findIndex((d) => d.startsWith('after'));
    assert.ok(lastBefore < firstAfter, `parent records first: ${order.join(',')}`);
  });

  it('moves through its states: Creating → Enabled, Disabling → Disabled (resuming where it stopped), Deleting → gone', async () => {
    const s = await h.stream(1);
    const f = await h.fn(recorder());
    const created = await h.fns.mappings.create({ functionName: f.name, eventSourceArn: s.arn, startingPosition: 'TRIM_HORIZON' });
    assert.equal(created.state, 'Creating');
    assert.equal(created.batchSize, 100);
    assert.equal(created.maximumRetryAttempts, -1);
    await waitUntil(() => h.fns.mappings.get(created.uuid).state === 'Enabled', 'Enabled');
    await put(h, s.name, ['one']);
    await waitUntil(() => h.lines(f.out).length === 1, 'one');
    const disabled = await h.fns.mappings.update(created.uuid, { enabled: false });
    assert.equal(disabled.state, 'Disabling');
    await waitUntil(() => h.fns.mappings.get(created.uuid).state === 'Disabled', 'Disabled');
    await put(h, s.name, ['two']);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(h.lines(f.out).length, 1, 'nothing delivered while disabled');
    await h.fns.mappings.update(created.uuid, { enabled: true });
    await waitUntil(
      () =>
        h
          .lines(f.out)
          .flatMap((l) => l.datas)
          .includes('two'),
      'two after re-enabling',
    );
    assert.deepEqual(
      h.lines(f.out).flatMap((l) => l.datas),
      ['one', 'two'],
    );
    await assert.rejects(
      h.fns.mappings.create({ functionName: f.name, eventSourceArn: s.arn, startingPosition: 'TRIM_HORIZON' }),
      (e: any) => e.code === 'ResourceConflictException' && e.message.includes(created.uuid),
    );
    await waitUntil(() => h.fns.mappings.get(created.uuid).state === 'Enabled', 'Enabled again');
    const deleting = await h.fns.mappings.delete(created.uuid);
    assert.equal(deleting.state, 'Deleting');
    await waitUntil(() => h.fns.mappings.list({ functionName: f.name }).length === 0, 'gone');
    assert.throws(
      () => h.fns.mappings.get(created.uuid),
      (e: any) => e.code === 'ResourceNotFoundException' && e.httpStatus === 404,
    );
  });

  it('refuses invalid settings and unknown sources with AWS’s errors', async () => {
    const s = await h.stream(1);
    const f = await h.fn(recorder());
    const bad = async (input: Record<string, unknown>, re: RegExp) =>
      assert.rejects(h.fns.mappings.create({ functionName: f.name, eventSourceArn: s.arn, startingPosition: 'LATEST', ...input }), (e: any) => {
        assert.match(e.message, re);
        return e.code === 'InvalidParameterValueException';
      });
    await bad({ batchSize: 10_001 }, /BatchSize/);
    await bad({ parallelizationFactor: 11 }, /ParallelizationFactor/);
    await bad({ maximumRecordAgeSeconds: 30 }, /MaximumRecordAgeInSeconds/);
    await bad({ startingPosition: undefined }, /StartingPosition/);
    await bad({ filters: [{ pattern: '{"data": 1}' }] }, /filter pattern/);
    await bad({ eventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/nope' }, /Stream not found/);
    await assert.rejects(
      h.fns.mappings.create({ functionName: 'missing-fn', eventSourceArn: s.arn, startingPosition: 'LATEST' }),
      (e: any) => e.code === 'ResourceNotFoundException',
    );
  });
});

describe('Kinesis mappings on the injected clock', () => {
  it('stops retrying once records are older than MaximumRecordAgeInSeconds', async () => {
    const clock = new ManualClock(Date.now());
    const h = await esmHarness({ clock });
    try {
      const s = await h.stream(1);
      const dlq = uniqueName('dlq');
      const q = await h.queues.createQueue(dlq);
      const f = await h.fn(recorder(`throw new Error('never works');`));
      await h.kinesis.putRecords(s.name, [{ partitionKey: 'k', data: enc('old') }]);
      await h.fns.mappings.create({
        functionName: f.name,
        eventSourceArn: s.arn,
        startingPosition: 'TRIM_HORIZON',
        maximumRecordAgeSeconds: 60,
        onFailureDestination: q.arn,
      });
      clock.advance(1);
      await waitUntil(() => h.lines(f.out).length >= 1, 'the first attempt');
      // Retries follow the backoff on the clock; past 60 s the batch is discarded.
      for (let i = 0; i < 20 && (await h.queues.getAttributes(dlq, ['ApproximateNumberOfMessages'])).ApproximateNumberOfMessages === '0'; i++) {
        clock.advance(10_000);
        await new Promise((r) => setTimeout(r, 50));
      }
      const [m] = await h.queues.receiveMessage(dlq);
      const rec = JSON.parse(m!.body);
      assert.equal(rec.requestContext.condition, 'RecordAgeExceeded');
      assert.ok(rec.requestContext.approximateInvokeCount >= 1);
    } finally {
      await h.close();
    }
  });

  it('aggregates a tumbling window: state passes between invocations, then a final invocation closes the window', async () => {
    const clock = new ManualClock(Date.UTC(2021, 0, 31, 14, 0, 0));
    const h = await esmHarness({ clock });
    try {
      const s = await h.stream(1);
      const f = await h.fn(
        recorder(`
          const state = Object.assign({}, event.state);
          for (const d of datas) state.count = (state.count || 0) + 1;
          return { state };`),
      );
      await h.fns.mappings.create({ functionName: f.name, eventSourceArn: s.arn, startingPosition: 'TRIM_HORIZON', tumblingWindowSeconds: 60, batchSize: 2 });
      clock.advance(1);
      await h.kinesis.putRecords(s.name, [
        { partitionKey: 'a', data: enc('1') },
        { partitionKey: 'a', data: enc('2') },
        { partitionKey: 'a', data: enc('3') },
      ]);
      await waitUntil(() => h.lines(f.out).reduce((n, l) => n + l.datas.length, 0) === 3, 'the window’s records');
      // The handler wrote its line before answering: let the answer arrive before the clock jumps past the function's timeout.
      await h.fns.mappings.settled();
      clock.advance(60_000);
      await waitUntil(() => h.lines(f.out).some((l) => l.final), 'the final invocation');
      const lines = h.lines(f.out);
      const last = lines.at(-1);
      assert.equal(last.final, true);
      assert.deepEqual(last.datas, []);
      assert.deepEqual(last.state, { count: 3 });
      assert.deepEqual(last.window, { start: '2021-01-31T14:00:00Z', end: '2021-01-31T14:01:00Z' });
      assert.deepEqual(lines[0].state, {});
      assert.deepEqual(lines[1].state, { count: 2 });
      // The next window starts with fresh state.
      await h.kinesis.putRecords(s.name, [{ partitionKey: 'a', data: enc('4') }]);
      await waitUntil(() => h.lines(f.out).length === lines.length + 1, 'the next window');
      const next = h.lines(f.out).at(-1);
      assert.deepEqual(next.state, {});
      assert.deepEqual(next.window, { start: '2021-01-31T14:01:00Z', end: '2021-01-31T14:02:00Z' });
    } finally {
      await h.close();
    }
  });
});
