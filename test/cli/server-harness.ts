/** Real servers on loopback ports for tests. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { startServer } from '../../src/server/index.ts';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** Freshet itself: memory storage, port 0. */
export async function startTestServer(): Promise<TestServer> {
  const s = await startServer({ port: 0, storage: 'memory' });
  return { url: s.url, close: () => s.close() };
}

/** kinesalite, a real Kinesis implementation from npm (used where Freshet lacks an action, e.g. SplitShard). */
export async function startKinesalite(): Promise<TestServer> {
  const name = 'kinesalite'; // untyped package: imported by a name the typechecker does not resolve
  const kinesalite = ((await import(name)) as { default: unknown }).default as (o: Record<string, unknown>) => Server;
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
