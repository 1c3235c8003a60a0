/**
 * The Kinesis real-client matrix (SDK every action, boto3, lifion-kinesis fan-out, KPL aggregation; all but the AWS
 * CLI leg) against two Freshet nodes whose streams and metadata live on a 3-server NATS JetStream cluster with R3:
 * every leg writes through node A and reads (iterators, GetRecords, ListShards, SubscribeToShard) through node B.
 */
import { after, before } from 'node:test';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { StartServerOptions } from '../../src/server/index.ts';
import { clientMatrix } from '../kinesis/client-matrix.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';

const namespace = `matrix${process.pid}`;
let nats: NatsCluster;
before(async () => {
  nats = await testNatsCluster();
});
after(async () => {
  if (nats) await dropNamespace(nats.urls, namespace);
  await nats?.stop();
});

const node = (opts: StartServerOptions) =>
  startServer({ port: 0, storage: 'jetstream', nats: { servers: nats.urls, replicas: 3, namespace }, createDelayMs: 0, deleteDelayMs: 0, ...opts });

clientMatrix(
  'real-client matrix on two Freshet nodes on JetStream storage (3 NATS servers, R3): written through A, read through B',
  async (opts) => {
    // One after the other: the first node creates the namespace's buckets, the second finds them.
    const server = await node(opts);
    const reader = await node(opts);
    return { server, reader };
  },
  // The AWS CLI leg exercises the HTTP API, not storage, and costs ~35 s; boto3 covers the same botocore wire here.
  { awsCli: false },
);
