/**
 * What a request that cannot be authenticated costs under `--auth enforce`, against the cheapest request the
 * server answers (GET /health) and a correctly signed PutRecord. The server and a plain keep-alive HTTP client
 * share this process, so the figure is process CPU per request (client + server): the client's part is the
 * same for every kind, and the differences are the server's.
 *
 *   node --import tsx bench/security/refused.ts [--rounds 5] [--requests 4000] [--write]
 */
import { Agent, request } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { startServer } from '../../src/server/index.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 5);
const REQUESTS = arg('requests', 4000);
const CONCURRENCY = 8;
const ROOT = { accessKeyId: 'AKIABENCHROOT0000001', secretAccessKey: 'bench-root-secret-000000000000000000000000' };

const server = await startServer({
  storage: 'memory',
  auth: 'enforce',
  createDelayMs: 0,
  env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
});
const url = new URL(server.url);
const sdk = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
await sdk.send(new CreateStreamCommand({ StreamName: 'bench-refused', ShardCount: 1 }));
sdk.destroy();

const body = JSON.stringify({ StreamName: 'bench-refused', PartitionKey: 'k', Data: Buffer.from('x'.repeat(100)).toString('base64') });

async function signed(credentials: { accessKeyId: string; secretAccessKey: string }): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: 'kinesis', region: 'us-east-1', credentials, sha256: Sha256 });
  const req = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Kinesis_20131202.PutRecord',
    },
    body,
  });
  return req.headers as Record<string, string>;
}

interface Kind {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

const kinds: Kind[] = [
  { name: 'GET /health (floor)', method: 'GET', path: '/health', headers: {}, body: '', status: 200 },
  {
    name: 'PutRecord, unknown access key (UnrecognizedClientException)',
    method: 'POST',
    path: '/',
    headers: await signed({ accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'nope' }),
    body,
    status: 400,
  },
  {
    name: 'PutRecord, wrong secret (InvalidSignatureException)',
    method: 'POST',
    path: '/',
    headers: await signed({ accessKeyId: ROOT.accessKeyId, secretAccessKey: 'wrong-secret' }),
    body,
    status: 400,
  },
  { name: 'PutRecord, signed right (appended)', method: 'POST', path: '/', headers: await signed(ROOT), body, status: 200 },
];

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(k: Kind): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: k.method, path: k.path, headers: k.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(k.body);
  });
}

/** Process CPU microseconds per request for `REQUESTS` requests of one kind, CONCURRENCY at a time. */
async function run(k: Kind): Promise<number> {
  let left = REQUESTS;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        const status = await send(k);
        if (status !== k.status) throw new Error(`${k.name}: HTTP ${status}, expected ${k.status}`);
      }
    }),
  );
  const d = process.cpuUsage(before);
  return (d.user + d.system) / REQUESTS;
}

for (const k of kinds) await run(k); // warm-up
const perKind = kinds.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < kinds.length; i++) perKind[i]!.push(await run(kinds[i]!));
  console.log(`round ${r + 1}: ${kinds.map((k, i) => `${k.name.split(' (')[0]} ${perKind[i]!.at(-1)!.toFixed(0)} µs`).join(', ')}`);
}
agent.destroy();
await server.close();

const floor = median(perKind[0]!);
const rows = kinds.map((k, i) => {
  const m = median(perKind[i]!);
  return `| ${k.name} | ${m.toFixed(0)} | ${(m / floor).toFixed(2)}× |`;
});
for (const r of rows) console.log(r);
if (args.includes('--write')) {
  writeSection(
    'security-refused',
    'Security: what a request that cannot be authenticated costs',
    `\`node --import tsx bench/security/refused.ts --rounds ${ROUNDS} --requests ${REQUESTS} --write\` — ${machineLine()}.

One server under \`--auth enforce\` (memory storage) and a plain keep-alive HTTP/1.1 client in the same process,
${CONCURRENCY} requests in flight, ${REQUESTS} requests per kind per round, kinds alternating; process CPU (client + server)
per request, median of ${ROUNDS} rounds. The client's share is the same for every kind. A refused request is answered
after the Authorization header is parsed and the key looked up (unknown key) or the signature computed with the cached
signing key (wrong secret); the body is neither parsed nor stored.

| request | CPU µs per request | vs GET /health |
|---|---|---|
${rows.join('\n')}`,
  );
}
