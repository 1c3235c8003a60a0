/**
 * The server's own HTTP routes, for people and orchestrators rather than AWS clients:
 *  - `GET /health`: liveness. 200 as soon as the port is open, also while storage recovers.
 *  - `GET /ready`: readiness. 200 once storage is recovered and every service is mounted, 503 before.
 *  - `GET /status`: streams (records, rate), applications (status, rows, recent error_stream rows), delivery
 *    streams (delivered, freshness, retries): what `freshet status` and `freshet apps logs` show.
 *  - `GET /`: a redirect to the console when one is mounted (a route under `/console`), else a short JSON
 *    index of the services (an AWS client never sends `GET /`: their requests are POSTs or REST paths).
 * Bodies are small JSON documents (`{"status":"ok"}`, `{"ready":false,"storage":"recovering",…}`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwsService, HttpRoute } from '../aws/index.ts';

/** What start-up has done so far (the fields `GET /ready` reports). */
export interface Readiness {
  storage: 'opening' | 'recovering' | 'recovered';
  /** Signing names of the mounted services; empty until every one is mounted. */
  services: string[];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

function pathOf(url: string | undefined): string {
  const q = (url ?? '/').indexOf('?');
  return q < 0 ? (url ?? '/') : (url ?? '/').slice(0, q);
}

function readyBody(r: Readiness): { ready: boolean; storage: Readiness['storage']; services: string[] } {
  return { ready: r.storage === 'recovered' && r.services.length > 0, storage: r.storage, services: r.services };
}

/** How long an AWS request that arrives while the server starts waits for it before a 503. */
export const START_WAIT_MS = 60_000;

/**
 * Answers requests while the server starts: /health and /ready at once; any other request waits (body
 * unread) until the server is ready and is then handed to it (`release`), or gets 503 ServiceUnavailable
 * after START_WAIT_MS or when the start fails. A client that connects as soon as the port opens (as
 * "wait for the port" scripts do) sees a slow first answer, not an error.
 */
export class StartingRequests {
  private readonly waiting: Array<{ req: IncomingMessage; res: ServerResponse; timer: NodeJS.Timeout }> = [];

  constructor(private readonly readiness: Readiness) {}

  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req.url);
    if (path === '/health' || path === '/ready') {
      req.resume();
      if (path === '/health') sendJson(res, 200, { status: 'ok' });
      else sendJson(res, 503, readyBody(this.readiness));
      return;
    }
    const entry = { req, res, timer: setTimeout(() => this.refuse(entry), START_WAIT_MS) };
    this.waiting.push(entry);
  };

  private refuse(entry: { req: IncomingMessage; res: ServerResponse; timer: NodeJS.Timeout }): void {
    clearTimeout(entry.timer);
    const i = this.waiting.indexOf(entry);
    if (i >= 0) this.waiting.splice(i, 1);
    entry.req.resume();
    if (entry.res.headersSent || entry.res.destroyed) return;
    entry.res.setHeader('retry-after', '1');
    sendJson(entry.res, 503, { __type: 'ServiceUnavailableException', message: `Freshet is starting (storage ${this.readiness.storage}); retry shortly` });
  }

  /** Hands every waiting request to the started server's listener. */
  release(listener: (req: IncomingMessage, res: ServerResponse) => void): void {
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      if (!w.res.destroyed) listener(w.req, w.res);
    }
  }

  /** The start failed: every waiting request gets 503. */
  refuseAll(): void {
    for (const w of [...this.waiting]) this.refuse(w);
  }
}

/**
 * `/health`, `/ready`, `/status` and `GET /` for a started server; `mounted` are the other non-AWS routes (a
 * console among them); `status` answers `GET /status` (what `freshet status` shows).
 */
export function statusRoutes(readiness: Readiness, mounted: readonly HttpRoute[], services: readonly AwsService[], status?: () => unknown): HttpRoute[] {
  const console = mounted.find((r) => r.path === '/console' || r.path.startsWith('/console/'));
  return [
    { method: 'GET', path: '/health', handle: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    {
      method: 'GET',
      path: '/ready',
      handle: (_req, res) => {
        const body = readyBody(readiness);
        sendJson(res, body.ready ? 200 : 503, body);
      },
    },
    ...(status ? [{ method: 'GET', path: '/status', handle: (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, status()) }] : []),
    {
      method: 'GET',
      path: '/',
      handle: (_req, res) => {
        if (console) {
          res.statusCode = 302;
          res.setHeader('location', console.path.endsWith('/') ? console.path : `${console.path}/`);
          res.end();
          return;
        }
        sendJson(res, 200, {
          name: 'freshet',
          services: services.map((s) => ({ name: s.signingName, target: s.targetPrefix })),
          health: '/health',
          ready: '/ready',
          status: '/status',
        });
      },
    },
  ];
}
