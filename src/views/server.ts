/**
 * The Postgres endpoint: a TCP listener (default port 5439, Redshift's) whose connections are Sessions, the
 * cancel-key registry, optional TLS (the server's certificate, offered after SSLRequest), and the views
 * engine, opened when the first client needs it — or at start-up when views exist, so AUTO REFRESH runs
 * with nobody connected.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { TLSSocket, createSecureContext } from 'node:tls';
import type { Clock } from '../core/index.ts';
import { ViewsEngine } from './engine.ts';
import type { ViewsOptions, ViewsStreamSource } from './engine.ts';
import { Session } from './session.ts';
import type { PgAuthenticate } from './session.ts';
import type { PgAccessControl } from './access.ts';

export const DEFAULT_PG_PORT = 5439;

export interface PgEndpointOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Freshet's data dir (views live in `<dataDir>/views`); undefined keeps them in memory. */
  dataDir: string | undefined;
  streams: ViewsStreamSource;
  clock: Clock;
  /** PEM certificate and key: clients asking for SSL get TLS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * Verifies user and password (asked in cleartext, so use it with TLS off loopback). Without it, loopback
   * clients are trusted and others refused: the hook users and passwords plug into once Freshet has them.
   */
  authenticate?: PgAuthenticate;
  /**
   * Freshet's IAM (`--auth enforce`): users log in with an access key id and its secret, and IAM policies
   * decide which views, tables and schemas each may read or change (src/views/access.ts). Takes precedence
   * over `authenticate`; DuckDB's access to files and extensions is switched off.
   */
  access?: PgAccessControl;
  /** Refuse clients that do not negotiate TLS (needs `tls`): FATAL 28000, as Postgres's `hostssl` rules do. */
  requireTls?: boolean;
  /** The views engine's settings (memory limit, refresh batching and intervals). */
  views?: Partial<Omit<ViewsOptions, 'dataDir' | 'streams' | 'clock'>>;
}

export interface PgEndpoint {
  port: number;
  host: string;
  /** The views engine (opened on demand). */
  engine(): Promise<ViewsEngine>;
  /** Stops listening, closes every session, then the engine (which stops refreshing and checkpoints). */
  close(): Promise<void>;
}

export async function startPgEndpoint(opts: PgEndpointOptions): Promise<PgEndpoint> {
  if (opts.requireTls && opts.tls === undefined)
    throw new Error('the Postgres endpoint can require TLS only when the server has a certificate: start it with --tls');
  const host = opts.host ?? '127.0.0.1';
  const sessions = new Map<number, Session>();
  /** Every session, registered or still starting, until its resources are freed. */
  const live = new Set<Session>();
  const sockets = new Set<Socket>();
  let enginePromise: Promise<ViewsEngine> | undefined;
  let closing = false;
  const engine = (): Promise<ViewsEngine> => {
    if (closing) return Promise.reject(new Error('the Postgres endpoint is closing'));
    enginePromise ??= ViewsEngine.open({
      ...opts.views,
      ...(opts.access ? { lockExternalAccess: true } : {}),
      dataDir: opts.dataDir,
      streams: opts.streams,
      clock: opts.clock,
    });
    return enginePromise;
  };
  const secureContext = opts.tls ? createSecureContext({ cert: opts.tls.cert, key: opts.tls.key }) : undefined;
  const hostApi = {
    engine,
    authenticate: opts.authenticate,
    access: opts.access,
    requireTls: opts.requireTls === true,
    startTls: secureContext
      ? (socket: Socket): Socket => {
          const tls = new TLSSocket(socket, { isServer: true, secureContext });
          sockets.add(tls);
          tls.on('close', () => sockets.delete(tls));
          return tls;
        }
      : undefined,
    register: (s: Session) => sessions.set(s.processId, s),
    unregister: (s: Session) => {
      if (sessions.get(s.processId) === s) sessions.delete(s.processId);
    },
    cancel: (processId: number, secretKey: number) => {
      const s = sessions.get(processId);
      if (s !== undefined && s.secretKey === secretKey) s.cancel();
    },
  };
  const server: Server = createServer((socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    let pid = randomInt(1, 2 ** 31 - 1);
    while (sessions.has(pid)) pid = randomInt(1, 2 ** 31 - 1);
    const session = new Session(socket, hostApi, pid, randomInt(-(2 ** 31), 2 ** 31 - 1));
    live.add(session);
    socket.once('close', () => void session.close().finally(() => live.delete(session)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  // Views with AUTO REFRESH keep refreshing with no client connected: open the engine now if any exist.
  if (opts.dataDir !== undefined && existsSync(join(opts.dataDir, 'views', 'views.duckdb'))) {
    try {
      await engine();
    } catch (e) {
      server.close();
      throw e;
    }
  }
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host,
    engine,
    async close() {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      // Sessions free their DuckDB connections (after any running statement) before the database closes.
      await Promise.all([...live].map((s) => s.close()));
      await closed;
      if (enginePromise) {
        const e = await enginePromise.catch(() => undefined);
        await e?.close();
      }
    },
  };
}
