/**
 * GET /freshet/function-logs/<name>[?since=<ms>][&follow=1]: a function's
 * log events (START / END / REPORT and its output) as JSON lines — what
 * `freshet functions logs` reads. With follow, the response stays open and
 * new events are written as they come (until the client disconnects).
 */
import type { HttpRoute } from '../aws/index.ts';
import type { FunctionsEngine } from './engine.ts';
import type { LogEvent } from './logs.ts';

export const LOGS_ROUTE = '/freshet/function-logs/';

export function logsRoute(functions: FunctionsEngine): HttpRoute {
  return {
    method: 'GET',
    path: LOGS_ROUTE,
    prefix: true,
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://freshet');
      const m = /^\/freshet\/function-logs\/([a-zA-Z0-9_-]{1,64})$/.exec(url.pathname);
      if (!m || !functions.has(m[1]!)) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end(m ? `Function not found: ${m[1]}\n` : 'Not found\n');
        return;
      }
      const name = m[1]!;
      const since = url.searchParams.has('since') ? Number(url.searchParams.get('since')) : undefined;
      const line = (e: LogEvent) => `${JSON.stringify({ timestamp: e.timestampMs, logStreamName: e.logStreamName, message: e.message })}\n`;
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      for (const e of functions.logs.recent(name, since !== undefined && Number.isFinite(since) ? { sinceMs: since } : {})) res.write(line(e));
      if (url.searchParams.get('follow') !== '1') {
        res.end();
        return;
      }
      const stop = functions.logs.subscribe((e) => {
        if (e.functionName === name) res.write(line(e));
      });
      res.on('close', stop);
    },
  };
}
