/**
 * startServer(): storage + engines + the HTTP server on one port.
 * One TCP listener serves HTTP/1.1 (keep-alive) and cleartext HTTP/2 with prior
 * knowledge (h2c): @aws-sdk/client-kinesis uses an HTTP/2 handler by default.
 * With `tls`, the same port also accepts TLS (first byte 0x16, a handshake record) and picks HTTP/2 or
 * HTTP/1.1 by ALPN; cleartext clients keep working on that port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer as createTcpServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { log, systemClock } from '../core/index.ts';
import type { Clock } from '../core/index.ts';
import { createJetStreamStorage, FileStorage, MemoryStorage } from '../storage/index.ts';
import type { FsyncMode, LogStorage } from '../storage/index.ts';
import type { KinesisEngine } from '../kinesis/index.ts';
import { Router } from '../aws/index.ts';
import type { HttpRoute } from '../aws/index.ts';
import type { ServiceDeps } from './services.ts';
import type { AwsService } from '../aws/index.ts';
import type { PgEndpoint, PgEndpointOptions } from '../views/index.ts';
import { logRequestErrors, startActivityLog, type ActivityLog } from './activity-log.ts';
import { StartingRequests, statusRoutes, type Readiness } from './status-routes.ts';
import type { AuthMode } from '../aws/index.ts';
import type { IamStore } from '../iam/index.ts';

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Refuses a non-loopback bind without `--auth enforce`, saying how to fix it. */
export function checkAuthBind(host: string, auth: AuthMode): void {
  if (auth !== 'enforce' && !isLoopback(host)) {
    throw Object.assign(
      new Error(
        `refusing to listen on ${host} with --auth ${auth}: anyone who can reach it could read and delete every stream. Pass --auth enforce (credentials in <data-dir>/root-credentials or FRESHET_ROOT_ACCESS_KEY_ID/FRESHET_ROOT_SECRET_ACCESS_KEY), or listen on 127.0.0.1`,
      ),
      { code: 'AUTH_BIND' },
    );
  }
}

export interface StartServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** For 'file' storage; default ./freshet-data. */
  dataDir?: string;
  fsync?: FsyncMode;
  /** A storage instance (opened here), or which built-in backend to use (`jetstream` needs `nats`). */
  storage?: LogStorage | 'file' | 'memory' | 'jetstream';
  /** For 'jetstream' storage: the NATS servers, credentials file, replicas per stream and namespace (docs/architecture.md). */
  nats?: { servers: string[]; credsFile?: string; replicas?: number; namespace?: string };
  /** JetStream storage: how long a lease of background work lasts unrenewed and how often it is renewed (src/cluster/leases.ts). */
  leases?: { ttlMs?: number; renewMs?: number };
  clock?: Clock;
  region?: string;
  accountId?: string;
  shardLimit?: number;
  createDelayMs?: number;
  deleteDelayMs?: number;
  updateDelayMs?: number;
  /** Where unexpected internal errors are reported (default: console.error). */
  onInternalError?: (e: unknown, action: string) => void;
  /**
   * Serve HTTPS (ALPN h2 / http/1.1) on the same port as cleartext: `true` uses a self-signed certificate kept
   * in `<dataDir>/tls/` (generated on first start), or pass PEM `cert` and `key`.
   */
  tls?: boolean | { cert: string | Buffer; key: string | Buffer };
  /** Enforce AWS's per-shard throughput limits (ProvisionedThroughputExceededException). Off by default. */
  enforceLimits?: boolean;
  /** Firehose configuration: bucket mappings, table schemas, transformation functions (see docs/firehose.md). */
  firehose?: ServiceDeps['firehose'];
  /** SQL applications' runtime: e.g. `checkpointIntervalMs` (clock time between checkpoints, default 10 s). */
  analytics?: ServiceDeps['analytics'];
  /** KinesisAnalyticsV2 status delays (clock time in STARTING, STOPPING, UPDATING, DELETING; default 100 ms each). */
  analyticsV2?: ServiceDeps['analyticsV2'];
  /** Metric detectors (LookoutMetrics): activation delay, series settings, SNS topic → webhook URL (docs/detectors.md). */
  detectors?: ServiceDeps['detectors'];
  /** Functions: account concurrency, event source mappings' retry backoff, runtimes' executables (see FunctionsEngineOptions). */
  functions?: ServiceDeps['functions'];
  /** Non-AWS HTTP routes on the same port (`GET /health`, `/console/…`, SSE); see HttpRoute in src/aws. The services' own (`GET /metrics`) come first. */
  httpRoutes?: readonly HttpRoute[];
  /** Where `tls`'s certificate and key were read from: `reloadTls()` (and SIGHUP in the CLI) re-reads them. */
  tlsFiles?: { cert: string; key: string };
  /**
   * Authentication (docs/security.md): `any` (the default) accepts any well-formed SigV4 signature and is
   * allowed only on a loopback host; `enforce` verifies signatures against the root credentials, IAM users'
   * keys and STS sessions and evaluates IAM policies; `off` checks nothing (loopback only).
   */
  auth?: AuthMode;
  /**
   * Connection hardening: at most `maxConnections` open sockets (default 10000; more are closed at once),
   * a socket idle for `idleTimeoutMs` is closed (default 120 s, above common clients' keep-alive), and a
   * request's headers must arrive within `headersTimeoutMs` (default 60 s: slow-loris).
   */
  limits?: { maxConnections?: number; idleTimeoutMs?: number; headersTimeoutMs?: number };
  /** A file outside the data dir whose contents encrypt the IAM secrets stored in it. */
  secretsKeyFile?: string;
  /** Where root credentials come from (`FRESHET_ROOT_ACCESS_KEY_ID` / `…_SECRET_ACCESS_KEY`); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Log what happens (streams created, deleted and resharded, application status changes, delivery outcomes
   * rate-limited) on the `server` logger; default true. Requests answered with an error are logged at debug.
   */
  activityLog?: boolean;
  /** The Postgres endpoint for materialized views (src/views, docs/views.md): off unless given; 5439 is Redshift's port. */
  pg?: Omit<PgEndpointOptions, 'dataDir' | 'streams' | 'clock' | 'tls'> | false;
  /** Metrics and alarms: alarm action topics (webhook endpoints per SNS topic), evaluation delay, fsync of the metrics store. */
  metrics?: ServiceDeps['metrics'];
}

export interface FreshetServer {
  /** e.g. http://127.0.0.1:4567 (https:// with `tls`) */
  url: string;
  /** With `tls`: the certificate served (PEM), for clients to trust; and where it is kept when generated. */
  tlsCert?: string;
  tlsCertPath?: string;
  port: number;
  host: string;
  storage: LogStorage;
  kinesis: KinesisEngine;
  services: readonly AwsService[];
  /** The Postgres endpoint, when started (`pg` option). */
  pg?: PgEndpoint;
  /** The auth mode in force. */
  auth: AuthMode;
  /**
   * The account's root credentials; `rootCredentialsGenerated` when they were made at this start (print
   * them once), `rootCredentialsFile` where they are kept (enforce mode with a data dir).
   */
  rootCredentials: { accessKeyId: string; secretAccessKey: string };
  rootCredentialsGenerated: boolean;
  rootCredentialsFile?: string;
  /** The IAM users, roles, policies and sessions (src/iam). */
  iam: IamStore;
  /** Re-reads the TLS certificate and key (the files given, or `<dataDir>/tls/`) and serves them to new connections. */
  reloadTls(material?: { cert: string | Buffer; key: string | Buffer }): Promise<void>;
  /** Stops accepting requests, lets in-flight ones finish, closes services and storage. */
  close(): Promise<void>;
}

/** Per-stream HTTP/2 receive window (the session window is four times this). */
const H2_WINDOW_BYTES = 16 * 1024 * 1024;

export const DEFAULTS = {
  host: '127.0.0.1',
  region: 'us-east-1',
  accountId: '000000000000',
  shardLimit: 500,
  createDelayMs: 5,
  deleteDelayMs: 5,
  updateDelayMs: 5,
  dataDir: './freshet-data',
} as const;

async function openStorage(opts: StartServerOptions): Promise<{ storage: LogStorage; dataDir: string | undefined }> {
  const s = opts.storage ?? 'file';
  if (typeof s !== 'string') {
    await s.open();
    return { storage: s, dataDir: opts.dataDir };
  }
  if (s === 'memory') {
    const m = new MemoryStorage();
    await m.open();
    return { storage: m, dataDir: undefined };
  }
  if (s === 'jetstream') {
    const nats = opts.nats;
    if (!nats || nats.servers.length === 0) throw Object.assign(new Error('--storage jetstream needs --nats nats://host:4222[,…]'), { code: 'NATS_CONFIG' });
    const j = await createJetStreamStorage({
      servers: nats.servers,
      ...(nats.credsFile !== undefined ? { credsFile: nats.credsFile } : {}),
      ...(nats.replicas !== undefined ? { replicas: nats.replicas } : {}),
      ...(nats.namespace !== undefined ? { namespace: nats.namespace } : {}),
    });
    await j.open();
    // The data dir still holds this node's own files (TLS certificate, root credentials) when one is given.
    return { storage: j, dataDir: opts.dataDir };
  }
  const dataDir = opts.dataDir ?? DEFAULTS.dataDir;
  const f = new FileStorage({ dataDir, fsync: opts.fsync ?? { kind: 'always' }, clock: opts.clock });
  await f.open();
  return { storage: f, dataDir };
}

export async function startServer(options: StartServerOptions = {}): Promise<FreshetServer> {
  const clock = options.clock ?? systemClock;
  const region = options.region ?? DEFAULTS.region;
  const accountId = options.accountId ?? DEFAULTS.accountId;
  const host = options.host ?? DEFAULTS.host;
  const auth = options.auth ?? 'any';
  checkAuthBind(host, auth);
  const idleTimeoutMs = options.limits?.idleTimeoutMs ?? 120_000;
  const headersTimeoutMs = options.limits?.headersTimeoutMs ?? 60_000;
  // The port is taken first: a port in use fails the start before anything is created in the data dir, and
  // while storage recovers (a large data dir takes a while) `GET /health` answers 200 and `GET /ready` 503, so an
  // orchestrator can tell "starting" from "dead". Other requests wait for the start (StartingRequests).
  const readiness: Readiness = { storage: 'opening', services: [] };
  const starting = new StartingRequests(readiness);
  let listener: (req: IncomingMessage, res: ServerResponse) => void = starting.listener;
  const dispatch = (req: IncomingMessage, res: ServerResponse): void => listener(req, res);
  // connectionsCheckingInterval: how often Node checks headersTimeout (default 30 s, too coarse for short limits).
  const server = createServer({ keepAlive: true, connectionsCheckingInterval: Math.min(30_000, Math.max(100, headersTimeoutMs >> 2)) }, dispatch);
  // Longer than common client idle timeouts, so a client never reuses a socket we just closed.
  server.keepAliveTimeout = Math.min(65_000, idleTimeoutMs);
  server.headersTimeout = headersTimeoutMs;
  // node:http enforces headersTimeout from a connections list it sets up on 'listening'; this server never
  // listens itself (the TCP listener below hands it sockets), so start that tracking here: without it a
  // slow-loris client holds a socket forever.
  server.emit('listening');
  server.requestTimeout = 0;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Headers over Node's limit (16 KiB): 431 (RFC 6585); headers not in within headersTimeout (slow-loris): 408; other garbage: 400.
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  // The HTTP/2 compatibility API mirrors IncomingMessage/ServerResponse closely enough for the Router.
  // Large flow-control windows: PutRecords bodies run to megabytes, and HTTP/2's default 64 KiB
  // windows would make every upload wait on WINDOW_UPDATE round trips.
  const h2 = createHttp2Server(
    { maxSessionMemory: 256, settings: { initialWindowSize: H2_WINDOW_BYTES } },
    dispatch as unknown as (req: unknown, res: unknown) => void,
  );
  h2.on('session', (session) => session.setLocalWindowSize(H2_WINDOW_BYTES * 4));
  h2.on('sessionError', () => undefined);
  let tlsServer: ReturnType<typeof createTlsServer> | undefined;
  const sockets = new Set<Socket>();
  const tcp = createTcpServer((socket) => {
    sockets.add(socket);
    // No bytes for idleTimeoutMs (a connection opened and left, or a keep-alive one long unused): close it.
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head: Buffer = Buffer.alloc(0);
    const sniff = (chunk: Buffer): void => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      // An HTTP/2 connection preface starts "PRI * HTTP/2.0"; no HTTP/1 method starts with "PRI".
      const maybeH2 = head[0] === 0x50 && (head.length < 2 || head[1] === 0x52) && (head.length < 3 || head[2] === 0x49);
      if (maybeH2 && head.length < 3) return; // wait for enough bytes to decide
      socket.off('data', sniff);
      if (head[0] === 0x16) {
        // A TLS handshake record: no HTTP/1 method or HTTP/2 preface starts with 0x16. Before TLS is set up
        // (still starting, or no --tls) there is nobody to answer it.
        if (!tlsServer) {
          socket.destroy();
          return;
        }
        socket.pause();
        socket.unshift(head);
        tlsServer.emit('connection', socket);
      } else if (maybeH2) {
        // The HTTP/2 session reads bytes already buffered on the socket before taking over.
        socket.pause();
        socket.unshift(head);
        h2.emit('connection', socket);
      } else {
        // The HTTP/1 parser takes over the socket; hand it the bytes already read.
        server.emit('connection', socket);
        socket.emit('data', head);
      }
    };
    socket.on('data', sniff);
  });
  tcp.maxConnections = options.limits?.maxConnections ?? 10_000;
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(options.port ?? 0, host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const port = (tcp.address() as AddressInfo).port;
  const stopListening = async () => {
    starting.refuseAll();
    const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
    server.closeAllConnections();
    h2.close();
    for (const s of sockets) s.destroy();
    await closed;
  };

  // The engines and services load here, not at import time: importing the server package
  // (for its codec, validator or types) stays cheap, and no import cycle runs service code early.
  let storage: LogStorage;
  let dataDir: string | undefined;
  let kinesis: KinesisEngine;
  let KinesisEngineClass: typeof KinesisEngine;
  let buildServices: typeof import('./services.ts').buildServices;
  let buildRoutes: typeof import('./services.ts').buildRoutes;
  let openSecurity: typeof import('../iam/index.ts').openSecurity;
  try {
    const [k, svc, iam] = await Promise.all([import('../kinesis/index.ts'), import('./services.ts'), import('../iam/index.ts')]);
    openSecurity = iam.openSecurity;
    KinesisEngineClass = k.KinesisEngine;
    buildServices = svc.buildServices;
    buildRoutes = svc.buildRoutes;
    readiness.storage = 'recovering';
    ({ storage, dataDir } = await openStorage(options));
  } catch (e) {
    await stopListening();
    throw e;
  }
  try {
    kinesis = await KinesisEngineClass.open({
      storage,
      clock,
      region,
      accountId,
      shardLimit: options.shardLimit ?? DEFAULTS.shardLimit,
      createDelayMs: options.createDelayMs ?? DEFAULTS.createDelayMs,
      deleteDelayMs: options.deleteDelayMs ?? DEFAULTS.deleteDelayMs,
      updateDelayMs: options.updateDelayMs ?? DEFAULTS.updateDelayMs,
      enforceLimits: options.enforceLimits ?? false,
    });
  } catch (e) {
    await storage.close();
    await stopListening();
    throw e;
  }
  let security: Awaited<ReturnType<typeof openSecurity>>;
  try {
    security = await openSecurity({
      mode: auth,
      accountId,
      dataDir,
      ...(options.secretsKeyFile !== undefined ? { secretsKeyFile: options.secretsKeyFile } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
  } catch (e) {
    await kinesis.close();
    await storage.close();
    await stopListening();
    throw e;
  }
  readiness.storage = 'recovered';
  // Several nodes on one JetStream namespace: background work is leased (src/cluster/leases.ts). The cluster
  // layer (and its NATS client) is loaded only here.
  let leases: import('../cluster/index.ts').LeaseManager | undefined;
  if ((storage as { membership?: unknown }).membership) {
    try {
      const { LeaseManager } = await import('../cluster/index.ts');
      leases = await LeaseManager.open(storage as import('../storage/index.ts').JetStreamStorage, { clock, ...options.leases });
    } catch (e) {
      await kinesis.close();
      await storage.close();
      await stopListening();
      throw e;
    }
  }
  // Queue URLs and functions' AWS_ENDPOINT_URL: the port is bound already.
  const serverUrl = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let built: Awaited<ReturnType<typeof buildServices>>;
  try {
    built = await buildServices({
      storage,
      clock,
      region,
      accountId,
      kinesis,
      dataDir,
      firehose: options.firehose,
      ...(options.analytics ? { analytics: options.analytics } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.functions ? { functions: options.functions } : {}),
      ...(options.analyticsV2 ? { analyticsV2: options.analyticsV2 } : {}),
      ...(options.detectors ? { detectors: options.detectors } : {}),
      serverUrl: () => serverUrl,
      ...(leases ? { leases } : {}),
      resourcePolicies: security.resourcePolicies,
      ...(security.authorizer ? { roles: security.authorizer.forRoles(clock) } : {}),
    });
  } catch (e) {
    await kinesis.close();
    await storage.close();
    await stopListening();
    throw e;
  }
  const services = [...built.services, ...security.services];
  const onInternalError = options.onInternalError ?? ((e: unknown, action: string) => console.error(`freshet: internal error in ${action}:`, e));
  const serverLog = log.child('server');
  // Started once everything is up (below); a failed start leaves no timer behind.
  let activity: ActivityLog | undefined;
  // The services' own routes (`GET /metrics`) first, then the caller's, then /health, /ready, /status and `GET /`.
  const routes = [
    ...buildRoutes(services),
    ...built.routes,
    ...(options.httpRoutes ?? []),
    ...statusRoutes(readiness, options.httpRoutes ?? [], services, options.activityLog === false ? undefined : () => activity?.status()),
  ];
  const router = new Router({
    services,
    clock,
    region,
    accountId,
    onInternalError,
    routes,
    authenticator: security.authenticator,
    ...(security.authorizer ? { authorizer: security.authorizer } : {}),
  });
  let tlsCert: string | undefined;
  let tlsCertPath: string | undefined;
  let tlsKeyPair: { cert: string | Buffer; key: string | Buffer } | undefined;
  if (options.tls) {
    const { selfSignedIn } = await import('./tls.ts');
    try {
      const material = options.tls === true ? await selfSignedIn(dataDir) : { ...options.tls, certPath: undefined };
      tlsCert = material.cert.toString();
      tlsKeyPair = { cert: material.cert, key: material.key };
      tlsCertPath = material.certPath;
      tlsServer = createTlsServer(
        { cert: material.cert, key: material.key, ALPNProtocols: ['h2', 'http/1.1'], minVersion: 'TLSv1.2' },
        (tlsSocket: TLSSocket) => {
          tlsSocket.on('error', () => tlsSocket.destroy());
          if (tlsSocket.alpnProtocol === 'h2') h2.emit('connection', tlsSocket);
          else server.emit('connection', tlsSocket);
        },
      );
    } catch (e) {
      // A bad certificate or key fails start-up cleanly: nothing stays open.
      for (const svc of [...services].reverse()) await svc.close?.();
      await storage.close();
      await stopListening();
      throw e;
    }
    tlsServer.on('tlsClientError', (_e, socket) => socket.destroy());
  }
  let pg: PgEndpoint | undefined;
  if (options.pg) {
    try {
      const { startPgEndpoint, iamAccess } = await import('../views/index.ts');
      // Under --auth enforce, Postgres users are IAM access keys and IAM policies decide what they may read.
      const access =
        security.authorizer && options.pg.authenticate === undefined && options.pg.access === undefined
          ? iamAccess({ store: security.store, authorizer: security.authorizer, clock, region })
          : undefined;
      pg = await startPgEndpoint({
        host,
        ...options.pg,
        ...(access ? { access } : {}),
        dataDir,
        streams: kinesis,
        clock,
        ...(tlsKeyPair ? { tls: tlsKeyPair } : {}),
      });
    } catch (e) {
      await stopListening();
      for (const svc of [...services].reverse()) await svc.close?.();
      await storage.close();
      throw e;
    }
  }
  readiness.services = services.map((s) => s.signingName);
  if (options.activityLog !== false) activity = startActivityLog({ kinesis, services, clock, logger: serverLog });
  listener = serverLog.isLevelEnabled('debug') ? logRequestErrors(router.listener, serverLog) : router.listener;
  starting.release(listener);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  // JetStream storage: this node's entry in the cluster's node list carries its endpoint (`freshet cluster status`).
  (storage as { membership?: { setUrl(url: string): void } | null }).membership?.setUrl(`${tlsServer ? 'https' : 'http'}://${urlHost}:${port}`);
  leases?.start();

  return {
    url: `${tlsServer ? 'https' : 'http'}://${urlHost}:${port}`,
    ...(tlsCert !== undefined ? { tlsCert } : {}),
    ...(tlsCertPath !== undefined ? { tlsCertPath } : {}),
    port,
    host,
    storage,
    kinesis,
    services,
    ...(pg ? { pg } : {}),
    auth,
    rootCredentials: security.root.credentials,
    rootCredentialsGenerated: security.root.origin === 'generated',
    ...(security.root.file !== undefined ? { rootCredentialsFile: security.root.file } : {}),
    iam: security.store,
    async reloadTls(material) {
      if (tlsServer === undefined) throw new Error('TLS is not on: start the server with --tls');
      let next = material;
      if (next === undefined && options.tlsFiles !== undefined) {
        const { readFile } = await import('node:fs/promises');
        next = { cert: await readFile(options.tlsFiles.cert), key: await readFile(options.tlsFiles.key) };
      } else if (next === undefined && options.tls === true) {
        const { selfSignedIn } = await import('./tls.ts');
        next = await selfSignedIn(dataDir);
      }
      if (next === undefined) throw new Error('no certificate to reload: pass one, or start with tlsFiles');
      // Throws on a bad pair, leaving the current certificate in use; new connections get the new one.
      tlsServer.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
      tlsCert = next.cert.toString();
    },
    close() {
      closing ??= (async () => {
        activity?.stop();
        // Views stop refreshing (they read streams) before the engines close.
        await pg?.close();
        const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
        server.closeIdleConnections();
        // In-flight requests (e.g. a PutRecords waiting for fsync) finish and are answered first.
        await router.drain(5000);
        server.closeAllConnections();
        server.close(() => undefined); // stops the headers-timeout checks
        h2.close();
        for (const s of sockets) s.destroy();
        await closed;
        // Leased work stops here, checkpointed, and its leases are released for the other nodes to take at once.
        await leases?.close();
        // Reverse order: services listed after Kinesis (Firehose sources, SQL apps) may read from it while closing.
        for (const s of [...services].reverse()) await s.close?.();
        await storage.close();
      })();
      return closing;
    },
  };
}
