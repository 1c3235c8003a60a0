/**
 * Structured logging on pino: namespaced loggers (`log.child('firehose')`,
 * `.child('pipeline')` → namespace `firehose.pipeline`, the `ns` field of each
 * line), levels, and JSON lines or a human-readable (pino-pretty) format.
 *
 * `log` is the process-wide default. It writes to stderr at FRESHET_LOG_LEVEL
 * (default `info`; `silent` under `node --test` unless FRESHET_LOG_LEVEL is
 * set) in FRESHET_LOG_FORMAT (default: pretty on a terminal, JSON otherwise).
 * `configureDefaultLogger()` replaces its settings (the server's --log-level /
 * --log-format); loggers taken from `log` earlier follow.
 *
 * `logger.swallowed(what, err)` is for a failure that is caught and not
 * rethrown because the work goes on (a failed trim, delete, close…): it is
 * logged at warn and counted per namespace, whatever the level, in
 * `swallowedErrors()` (the `errors.swallowed` metric).
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import type pino from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel;
  /** Default `json`. */
  format?: LogFormat;
  /** A file descriptor (default 2, stderr), a file path (appended to), or a stream that takes each line as a string. */
  destination?: number | string | { write(line: string): unknown };
}

/** Extra fields of a log line; an Error under `err` is written with its type, message and stack. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  /** Dotted namespace ('' for the root). */
  readonly name: string;
  /** A logger for a part of this one: its namespace is `<this>.<name>`. */
  child(name: string): Logger;
  fatal(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  trace(message: string, fields?: LogFields): void;
  isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
  /** A failure caught and not rethrown: logged at warn as `<what> failed` with the error, and counted for this namespace. */
  swallowed(what: string, err: unknown, fields?: LogFields): void;
}

const swallowedCounts = new Map<string, number>();

/** Failures caught and logged but not rethrown, per namespace, since the process started (the errors.swallowed metric). */
export function swallowedErrors(): Readonly<Record<string, number>> {
  return Object.fromEntries(swallowedCounts);
}

/** A root pino logger and the pino child of each namespace used so far. */
class Sink {
  private readonly children = new Map<string, pino.Logger>();

  constructor(private readonly root: pino.Logger) {}

  for(ns: string): pino.Logger {
    if (ns === '') return this.root;
    let c = this.children.get(ns);
    if (!c) {
      c = this.root.child({ ns });
      this.children.set(ns, c);
    }
    return c;
  }
}

// pino and pino-pretty load on the first line logged, not at import: commands that log nothing start faster.
const requireCjs = createRequire(import.meta.url);

function makeSink(opts: LoggerOptions): Sink {
  const pinoLib = requireCjs('pino') as typeof pino;
  const level = opts.level ?? 'info';
  const dest = opts.destination ?? 2;
  const pinoOptions: pino.LoggerOptions = { level, base: undefined };
  let stream: pino.DestinationStream;
  if (opts.format === 'pretty') {
    // Loaded only when asked for: the JSON path (servers, CI) never pays for it.
    const pretty = requireCjs('pino-pretty') as (o: Record<string, unknown>) => pino.DestinationStream;
    stream = pretty({
      sync: true,
      colorize: typeof dest === 'number' && dest === 2 && process.stderr.isTTY === true,
      // pino-pretty writes to a stream, a file descriptor or a path; a plain `{ write }` object is adapted.
      destination: typeof dest === 'object' ? toWritable(dest) : dest,
      ignore: 'ns',
      messageFormat: '{if ns}{ns}: {end}{msg}',
      translateTime: 'SYS:HH:MM:ss.l',
    });
  } else if (typeof dest === 'object') stream = dest as pino.DestinationStream;
  else stream = pinoLib.destination({ dest, sync: true, ...(typeof dest === 'string' ? { append: true, mkdir: true } : {}) });
  return new Sink(pinoLib(pinoOptions, stream));
}

/** Settings and the sink made from them on first use. */
class SinkHolder {
  private sink: Sink | null = null;

  constructor(private options: LoggerOptions) {}

  get(): Sink {
    if (this.sink === null) this.sink = makeSink(this.options);
    return this.sink;
  }

  replace(options: LoggerOptions): void {
    this.options = options;
    this.sink = null;
  }
}

function toWritable(dest: { write(line: string): unknown }): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      dest.write(String(chunk));
      done();
    },
  });
}

class NamespacedLogger implements Logger {
  constructor(
    private readonly holder: SinkHolder,
    readonly name: string,
  ) {}

  private get p(): pino.Logger {
    return this.holder.get().for(this.name);
  }

  child(name: string): Logger {
    return new NamespacedLogger(this.holder, this.name === '' ? name : `${this.name}.${name}`);
  }

  fatal(message: string, fields?: LogFields): void {
    this.p.fatal(fields ?? {}, message);
  }
  error(message: string, fields?: LogFields): void {
    this.p.error(fields ?? {}, message);
  }
  warn(message: string, fields?: LogFields): void {
    this.p.warn(fields ?? {}, message);
  }
  info(message: string, fields?: LogFields): void {
    this.p.info(fields ?? {}, message);
  }
  debug(message: string, fields?: LogFields): void {
    this.p.debug(fields ?? {}, message);
  }
  trace(message: string, fields?: LogFields): void {
    this.p.trace(fields ?? {}, message);
  }

  isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return this.p.isLevelEnabled(level);
  }

  swallowed(what: string, err: unknown, fields?: LogFields): void {
    const ns = this.name === '' ? '(root)' : this.name;
    swallowedCounts.set(ns, (swallowedCounts.get(ns) ?? 0) + 1);
    this.p.warn({ ...fields, err }, `${what} failed`);
  }
}

/** A logger with its own settings (tests, tools); most code uses `log` instead. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  return new NamespacedLogger(new SinkHolder(opts), '');
}

function envLevel(): LogLevel | undefined {
  const v = process.env.FRESHET_LOG_LEVEL?.trim().toLowerCase();
  return v && (LOG_LEVELS as readonly string[]).includes(v) ? (v as LogLevel) : undefined;
}

function envFormat(): LogFormat | undefined {
  const v = process.env.FRESHET_LOG_FORMAT?.trim().toLowerCase();
  return v && (LOG_FORMATS as readonly string[]).includes(v) ? (v as LogFormat) : undefined;
}

/** The default settings: environment first; silent under the node:test runner (it sets NODE_TEST_CONTEXT in test processes). */
function defaultOptions(): LoggerOptions {
  return {
    level: envLevel() ?? (process.env.NODE_TEST_CONTEXT ? 'silent' : 'info'),
    format: envFormat() ?? (process.stderr.isTTY ? 'pretty' : 'json'),
  };
}

const defaultHolder = new SinkHolder(defaultOptions());

/** The process-wide logger. */
export const log: Logger = new NamespacedLogger(defaultHolder, '');

/** Replaces the process-wide logger's settings (unset ones keep their defaults); loggers already taken from `log` follow. */
export function configureDefaultLogger(opts: LoggerOptions): void {
  defaultHolder.replace({ ...defaultOptions(), ...opts });
}
