/**
 * Loads the JetStream backend on demand: the NATS client is imported only by a server started with
 * `--storage jetstream`, so the file-backed default and the CLI's other commands start without it.
 */
import type { JetStreamStorage, JetStreamStorageOptions } from './jetstream-storage.ts';

/** A JetStreamStorage (not yet opened). */
export async function createJetStreamStorage(options: JetStreamStorageOptions): Promise<JetStreamStorage> {
  const { JetStreamStorage } = await import('./jetstream-storage.ts');
  return new JetStreamStorage(options);
}

/** `freshet cluster status`: nodes, placement and replica lag of a JetStream namespace (loads the NATS client on demand). */
export async function readClusterStatus(opts: { servers: string[]; namespace?: string }): Promise<import('./status.ts').ClusterStatus> {
  const { readClusterStatus: read } = await import('./status.ts');
  return read(opts);
}
