/**
 * A local scale-out setup: N JetStream servers (nats-servers.ts) and M Freshet nodes sharing one namespace on them,
 * on loopback ports. `freshet dev-cluster --nats 3 --nodes 2` and the tests use it.
 */
import { startNatsCluster } from './nats-servers.ts';
import type { NatsCluster } from './nats-servers.ts';

/** A running Freshet node (the server layer's FreshetServer). */
export interface DevNode {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts one Freshet node on JetStream storage (the caller passes the server layer's startServer in). */
export type StartNode<N extends DevNode> = (opts: { port: number; nats: { servers: string[]; replicas: number; namespace: string } }) => Promise<N>;

export interface DevClusterOptions<N extends DevNode> {
  startNode: StartNode<N>;
  /** NATS servers (default 3). */
  nats?: number;
  /** Freshet nodes (default 1). */
  nodes?: number;
  /** The first node's port; node i listens on port + i (0: every node picks a free port). */
  port?: number;
  /** Replicas of every stream (default 3, or the NATS server count if smaller). */
  replicas?: number;
  /** Where the NATS servers keep their data (default a temp dir removed by stop()). */
  dir?: string;
  /** Run the nodes on this already running NATS cluster (left running by stop()) instead of starting `nats` servers. */
  natsCluster?: NatsCluster;
  /** JetStream namespace shared by the nodes (default freshet). */
  namespace?: string;
}

export interface DevCluster<N extends DevNode> {
  readonly nats: NatsCluster;
  readonly nodes: N[];
  readonly replicas: number;
  readonly namespace: string;
  /** Stops the Freshet nodes, then the NATS servers (unless they were given as `natsCluster`). */
  stop(): Promise<void>;
}

export async function startDevCluster<N extends DevNode>(opts: DevClusterOptions<N>): Promise<DevCluster<N>> {
  const natsCount = opts.natsCluster?.urls.length ?? opts.nats ?? 3;
  const nodeCount = opts.nodes ?? 1;
  const replicas = opts.replicas ?? Math.min(3, natsCount);
  if (replicas > natsCount) throw new Error(`--replicas ${replicas} needs at least ${replicas} NATS servers (--nats ${replicas})`);
  const namespace = opts.namespace ?? 'freshet';
  const own = opts.natsCluster === undefined;
  const nats = opts.natsCluster ?? (await startNatsCluster({ size: natsCount, ...(opts.dir !== undefined ? { dir: opts.dir } : {}) }));
  const nodes: N[] = [];
  try {
    // One after another: the first node creates the buckets, the others find them.
    for (let i = 0; i < nodeCount; i++) {
      const port = opts.port === undefined || opts.port === 0 ? 0 : opts.port + i;
      nodes.push(await opts.startNode({ port, nats: { servers: nats.urls, replicas, namespace } }));
    }
  } catch (e) {
    await Promise.allSettled(nodes.map((n) => n.close()));
    if (own) await nats.stop();
    throw e;
  }
  return {
    nats,
    nodes,
    replicas,
    namespace,
    async stop() {
      await Promise.allSettled(nodes.map((n) => n.close()));
      if (own) await nats.stop();
    },
  };
}
