/**
 * Firehose data transformation with a user function ("Lambda" processor).
 * Reference: Firehose developer guide, "Transform source data in Amazon Data
 * Firehose" — event { invocationId, deliveryStreamArn, region, records:
 * [{ recordId, approximateArrivalTimestamp, data(base64) }] }, response
 * { records: [{ recordId, result: Ok|Dropped|ProcessingFailed, data, metadata? }] }.
 *
 * A LambdaArn names a function of the server's functions engine (Node,
 * Python or custom runtime, run as Invoke would: src/functions), or resolves
 * to a JS/TS module exporting `handler(event)`: an absolute path, a `file:`
 * URL, or an ARN / function name mapped in the server options (a mapping wins
 * over a function of the same name). Each module runs in its own worker
 * thread; a call that exceeds the timeout terminates the worker (a fresh one
 * starts for the next call).
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DeliveryRecord, FailedRecord, LambdaSettings } from './processors.ts';
import type { FunctionInvoker, InvocationFailure } from '../functions/index.ts';

const WORKER_URL = new URL('./lambda-worker.mjs', import.meta.url);
/** Limit for starting a worker and importing the function module. */
const COLD_START_MS = 30_000;

export interface LambdaOptions {
  /** Function name or full ARN → module path. */
  functions?: Readonly<Record<string, string>>;
  /** Wall-clock limit per invocation (Lambda's function timeout). Default 60 s. */
  timeoutMs?: number;
}

export class FunctionError extends Error {
  constructor(
    message: string,
    readonly code:
      | 'Lambda.FunctionError'
      | 'Lambda.FunctionTimedOut'
      | 'Lambda.NotFound'
      | 'Lambda.InvalidResponse'
      | 'Lambda.InvokeLimitExceeded'
      | 'Lambda.InvokeAccessDenied',
  ) {
    super(message);
    this.name = 'FunctionError';
  }
}

export function resolveFunctionPath(lambdaArn: string, functions: Readonly<Record<string, string>> = {}): string {
  if (functions[lambdaArn]) return resolve(functions[lambdaArn]!);
  if (lambdaArn.startsWith('file:')) return fileURLToPath(lambdaArn);
  if (isAbsolute(lambdaArn)) return lambdaArn;
  const m = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::.*)?$/.exec(lambdaArn);
  const name = m ? m[1]! : lambdaArn;
  if (functions[name]) return resolve(functions[name]!);
  if (lambdaArn.startsWith('./') || lambdaArn.startsWith('../')) return resolve(lambdaArn);
  throw new FunctionError(
    `Function not found: ${lambdaArn} (map it to a module path in the server's firehose.functions option, or use an absolute module path)`,
    'Lambda.NotFound',
  );
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
  worker: Worker;
}

class FunctionWorker {
  private worker: Worker | null = null;
  private loaded = false;
  private pending = new Map<number, Pending>();
  private seq = 0;

  constructor(readonly modulePath: string) {}

  private start(): Worker {
    const w = new Worker(WORKER_URL, { stdout: false, stderr: false });
    w.unref();
    w.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new FunctionError(msg.error ?? 'function failed', 'Lambda.FunctionError'));
    });
    w.on('error', (e) => this.failAll(w, new FunctionError(`function worker crashed: ${e.message}`, 'Lambda.FunctionError')));
    w.on('exit', () => {
      if (this.worker === w) {
        this.worker = null;
        this.loaded = false;
      }
      this.failAll(w, new FunctionError('function worker exited', 'Lambda.FunctionError'));
    });
    this.worker = w;
    return w;
  }

  private failAll(w: Worker, e: Error): void {
    for (const [id, p] of this.pending) {
      if (p.worker !== w) continue;
      clearTimeout(p.timer);
      p.reject(e);
      this.pending.delete(id);
    }
  }

  /** Starts the worker and loads the module (the cold start, which AWS also times separately from the handler). */
  private async ensureLoaded(): Promise<Worker> {
    if (this.worker && this.loaded) return this.worker;
    const w = this.worker ?? this.start();
    await this.send(w, { kind: 'load', modulePath: this.modulePath }, COLD_START_MS, 'Lambda.FunctionError', 'Function initialisation');
    this.loaded = true;
    return w;
  }

  private send(w: Worker, msg: Record<string, unknown>, timeoutMs: number, code: FunctionError['code'], what: string): Promise<unknown> {
    const id = ++this.seq;
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new FunctionError(`${what} timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`, code));
        // The only way to stop runaway user code: end the worker; the next call starts a new one.
        if (this.worker === w) {
          this.worker = null;
          this.loaded = false;
        }
        void w.terminate();
      }, timeoutMs);
      this.pending.set(id, { resolve: resolvePromise, reject, timer, worker: w });
      w.postMessage({ id, ...msg });
    });
  }

  async invoke(event: unknown, timeoutMs: number, functionArn: string): Promise<unknown> {
    const w = await this.ensureLoaded();
    return this.send(
      w,
      { kind: 'invoke', modulePath: this.modulePath, event, functionArn, functionName: functionArn, requestId: randomUUID() },
      timeoutMs,
      'Lambda.FunctionTimedOut',
      'Task',
    );
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

const FAILURE_CODES: Record<InvocationFailure['kind'], FunctionError['code']> = {
  'function-error': 'Lambda.FunctionError',
  timeout: 'Lambda.FunctionTimedOut',
  throttled: 'Lambda.InvokeLimitExceeded',
  'invalid-response': 'Lambda.InvalidResponse',
  'not-found': 'Lambda.NotFound',
  'invoke-error': 'Lambda.FunctionError',
};

export class LambdaHost {
  private workers = new Map<string, FunctionWorker>();
  constructor(
    private readonly options: LambdaOptions = {},
    private readonly functions?: FunctionInvoker,
  ) {}

  /** Whether the server options map this ARN (or its function name) to a module. */
  private mapped(lambdaArn: string): boolean {
    const map = this.options.functions ?? {};
    if (map[lambdaArn] !== undefined) return true;
    const m = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(lambdaArn);
    return m !== null && map[m[1]!] !== undefined;
  }

  invoke(lambdaArn: string, event: unknown): Promise<unknown> {
    if (this.functions && !this.mapped(lambdaArn) && this.functions.has(lambdaArn)) {
      return this.functions.invoke(lambdaArn, event).catch((e: unknown) => {
        // By name, not instanceof: the functions module stays out of this one's imports.
        throw e instanceof Error && e.name === 'InvocationFailure' ? new FunctionError(e.message, FAILURE_CODES[(e as InvocationFailure).kind]) : e;
      });
    }
    const path = resolveFunctionPath(lambdaArn, this.options.functions);
    let w = this.workers.get(path);
    if (!w) {
      w = new FunctionWorker(path);
      this.workers.set(path, w);
    }
    return w.invoke(event, this.options.timeoutMs ?? 60_000, lambdaArn);
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    this.workers.clear();
  }
}

export interface TransformOutcome {
  ok: DeliveryRecord[];
  failed: FailedRecord[];
  dropped: number;
  durationMs: number;
  success: boolean;
}

/**
 * Calls the function for one batch, retrying invocation errors NumberOfRetries
 * times; maps the response back to records by recordId. Records the function
 * never answers for, and every record when all attempts fail, are
 * ProcessingFailed with AWS's error codes.
 */
export async function transformBatch(
  host: LambdaHost,
  settings: LambdaSettings,
  records: readonly DeliveryRecord[],
  ctx: {
    deliveryStreamArn: string;
    region: string;
    now: () => number;
    sourceKinesis?: boolean;
    /** `--auth enforce`: the role the function is invoked with (AWS's AccessDenied text when it may not). */
    access?: { check: (roleArn: string, action: string, resource: string) => string | undefined; roleArn: string };
  },
): Promise<TransformOutcome> {
  const started = Date.now();
  const event = {
    invocationId: randomUUID(),
    deliveryStreamArn: ctx.deliveryStreamArn,
    region: ctx.region,
    records: records.map((r, i) => ({
      recordId: `${r.offset}-${i}`,
      approximateArrivalTimestamp: r.arrivalMs,
      data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
    })),
  };
  let attempts = 0;
  let lastError: FunctionError | null = null;
  let response: unknown;
  while (attempts <= settings.numberOfRetries) {
    attempts++;
    try {
      const denied = ctx.access?.check(ctx.access.roleArn, 'lambda:InvokeFunction', settings.lambdaArn);
      if (denied !== undefined) {
        throw new FunctionError(
          `Access was denied. Ensure that the access policy allows access to the Lambda function. (${denied})`,
          'Lambda.InvokeAccessDenied',
        );
      }
      response = await host.invoke(settings.lambdaArn, event);
      lastError = null;
      break;
    } catch (e) {
      lastError = e instanceof FunctionError ? e : new FunctionError(String(e), 'Lambda.FunctionError');
      if (lastError.code === 'Lambda.NotFound') break;
    }
  }
  const failAll = (code: string, message: string): TransformOutcome => ({
    ok: [],
    failed: records.map((r) => ({
      data: r.data,
      arrivalMs: r.arrivalMs,
      offset: r.offset,
      type: 'processing-failed',
      errorCode: code,
      errorMessage: message,
      attemptsMade: attempts,
      lambdaArn: settings.lambdaArn,
    })),
    dropped: 0,
    durationMs: Date.now() - started,
    success: false,
  });
  if (lastError) {
    const msg =
      lastError.code === 'Lambda.FunctionError'
        ? `The Lambda function was successfully invoked but it returned an error result. ${lastError.message}`
        : lastError.message;
    return failAll(lastError.code, msg);
  }
  const out = (response as { records?: unknown } | null)?.records;
  if (!Array.isArray(out)) return failAll('Lambda.InvalidResponse', 'The Lambda function response is not valid JSON or has no records array');
  const byId = new Map<string, { result?: unknown; data?: unknown; metadata?: { partitionKeys?: Record<string, unknown> } }>();
  for (const r of out)
    if (r && typeof r === 'object' && typeof (r as { recordId?: unknown }).recordId === 'string') byId.set((r as { recordId: string }).recordId, r as never);
  const result: TransformOutcome = { ok: [], failed: [], dropped: 0, durationMs: Date.now() - started, success: true };
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    const answer = byId.get(event.records[i]!.recordId);
    const fail = (code: string, message: string) =>
      result.failed.push({
        data: rec.data,
        arrivalMs: rec.arrivalMs,
        offset: rec.offset,
        type: 'processing-failed',
        errorCode: code,
        errorMessage: message,
        attemptsMade: attempts,
        lambdaArn: settings.lambdaArn,
      });
    if (!answer) {
      fail('Lambda.MissingRecordId', 'One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.');
      continue;
    }
    if (answer.result === 'Dropped') {
      result.dropped++;
      continue;
    }
    if (answer.result === 'ProcessingFailed') {
      fail('Lambda.ProcessingFailedStatus', 'ProcessingFailed status set for record');
      continue;
    }
    if (answer.result !== 'Ok') {
      fail('Lambda.InvalidResult', `Invalid result ${String(answer.result)} for record; expected Ok, Dropped or ProcessingFailed`);
      continue;
    }
    if (typeof answer.data !== 'string') {
      fail('Lambda.MissingData', 'The data field of an Ok record is missing or not a base64 string');
      continue;
    }
    const keys = answer.metadata?.partitionKeys;
    const partitionKeys = keys && typeof keys === 'object' ? Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, String(v)])) : undefined;
    result.ok.push({
      data: new Uint8Array(Buffer.from(answer.data, 'base64')),
      arrivalMs: rec.arrivalMs,
      offset: rec.offset,
      partitionKeys: partitionKeys ? { ...rec.partitionKeys, ...partitionKeys } : rec.partitionKeys,
    });
  }
  return result;
}
