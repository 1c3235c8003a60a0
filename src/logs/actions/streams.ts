/**
 * Log streams: CreateLogStream, DeleteLogStream, DescribeLogStreams (prefix, orderBy LogStreamName or
 * LastEventTime, descending, limit 1–50, nextToken). Reference: CloudWatch Logs API reference.
 */
import { defineAction } from '../../aws/index.ts';
import { logsModel } from '../../aws/models/logs.ts';
import type { LogStream } from '../../aws/models/logs.ts';
import { logsErrors } from '../errors.ts';
import { decodeToken, encodeToken, groupOf } from './common.ts';
import type { LogsContext } from './common.ts';

export const createLogStream = defineAction(logsModel, 'CreateLogStream', async (input, ctx: LogsContext) => {
  await ctx.deps.engine.createStream(input.logGroupName, input.logStreamName);
  return undefined;
});

export const deleteLogStream = defineAction(logsModel, 'DeleteLogStream', async (input, ctx: LogsContext) => {
  await ctx.deps.engine.deleteStream(input.logGroupName, input.logStreamName);
  return undefined;
});

export const describeLogStreams = defineAction(logsModel, 'DescribeLogStreams', (input, ctx: LogsContext) => {
  const engine = ctx.deps.engine;
  const group = groupOf(engine, input);
  const byTime = input.orderBy === 'LastEventTime';
  if (byTime && input.logStreamNamePrefix !== undefined) throw logsErrors.format('InvalidParameterException', 'orderByPrefix', {});
  let streams = engine.listStreams(group);
  const prefix = input.logStreamNamePrefix;
  if (prefix !== undefined) streams = streams.filter((s) => s.name.startsWith(prefix));
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  // LastEventTime: streams without events sort first (time 0), ties by name.
  streams.sort(byTime ? (a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) || byName(a, b) : byName);
  if (input.descending === true) streams.reverse();
  const start = input.nextToken !== undefined ? Number(decodeToken(input.nextToken)) : 0;
  if (!Number.isSafeInteger(start) || start < 0) throw logsErrors.format('InvalidParameterException', 'nextToken', {});
  const limit = input.limit ?? 50;
  const page = streams.slice(start, start + limit);
  const logStreams: LogStream[] = page.map((s) => ({
    logStreamName: s.name,
    creationTime: s.createdMs,
    ...(s.firstEventTimestamp !== undefined ? { firstEventTimestamp: s.firstEventTimestamp } : {}),
    ...(s.lastEventTimestamp !== undefined ? { lastEventTimestamp: s.lastEventTimestamp } : {}),
    ...(s.lastIngestionTime !== undefined ? { lastIngestionTime: s.lastIngestionTime } : {}),
    uploadSequenceToken: s.uploadSequenceToken,
    arn: engine.streamArn(group, s.name),
    storedBytes: s.storedBytes,
  }));
  return { logStreams, ...(start + limit < streams.length ? { nextToken: encodeToken(String(start + limit)) } : {}) };
});
