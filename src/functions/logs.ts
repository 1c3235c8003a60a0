/**
 * Function logs as Lambda writes them to CloudWatch Logs: per function a log
 * group `/aws/lambda/<name>`, per execution environment a log stream
 * `YYYY/MM/DD/[<version>]<hex id>`, one event per line of output, with the
 * platform's START / END / REPORT lines around each invocation.
 *
 * Freshet keeps the most recent events of each function in memory (for
 * `freshet functions logs` and LogType Tail) and hands every event to
 * listeners (a CloudWatch Logs service can subscribe). Nothing is spent when
 * nobody listens beyond the bounded buffer.
 */
export interface LogEvent {
  functionName: string;
  logGroupName: string;
  logStreamName: string;
  timestampMs: number;
  message: string;
}

/** Most recent events kept per function. */
const KEEP_PER_FUNCTION = 5000;

export class FunctionLogs {
  private readonly byFunction = new Map<string, LogEvent[]>();
  private readonly listeners = new Set<(e: LogEvent) => void>();

  /** Appends text (one event per line). */
  append(functionName: string, logStreamName: string, timestampMs: number, text: string): void {
    if (text === '') return;
    let list = this.byFunction.get(functionName);
    if (!list) this.byFunction.set(functionName, (list = []));
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    for (const message of lines) {
      const e: LogEvent = { functionName, logGroupName: `/aws/lambda/${functionName}`, logStreamName, timestampMs, message };
      list.push(e);
      if (this.listeners.size) for (const l of this.listeners) l(e);
    }
    if (list.length > KEEP_PER_FUNCTION * 1.25) list.splice(0, list.length - KEEP_PER_FUNCTION);
  }

  /** The function's most recent events, oldest first (at most `limit`, from `sinceMs`). */
  recent(functionName: string, opts: { limit?: number; sinceMs?: number } = {}): LogEvent[] {
    const list = this.byFunction.get(functionName) ?? [];
    const since = opts.sinceMs;
    const filtered = since === undefined ? list : list.filter((e) => e.timestampMs >= since);
    return opts.limit === undefined ? filtered.slice() : filtered.slice(-opts.limit);
  }

  /** Calls `listener` with every new event; returns an unsubscribe. */
  subscribe(listener: (e: LogEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  forget(functionName: string): void {
    this.byFunction.delete(functionName);
  }
}

/** Lambda's log stream name for an environment started at `ms`: `2021/01/31/[$LATEST]<32 hex>`. */
export function logStreamName(ms: number, version: string, hexId: string): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/[${version}]${hexId}`;
}

/** The last `bytes` bytes of `text` on a UTF-8 boundary, base64 (Invoke's LogResult). */
export function tailBase64(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  let start = Math.max(0, buf.length - bytes);
  // Do not start inside a multi-byte character.
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString('base64');
}
