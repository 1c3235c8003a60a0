export { startNatsCluster } from './nats-servers.ts';
export type { NatsCluster, NatsClusterOptions } from './nats-servers.ts';
export { startDevCluster } from './dev-cluster.ts';
export type { DevCluster, DevClusterOptions, DevNode, StartNode } from './dev-cluster.ts';
export { LeaseManager, LEASE_RENEW_MS, LEASE_TTL_MS, checkpointResource, leasesBucket, readLeases } from './leases.ts';
export type { LeasedKind, LeaseInfo, LeaseManagerOptions, LeaseValue } from './leases.ts';
