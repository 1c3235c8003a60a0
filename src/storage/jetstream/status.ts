/**
 * What `freshet cluster status` reports of one JetStream namespace, read straight from NATS: the live Freshet
 * nodes (their heartbeats), the metadata bucket and every shard log's stream — leader, replicas, and how far the
 * replicas are behind (JetStream's per-replica lag, in operations).
 */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { listNodes, nodesBucket, NODE_TTL_MS } from './membership.ts';
import type { NodeInfo } from './membership.ts';
import { Kvm } from '@nats-io/kv';
import { decodeKvKey } from './kv-keys.ts';
import { listKvKeys } from './kv-list.ts';

export interface LogPlacement {
  stream: string;
  records: number;
  leader: string | undefined;
  replicas: number;
  /** Largest lag of a replica behind the leader (operations); 0 when all are current. */
  maxLag: number;
  /** Replicas the leader does not see as current (offline or catching up). */
  behind: number;
}

/** A lease of background work (src/cluster/leases.ts): which node runs the resource, with which fencing token, until when. */
export interface LeaseStatus {
  resource: string;
  owner: string;
  token: number;
  expiresMs: number;
  acquiredMs: number;
}

export interface ClusterStatus {
  namespace: string;
  nodes: NodeInfo[];
  /** Every lease, by resource (an expired one's owner stopped renewing: another node takes it). */
  leases: LeaseStatus[];
  /** Nodes are dropped after this long without a heartbeat. */
  nodeTtlMs: number;
  meta: LogPlacement | undefined;
  logs: LogPlacement[];
}

export async function readClusterStatus(opts: { servers: string[]; namespace?: string }): Promise<ClusterStatus> {
  const ns = opts.namespace ?? 'freshet';
  const nc = await connect({ servers: opts.servers, name: 'freshet-cluster-status', timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    let nodes: NodeInfo[] = [];
    try {
      nodes = await listNodes(await new Kvm(nc).open(nodesBucket(ns)), jsm, nodesBucket(ns));
    } catch {
      // No node has ever started on this namespace: no bucket.
    }
    const leases: LeaseStatus[] = [];
    try {
      const kv = await new Kvm(nc).open(`${ns}-leases`);
      for (const k of await listKvKeys(jsm, `${ns}-leases`)) {
        const e = await kv.get(k);
        if (e?.operation !== 'PUT' || e.value.byteLength === 0) continue;
        const v = JSON.parse(e.string()) as LeaseStatus;
        leases.push({ resource: decodeKvKey(k), owner: v.owner, token: v.token || e.revision, expiresMs: v.expiresMs, acquiredMs: v.acquiredMs });
      }
    } catch {
      // No node has taken a lease on this namespace yet: no bucket.
    }
    leases.sort((a, b) => a.resource.localeCompare(b.resource));
    const logs: LogPlacement[] = [];
    let meta: LogPlacement | undefined;
    for await (const si of jsm.streams.list()) {
      const name = si.config.name;
      const isLog = name.startsWith(`${ns}-L-`);
      const isMeta = name === `KV_${ns}-meta`;
      if (!isLog && !isMeta) continue;
      const reps = si.cluster?.replicas ?? [];
      const p: LogPlacement = {
        stream: name,
        records: si.state.messages,
        leader: si.cluster?.leader,
        replicas: si.config.num_replicas,
        maxLag: reps.reduce((m, r) => Math.max(m, r.lag ?? 0), 0),
        behind: reps.filter((r) => !r.current).length,
      };
      if (isMeta) meta = p;
      else logs.push(p);
    }
    logs.sort((a, b) => a.stream.localeCompare(b.stream));
    return { namespace: ns, nodes, leases, nodeTtlMs: NODE_TTL_MS, meta, logs };
  } finally {
    await nc.close();
  }
}
