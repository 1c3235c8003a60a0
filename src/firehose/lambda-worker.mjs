// Runs user transformation functions (Firehose "Lambda" processors) isolated
// from the server, in a worker thread. Plain JavaScript on purpose: the worker
// must start whether or not the parent registered tsx, and registers it
// itself so user modules may be TypeScript.
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

let tsx = true;
try {
  const { register } = await import('tsx/esm/api');
  register();
} catch {
  // tsx missing (an installed package has no development dependencies): only JavaScript handlers can be loaded.
  tsx = false;
}

const modules = new Map();

parentPort.on('message', async (msg) => {
  try {
    let mod = modules.get(msg.modulePath);
    if (!mod) {
      if (!tsx && /\.[mc]?ts$/.test(msg.modulePath))
        throw new Error(
          `${msg.modulePath} is TypeScript, which needs tsx: install it next to Freshet (npm install tsx) or compile the handler to JavaScript (.js/.mjs)`,
        );
      mod = import(pathToFileURL(msg.modulePath).href);
      modules.set(msg.modulePath, mod);
    }
    const m = await mod;
    if (msg.kind === 'load') {
      parentPort.postMessage({ id: msg.id, ok: true, result: null });
      return;
    }
    const handler = typeof m.handler === 'function' ? m.handler : typeof m.default?.handler === 'function' ? m.default.handler : m.default;
    if (typeof handler !== 'function') throw new Error(`${msg.modulePath} does not export handler(event)`);
    const result = await handler(msg.event, { functionName: msg.functionName, awsRequestId: msg.requestId, invokedFunctionArn: msg.functionArn });
    parentPort.postMessage({ id: msg.id, ok: true, result });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
