/**
 * One execution environment: a child process running a runtime client
 * against Freshet's Lambda Runtime API, which this class serves on its own
 * loopback port (AWS_LAMBDA_RUNTIME_API), so any runtime client works —
 * Freshet's Node and Python bootstraps, or a custom runtime's `bootstrap`.
 *
 * Reference: Lambda developer guide, "Using the Lambda runtime API for custom
 * runtimes" (2018-06-01): GET /runtime/invocation/next answers with the event
 * and the Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn,
 * -Trace-Id, -Client-Context and -Cognito-Identity headers; POST
 * /runtime/invocation/{id}/response and /error, POST /runtime/init/error.
 *
 * An environment runs one invocation at a time. It is ready once the runtime
 * first asks for the next invocation. Output on stdout/stderr belongs to the
 * invocation in progress (or to the init phase). The process is killed on
 * timeout; any exit while an invocation runs fails it with Runtime.ExitError.
 * Children get PDEATHSIG (util-linux setpriv) so they do not outlive a killed
 * server.
 */
import type { Clock, TimerHandle } from '../core/index.ts';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { LIMITS, runtimeFamily } from './model.ts';

const NODE_BOOTSTRAP = fileURLToPath(new URL('./runtimes/node/bootstrap.mjs', import.meta.url));
const PYTHON_BOOTSTRAP = fileURLToPath(new URL('./runtimes/python/bootstrap.py', import.meta.url));
/** The node_modules holding Freshet's own dependencies (the AWS SDK functions may require), found upwards from this module: src/functions/ when run from source, dist/ when built, node_modules/freshet/dist/ when installed. */
const FRESHET_NODE_MODULES = findNodeModules(dirname(fileURLToPath(import.meta.url)));

function findNodeModules(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules');
    if (existsSync(join(candidate, '@aws-sdk', 'client-kinesis'))) return candidate;
    if (dirname(dir) === dir) return join(from, '..', '..', 'node_modules');
  }
}
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

const NEXT_PATH = '/2018-06-01/runtime/invocation/next';
const INVOCATION_PREFIX = '/2018-06-01/runtime/invocation/';
const INIT_ERROR_PATH = '/2018-06-01/runtime/init/error';

export interface EnvironmentSpec {
  functionName: string;
  version: string;
  runtime: string;
  handler: string;
  memoryMb: number;
  timeoutSeconds: number;
  codeDir: string;
  environment: Readonly<Record<string, string>>;
  region: string;
  accountId: string;
  endpointUrl: string | undefined;
  /** The execution role (its session's credentials are the function's under `--auth enforce`). */
  roleArn: string;
  /** Under `--auth enforce`: the execution role's temporary credentials; otherwise any credentials do. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  logGroupName: string;
  logStreamName: string;
  /** AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' for environments PutProvisionedConcurrencyConfig keeps warm. */
  initializationType?: 'on-demand' | 'provisioned-concurrency';
  pythonPath: string;
  nodePath: string;
}

export interface InvocationRequest {
  requestId: string;
  payload: Buffer;
  invokedArn: string;
  deadlineMs: number;
  traceId: string;
  clientContext?: string;
  cognitoIdentity?: string;
}

export type InvocationOutcome =
  | { kind: 'response'; payload: Buffer; output: string }
  | { kind: 'error'; payload: Buffer; errorType: string; output: string }
  | { kind: 'timeout'; output: string }
  | { kind: 'exit'; errorType: string; errorMessage: string; output: string };

export interface InitFailure {
  errorType: string;
  errorMessage: string;
  /** The raw body the runtime posted to /init/error, if it did. */
  payload: Buffer | undefined;
}

/** Output kept per invocation; beyond it, the rest is counted and dropped. */
const MAX_OUTPUT_CHARS = 1024 * 1024;

interface Current {
  req: InvocationRequest;
  output: string[];
  outputChars: number;
  dropped: number;
  resolve(o: InvocationOutcome): void;
  settled: boolean;
  timer: TimerHandle | null;
}

/** Go's wording for a process's end, as Lambda's error messages use it. */
function exitWords(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) {
    const words: Record<string, string> = { SIGKILL: 'killed', SIGABRT: 'aborted', SIGSEGV: 'segmentation fault', SIGTERM: 'terminated', SIGBUS: 'bus error' };
    return `signal: ${words[signal] ?? signal.toLowerCase()}`;
  }
  return `exit status ${code ?? 0}`;
}

export class Environment {
  readonly id = randomUUID();
  state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  /** Clock time it last finished an invocation (for reaping idle environments). */
  lastUsedMs = 0;
  initDurationMs = 0;
  /** Set once, when the environment is first used: its Init Duration goes on that REPORT line. */
  initReported = false;
  /** Kept warm for a provisioned concurrency configuration: never reaped while idle. */
  provisioned = false;
  private server: Server | null = null;
  private child: ChildProcess | null = null;
  private pendingNext: ServerResponse | null = null;
  private current: Current | null = null;
  /** Invocations already handed to the runtime (a /next arriving before the previous one settled must wait). */
  private readonly delivered = new WeakSet<Current>();
  private initOutput: string[] = [];
  private initFailure: InitFailure | undefined;
  private readyResolve: ((f: InitFailure | undefined) => void) | null = null;
  private startedMs = 0;
  private exitInfo: string | undefined;
  /**
   * The 202 for the last /response or /error, held while the runtime has already sent its next
   * /next on the same connection (a pipelining client): it then leaves with the next event, in
   * one write. Clients that wait for the 202 before asking again get it at once.
   */
  private heldAck: ServerResponse | null = null;
  private ackPipelined = false;
  /** Output written outside any invocation, reported as it comes (e.g. from timers after a response). */
  onStrayOutput: ((text: string) => void) | null = null;

  constructor(
    readonly spec: EnvironmentSpec,
    private readonly clock: Clock,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Output written during the init phase (before the first invocation). */
  takeInitOutput(): string {
    const s = this.initOutput.join('');
    this.initOutput = [];
    return s;
  }

  /**
   * Starts the process and resolves when the runtime first asks for an
   * invocation (undefined), or with the init failure (posted to /init/error,
   * an exit, or no request within the init limit).
   */
  async start(): Promise<InitFailure | undefined> {
    const server = createServer({ keepAlive: true }, (req, res) => this.handle(req, res));
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    server.keepAliveTimeout = 0;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const ready = new Promise<InitFailure | undefined>((resolve) => {
      this.readyResolve = resolve;
    });
    this.startedMs = performance.now();
    const { command, args } = this.command();
    if (command === undefined) {
      this.failInit({
        errorType: 'Runtime.InvalidEntrypoint',
        errorMessage: `Error: Couldn't find valid bootstrap(s): [${join(this.spec.codeDir, 'bootstrap')} /opt/bootstrap]`,
        payload: undefined,
      });
      return ready;
    }
    const argv = SETPRIV ? [SETPRIV, '--pdeathsig', 'SIGKILL', '--', command, ...args] : [command, ...args];
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: this.spec.codeDir,
      env: this.processEnv(port),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (t: string) => this.output(t));
    child.stderr!.on('data', (t: string) => this.output(t));
    child.on('error', (e) => this.exited(`error: ${e.message}`));
    child.on('exit', (code, signal) => this.exited(exitWords(code, signal)));
    const initTimer = this.clock.setTimer(
      () => {
        if (this.state === 'starting') {
          this.failInit({
            errorType: 'Sandbox.Timedout',
            errorMessage: `Error: Init timed out after ${(LIMITS.initTimeoutMs / 1000).toFixed(2)} seconds`,
            payload: undefined,
          });
          this.kill();
        }
      },
      Math.max(LIMITS.initTimeoutMs, this.spec.timeoutSeconds * 1000),
    );
    const failure = await ready;
    initTimer.cancel();
    return failure;
  }

  private command(): { command: string | undefined; args: string[] } {
    const s = this.spec;
    switch (runtimeFamily(s.runtime)) {
      case 'node':
        // MemorySize bounds the V8 heap, as in Lambda's Node runtimes (about 90% for the old space).
        return { command: s.nodePath, args: [`--max-old-space-size=${Math.floor(s.memoryMb * 0.9)}`, NODE_BOOTSTRAP] };
      case 'python':
        return { command: s.pythonPath, args: [PYTHON_BOOTSTRAP] };
      default: {
        const bootstrap = join(s.codeDir, 'bootstrap');
        return { command: existsSync(bootstrap) ? bootstrap : undefined, args: [] };
      }
    }
  }

  private processEnv(port: number): Record<string, string> {
    const s = this.spec;
    const family = runtimeFamily(s.runtime);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      ...s.environment,
      _HANDLER: s.handler,
      AWS_REGION: s.region,
      AWS_DEFAULT_REGION: s.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${s.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: s.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: s.version,
      AWS_LAMBDA_INITIALIZATION_TYPE: s.initializationType ?? 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: s.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: s.logStreamName,
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      LAMBDA_TASK_ROOT: s.codeDir,
      LAMBDA_RUNTIME_DIR:
        family === 'node' ? fileURLToPath(new URL('./runtimes/node', import.meta.url)) : fileURLToPath(new URL('./runtimes/python', import.meta.url)),
      // Under `--auth enforce`, the execution role's session (as Lambda does); otherwise Freshet accepts any credentials and SDKs need some to sign with.
      AWS_ACCESS_KEY_ID: s.credentials?.accessKeyId ?? 'freshet',
      AWS_SECRET_ACCESS_KEY: s.credentials?.secretAccessKey ?? 'freshet',
      AWS_SESSION_TOKEN: s.credentials?.sessionToken ?? 'freshet',
    };
    if (s.endpointUrl) env.AWS_ENDPOINT_URL = s.endpointUrl;
    if (family === 'node') {
      env.NODE_PATH = FRESHET_NODE_MODULES;
      env.FRESHET_NODE_MODULES = FRESHET_NODE_MODULES;
      env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    }
    if (family === 'python') env.PYTHONUNBUFFERED = '1';
    return env;
  }

  private output(text: string): void {
    const cur = this.current;
    if (cur && !cur.settled) {
      if (cur.outputChars + text.length > MAX_OUTPUT_CHARS) cur.dropped += text.length;
      else {
        cur.output.push(text);
        cur.outputChars += text.length;
      }
    } else if (this.state === 'starting') this.initOutput.push(text);
    else this.onStrayOutput?.(text);
  }

  private failInit(f: InitFailure): void {
    if (this.initFailure) return;
    this.initFailure = f;
    const r = this.readyResolve;
    this.readyResolve = null;
    r?.(f);
  }

  private exited(words: string): void {
    if (this.exitInfo !== undefined) return;
    this.exitInfo = words;
    const wasStarting = this.state === 'starting';
    this.state = 'dead';
    if (wasStarting) this.failInit({ errorType: 'Runtime.ExitError', errorMessage: `Error: Runtime exited with error: ${words}`, payload: undefined });
    const cur = this.current;
    if (cur && !cur.settled) {
      // Let the last output arrive before the invocation is closed.
      setImmediate(() => {
        const out = cur.output.join('');
        const oom = /JavaScript heap out of memory|MemoryError/.test(out);
        this.settle(cur, {
          kind: 'exit',
          errorType: oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
          errorMessage: `RequestId: ${cur.req.requestId} Error: Runtime exited with error: ${words}`,
          output: '',
        });
      });
    }
    this.closeServer();
  }

  private closeServer(): void {
    this.heldAck = null;
    if (this.pendingNext) {
      this.pendingNext.destroy();
      this.pendingNext = null;
    }
    this.server?.closeAllConnections();
    this.server?.close();
    this.server = null;
  }

  /** Runs one invocation; the outcome carries the output written meanwhile. */
  invoke(req: InvocationRequest): Promise<InvocationOutcome> {
    if (this.state !== 'idle') throw new Error(`environment ${this.id} is ${this.state}`);
    this.state = 'busy';
    return new Promise<InvocationOutcome>((resolve) => {
      const cur: Current = { req, output: [], outputChars: 0, dropped: 0, resolve, settled: false, timer: null };
      this.current = cur;
      cur.timer = this.clock.setTimer(
        () => {
          if (cur.settled) return;
          this.kill();
          this.settle(cur, { kind: 'timeout', output: '' });
        },
        Math.max(0, req.deadlineMs - this.clock.now()),
      );
      if (this.pendingNext) {
        const res = this.pendingNext;
        this.pendingNext = null;
        this.delivered.add(cur);
        this.deliver(res, req);
      }
    });
  }

  private settle(cur: Current, outcome: InvocationOutcome): void {
    if (cur.settled) return;
    cur.settled = true;
    cur.timer?.cancel();
    outcome.output = cur.output.join('');
    if (cur.dropped) outcome.output += `${outcome.output.endsWith('\n') ? '' : '\n'}[freshet: ${cur.dropped} more characters of output dropped]\n`;
    if (this.current === cur) this.current = null;
    if (this.state === 'busy') this.state = 'idle';
    this.lastUsedMs = this.clock.now();
    cur.resolve(outcome);
  }

  private flushAck(): void {
    const ack = this.heldAck;
    if (!ack) return;
    this.heldAck = null;
    accepted(ack);
  }

  // hot path: one call per invocation.
  private deliver(res: ServerResponse, req: InvocationRequest): void {
    // The held 202 and this event leave together (the socket is corked for the tick).
    this.flushAck();
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': req.payload.length,
      'Lambda-Runtime-Aws-Request-Id': req.requestId,
      'Lambda-Runtime-Deadline-Ms': String(req.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': req.invokedArn,
      'Lambda-Runtime-Trace-Id': req.traceId,
    };
    if (req.clientContext !== undefined) headers['Lambda-Runtime-Client-Context'] = req.clientContext;
    if (req.cognitoIdentity !== undefined) headers['Lambda-Runtime-Cognito-Identity'] = req.cognitoIdentity;
    res.writeHead(200, headers);
    res.end(req.payload);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === NEXT_PATH) {
      if (this.heldAck && this.heldAck.socket === res.socket) this.ackPipelined = true;
      if (this.state === 'starting') {
        this.initDurationMs = performance.now() - this.startedMs;
        this.state = 'idle';
        const r = this.readyResolve;
        this.readyResolve = null;
        r?.(undefined);
      }
      const cur = this.current;
      if (cur && !cur.settled && !this.delivered.has(cur)) {
        this.delivered.add(cur);
        this.deliver(res, cur.req);
        return;
      }
      this.pendingNext = res;
      res.on('close', () => {
        if (this.pendingNext === res) this.pendingNext = null;
      });
      return;
    }
    if (req.method === 'POST' && url === INIT_ERROR_PATH) {
      readBody(req, LIMITS.maxSyncPayloadBytes, (body) => {
        const parsed = parseError(body);
        this.failInit({
          errorType: parsed.errorType ?? req.headers['lambda-runtime-function-error-type']?.toString() ?? 'Runtime.Unknown',
          errorMessage: parsed.errorMessage ?? '',
          payload: body,
        });
        accepted(res);
      });
      return;
    }
    if (req.method === 'POST' && url.startsWith(INVOCATION_PREFIX)) {
      const rest = url.slice(INVOCATION_PREFIX.length);
      const slash = rest.indexOf('/');
      const id = slash < 0 ? rest : rest.slice(0, slash);
      const what = slash < 0 ? '' : rest.slice(slash + 1);
      const cur = this.current;
      if (!cur || cur.settled || cur.req.requestId !== id || (what !== 'response' && what !== 'error')) {
        req.resume();
        const body = JSON.stringify({ errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
        res.writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      readBody(
        req,
        LIMITS.maxSyncPayloadBytes,
        (body) => {
          this.flushAck();
          this.heldAck = res;
          this.ackPipelined = false;
          // Output written before the request was sent may still be in the pipe: collect it first.
          setImmediate(() => {
            if (what === 'response') this.settle(cur, { kind: 'response', payload: body, output: '' });
            else {
              const errorType = req.headers['lambda-runtime-function-error-type']?.toString() ?? parseError(body).errorType ?? 'Unhandled';
              this.settle(cur, { kind: 'error', payload: body, errorType, output: '' });
            }
            if (this.heldAck === res && !this.ackPipelined) this.flushAck();
          });
        },
        () => {
          const body = JSON.stringify({ errorMessage: 'Payload too large', errorType: 'RequestEntityTooLarge' });
          res.writeHead(413, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
          res.end(body);
          const payload = Buffer.from(
            JSON.stringify({
              errorMessage: `Response payload size exceeded maximum allowed payload size (${LIMITS.maxSyncPayloadBytes} bytes).`,
              errorType: 'Function.ResponseSizeTooLarge',
            }),
          );
          this.settle(cur, { kind: 'error', payload, errorType: 'Function.ResponseSizeTooLarge', output: '' });
        },
      );
      return;
    }
    req.resume();
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"errorMessage":"Not found","errorType":"NotFound"}');
  }

  private memoryMb = 0;
  private memoryReadMs = Number.NEGATIVE_INFINITY;

  /**
   * Peak resident memory of the process in MB (VmHWM), for the REPORT line.
   * Read from /proc at most once a second per environment (it is a peak, so
   * a recent reading is close), or always with `fresh`.
   */
  maxMemoryUsedMb(fresh = false): number {
    const pid = this.child?.pid;
    if (pid === undefined) return 0;
    const now = performance.now();
    if (!fresh && now - this.memoryReadMs < 1000) return this.memoryMb;
    this.memoryReadMs = now;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) this.memoryMb = Math.ceil(Number(m[1]) / 1024);
    } catch {
      // the process is gone: keep the last reading
    }
    return this.memoryMb;
  }

  /** Kills the process (and anything it started: it leads its own process group). */
  kill(): void {
    const pid = this.child?.pid;
    if (pid !== undefined && this.exitInfo === undefined) {
      try {
        process.kill(-pid, osConstants.signals.SIGKILL);
      } catch {
        try {
          this.child?.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (this.state === 'starting')
      this.failInit({ errorType: 'Runtime.ExitError', errorMessage: 'Error: Runtime exited with error: signal: killed', payload: undefined });
    this.state = 'dead';
    if (!this.child) this.closeServer();
  }

  /** Resolves once the process has exited. */
  async whenExited(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  }
}

function accepted(res: ServerResponse): void {
  res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': 15 });
  res.end('{"status":"OK"}');
}

function readBody(req: IncomingMessage, max: number, done: (body: Buffer) => void, tooLarge?: () => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > max) {
      over = true;
      chunks.length = 0;
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (over) tooLarge?.();
    else done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
}

function parseError(body: Buffer): { errorType?: string; errorMessage?: string } {
  try {
    const v = JSON.parse(body.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    return {
      ...(typeof v.errorType === 'string' ? { errorType: v.errorType } : {}),
      ...(typeof v.errorMessage === 'string' ? { errorMessage: v.errorMessage } : {}),
    };
  } catch {
    return {};
  }
}
