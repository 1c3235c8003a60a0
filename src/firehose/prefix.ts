/**
 * S3 object keys as Firehose builds them.
 * Reference: Firehose developer guide, "Custom prefixes for Amazon S3 objects"
 * and "Amazon S3 object name format":
 *   key = <evaluated prefix><stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid><ext>
 * Default prefix `yyyy/MM/dd/HH/` (UTC unless CustomTimeZone); expressions
 * `!{timestamp:<Java pattern>}`, `!{firehose:random-string}`,
 * `!{firehose:error-output-type}`, `!{partitionKeyFromQuery:k}`,
 * `!{partitionKeyFromLambda:k}`, plus the Freshet extension
 * `!{timestampFloor:<ISO-8601 duration>:<Java pattern>}` (the arrival time
 * floored to an interval, for interval micro-batch layouts).
 */
import { randomUUID, randomBytes } from 'node:crypto';
import { compileJavaPattern, zonedFields, PatternError } from './java-time.ts';
import type { CompiledPattern } from './java-time.ts';

export type ErrorOutputType = 'processing-failed' | 'format-conversion-failed' | 'http-endpoint-failed' | 'partitioning-failed';

type Part =
  | { kind: 'text'; text: string }
  | { kind: 'timestamp'; fmt: CompiledPattern; floorMs: number }
  | { kind: 'random' }
  | { kind: 'errorType' }
  | { kind: 'query'; key: string }
  | { kind: 'lambda'; key: string };

export interface PrefixTemplate {
  readonly source: string;
  readonly parts: readonly Part[];
  readonly hasExpressions: boolean;
  readonly partitionKeys: { query: string[]; lambda: string[] };
  readonly usesErrorType: boolean;
}

export class PrefixError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrefixError';
  }
}

const NAMESPACES = ['timestamp', 'firehose', 'partitionKeyFromQuery', 'partitionKeyFromLambda', 'timestampFloor'];
const RANDOM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Parses an ISO-8601 duration such as PT5M, PT1H, P1D into milliseconds. */
export function parseIsoDurationMs(text: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) throw new PrefixError(`Invalid interval '${text}': expected an ISO-8601 duration such as PT5M`);
  const ms = (((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0)) * 1000;
  if (ms <= 0) throw new PrefixError(`Invalid interval '${text}': must be positive`);
  return ms;
}

export function parsePrefix(source: string): PrefixTemplate {
  const parts: Part[] = [];
  const query: string[] = [];
  const lambda: string[] = [];
  let usesErrorType = false;
  let hasExpressions = false;
  let i = 0;
  let text = '';
  while (i < source.length) {
    const start = source.indexOf('!{', i);
    if (start < 0) {
      text += source.slice(i);
      break;
    }
    text += source.slice(i, start);
    const end = source.indexOf('}', start);
    if (end < 0) throw new PrefixError(`The expression starting at position ${start} of '${source}' is not closed with '}'`);
    const body = source.slice(start + 2, end);
    if (body.includes('!{')) throw new PrefixError(`Expressions cannot be nested: '${source}'`);
    const colon = body.indexOf(':');
    if (colon < 0) throw new PrefixError(`The expression !{${body}} must have the form !{namespace:value}`);
    const ns = body.slice(0, colon);
    const value = body.slice(colon + 1);
    if (!NAMESPACES.includes(ns))
      throw new PrefixError(
        `The expression !{${body}} uses an unknown namespace '${ns}'. Valid namespaces are firehose, timestamp, partitionKeyFromQuery and partitionKeyFromLambda`,
      );
    if (value.length === 0) throw new PrefixError(`The expression !{${body}} has an empty value`);
    if (text) {
      parts.push({ kind: 'text', text });
      text = '';
    }
    hasExpressions = true;
    switch (ns) {
      case 'timestamp':
        try {
          parts.push({ kind: 'timestamp', fmt: compileJavaPattern(value), floorMs: 0 });
        } catch (e) {
          throw new PrefixError(`The expression !{${body}} is not a valid Java DateTimeFormatter pattern: ${(e as Error).message}`);
        }
        break;
      case 'timestampFloor': {
        const c2 = value.indexOf(':');
        if (c2 < 0) throw new PrefixError(`The expression !{${body}} must have the form !{timestampFloor:<ISO-8601 duration>:<pattern>}`);
        const floorMs = parseIsoDurationMs(value.slice(0, c2));
        try {
          parts.push({ kind: 'timestamp', fmt: compileJavaPattern(value.slice(c2 + 1)), floorMs });
        } catch (e) {
          throw new PrefixError(`The expression !{${body}} is not a valid Java DateTimeFormatter pattern: ${(e as Error).message}`);
        }
        break;
      }
      case 'firehose':
        if (value === 'random-string') parts.push({ kind: 'random' });
        else if (value === 'error-output-type') {
          parts.push({ kind: 'errorType' });
          usesErrorType = true;
        } else throw new PrefixError(`The expression !{${body}} is invalid: the firehose namespace supports only random-string and error-output-type`);
        break;
      case 'partitionKeyFromQuery':
        parts.push({ kind: 'query', key: value });
        query.push(value);
        break;
      case 'partitionKeyFromLambda':
        parts.push({ kind: 'lambda', key: value });
        lambda.push(value);
        break;
    }
    i = end + 1;
  }
  if (text) parts.push({ kind: 'text', text });
  return { source, parts, hasExpressions, partitionKeys: { query, lambda }, usesErrorType };
}

export interface PrefixRulesInput {
  prefix: string | undefined;
  errorOutputPrefix: string | undefined;
  dynamicPartitioning: boolean;
}

/**
 * AWS's semantic rules for Prefix / ErrorOutputPrefix (the "Custom prefixes"
 * guide): expressions well-formed; error-output-type not in Prefix; an
 * ErrorOutputPrefix is required once Prefix uses expressions; partition keys
 * only with dynamic partitioning, and never in ErrorOutputPrefix; with dynamic
 * partitioning Prefix must use a partition key.
 * Returns the parsed templates, throws PrefixError with AWS-style messages.
 */
export function validatePrefixes(input: PrefixRulesInput): { prefix: PrefixTemplate | null; errorPrefix: PrefixTemplate | null } {
  const prefix = input.prefix ? parsePrefix(input.prefix) : null;
  const errorPrefix = input.errorOutputPrefix ? parsePrefix(input.errorOutputPrefix) : null;
  if (prefix) {
    if (prefix.usesErrorType) throw new PrefixError('The !{firehose:error-output-type} expression is only allowed in ErrorOutputPrefix');
    if (prefix.source.startsWith('/')) throw new PrefixError('Prefix cannot start with a slash');
  }
  if (prefix?.hasExpressions && !errorPrefix) {
    throw new PrefixError('ErrorOutputPrefix cannot be null or empty when Prefix contains expressions');
  }
  if (errorPrefix) {
    if (errorPrefix.partitionKeys.query.length || errorPrefix.partitionKeys.lambda.length) {
      throw new PrefixError('ErrorOutputPrefix cannot contain partitionKeyFromQuery or partitionKeyFromLambda expressions');
    }
    if (errorPrefix.source.startsWith('/')) throw new PrefixError('ErrorOutputPrefix cannot start with a slash');
  }
  const pk = prefix ? prefix.partitionKeys.query.length + prefix.partitionKeys.lambda.length : 0;
  if (!input.dynamicPartitioning && pk > 0) {
    throw new PrefixError('Prefix contains partitionKeyFromQuery or partitionKeyFromLambda expressions but dynamic partitioning is not enabled');
  }
  if (input.dynamicPartitioning) {
    if (pk === 0)
      throw new PrefixError(
        'When dynamic partitioning is enabled, Prefix must contain at least one partitionKeyFromQuery or partitionKeyFromLambda expression',
      );
    if (!errorPrefix) throw new PrefixError('ErrorOutputPrefix cannot be null or empty when dynamic partitioning is enabled');
  }
  return { prefix, errorPrefix };
}

export interface KeyContext {
  /** Arrival time of the oldest record in the object. */
  timestampMs: number;
  timeZone: string;
  errorType?: ErrorOutputType;
  partitionKeys?: Readonly<Record<string, string>>;
}

export function randomString(length = 11): string {
  const bytes = randomBytes(length);
  let s = '';
  for (let i = 0; i < length; i++) s += RANDOM_CHARS[bytes[i]! % RANDOM_CHARS.length];
  return s;
}

/** Evaluates a template once for one object: every timestamp expression uses the same instant. */
export function evaluatePrefix(t: PrefixTemplate, ctx: KeyContext): string {
  const fields = zonedFields(ctx.timestampMs, ctx.timeZone);
  let out = '';
  for (const p of t.parts) {
    switch (p.kind) {
      case 'text':
        out += p.text;
        break;
      case 'timestamp': {
        if (p.floorMs === 0) {
          out += p.fmt(fields);
          break;
        }
        // Floor in local time so PT1H / P1D boundaries follow the configured zone.
        const localMs = ctx.timestampMs + fields.offsetMinutes * 60000;
        const flooredLocal = Math.floor(localMs / p.floorMs) * p.floorMs;
        out += p.fmt(zonedFields(ctx.timestampMs - (localMs - flooredLocal), ctx.timeZone));
        break;
      }
      case 'random':
        out += randomString();
        break;
      case 'errorType':
        out += ctx.errorType ?? 'processing-failed';
        break;
      case 'query':
      case 'lambda':
        out += ctx.partitionKeys?.[p.key] ?? '';
        break;
    }
  }
  return out;
}

const DEFAULT_PREFIX = compileJavaPattern('yyyy/MM/dd/HH/');
const NAME_TIME = compileJavaPattern('yyyy-MM-dd-HH-mm-ss');

/**
 * A custom prefix with no timestamp expression gets the default time folders
 * appended, as Firehose does: Prefix `sales_revenue/` delivers under
 * `sales_revenue/2021/01/31/14/`. A dynamic-partitioning prefix (it carries
 * partition-key expressions) is used as written.
 */
function appendsDefaultTime(t: PrefixTemplate): boolean {
  return !t.parts.some((p) => p.kind === 'timestamp') && t.partitionKeys.query.length === 0 && t.partitionKeys.lambda.length === 0;
}

/** The key of one delivered object. `prefix` null → the default yyyy/MM/dd/HH/ prefix. */
export function objectKey(opts: { prefix: PrefixTemplate | null; streamName: string; version: number; ext: string; ctx: KeyContext }): string {
  const fields = zonedFields(opts.ctx.timestampMs, opts.ctx.timeZone);
  let prefix: string;
  if (!opts.prefix) prefix = DEFAULT_PREFIX(fields);
  else {
    prefix = evaluatePrefix(opts.prefix, opts.ctx);
    if (appendsDefaultTime(opts.prefix)) prefix += DEFAULT_PREFIX(fields);
  }
  return `${prefix}${opts.streamName}-${opts.version}-${NAME_TIME(fields)}-${randomUUID()}${opts.ext}`;
}

/** The key of an error object: ErrorOutputPrefix, or `<Prefix><error-output-type>/yyyy/MM/dd/HH/` when none is set. */
export function errorObjectKey(opts: {
  prefix: PrefixTemplate | null;
  errorPrefix: PrefixTemplate | null;
  streamName: string;
  version: number;
  ctx: KeyContext & { errorType: ErrorOutputType };
}): string {
  const fields = zonedFields(opts.ctx.timestampMs, opts.ctx.timeZone);
  let prefix: string;
  if (opts.errorPrefix) prefix = evaluatePrefix(opts.errorPrefix, opts.ctx);
  else prefix = `${opts.prefix && !opts.prefix.hasExpressions ? opts.prefix.source : ''}${opts.ctx.errorType}/${DEFAULT_PREFIX(fields)}`;
  return `${prefix}${opts.streamName}-${opts.version}-${NAME_TIME(fields)}-${randomUUID()}`;
}

export { PatternError };
