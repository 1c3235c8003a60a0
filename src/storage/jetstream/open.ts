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
