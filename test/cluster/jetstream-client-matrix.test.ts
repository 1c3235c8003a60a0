/**
 * The Kinesis real-client matrix (SDK every action, AWS CLI v2, boto3, lifion-kinesis fan-out, KPL aggregation)
 * (all but the AWS CLI leg) against a Freshet server whose streams and metadata live on a 3-server NATS JetStream cluster with R3.
 */
import { after, before } from 'node:test';
import { startNatsCluster } from '../../src/cluster/index.ts';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { startServer } from '../../src/server/index.ts';
import { clientMatrix } from '../kinesis/client-matrix.ts';

let nats: NatsCluster;
before(async () => {
  nats = await startNatsCluster({ size: 3 });
});
after(async () => {
  await nats?.stop();
});

clientMatrix(
  'real-client matrix on JetStream storage (3 NATS servers, R3)',
  async (opts) => {
    const server = await startServer({
      port: 0,
      storage: 'jetstream',
      nats: { servers: nats.urls, replicas: 3, namespace: `matrix${process.pid}` },
      createDelayMs: 0,
      deleteDelayMs: 0,
      ...opts,
    });
    return { server };
  },
  // The AWS CLI leg exercises the HTTP API, not storage, and costs ~35 s; boto3 covers the same botocore wire here.
  { awsCli: false },
);
