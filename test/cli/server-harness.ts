/**
 * Starts a real server on a loopback port for tests: Freshet's startServer
 * (memory storage) when it exists, kinesalite until then.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const serverIndex = fileURLToPath(new URL('../../src/server/index.ts', import.meta.url));
  if (existsSync(serverIndex) && process.env.FRESHET_TEST_KINESALITE !== '1') {
    const mod = (await import(serverIndex)) as {
      startServer: (o: Record<string, unknown>) => Promise<{ url: string; close(): Promise<void> }>;
    };
    const s = await mod.startServer({ port: 0, storage: 'memory' });
    return { url: s.url, close: () => s.close() };
  }
  return startKinesalite();
}

/** kinesalite, a real Kinesis implementation from npm (used where Freshet lacks an action, e.g. SplitShard). */
export async function startKinesalite(): Promise<TestServer> {
  const name = 'kinesalite'; // untyped package: imported by a name the typechecker does not resolve
  const kinesalite = ((await import(name)) as { default: unknown }).default as (o: Record<string, unknown>) => import('node:http').Server;
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
