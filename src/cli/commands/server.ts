/**
 * `freshet server`: runs the Kinesis-compatible server until SIGINT/SIGTERM.
 */
import { createServer as createNetServer } from 'node:net';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { startServer } from '../../server/index.ts';
import { createConsole } from '../../console/index.ts';
import type { FreshetServer, StartServerOptions } from '../../server/index.ts';
import { configureDefaultLogger, log, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../../core/index.ts';

/** Redshift's port, the Postgres endpoint's default (src/views's DEFAULT_PG_PORT; not imported, so `freshet` starts fast). */
export const DEFAULT_PG_PORT = 5439;
import { parseFsyncMode } from '../../storage/index.ts';
import type { FsyncMode } from '../../storage/index.ts';

/** Checks --fsync as typed and keeps it as typed (so help shows the default as `always`, not as an object). */
function parseFsync(value: string): string {
  try {
    parseFsyncMode(value);
    return value;
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function parseLogLevel(value: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
}

function parseLogFormat(value: string): LogFormat {
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new InvalidArgumentError(`expected json or pretty, got '${value}'`);
}

/** `--log-level` and `--log-format`, shared by the commands that run a server (server, demo). */
export function addLogOptions(command: Command): Command {
  return command
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')} (default: info, or $FRESHET_LOG_LEVEL)`, parseLogLevel)
    .option('--log-format <format>', 'log lines as json or pretty (default: pretty on a terminal, json otherwise, or $FRESHET_LOG_FORMAT)', parseLogFormat);
}

export function applyLogOptions(flags: { logLevel?: LogLevel; logFormat?: LogFormat }): void {
  if (flags.logLevel !== undefined || flags.logFormat !== undefined)
    configureDefaultLogger({
      ...(flags.logLevel !== undefined ? { level: flags.logLevel } : {}),
      ...(flags.logFormat !== undefined ? { format: flags.logFormat } : {}),
    });
}

/** The start-up lines of the log: every service, the console, where data lives and how durably. */
export function logStartup(server: FreshetServer, flags: { dataDir: string; storage: StorageKind; fsync: string; nats?: string[]; replicas?: number }): void {
  const logger = log.child('server');
  logger.info(`listening on ${server.url}`, {
    url: server.url,
    services: server.services.map((s) => s.signingName),
    dataDir: flags.storage === 'memory' ? null : flags.dataDir,
    storage: flags.storage,
    fsync: flags.storage === 'memory' ? null : flags.fsync,
    // `freshet server` always mounts the console's routes.
    console: `${server.url}/console/`,
    postgres: server.pg ? `${server.pg.host}:${server.pg.port}` : null,
    health: `${server.url}/health`,
  });
  for (const s of server.services) {
    // X-Amz-Target services by their target prefix; REST and query ones by their API version and protocol.
    const how = s.targetPrefix || (s.model ? `${s.model.metadata.apiVersion}, ${s.model.metadata.protocol}` : '');
    logger.info(`service ${s.signingName} (${how})`, { service: s.signingName, target: s.targetPrefix });
  }
  logger.info(
    flags.storage === 'memory'
      ? 'storage: in memory (lost on exit)'
      : flags.storage === 'jetstream'
        ? `storage: NATS JetStream at ${(flags.nats ?? []).join(',')} (R${flags.replicas ?? 1})`
        : `storage: ${flags.dataDir} (fsync ${flags.fsync})`,
  );
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port number 0-65535, got '${value}'`);
  return n;
}

function parseAuth(value: string): 'off' | 'any' | 'enforce' {
  if (value === 'off' || value === 'any' || value === 'enforce') return value;
  throw new InvalidArgumentError(`expected off, any or enforce, got '${value}'`);
}

function parseStorage(value: string): StorageKind {
  if (value === 'file' || value === 'memory' || value === 'jetstream') return value;
  throw new InvalidArgumentError(`expected file, memory or jetstream, got '${value}'`);
}

type StorageKind = 'file' | 'memory' | 'jetstream';

/** `--nats nats://a:4222,nats://b:4222` (a bare host:port gets nats://). */
export function parseNatsUrls(value: string): string[] {
  const urls = value
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0)
    .map((u) => (u.includes('://') ? u : `nats://${u}`));
  for (const u of urls) {
    try {
      new URL(u);
    } catch {
      throw new InvalidArgumentError(`'${u}' is not a NATS URL (expected nats://host:port[,…])`);
    }
  }
  if (urls.length === 0) throw new InvalidArgumentError('expected nats://host:port[,…]');
  return urls;
}

function parseReplicas(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new InvalidArgumentError(`expected 1 to 5 replicas (JetStream's limit), got '${value}'`);
  return n;
}

interface ServerFlags {
  port: number;
  host: string;
  dataDir: string;
  fsync: string;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  storage: StorageKind;
  nats?: string[];
  natsCreds?: string;
  replicas?: number;
  natsNamespace?: string;
  region: string;
  shardLimit: number;
  tls?: boolean;
  cert?: string;
  key?: string;
  enforceLimits?: boolean;
  checkpointInterval?: number;
  /** Postgres endpoint port; false with --no-pg. */
  pg: number | false;
  pgPort?: number;
  pgRequireTls?: boolean;
  auth: 'off' | 'any' | 'enforce';
  secretsKeyFile?: string;
}

/** True when nothing listens on host:port (a listen that is closed again at once). */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** Turns a start-up failure into one line with the fix. */
export function explainStartError(e: unknown, flags: { port: number; host: string; dataDir: string }): string {
  const err = e as { code?: string; message?: string };
  if (err?.code === 'LOCKED') {
    return `data dir ${flags.dataDir} is in use by another Freshet server; stop that server or pass a different --data-dir`;
  }
  if (err?.code === 'EADDRINUSE') return `port ${flags.port} on ${flags.host} is already in use; stop what is using it or pass --port <other>`;
  if (err?.code === 'EACCES') return `permission denied (${err.message}); check --data-dir and --port`;
  return err?.message ?? String(e);
}

export function register(program: Command): void {
  const command = program
    .command('server')
    .description('Run the Kinesis Data Streams compatible server (AWS JSON 1.1 over HTTP/1.1 and h2c)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 4567)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'where streams are stored', './freshet-data')
    .option('--fsync <mode>', 'durability: always | interval:<ms> | never', parseFsync, 'always')
    .option('--storage <kind>', 'file (durable), memory (lost on exit) or jetstream (a NATS JetStream cluster: --nats)', parseStorage, 'file' as const)
    .option('--nats <urls>', 'with --storage jetstream: NATS servers, nats://host:4222[,…]', parseNatsUrls)
    .option('--nats-creds <file>', 'with --storage jetstream: a NATS credentials file (JWT and nkey seed)')
    .option('--replicas <n>', 'with --storage jetstream: replicas of every stream and of the metadata (1-5; 3 survives losing a NATS server)', parseReplicas)
    .option('--nats-namespace <name>', 'with --storage jetstream: prefix of the JetStream streams and buckets (letters and digits; default freshet)')
    .option('--region <region>', 'region reported in ARNs', 'us-east-1')
    .option(
      '--shard-limit <n>',
      'account shard limit',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${v}'`);
        return n;
      },
      500,
    )
    .option('--tls', 'also serve HTTPS (ALPN h2/http1.1) on the same port; self-signed cert kept in <data-dir>/tls unless --cert/--key')
    .option('--cert <file>', 'PEM certificate for --tls')
    .option('--key <file>', 'PEM private key for --tls')
    .option(
      '--auth <mode>',
      'authentication: any (any well-formed signature; loopback only), enforce (SigV4 verified, IAM policies evaluated), off (nothing checked; loopback only)',
      parseAuth,
      'any' as const,
    )
    .option('--secrets-key-file <file>', 'encrypt the IAM secret keys stored in the data dir with this file (keep it outside the data dir)')
    .option('--enforce-limits', "enforce AWS's per-shard throughput limits (ProvisionedThroughputExceededException)")
    .option('--checkpoint-interval <seconds>', 'SQL applications: seconds between checkpoints of input positions and operator state', (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got '${v}'`);
      return n;
    })
    .option('--pg-port <port>', 'Postgres endpoint for materialized views (psql, JDBC, …); 0 picks a free one (default 5439, or free with --port 0)', parsePort)
    .option('--pg-require-tls', 'Postgres endpoint: refuse clients that do not use TLS (needs --tls or --cert/--key; psql sslmode=require)')
    .option('--no-pg', 'do not serve the Postgres endpoint');
  addLogOptions(command).action(async (flags: ServerFlags) => {
    applyLogOptions(flags);
    let server: FreshetServer;
    const webConsole = createConsole();
    if ((flags.cert === undefined) !== (flags.key === undefined)) throw new Error('--cert and --key go together');
    let tls: boolean | { cert: Buffer; key: Buffer } | undefined = flags.tls || flags.cert !== undefined ? true : undefined;
    let tlsFiles: { cert: string; key: string } | undefined;
    if (flags.cert !== undefined && flags.key !== undefined) {
      const { readFile } = await import('node:fs/promises');
      tls = { cert: await readFile(flags.cert), key: await readFile(flags.key) };
      tlsFiles = { cert: flags.cert, key: flags.key };
    }
    // Postgres endpoint: --pg-port, else Redshift's 5439 (a free port when --port 0 asks for free ports).
    let pgPort = flags.pg === false ? undefined : (flags.pgPort ?? (flags.port === 0 ? 0 : DEFAULT_PG_PORT));
    // The default port taken (another Freshet, a tunnel to Redshift…): serve the rest and say so.
    if (pgPort === DEFAULT_PG_PORT && flags.pgPort === undefined && !(await portFree(flags.host, pgPort))) {
      console.error(`freshet: port ${pgPort} is in use: Postgres endpoint off (pass --pg-port <other>, or --no-pg)`);
      pgPort = undefined;
    }
    if (flags.storage === 'jetstream' && !flags.nats)
      throw new Error('--storage jetstream needs --nats nats://host:4222[,…] (try `freshet dev-cluster` for a local one)');
    if (flags.storage !== 'jetstream' && (flags.nats || flags.replicas !== undefined || flags.natsCreds !== undefined))
      throw new Error('--nats, --nats-creds and --replicas go with --storage jetstream');
    const options: StartServerOptions = {
      port: flags.port,
      host: flags.host,
      dataDir: flags.dataDir,
      fsync: parseFsyncMode(flags.fsync) as FsyncMode,
      storage: flags.storage,
      ...(flags.nats
        ? {
            nats: {
              servers: flags.nats,
              ...(flags.natsCreds !== undefined ? { credsFile: flags.natsCreds } : {}),
              ...(flags.replicas !== undefined ? { replicas: flags.replicas } : {}),
              ...(flags.natsNamespace !== undefined ? { namespace: flags.natsNamespace } : {}),
            },
          }
        : {}),
      region: flags.region,
      shardLimit: flags.shardLimit,
      ...(tls ? { tls } : {}),
      ...(tlsFiles ? { tlsFiles } : {}),
      auth: flags.auth,
      ...(flags.secretsKeyFile !== undefined ? { secretsKeyFile: flags.secretsKeyFile } : {}),
      ...(flags.enforceLimits ? { enforceLimits: true } : {}),
      ...(flags.checkpointInterval !== undefined ? { analytics: { checkpointIntervalMs: Math.round(flags.checkpointInterval * 1000) } } : {}),
      ...(pgPort !== undefined ? { pg: { port: pgPort, ...(flags.pgRequireTls ? { requireTls: true } : {}) } } : {}),
      httpRoutes: webConsole.routes,
    };
    try {
      server = await startServer(options);
    } catch (e) {
      const err = e as { code?: string; port?: number };
      // The default Postgres port taken between the check above and the listen.
      if (err.code === 'EADDRINUSE' && flags.pgPort === undefined && pgPort !== undefined && pgPort !== 0 && err.port === pgPort) {
        console.error(`freshet: port ${pgPort} is in use: Postgres endpoint off (pass --pg-port <other>, or --no-pg)`);
        try {
          server = await startServer({ ...options, pg: false });
        } catch (e2) {
          throw new Error(explainStartError(e2, flags));
        }
      } else if (err.code === 'EADDRINUSE' && pgPort !== undefined && err.port === pgPort) {
        throw new Error(`Postgres port ${pgPort} on ${flags.host} is already in use; stop what is using it or pass --pg-port <other> (or --no-pg)`);
      } else throw new Error(explainStartError(e, flags));
    }
    const where =
      flags.storage === 'memory' ? 'in memory' : flags.storage === 'jetstream' ? `on NATS JetStream (${flags.nats!.join(',')})` : `in ${flags.dataDir}`;
    webConsole.attach({
      kinesis: server.kinesis,
      services: server.services,
      dataDir: flags.storage === 'memory' ? undefined : flags.dataDir,
      region: flags.region,
      auth: server.auth,
      iam: server.iam,
      ...(server.pg
        ? { views: async () => (await server.pg!.engine()).list(), postgres: { host: server.pg.host, port: server.pg.port, tls: flags.pgRequireTls === true } }
        : {}),
    });
    console.log(`freshet: Kinesis endpoint ${server.url} (streams stored ${where})`);
    console.log(`freshet: console ${server.url}/console/`);
    if (server.pg)
      console.log(`freshet: Postgres endpoint ${server.pg.host}:${server.pg.port} for materialized views (psql -h ${server.pg.host} -p ${server.pg.port} dev)`);
    logStartup(server, flags);
    if (server.auth === 'enforce') {
      if (server.rootCredentialsGenerated) {
        // Printed this once; afterwards they are only in the file (mode 0600).
        console.log(`freshet: root credentials generated (kept in ${server.rootCredentialsFile ?? 'memory only'}):`);
        console.log(`  AWS_ACCESS_KEY_ID=${server.rootCredentials.accessKeyId}`);
        console.log(`  AWS_SECRET_ACCESS_KEY=${server.rootCredentials.secretAccessKey}`);
      } else {
        console.log(
          `freshet: auth enforce; root access key ${server.rootCredentials.accessKeyId}${server.rootCredentialsFile ? ` (${server.rootCredentialsFile})` : ''}`,
        );
      }
    }
    if (tls) {
      // SIGHUP re-reads the certificate and key (renewed by certbot, cert-manager…) without a restart.
      process.on('SIGHUP', () => {
        server.reloadTls().then(
          () => console.log('freshet: TLS certificate reloaded'),
          (e: unknown) => console.error(`freshet: TLS certificate not reloaded (the old one stays in use): ${e instanceof Error ? e.message : String(e)}`),
        );
      });
    }
    if (server.tlsCertPath) console.log(`freshet: TLS certificate ${server.tlsCertPath} (self-signed; trust it with e.g. AWS_CA_BUNDLE or --ca-bundle)`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`freshet: ${signal} received, closing`);
        webConsole.close();
        server.close().then(resolve, (e) => {
          console.error(`freshet: error while closing: ${e instanceof Error ? e.message : String(e)}`);
          process.exitCode = 1;
          resolve();
        });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  });
}
