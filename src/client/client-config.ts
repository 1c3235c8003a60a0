/**
 * How Freshet's CLI and pipelines configure an AWS SDK client for a Freshet endpoint (HTTP/1.1 keep-alive,
 * dummy credentials when none are configured), and the Kinesis client most commands need. Each command
 * builds only the clients it uses from here: the SDK clients take most of a command's start-up time.
 */
import http from 'node:http';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { resolveEndpoint } from './endpoint.ts';

export interface ClientOptions {
  /** Freshet's URL; defaults to $FRESHET_ENDPOINT, then http://127.0.0.1:4567. */
  endpoint?: string;
  region?: string;
  /** SDK attempts per call (the SDK's own retry of throttling and network errors). */
  maxAttempts?: number;
}

/** The settings every SDK client Freshet makes is built with: `new FirehoseClient(clientConfig({ endpoint }))`. */
export function clientConfig(opts: ClientOptions = {}) {
  // The SDK warns on every process about its future Node 22 floor; Freshet
  // supports Node 20, so a CLI user would see that paragraph on every command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = resolveEndpoint(opts.endpoint);
  const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // Local development: when nothing is configured, sign with dummy keys
  // (Freshet accepts any credentials) rather than failing in the SDK's chain.
  const configured = process.env.AWS_ACCESS_KEY_ID !== undefined || process.env.AWS_PROFILE !== undefined;
  const credentials = configured ? undefined : { accessKeyId: 'freshet', secretAccessKey: 'freshet' };
  // The Kinesis client defaults to HTTP/2 (for SubscribeToShard); Freshet, like
  // kinesalite, speaks HTTP/1.1 keep-alive, so every client gets the HTTP/1.1 handler.
  const requestHandler = new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16 }) });
  return { endpoint, region, credentials, maxAttempts: opts.maxAttempts ?? 3, requestHandler };
}

export function kinesisClient(opts: ClientOptions = {}): KinesisClient {
  return new KinesisClient(clientConfig(opts));
}
