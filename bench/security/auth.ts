/**
 * PutRecords throughput with `--auth enforce` (signature verified, IAM user's policy evaluated on every
 * call) against `--auth any` (signature parsed only), both servers in this process on memory storage
 * (so auth is as large a share of the cost as it can be), driven alternately by the same SDK clients.
 *
 *   node --import tsx bench/security/auth.ts [--rounds 5] [--seconds 3] [--write]
 *
 * Prints per-round records/s and the median ratio enforce/any; `--write` puts them in docs/benchmarks.md.
 */
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 5);
const SECONDS = arg('seconds', 3);
const CONCURRENCY = 8;
const BATCH = 500;
const RECORD_BYTES = 100;
const ROOT = { accessKeyId: 'AKIABENCHROOT0000001', secretAccessKey: 'bench-root-secret-000000000000000000000000' };

async function setup(auth: 'any' | 'enforce'): Promise<{ server: FreshetServer; client: KinesisClient }> {
  const server = await startServer({
    storage: 'memory',
    auth,
    createDelayMs: 0,
    env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
  });
  let creds = ROOT;
  if (auth === 'enforce') {
    // An IAM user, so the policy engine runs on every call (the root is not subject to policies).
    const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    await iam.send(new CreateUserCommand({ UserName: 'bench' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'bench',
        PolicyName: 'put',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['kinesis:PutRecords', 'kinesis:CreateStream'], Resource: 'arn:aws:kinesis:*:*:stream/bench-*' },
            { Effect: 'Deny', Action: 'kinesis:Delete*', Resource: '*' },
          ],
        }),
      }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'bench' }));
    creds = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
    iam.destroy();
  }
  const client = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: creds });
  await client.send(new CreateStreamCommand({ StreamName: 'bench-auth', ShardCount: 4 }));
  await new Promise((r) => setTimeout(r, 50));
  return { server, client };
}

const records = Array.from({ length: BATCH }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.alloc(RECORD_BYTES, i & 0xff) }));

async function round(client: KinesisClient): Promise<number> {
  const end = Date.now() + SECONDS * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        await client.send(new PutRecordsCommand({ StreamName: 'bench-auth', Records: records }));
        n += BATCH;
      }
    }),
  );
  return n / SECONDS;
}

const any = await setup('any');
const enforce = await setup('enforce');
await round(any.client);
await round(enforce.client);
const anyRates: number[] = [];
const enforceRates: number[] = [];
const ratios: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const a = await round(any.client);
  const e = await round(enforce.client);
  anyRates.push(a);
  enforceRates.push(e);
  ratios.push(e / a);
  console.log(`round ${r + 1}: any ${Math.round(a)} rec/s, enforce ${Math.round(e)} rec/s, ratio ${(e / a).toFixed(3)}`);
}
for (const s of [any, enforce]) {
  s.client.destroy();
  await s.server.close();
}
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
const summary = `median: any ${fmt(median(anyRates))} rec/s, enforce ${fmt(median(enforceRates))} rec/s, enforce/any ${median(ratios).toFixed(3)} (target ≥ 0.9)`;
console.log(summary);
if (args.includes('--write')) {
  writeSection(
    'security-auth',
    'Security: PutRecords with --auth enforce vs --auth any',
    `\`node --import tsx bench/security/auth.ts --rounds ${ROUNDS} --seconds ${SECONDS} --write\` — ${machineLine()}.

Both servers in one process, memory storage (auth is the largest share of the cost it can be), one SDK v3 client each (HTTP/2),
${CONCURRENCY} concurrent PutRecords of ${BATCH} × ${RECORD_BYTES}-byte records, rounds alternating between the two servers.
Under enforce every call's SigV4 signature is verified (SHA-256 of the body, HMAC with the cached signing key) and
the IAM user's two-statement policy evaluated.

| round | any (records/s) | enforce (records/s) | enforce/any |
|---|---|---|---|
${anyRates.map((a, i) => `| ${i + 1} | ${fmt(a)} | ${fmt(enforceRates[i]!)} | ${ratios[i]!.toFixed(3)} |`).join('\n')}

**Median ratio enforce/any: ${median(ratios).toFixed(3)}** (target ≥ 0.9).`,
  );
}
