/**
 * Which Freshet nodes serve one JetStream namespace: every node keeps an entry in the `<ns>-nodes` KV bucket and
 * rewrites it every HEARTBEAT_MS; the bucket's TTL drops the entry of a node that stopped (kill -9, lost
 * network) after NODE_TTL_MS. `freshet cluster status` lists them. Liveness is wall-clock time (NATS's TTL), not
 * the engine's injected clock.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import { listKvKeys } from './kv-list.ts';
import type { NatsConnection } from '@nats-io/transport-node';

export const HEARTBEAT_MS = 2000;
export const NODE_TTL_MS = 10_000;

/** One node's entry. */
export interface NodeInfo {
  id: string;
  host: string;
  pid: number;
  /** The node's HTTP endpoint, once it listens. */
  url?: string;
  startedMs: number;
  heartbeatMs: number;
}

export function nodesBucket(namespace: string): string {
  return `${namespace}-nodes`;
}

export async function openNodesBucket(nc: NatsConnection, namespace: string, replicas: number): Promise<KV> {
  return new Kvm(nc).create(nodesBucket(namespace), { replicas, history: 1, ttl: NODE_TTL_MS });
}

/** This node's membership: registered at open, heartbeats until stop(), then removed. */
export class NodeMembership {
  readonly info: NodeInfo;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly kv: KV) {
    const now = Date.now();
    this.info = { id: `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`, host: hostname(), pid: process.pid, startedMs: now, heartbeatMs: now };
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch(() => {
        // The cluster is failing over: the next beat retries; a node silent for NODE_TTL_MS drops out, as it should.
      });
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Records the node's endpoint (the server calls it once listening). */
  setUrl(url: string): void {
    this.info.url = url;
    this.beat().catch(() => {});
  }

  private async beat(): Promise<void> {
    this.info.heartbeatMs = Date.now();
    await this.kv.put(this.info.id, JSON.stringify(this.info));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      await this.kv.delete(this.info.id);
    } catch {
      // Connection already gone: the TTL removes the entry.
    }
  }
}

/** Every live node's entry, oldest first. */
export async function listNodes(kv: KV, jsm: JetStreamManager, bucket: string): Promise<NodeInfo[]> {
  const out: NodeInfo[] = [];
  // Not kv.keys(): it does not end while heartbeats keep coming faster than it reads (kv-list.ts).
  for (const k of await listKvKeys(jsm, bucket)) {
    const e = await kv.get(k);
    if (e && e.operation === 'PUT' && e.value.byteLength > 0) out.push(JSON.parse(e.string()) as NodeInfo);
  }
  return out.sort((a, b) => a.startedMs - b.startedMs || a.id.localeCompare(b.id));
}
