/**
 * One call's worth of an SDK client, as every client command uses it: built for the endpoint the user gave
 * (`--endpoint`, $FRESHET_ENDPOINT, the default) with Freshet's client settings, an error turned into the one
 * line a user can act on, and the client destroyed afterwards so the command's process can exit.
 */
import { clientConfig } from './client-config.ts';
import { describeError, resolveEndpoint } from './endpoint.ts';

/** Any AWS SDK v3 client class (`KinesisClient`, `FirehoseClient`, …). */
export type SdkClientClass<C> = new (config: ReturnType<typeof clientConfig>) => C;

/**
 * Runs `fn` with a fresh `Client` for the endpoint (two attempts per call: a command answers quickly when
 * Freshet is down). Whatever `fn` throws comes back as an Error whose message is `describeError`'s line.
 */
export async function withSdkClient<C extends { destroy(): void }, T>(
  Client: SdkClientClass<C>,
  endpointOpt: string | undefined,
  fn: (client: C, endpoint: string) => Promise<T>,
): Promise<T> {
  const endpoint = resolveEndpoint(endpointOpt);
  const client = new Client(clientConfig({ endpoint, maxAttempts: 2 }));
  try {
    return await fn(client, endpoint);
  } catch (e) {
    throw new Error(describeError(e, endpoint));
  } finally {
    client.destroy();
  }
}
