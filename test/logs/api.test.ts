/**
 * The CloudWatch Logs API (Logs_20140328) on the Freshet server with real clients:
 * @aws-sdk/client-cloudwatch-logs for every action and its refusals, and Debian's AWS CLI (v1, which has
 * no `aws logs tail`) for create-log-group / put-log-events / get-log-events / filter-log-events.
 * One server on a ManualClock over file storage; the restart case reopens the same data directory.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  StartQueryCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { awsCli } from '../helpers/third-party-clients.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let n = 0;
const unique = (p: string) => `/test/${p}-${process.pid}-${n++}`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Asserts that `p` rejects with AWS's error name, message and HTTP status 400. */
async function refuses(p: Promise<unknown>, name: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
}

describe('CloudWatch Logs API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-logs-'));
  const clock = new ManualClock();
  let server: FreshetServer;
  let logs: CloudWatchLogsClient;
  const open = async () => {
    // fsync never: the restart case closes the server cleanly; durability across kill -9 is the storage's own tests' business.
    server = await startServer({ port: 0, storage: 'file', dataDir: dir, fsync: { kind: 'never' }, clock, createDelayMs: 0, pg: false });
    logs = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  };
  const shut = async () => {
    logs.destroy();
    await server.close();
  };
  before(open);
  after(async () => {
    await shut();
    rmSync(dir, { recursive: true, force: true });
  });

  async function groupWithStream(p: string, stream = 's1'): Promise<string> {
    const group = unique(p);
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    return group;
  }

  it('creates, lists (prefix, pagination) and deletes log groups, refusing a duplicate and a missing group in AWS words', async () => {
    const base = unique('groups');
    for (const s of ['a', 'b', 'c']) await logs.send(new CreateLogGroupCommand({ logGroupName: `${base}/${s}`, tags: { team: s } }));
    await refuses(
      logs.send(new CreateLogGroupCommand({ logGroupName: `${base}/a` })),
      'ResourceAlreadyExistsException',
      'The specified log group already exists',
    );
    const page1 = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `${base}/`, limit: 2 }));
    assert.deepEqual(
      page1.logGroups?.map((g) => g.logGroupName),
      [`${base}/a`, `${base}/b`],
    );
    assert.equal(page1.logGroups?.[0]?.arn, `arn:aws:logs:us-east-1:000000000000:log-group:${base}/a:*`);
    assert.equal(page1.logGroups?.[0]?.creationTime, clock.now());
    assert.ok(page1.nextToken);
    const page2 = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `${base}/`, limit: 2, nextToken: page1.nextToken }));
    assert.deepEqual(
      page2.logGroups?.map((g) => g.logGroupName),
      [`${base}/c`],
    );
    assert.equal(page2.nextToken, undefined);
    await refuses(
      logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'x', logGroupNamePattern: 'y' })),
      'InvalidParameterException',
      'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.',
    );
    await refuses(logs.send(new DescribeLogGroupsCommand({ nextToken: 'garbage!' })), 'InvalidParameterException', 'The specified nextToken is invalid.');
    await logs.send(new DeleteLogGroupCommand({ logGroupName: `${base}/b` }));
    const left = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `${base}/` }));
    assert.deepEqual(
      left.logGroups?.map((g) => g.logGroupName),
      [`${base}/a`, `${base}/c`],
    );
    await refuses(logs.send(new DeleteLogGroupCommand({ logGroupName: `${base}/b` })), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await refuses(
      logs.send(new CreateLogGroupCommand({ logGroupName: 'bad name!' })),
      'InvalidParameterException',
      /logGroupName.*Member must satisfy regular expression pattern/,
    );
  });

  it('creates, orders (by name or last event time, descending), pages and deletes log streams', async () => {
    const group = unique('streams');
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    for (const s of ['b', 'a', 'c']) await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
    await refuses(
      logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'a' })),
      'ResourceAlreadyExistsException',
      'The specified log stream already exists',
    );
    await refuses(
      logs.send(new CreateLogStreamCommand({ logGroupName: `${group}-none`, logStreamName: 'a' })),
      'ResourceNotFoundException',
      'The specified log group does not exist.',
    );
    const t = clock.now();
    // c's last event is the oldest, a's the newest; b has none.
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'c', logEvents: [{ timestamp: t - 3000, message: 'c' }] }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 'a',
        logEvents: [
          { timestamp: t - 2000, message: 'a1' },
          { timestamp: t - 1000, message: 'a2' },
        ],
      }),
    );
    const byName = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    assert.deepEqual(
      byName.logStreams?.map((s) => s.logStreamName),
      ['a', 'b', 'c'],
    );
    const a = byName.logStreams![0]!;
    assert.equal(a.firstEventTimestamp, t - 2000);
    assert.equal(a.lastEventTimestamp, t - 1000);
    assert.equal(a.lastIngestionTime, t);
    assert.equal(a.arn, `arn:aws:logs:us-east-1:000000000000:log-group:${group}:log-stream:a`);
    const byTime = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, orderBy: 'LastEventTime', descending: true }));
    assert.deepEqual(
      byTime.logStreams?.map((s) => s.logStreamName),
      ['a', 'c', 'b'],
    );
    const p1 = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, limit: 2, descending: true }));
    assert.deepEqual(
      p1.logStreams?.map((s) => s.logStreamName),
      ['c', 'b'],
    );
    const p2 = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, limit: 2, descending: true, nextToken: p1.nextToken }));
    assert.deepEqual(
      p2.logStreams?.map((s) => s.logStreamName),
      ['a'],
    );
    assert.equal(p2.nextToken, undefined);
    const prefixed = await logs.send(
      new DescribeLogStreamsCommand({ logGroupIdentifier: `arn:aws:logs:us-east-1:000000000000:log-group:${group}`, logStreamNamePrefix: 'b' }),
    );
    assert.deepEqual(
      prefixed.logStreams?.map((s) => s.logStreamName),
      ['b'],
    );
    await refuses(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: group, orderBy: 'LastEventTime', logStreamNamePrefix: 'a' })),
      'InvalidParameterException',
      'Cannot order by LastEventTime with a logStreamNamePrefix.',
    );
    await logs.send(new DeleteLogStreamCommand({ logGroupName: group, logStreamName: 'b' }));
    await refuses(
      logs.send(new DeleteLogStreamCommand({ logGroupName: group, logStreamName: 'b' })),
      'ResourceNotFoundException',
      'The specified log stream does not exist.',
    );
    await refuses(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: `${group}-none` })),
      'ResourceNotFoundException',
      'The specified log group does not exist.',
    );
  });

  it("refuses PutLogEvents batches that break AWS's rules and reports too-new, too-old and expired events", async () => {
    const group = await groupWithStream('put');
    const put = (logEvents: { timestamp: number; message: string }[], stream = 's1') =>
      logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents }));
    const t = clock.now();
    await refuses(
      put([
        { timestamp: t, message: 'b' },
        { timestamp: t - 1, message: 'a' },
      ]),
      'InvalidParameterException',
      'Log events in a single PutLogEvents request must be in chronological order.',
    );
    await refuses(
      put([
        { timestamp: t - DAY - 1, message: 'a' },
        { timestamp: t, message: 'b' },
      ]),
      'InvalidParameterException',
      'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
    );
    // 1,048,576 bytes counting 26 per event: 4 events of 262,118 bytes fit exactly, one more byte does not.
    const big = 'x'.repeat(262_118);
    const fits = await put([0, 1, 2, 3].map((i) => ({ timestamp: t + i, message: big })));
    assert.equal(fits.rejectedLogEventsInfo, undefined);
    await refuses(
      put([0, 1, 2, 3].map((i) => ({ timestamp: t + i, message: i === 3 ? `${big}y` : big }))),
      'InvalidParameterException',
      'Upload too large: 1048577 bytes exceeds limit of 1048576',
    );
    await refuses(
      put([]),
      'InvalidParameterException',
      /Value '\[\]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    );
    await refuses(put([{ timestamp: t, message: 'x' }], 'none'), 'ResourceNotFoundException', 'The specified log stream does not exist.');
    // More than 14 days old (too old) then fine; fine then more than 2 hours ahead (too new): only the fine ones are stored.
    const group2 = await groupWithStream('put-window');
    const put2 = (logEvents: { timestamp: number; message: string }[]) =>
      logs.send(new PutLogEventsCommand({ logGroupName: group2, logStreamName: 's1', logEvents }));
    const old = await put2([
      { timestamp: t - 14 * DAY - HOUR, message: 'too old' },
      { timestamp: t - 14 * DAY + HOUR, message: 'old but kept' },
    ]);
    assert.deepEqual(old.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 0 });
    const r = await put2([
      { timestamp: t, message: 'now' },
      { timestamp: t + 3 * HOUR, message: 'future' },
    ]);
    assert.deepEqual(r.rejectedLogEventsInfo, { tooNewLogEventStartIndex: 1 });
    assert.match(r.nextSequenceToken ?? '', /^\d+$/);
    const got = await logs.send(new GetLogEventsCommand({ logGroupName: group2, logStreamName: 's1', startFromHead: true }));
    assert.deepEqual(
      got.events?.map((e) => e.message),
      ['old but kept', 'now'],
    );
    // With a 1-day retention, a 25-hour-old event has expired.
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: group2, retentionInDays: 1 }));
    const r2 = await put2([
      { timestamp: t - 25 * HOUR, message: 'expired' },
      { timestamp: t - 23 * HOUR, message: 'kept' },
    ]);
    assert.deepEqual(r2.rejectedLogEventsInfo, { expiredLogEventEndIndex: 0 });
  });

  it('reads a stream with GetLogEvents from the head or the tail, forwards and backwards by token', async () => {
    const group = await groupWithStream('get');
    const t = clock.now() - 10_000;
    await logs.send(
      new PutLogEventsCommand({ logGroupName: group, logStreamName: 's1', logEvents: [0, 1, 2, 3, 4].map((i) => ({ timestamp: t + i, message: `m${i}` })) }),
    );
    // An earlier batch sent later is read in timestamp order.
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 's1', logEvents: [{ timestamp: t - 1, message: 'early' }] }));
    const get = (o: { nextToken?: string; startFromHead?: boolean; limit?: number; startTime?: number; endTime?: number }) =>
      logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 's1', ...o }));
    const head = await get({ startFromHead: true, limit: 2 });
    assert.deepEqual(
      head.events?.map((e) => e.message),
      ['early', 'm0'],
    );
    assert.equal(head.events?.[0]?.timestamp, t - 1);
    assert.equal(head.events?.[0]?.ingestionTime, clock.now());
    assert.match(head.nextForwardToken ?? '', /^f\/\d{56}$/);
    const next = await get({ nextToken: head.nextForwardToken!, limit: 2 });
    assert.deepEqual(
      next.events?.map((e) => e.message),
      ['m1', 'm2'],
    );
    const back = await get({ nextToken: next.nextBackwardToken!, limit: 1 });
    assert.deepEqual(
      back.events?.map((e) => e.message),
      ['m0'],
    );
    // The default reads the newest events; at the end the forward token comes back unchanged.
    const tail = await get({ limit: 2 });
    assert.deepEqual(
      tail.events?.map((e) => e.message),
      ['m3', 'm4'],
    );
    const end = await get({ nextToken: tail.nextForwardToken! });
    assert.deepEqual(end.events, []);
    assert.equal(end.nextForwardToken, tail.nextForwardToken);
    const window = await get({ startFromHead: true, startTime: t + 1, endTime: t + 3 });
    assert.deepEqual(
      window.events?.map((e) => e.message),
      ['m1', 'm2'],
    );
    await refuses(get({ nextToken: 'x/1' }), 'InvalidParameterException', 'The specified nextToken is invalid.');
    await refuses(
      logs.send(new GetLogEventsCommand({ logGroupName: `${group}-none`, logStreamName: 's1' })),
      'ResourceNotFoundException',
      'The specified log group does not exist.',
    );
  });

  it('filters events across streams by terms, quoted phrases, ?/- terms and JSON patterns, with pagination', async () => {
    const group = await groupWithStream('filter', 'app-1');
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'app-2' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'other' }));
    const t = clock.now() - 60_000;
    const put = (stream: string, messages: string[], at: number) =>
      logs.send(
        new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: messages.map((message, i) => ({ timestamp: at + i * 2, message })) }),
      );
    await put('app-1', ['ERROR connection reset by peer', '{"level":"ERROR","latency":250,"path":"/api/orders"}', 'INFO started'], t);
    await put('app-2', ['WARN slow request', '{"level":"INFO","latency":20,"path":"/health"}', 'DEBUG tick'], t + 1);
    await put('other', ['ERROR elsewhere'], t + 100);
    const filter = async (filterPattern: string | undefined, more: Record<string, unknown> = {}) =>
      (await logs.send(new FilterLogEventsCommand({ logGroupName: group, ...(filterPattern !== undefined ? { filterPattern } : {}), ...more }))).events?.map(
        (e) => e.message,
      );
    assert.deepEqual(await filter('ERROR'), ['ERROR connection reset by peer', '{"level":"ERROR","latency":250,"path":"/api/orders"}', 'ERROR elsewhere']);
    assert.deepEqual(await filter('"connection reset"'), ['ERROR connection reset by peer']);
    assert.deepEqual(await filter('"reset connection"'), []);
    assert.deepEqual(await filter('?WARN ?DEBUG'), ['WARN slow request', 'DEBUG tick']);
    assert.deepEqual(await filter('ERROR -elsewhere -level'), ['ERROR connection reset by peer']);
    assert.deepEqual(await filter('{ $.level = "ERROR" }'), ['{"level":"ERROR","latency":250,"path":"/api/orders"}']);
    assert.deepEqual(await filter('{ $.latency > 100 || $.path = "/heal*" }'), [
      '{"level":"ERROR","latency":250,"path":"/api/orders"}',
      '{"level":"INFO","latency":20,"path":"/health"}',
    ]);
    assert.deepEqual(await filter('{ ($.level != "ERROR") && $.latency <= 20 }'), ['{"level":"INFO","latency":20,"path":"/health"}']);
    assert.deepEqual(await filter('ERROR', { logStreamNamePrefix: 'app-' }), [
      'ERROR connection reset by peer',
      '{"level":"ERROR","latency":250,"path":"/api/orders"}',
    ]);
    assert.deepEqual(await filter(undefined, { logStreamNames: ['other'] }), ['ERROR elsewhere']);
    assert.deepEqual(await filter(undefined, { startTime: t + 2, endTime: t + 4 }), [
      '{"level":"ERROR","latency":250,"path":"/api/orders"}',
      '{"level":"INFO","latency":20,"path":"/health"}',
    ]);
    // Pages of 2, interleaved across streams in timestamp order.
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const r: { events?: { message?: string; eventId?: string; logStreamName?: string }[]; nextToken?: string } = await logs.send(
        new FilterLogEventsCommand({ logGroupName: group, limit: 2, ...(nextToken ? { nextToken } : {}) }),
      );
      for (const e of r.events ?? []) {
        assert.match(e.eventId ?? '', /^\d+$/);
        seen.push(`${e.logStreamName}:${e.message}`);
      }
      nextToken = r.nextToken;
    } while (nextToken);
    assert.deepEqual(seen, [
      'app-1:ERROR connection reset by peer',
      'app-2:WARN slow request',
      'app-1:{"level":"ERROR","latency":250,"path":"/api/orders"}',
      'app-2:{"level":"INFO","latency":20,"path":"/health"}',
      'app-1:INFO started',
      'app-2:DEBUG tick',
      'other:ERROR elsewhere',
    ]);
    await refuses(
      logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '[ip, user]' })),
      'InvalidParameterException',
      /^Invalid filter pattern/,
    );
    await refuses(
      logs.send(new FilterLogEventsCommand({ logGroupName: group, logStreamNames: ['a'], logStreamNamePrefix: 'a' })),
      'InvalidParameterException',
      'logStreamNames and logStreamNamePrefix are mutually exclusive parameters.',
    );
  });

  it('matches JSON filter patterns on values as parsed, whatever escaping the writer used', async () => {
    const group = await groupWithStream('filter-escapes');
    const t = clock.now();
    const messages = ['{"path":"\\/api\\/orders","level":"ERR\\u004fR"}', '{"path":"/api/orders","level":"INFO"}', 'path /api/orders ERROR'];
    await logs.send(
      new PutLogEventsCommand({ logGroupName: group, logStreamName: 's1', logEvents: messages.map((message, i) => ({ timestamp: t + i, message })) }),
    );
    const filter = async (filterPattern: string) =>
      (await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern }))).events?.map((e) => e.message);
    assert.deepEqual(await filter('{ $.path = "/api/orders" }'), [messages[0], messages[1]]);
    assert.deepEqual(await filter('{ $.level = "ERROR" && $.path = "/api/*" }'), [messages[0]]);
  });

  it('expires events past a retention policy on the clock, and refuses a retention AWS does not offer', async () => {
    const group = await groupWithStream('retention');
    const t = clock.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 's1',
        logEvents: [
          { timestamp: t - 20 * HOUR, message: 'older' },
          { timestamp: t, message: 'fresh' },
        ],
      }),
    );
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 1 }));
    const described = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }));
    assert.equal(described.logGroups?.[0]?.retentionInDays, 1);
    const read = async () =>
      (await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 's1', startFromHead: true }))).events?.map((e) => e.message);
    assert.deepEqual(await read(), ['older', 'fresh']);
    clock.advance(5 * HOUR);
    assert.deepEqual(await read(), ['fresh']);
    // The minute's sweep drops them from memory and storage too.
    clock.advance(DAY + 61_000);
    assert.deepEqual(await read(), []);
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: group }));
    assert.equal((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }))).logGroups?.[0]?.retentionInDays, undefined);
    await refuses(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 4 })),
      'InvalidParameterException',
      /^1 validation error detected: Value '4' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: \[1, 3, 5, 7, 14,/,
    );
    await refuses(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: `${group}-none`, retentionInDays: 1 })),
      'ResourceNotFoundException',
      'The specified log group does not exist.',
    );
  });

  it('tags a log group by ARN, lists and removes the tags', async () => {
    const group = unique('tags');
    await logs.send(new CreateLogGroupCommand({ logGroupName: group, tags: { team: 'data' } }));
    const arn = `arn:aws:logs:us-east-1:000000000000:log-group:${group}`;
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'dev' } }));
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { team: 'data', env: 'dev' });
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { env: 'dev' });
    await refuses(
      logs.send(new ListTagsForResourceCommand({ resourceArn: `${arn}-none` })),
      'ResourceNotFoundException',
      'The specified log group does not exist.',
    );
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await refuses(logs.send(new TagResourceCommand({ resourceArn: arn, tags: many })), 'TooManyTagsException', 'A resource can have no more than 50 tags.');
  });

  it('names its IAM actions logs:<Action> on the log group or log stream ARN for the one authorisation path', () => {
    const service = server.services.find((s) => s.targetPrefix === 'Logs_20140328');
    assert.ok(service?.iam);
    assert.equal(service.iam.prefix, 'logs');
    const arn = (input: Record<string, unknown>) => service.iam!.resource('X', input, 'us-east-1', '000000000000');
    assert.equal(arn({ logGroupName: '/g' }), 'arn:aws:logs:us-east-1:000000000000:log-group:/g');
    assert.equal(arn({ logGroupName: '/g', logStreamName: 's' }), 'arn:aws:logs:us-east-1:000000000000:log-group:/g:log-stream:s');
    assert.equal(
      arn({ logGroupIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:/g', logStreamName: 's' }),
      'arn:aws:logs:us-east-1:000000000000:log-group:/g:log-stream:s',
    );
    assert.equal(arn({ resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/t' }), 'arn:aws:logs:us-east-1:000000000000:log-group:/t');
    assert.equal(arn({}), '*');
  });

  it('answers operations Freshet does not implement with UnknownOperationException', async () => {
    await refuses(
      logs.send(new StartQueryCommand({ logGroupName: 'x', startTime: 0, endTime: 1, queryString: 'fields @message' })),
      'UnknownOperationException',
      /.*/,
    );
  });

  it('round-trips create-log-group, put-log-events, get-log-events and filter-log-events with the AWS CLI', async () => {
    const group = unique('cli');
    await awsCli(server.url, ['logs', 'create-log-group', '--log-group-name', group]);
    await awsCli(server.url, ['logs', 'create-log-stream', '--log-group-name', group, '--log-stream-name', 'web']);
    const t = clock.now();
    const put = await awsCli(server.url, [
      'logs',
      'put-log-events',
      '--log-group-name',
      group,
      '--log-stream-name',
      'web',
      '--log-events',
      `timestamp=${t - 2},message="GET /a 200"`,
      `timestamp=${t - 1},message="GET /b 500"`,
    ]);
    assert.match(put.nextSequenceToken, /^\d+$/);
    const got = await awsCli(server.url, ['logs', 'get-log-events', '--log-group-name', group, '--log-stream-name', 'web', '--start-from-head']);
    assert.deepEqual(
      got.events.map((e: { message: string }) => e.message),
      ['GET /a 200', 'GET /b 500'],
    );
    const filtered = await awsCli(server.url, ['logs', 'filter-log-events', '--log-group-name', group, '--filter-pattern', '500']);
    assert.deepEqual(
      filtered.events.map((e: { message: string; logStreamName: string }) => `${e.logStreamName}:${e.message}`),
      ['web:GET /b 500'],
    );
    await assert.rejects(
      awsCli(server.url, ['logs', 'create-log-group', '--log-group-name', group]),
      /ResourceAlreadyExistsException.*The specified log group already exists/s,
    );
  });

  it('keeps acknowledged events, groups, streams, retention and tags across a restart', async () => {
    const group = await groupWithStream('restart');
    const t = clock.now();
    await logs.send(new TagResourceCommand({ resourceArn: `arn:aws:logs:us-east-1:000000000000:log-group:${group}`, tags: { keep: 'yes' } }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 7 }));
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 's1', logEvents: [{ timestamp: t - 5, message: 'second' }] }));
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 's1', logEvents: [{ timestamp: t - 9, message: 'first' }] }));
    await shut();
    await open();
    const got = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 's1', startFromHead: true }));
    assert.deepEqual(
      got.events?.map((e) => [e.message, e.timestamp]),
      [
        ['first', t - 9],
        ['second', t - 5],
      ],
    );
    const g = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }))).logGroups?.[0];
    assert.equal(g?.retentionInDays, 7);
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: `arn:aws:logs:us-east-1:000000000000:log-group:${group}` }))).tags, {
      keep: 'yes',
    });
  });
});
