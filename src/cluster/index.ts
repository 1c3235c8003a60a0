export { startNatsCluster } from './nats-servers.ts';
export type { NatsCluster, NatsClusterOptions } from './nats-servers.ts';
