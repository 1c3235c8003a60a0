/**
 * Freshet's Node.js runtime client: an ordinary Lambda Runtime API client, run
 * as the function's process (`node bootstrap.mjs`, cwd = LAMBDA_TASK_ROOT).
 *
 * It implements what AWS's Node runtimes (aws-lambda-nodejs-runtime-interface-client)
 * do, in its own code: handler resolution from `_HANDLER` (`dir/module.nested.fn`;
 * extensionless, .js as CommonJS or as ES module under `"type": "module"`, .mjs,
 * .cjs), the Runtime.* errors (ImportModuleError, HandlerNotFound,
 * MalformedHandlerName, UserCodeSyntaxError), async and callback handlers
 * (callbackWaitsForEmptyEventLoop), the context object, console lines as
 * `<time>\t<requestId>\t<LEVEL>\t<message>` and error responses
 * `{errorType, errorMessage, trace}`.
 *
 * `@aws-sdk/*` (and `@smithy/*`) resolve from Freshet's own node_modules when
 * the function does not bundle them: NODE_PATH for require(), a resolve hook
 * for import.
 */
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const env = process.env;
const [apiHost, apiPort] = (env.AWS_LAMBDA_RUNTIME_API ?? '127.0.0.1:9001').split(':');
const BASE = '/2018-06-01/runtime';
const taskRoot = env.LAMBDA_TASK_ROOT ?? process.cwd();

class RuntimeError extends Error {}
function runtimeError(kind, message) {
  const e = new RuntimeError(message);
  e.name = `Runtime.${kind}`;
  return e;
}

// ---- Runtime API -------------------------------------------------------------------------------
// A keep-alive HTTP/1.1 connection to the Runtime API. Requests are written back to back (the
// response of an invocation and the request for the next one leave together: one wake-up of each
// process per invocation); responses arrive in order. The socket keeps the event loop alive only
// while a request waits, so `beforeExit` still tells when a handler's work is done.

const CRLF2 = Buffer.from('\r\n\r\n');

class RuntimeApi {
  constructor(host, port) {
    this.host = host;
    this.waiting = [];
    this.buf = Buffer.alloc(0);
    this.socket = net.connect({ host, port: Number(port) });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk) => this.onData(chunk));
    // The API is gone (Freshet stopped): nothing is left to answer to.
    this.socket.on('error', () => process.exit(1));
    this.socket.on('close', () => process.exit(1));
    this.socket.unref();
  }

  request(method, urlPath, body, headers) {
    let head = `${method} ${BASE}${urlPath} HTTP/1.1\r\nHost: ${this.host}\r\n`;
    if (headers) for (const k in headers) head += `${k}: ${headers[k]}\r\n`;
    const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
    head += `Content-Length: ${payload ? payload.length : 0}\r\n\r\n`;
    if (payload) this.socket.write(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
    else this.socket.write(head, 'latin1');
    if (this.waiting.length === 0) this.socket.ref();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  onData(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      const end = this.buf.indexOf(CRLF2);
      if (end < 0) return;
      const lines = this.buf.toString('latin1', 0, end).split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers = {};
      for (let i = 1; i < lines.length; i++) {
        const c = lines[i].indexOf(':');
        if (c > 0) headers[lines[i].slice(0, c).trim().toLowerCase()] = lines[i].slice(c + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (this.buf.length < end + 4 + length) return;
      const body = this.buf.subarray(end + 4, end + 4 + length);
      this.buf = this.buf.subarray(end + 4 + length);
      const resolve = this.waiting.shift();
      if (this.waiting.length === 0) this.socket.unref();
      resolve?.({ status, headers, body });
    }
  }
}

const api = new RuntimeApi(apiHost, apiPort);

function post(urlPath, body, headers = {}) {
  return api.request('POST', urlPath, body, { 'Content-Type': 'application/json', ...headers });
}

// ---- logging -----------------------------------------------------------------------------------

let currentRequestId;
function patchConsole() {
  const write =
    (level) =>
    (...args) => {
      // One log event per call, as Lambda keeps it: newlines become carriage returns.
      const text = util.format(...args).replace(/\n/g, '\r');
      process.stdout.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${text}\n`);
    };
  console.log = write('INFO');
  console.info = write('INFO');
  console.warn = write('WARN');
  console.error = write('ERROR');
  console.debug = write('DEBUG');
  console.trace = write('TRACE');
  console.fatal = write('FATAL');
}

function toResponse(error) {
  if (error instanceof Error || (error && typeof error.name === 'string' && typeof error.message === 'string' && typeof error.stack === 'string')) {
    return { errorType: error.name, errorMessage: error.message, trace: typeof error.stack === 'string' ? error.stack.split('\n') : [] };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function logError(prefix, error) {
  const r = toResponse(error);
  const shown = { errorType: r.errorType, errorMessage: r.errorMessage, stack: r.trace };
  process.stdout.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\tERROR\t${prefix} \t${JSON.stringify(shown)}\n`);
}

// ---- handler loading ---------------------------------------------------------------------------

function typeModule(folder) {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        return JSON.parse(readFileSync(pj, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (dir === path.dirname(dir)) return false;
  }
}

let hooksRegistered = false;
function registerSdkHooks() {
  if (hooksRegistered || !env.FRESHET_NODE_MODULES) return;
  hooksRegistered = true;
  register(new URL('./sdk-resolve.mjs', import.meta.url), {
    data: { parentURL: pathToFileURL(path.join(env.FRESHET_NODE_MODULES, '..', 'package.json')).href },
  });
}

async function loadModule(fullHandler) {
  const base = path.basename(fullHandler);
  const moduleRoot = fullHandler.slice(0, fullHandler.length - base.length);
  const m = /^([^.]*)\.(.*)$/.exec(base);
  if (!m) throw runtimeError('MalformedHandlerName', 'Bad handler');
  const [, moduleName, handlerPath] = m;
  const require = createRequire(path.join(taskRoot, 'index.js'));
  const file = path.resolve(taskRoot, moduleRoot, moduleName);
  const esm = typeModule(path.dirname(file));
  const tryRequire = (f) => (existsSync(f) ? require(f) : undefined);
  const tryImport = async (f) => {
    if (!existsSync(f)) return undefined;
    registerSdkHooks();
    return import(pathToFileURL(f).href);
  };
  let loaded;
  try {
    loaded =
      tryRequire(file) ??
      (!esm ? tryRequire(`${file}.js`) : undefined) ??
      (esm ? await tryImport(`${file}.js`) : undefined) ??
      (await tryImport(`${file}.mjs`)) ??
      tryRequire(`${file}.cjs`);
    if (loaded === undefined) loaded = require(require.resolve(moduleName, { paths: [taskRoot, path.resolve(taskRoot, moduleRoot)] }));
  } catch (e) {
    if (e instanceof SyntaxError) throw runtimeError('UserCodeSyntaxError', String(e));
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) throw runtimeError('ImportModuleError', String(e));
    throw e;
  }
  let fn = loaded;
  for (const key of handlerPath.split('.')) fn = fn?.[key];
  if (!fn) throw runtimeError('HandlerNotFound', `${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw runtimeError('HandlerNotFound', `${fullHandler} is not a function`);
  return fn;
}

// ---- invocations -------------------------------------------------------------------------------

function parseJsonHeader(v) {
  if (v === undefined || v === '') return undefined;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

async function invoke(handler, inv, askNext) {
  const h = inv.headers;
  const requestId = h['lambda-runtime-aws-request-id'];
  const deadline = Number(h['lambda-runtime-deadline-ms']);
  currentRequestId = requestId;
  if (h['lambda-runtime-trace-id']) env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
  else delete env._X_AMZN_TRACE_ID;
  let settled = false;
  let resolveDone;
  const done = new Promise((r) => {
    resolveDone = r;
  });
  const exitListeners = [];
  const onEmptyLoop = (fn) => {
    exitListeners.push(fn);
    process.once('beforeExit', fn);
  };
  const finish = (error, result) => {
    if (settled) return;
    settled = true;
    for (const fn of exitListeners) process.removeListener('beforeExit', fn);
    resolveDone({ error, result });
  };
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parseJsonHeader(h['lambda-runtime-cognito-identity']),
    clientContext: parseJsonHeader(h['lambda-runtime-client-context']),
    getRemainingTimeInMillis: () => deadline - Date.now(),
    succeed: (result) => finish(undefined, result),
    fail: (error) => finish(error ?? new Error('handled'), undefined),
    done: (error, result) => (error ? finish(error, undefined) : finish(undefined, result)),
  };
  // Callback results wait for the event loop to empty unless the handler says otherwise (as in Lambda).
  const callback = (error, result) => {
    const deliver = () => (error !== undefined && error !== null ? finish(error, undefined) : finish(undefined, result));
    if (context.callbackWaitsForEmptyEventLoop) onEmptyLoop(deliver);
    else deliver();
  };
  let event;
  try {
    event = JSON.parse(inv.body.toString('utf8'));
  } catch (e) {
    finish(e, undefined);
  }
  if (!settled) {
    try {
      const out = handler(event, context, callback);
      if (out && typeof out.then === 'function')
        out.then(
          (r) => finish(undefined, r),
          (e) => finish(e ?? new Error('handled'), undefined),
        );
      // A handler that neither returns a promise nor calls back ends with null once the event loop is empty.
      else onEmptyLoop(() => finish(undefined, undefined));
    } catch (e) {
      finish(e, undefined);
    }
  }
  const { error, result } = await done;
  if (error !== undefined) {
    logError('Invoke Error', error);
    const r = toResponse(error);
    const posted = post(`/invocation/${requestId}/error`, JSON.stringify(r), { 'Lambda-Runtime-Function-Error-Type': r.errorType });
    askNext();
    await posted;
    return;
  }
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch (e) {
    const r = { errorType: 'Runtime.MalformedResponse', errorMessage: `Unable to stringify response body: ${e.message}`, trace: [] };
    const posted = post(`/invocation/${requestId}/error`, JSON.stringify(r), { 'Lambda-Runtime-Function-Error-Type': r.errorType });
    askNext();
    await posted;
    return;
  }
  const posted = post(`/invocation/${requestId}/response`, body);
  askNext();
  await posted;
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadModule(env._HANDLER ?? '');
  } catch (e) {
    logError('Uncaught Exception', e);
    const r = toResponse(e);
    await post('/init/error', JSON.stringify(r), { 'Lambda-Runtime-Function-Error-Type': r.errorType });
    process.exit(1);
  }
  // An exception nobody catches ends the invocation with it and then the process, as in Lambda.
  const crash = async (error, kind) => {
    logError(kind, error);
    if (currentRequestId) {
      const r =
        kind === 'Unhandled Promise Rejection'
          ? {
              errorType: 'Runtime.UnhandledPromiseRejection',
              errorMessage: String(error instanceof Error ? `${error.name}: ${error.message}` : error),
              trace: [],
            }
          : toResponse(error);
      await post(`/invocation/${currentRequestId}/error`, JSON.stringify(r), { 'Lambda-Runtime-Function-Error-Type': r.errorType });
    }
    process.exit(129);
  };
  process.on('uncaughtException', (e) => void crash(e, 'Uncaught Exception'));
  process.on('unhandledRejection', (e) => void crash(e, 'Unhandled Promise Rejection'));
  let next = api.request('GET', '/invocation/next');
  for (;;) {
    const inv = await next;
    if (inv.status !== 200) process.exit(1);
    // The outcome is posted and the next invocation asked for in one write.
    await invoke(handler, inv, () => {
      next = api.request('GET', '/invocation/next');
    });
    currentRequestId = undefined;
  }
}

await main();
