/**
 * Log events: PutLogEvents (AWS's batch rules; no sequence token needed, as on AWS since 2023),
 * GetLogEvents (startFromHead, nextForwardToken / nextBackwardToken) and FilterLogEvents (filter patterns:
 * see filter-pattern.ts). Reference: CloudWatch Logs API reference for the three actions.
 */
import { defineAction } from '../../aws/index.ts';
import { logsModel } from '../../aws/models/logs.ts';
import type { FilteredLogEvent, OutputLogEvent, RejectedLogEventsInfo } from '../../aws/models/logs.ts';
import { eventId } from '../engine.ts';
import type { LogEvent } from '../engine.ts';
import { logsErrors } from '../errors.ts';
import { FilterPatternError, compileFilterPattern } from '../filter-pattern.ts';
import { decodeToken, encodeToken, groupOf } from './common.ts';
import type { LogsContext } from './common.ts';

/** GetLogEvents and FilterLogEvents return at most 1 MB of events. */
const MAX_RESPONSE_BYTES = 1_048_576;
const DEFAULT_LIMIT = 10_000;

export const putLogEvents = defineAction(logsModel, 'PutLogEvents', async (input, ctx: LogsContext) => {
  const r = await ctx.deps.engine.put(input.logGroupName, input.logStreamName, input.logEvents);
  const rejected: RejectedLogEventsInfo = {
    ...(r.tooNewStart !== undefined ? { tooNewLogEventStartIndex: r.tooNewStart } : {}),
    ...(r.tooOldEnd !== undefined ? { tooOldLogEventEndIndex: r.tooOldEnd } : {}),
    ...(r.expiredEnd !== undefined ? { expiredLogEventEndIndex: r.expiredEnd } : {}),
  };
  return { nextSequenceToken: r.sequenceToken, ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}) };
});

const POSITION_TOKEN = /^([fb])\/(\d{1,56})$/;

function positionToken(kind: 'f' | 'b', n: number): string {
  return `${kind}/${String(n).padStart(56, '0')}`;
}

export const getLogEvents = defineAction(logsModel, 'GetLogEvents', (input, ctx: LogsContext) => {
  const engine = ctx.deps.engine;
  const group = groupOf(engine, input);
  if (input.startTime !== undefined && input.endTime !== undefined && input.endTime < input.startTime) {
    throw logsErrors.format('InvalidParameterException', 'startAfterEnd', {});
  }
  const events = engine.events(group, input.logStreamName, input.startTime, input.endTime);
  const n = events.length;
  const limit = input.limit ?? DEFAULT_LIMIT;
  let start: number;
  let end: number;
  let backward = false;
  if (input.nextToken !== undefined) {
    const m = POSITION_TOKEN.exec(input.nextToken);
    if (!m) throw logsErrors.format('InvalidParameterException', 'nextToken', {});
    const at = Math.min(Number(m[2]), n);
    if (m[1] === 'f') {
      start = at;
      end = Math.min(n, at + limit);
    } else {
      end = at;
      start = Math.max(0, at - limit);
      backward = true;
    }
  } else if (input.startFromHead === true) {
    start = 0;
    end = Math.min(n, limit);
  } else {
    end = n;
    start = Math.max(0, n - limit);
    backward = true;
  }
  // At most 1 MB: reading backwards keeps the newest events of the page, forwards the oldest.
  let bytes = 0;
  if (backward) {
    let i = end;
    while (i > start && bytes + events[i - 1]!.message.length + 26 <= MAX_RESPONSE_BYTES) bytes += events[--i]!.message.length + 26;
    start = i;
  } else {
    let i = start;
    while (i < end && bytes + events[i]!.message.length + 26 <= MAX_RESPONSE_BYTES) bytes += events[i++]!.message.length + 26;
    end = i;
  }
  const out: OutputLogEvent[] = [];
  for (let i = start; i < end; i++) {
    const e = events[i]!;
    out.push({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime });
  }
  return { events: out, nextForwardToken: positionToken('f', end), nextBackwardToken: positionToken('b', start) };
});

interface Hit {
  stream: string;
  streamIndex: number;
  event: LogEvent;
}

function compareHits(a: Hit, b: Hit): number {
  return a.event.timestamp - b.event.timestamp || (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0) || a.event.offset - b.event.offset;
}

export const filterLogEvents = defineAction(logsModel, 'FilterLogEvents', (input, ctx: LogsContext) => {
  const engine = ctx.deps.engine;
  const group = groupOf(engine, input);
  if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
    throw logsErrors.format('InvalidParameterException', 'namesAndPrefix', {});
  }
  if (input.startTime !== undefined && input.endTime !== undefined && input.endTime < input.startTime) {
    throw logsErrors.format('InvalidParameterException', 'startAfterEnd', {});
  }
  let match: (m: string) => boolean;
  try {
    match = compileFilterPattern(input.filterPattern);
  } catch (e) {
    if (e instanceof FilterPatternError) throw logsErrors.create('InvalidParameterException', `Invalid filter pattern: ${e.message}`);
    throw e;
  }
  const all = engine.streamNames(group);
  const prefix = input.logStreamNamePrefix;
  const wanted = input.logStreamNames !== undefined ? new Set(input.logStreamNames) : undefined;
  const streams = all.filter((s) => (wanted === undefined || wanted.has(s)) && (prefix === undefined || s.startsWith(prefix)));
  let after: Hit | undefined;
  if (input.nextToken !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(decodeToken(input.nextToken));
    } catch {
      throw logsErrors.format('InvalidParameterException', 'nextToken', {});
    }
    if (!Array.isArray(parsed) || typeof parsed[0] !== 'number' || typeof parsed[1] !== 'string' || typeof parsed[2] !== 'number') {
      throw logsErrors.format('InvalidParameterException', 'nextToken', {});
    }
    after = { stream: parsed[1], streamIndex: 0, event: { timestamp: parsed[0], offset: parsed[2], message: '', ingestionTime: 0 } };
  }
  const hits: Hit[] = [];
  for (const stream of streams) {
    const streamIndex = all.indexOf(stream);
    for (const event of engine.events(group, stream, input.startTime, input.endTime)) {
      const hit = { stream, streamIndex, event };
      if (after !== undefined && compareHits(hit, after) <= 0) continue;
      if (match(event.message)) hits.push(hit);
    }
  }
  hits.sort(compareHits);
  const limit = input.limit ?? DEFAULT_LIMIT;
  const out: FilteredLogEvent[] = [];
  let bytes = 0;
  for (const h of hits) {
    if (out.length === limit || bytes + h.event.message.length + 26 > MAX_RESPONSE_BYTES) break;
    bytes += h.event.message.length + 26;
    out.push({
      logStreamName: h.stream,
      timestamp: h.event.timestamp,
      message: h.event.message,
      ingestionTime: h.event.ingestionTime,
      eventId: eventId(h.streamIndex, h.event),
    });
  }
  const last = out.length < hits.length ? hits[out.length - 1] : undefined;
  return {
    events: out,
    searchedLogStreams: streams.map((logStreamName) => ({ logStreamName, searchedCompletely: true })),
    ...(last !== undefined ? { nextToken: encodeToken(JSON.stringify([last.event.timestamp, last.stream, last.event.offset])) } : {}),
  };
});
