export { startNatsCluster } from './nats-servers.ts';
export type { NatsCluster, NatsClusterOptions } from './nats-servers.ts';
export { startDevCluster } from './dev-cluster.ts';
export type { DevCluster, DevClusterOptions, DevNode, StartNode } from './dev-cluster.ts';
