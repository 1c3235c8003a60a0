/**
 * Leases for background work across the Freshet nodes of one JetStream namespace (issue 19): each SQL application,
 * Flink application, delivery stream, event source mapping, metric alarm and LookoutMetrics detector runs on one
 * node at a time, the holder of its lease in the `<ns>-leases` KV bucket.
 *
 * - A lease is one KV entry per resource (`analytics/<app>`, `firehose/<delivery stream>`, `flink/<app>`,
 *   `esm/<mapping uuid>`, `alarm/<alarm name>`, `detector/<detector name>`): owner node,
 *   fencing token, expiry. It is taken with a compare-and-set (KV `create` when free, `update` at the revision read
 *   when expired or released), so of two nodes racing for it one wins. The fencing token is the KV revision of the
 *   write that took it: revisions only grow, so a later owner always has a larger token.
 * - The owner renews every `renewMs` of the injected clock (compare-and-set at its own last revision); a lease not
 *   renewed for `ttlMs` is expired and any node may take it. An owner whose renewal is refused (taken) or that could
 *   not renew before its own expiry stops the resource at once (self-fencing).
 * - Checkpoint writes are fenced at the store: the metadata keys of a leased resource's checkpoint carry the token
 *   (KvMetaStore.putFenced) and a write with a smaller token than the stored one is refused, so a stale owner's late
 *   write cannot move a newer owner's checkpoint back.
 * - Every `renewMs` each node reconciles: resources that should run (each kind's `desired()`) whose lease is free or
 *   expired are taken — expired ones at once (failover), free ones only by a least-loaded live node — and started
 *   (not awaited by the pass: a slow start must not hold back the next expired lease's take);
 *   leases of resources that no longer should run are stopped and released; a node holding at least two more than
 *   the least-loaded live node stops one (checkpoint first) and releases it for that node (a node joining). Live
 *   nodes are those with a recent heartbeat (membership.ts), less any whose lease expired unrenewed and that has not
 *   heartbeat since (a killed node stays listed for its heartbeat TTL and must not be handed work meanwhile).
 *
 * Expiry compares the owner's clock with the reader's: nodes' clocks must agree to well under `ttlMs` (docs/architecture.md).
 */
import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { Clock, TimerHandle } from '../core/index.ts';
import { log } from '../core/index.ts';
import type { JetStreamStorage, NodeInfo } from '../storage/index.ts';
import { decodeKvKey, encodeKvKey, listKvKeys } from '../storage/index.ts';

/** Clock time a lease lasts without renewal (failover takes about this long plus one renewal period). */
export const LEASE_TTL_MS = 5_000;
/** Clock time between renewals and reconciliations. */
export const LEASE_RENEW_MS = 1_000;
/** A node whose heartbeat (membership.ts, every 2 s) is older than this does not count for balancing. */
const FRESH_NODE_MS = 3_500;

const logger = log.child('cluster');

/** One lease as stored in the bucket. */
export interface LeaseValue {
  resource: string;
  owner: string;
  /** The fencing token: the KV revision of the write that took the lease (0 until that write's revision is known). */
  token: number;
  expiresMs: number;
  acquiredMs: number;
}

/** A lease as `freshet cluster status` shows it. */
export interface LeaseInfo extends LeaseValue {
  expired: boolean;
}

/** A kind of background work the leases place (SQL applications, delivery streams). */
export interface LeasedKind {
  /** Resource prefix, with its slash: `analytics/`. */
  readonly prefix: string;
  /** Names that should run somewhere, each with a version: a changed version restarts it on its owner. */
  desired(): ReadonlyMap<string, number>;
  /** Starts `name` on this node (which holds its lease). */
  start(name: string): Promise<void>;
  /** Stops `name` on this node; `checkpoint` false when the lease is already lost (the write would be refused). */
  stop(name: string, checkpoint: boolean): Promise<void>;
}

interface Held {
  value: LeaseValue;
  revision: number;
  /** The version started with (desired()'s); undefined while not started. */
  version: number | undefined;
}

export interface LeaseManagerOptions {
  clock: Clock;
  ttlMs?: number;
  renewMs?: number;
}

export function leasesBucket(namespace: string): string {
  return `${namespace}-leases`;
}

function decode(e: Pick<KvEntry, 'operation' | 'value' | 'revision' | 'string'>): LeaseValue | undefined {
  if (e.operation !== 'PUT' || e.value.byteLength === 0) return undefined;
  const v = JSON.parse(e.string()) as LeaseValue;
  if (!v.token) v.token = e.revision;
  return v;
}

/** Every lease in the namespace's bucket (also for `freshet cluster status`), ordered by resource. */
export async function readLeases(kv: KV, jsm: JetStreamManager, bucket: string, nowMs: number): Promise<LeaseInfo[]> {
  const out: LeaseInfo[] = [];
  // Not kv.keys(): it does not end while holders renew faster than it reads (storage/jetstream/kv-list.ts).
  for (const k of await listKvKeys(jsm, bucket)) {
    const e = await kv.get(k);
    const v = e ? decode(e) : undefined;
    if (v) out.push({ ...v, resource: decodeKvKey(k), expired: v.expiresMs <= nowMs });
  }
  return out.sort((a, b) => a.resource.localeCompare(b.resource));
}

/** This node's leases: takes, renews, releases and moves them, and runs what it holds. */
export class LeaseManager {
  private readonly kinds: LeasedKind[] = [];
  private readonly held = new Map<string, Held>();
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private renewTimer: TimerHandle | null = null;
  /** The renewal pass in flight (a release waits for it: its compare-and-set needs the lease's last revision). */
  private renewing: Promise<void> | null = null;
  private closed = false;
  /** Free leases of resources that should run, seen in the last pass (taken only when seen free twice: the node starting one takes it at once through mayRun). */
  private seenFree = new Set<string>();
  /**
   * Nodes seen not renewing (one of their leases expired), with the wall time it was seen: not counted for
   * balancing until they heartbeat again after that (a killed node stays in the node list for its heartbeat TTL,
   * and must not be handed leases meanwhile).
   */
  private readonly suspects = new Map<string, number>();
  /** Resources being started or stopped here (mayRun and the reconciler do not race on one resource). */
  private readonly busy = new Map<string, Promise<unknown>>();
  /**
   * Starts the reconciler launched and does not wait for: a start may take long (a Flink job's first checkpoint drains
   * its input and awaits its sink writes), and a pass waiting for it took no other expired lease meanwhile (issue 19).
   */
  private readonly starting = new Map<string, Promise<void>>();

  private constructor(
    /** Lease writes go through its compare-and-set (KV's own update/create can both win on nats-server < 2.9.21). */
    private readonly storage: JetStreamStorage,
    private readonly kv: KV,
    private readonly nodes: KV,
    readonly nodeId: string,
    private readonly clock: Clock,
    options: LeaseManagerOptions,
  ) {
    this.ttlMs = options.ttlMs ?? LEASE_TTL_MS;
    this.renewMs = options.renewMs ?? LEASE_RENEW_MS;
  }

  /** Opens the lease bucket of `storage`'s namespace and fences its checkpoint keys; `start()` begins renewing. */
  static async open(storage: JetStreamStorage, options: LeaseManagerOptions): Promise<LeaseManager> {
    const member = storage.membership;
    if (!member) throw new Error('JetStream storage is not open');
    const kvm = new Kvm(storage.connection);
    const kv = await kvm.create(leasesBucket(storage.namespace), { replicas: storage.replicaCount, history: 1 });
    const nodes = await kvm.open(`${storage.namespace}-nodes`);
    const m = new LeaseManager(storage, kv, nodes, member.info.id, options.clock, options);
    await m.follow();
    storage.meta.setFence((key) => m.fenceToken(key));
    return m;
  }

  /** Every lease and every node entry as last seen, kept by two KV watches (one consumer each for the node's life, not a listing per pass). */
  private readonly leaseView = new Map<string, { value: LeaseValue | undefined; revision: number }>();
  private readonly nodeView = new Map<string, NodeInfo>();
  private readonly watches: Array<{ stop(): void }> = [];

  /** Starts the watches (they deliver each bucket's current entries first, then changes). */
  private async follow(): Promise<void> {
    const leases = await this.kv.watch();
    const nodes = await this.nodes.watch();
    this.watches.push(leases, nodes);
    void (async () => {
      for await (const e of leases) this.leaseView.set(decodeKvKey(e.key), { value: decode(e), revision: e.revision });
    })().catch(() => undefined); // ends when the connection closes
    void (async () => {
      for await (const e of nodes) {
        if (e.operation === 'PUT' && e.value.byteLength > 0) this.nodeView.set(e.key, JSON.parse(e.string()) as NodeInfo);
        else this.nodeView.delete(e.key);
      }
    })().catch(() => undefined);
  }

  /** Adds a kind of leased work (before start()). */
  register(kind: LeasedKind): void {
    this.kinds.push(kind);
  }

  /** Metadata keys fenced by a lease: a resource's checkpoints. */
  private fenceToken(key: string): number | null | undefined {
    const resource = checkpointResource(key);
    if (resource === undefined) return undefined;
    const h = this.held.get(resource);
    return h && h.value.expiresMs > this.clock.now() ? h.value.token : null;
  }

  /** Whether this node holds `resource`'s lease and, by its own clock, it has not expired (the owner may write its state). */
  holds(resource: string): boolean {
    const h = this.held.get(resource);
    return h !== undefined && h.value.expiresMs > this.clock.now();
  }

  /** The fencing token of a lease this node holds, or undefined. */
  token(resource: string): number | undefined {
    return this.held.get(resource)?.value.token;
  }

  /** Resources this node holds. */
  holding(): string[] {
    return [...this.held.keys()].sort();
  }

  /**
   * The gate of the engines: may this node run `resource` now? True when it holds the lease or has just taken a
   * free or expired one; false when another node holds it (that node runs it).
   */
  async mayRun(resource: string): Promise<boolean> {
    if (this.closed) return false;
    let h = this.held.get(resource);
    if (!h) {
      try {
        if (!(await this.tryTake(resource))) return false;
      } catch (e) {
        logger.swallowed('taking a lease', e, { resource });
        return false;
      }
      h = this.held.get(resource)!;
    }
    // The engine starts it now, on the configuration as it is: the reconciler must not start it again.
    h.version = this.desiredVersion(resource);
    return true;
  }

  private desiredVersion(resource: string): number | undefined {
    const kind = this.kindOf(resource);
    return kind?.desired().get(resource.slice(kind.prefix.length));
  }

  /**
   * Starts two loops, each every renewMs: renewal, and reconciliation. Apart, because a reconciliation pass waits for
   * what it starts and stops: a failover's survivor taking three leases, starting each in turn, took longer than the
   * TTL under load, and the lease it took first expired by its own clock meanwhile, so its application's checkpoint
   * was refused by fencing, the application failed and went READY, and nobody ran it any more (issue 19).
   */
  start(): void {
    const renewLoop = (): void => {
      if (this.closed) return;
      this.renewing = this.renew()
        .catch((e) => logger.swallowed('renewing leases', e))
        .finally(() => {
          this.renewing = null;
          if (!this.closed) this.renewTimer = this.clock.setTimer(renewLoop, this.renewMs);
        });
    };
    const loop = (): void => {
      if (this.closed) return;
      this.running = this.reconcile()
        .catch((e) => logger.swallowed('reconciling leases', e))
        .finally(() => {
          this.running = null;
          if (!this.closed) this.timer = this.clock.setTimer(loop, this.renewMs);
        });
    };
    this.renewTimer = this.clock.setTimer(renewLoop, 0);
    this.timer = this.clock.setTimer(loop, 0);
  }

  /** One renewal and reconciliation pass (the loops run them every renewMs; tests call it directly). */
  async tick(): Promise<void> {
    await this.renewing;
    const renewal = this.renew();
    this.renewing = renewal;
    try {
      await renewal;
    } finally {
      if (this.renewing === renewal) this.renewing = null;
    }
    await this.reconcile();
    await this.startsSettled();
  }

  /** Resolves once the starts launched so far have returned. */
  async startsSettled(): Promise<void> {
    while (this.starting.size > 0) await Promise.all([...this.starting.values()]);
  }

  /** Starts `resource` (whose lease this node holds) without waiting for it; `h.version` is set once it started. */
  private launchStart(resource: string, h: Held, version: number | undefined): void {
    const p = this.startKind(resource)
      .then((started) => {
        // A failed start is tried again at the next pass. The engine's start asked mayRun, which recorded the version as
        // started before the start failed: left so, the resource ran nowhere while this node held its lease (issue 19:
        // the S1 application taken over by a node that did not yet know its output delivery stream).
        if (this.held.get(resource) === h) h.version = started ? version : undefined;
      })
      .finally(() => {
        if (this.starting.get(resource) === p) this.starting.delete(resource);
      });
    this.starting.set(resource, p);
  }

  private async renew(): Promise<void> {
    const now = this.clock.now();
    const lost: string[] = [];
    for (const [resource, h] of [...this.held]) {
      // Released (or lost and taken again) since the pass began: not this pass's to renew.
      if (this.held.get(resource) !== h) continue;
      const value: LeaseValue = { ...h.value, expiresMs: now + this.ttlMs };
      try {
        h.revision = await this.storage.compareAndSet(this.kv, encodeKvKey(resource), JSON.stringify(value), h.revision);
        h.value = value;
      } catch (e) {
        // Refused: another node took it (this node was late). Unreachable past expiry: another node may take it.
        const refused = /wrong last sequence|conflict/i.test((e as Error).message);
        if ((refused || h.value.expiresMs <= this.clock.now()) && this.held.get(resource) === h) {
          logger.warn('lease lost: stopping the resource here', { resource, reason: (e as Error).message });
          this.held.delete(resource);
          lost.push(resource);
        }
      }
    }
    // After every renewal: stopping one must not delay the others'.
    for (const resource of lost) await this.stopKind(resource, false);
  }

  private async reconcile(): Promise<void> {
    const now = this.clock.now();
    const leases = this.leaseView;
    const desired = new Map<string, number>();
    for (const kind of this.kinds) for (const [name, version] of kind.desired()) desired.set(kind.prefix + name, version);
    const wallNow = Date.now();
    for (const [, l] of leases) if (l.value && l.value.expiresMs <= now && l.value.owner !== this.nodeId) this.suspects.set(l.value.owner, wallNow);
    // Load per live node: leases held and not expired (this node's own from what it holds: the watch may not yet have
    // delivered its last release or take).
    const fresh = this.freshNodes();
    const load = new Map<string, number>();
    for (const id of fresh) load.set(id, 0);
    load.set(this.nodeId, this.held.size);
    for (const [, l] of leases)
      if (l.value && l.value.expiresMs > now && l.value.owner !== this.nodeId && load.has(l.value.owner)) load.set(l.value.owner, load.get(l.value.owner)! + 1);
    const least = (): number => Math.min(...load.values());

    // Held leases: stop what should no longer run, restart what changed, start what is not started.
    for (const [resource, h] of [...this.held]) {
      // Still starting (launched by an earlier pass): looked at again once it has started.
      if (this.starting.has(resource)) continue;
      const version = desired.get(resource);
      if (version === undefined) {
        // Started through this node since desired() was read (its status is not saved yet): keep it.
        if (this.desiredVersion(resource) !== undefined) continue;
        await this.giveUp(resource, h);
        load.set(this.nodeId, load.get(this.nodeId)! - 1);
      } else if (h.version !== version) {
        if (h.version !== undefined) await this.stopKind(resource, true);
        this.launchStart(resource, h, version);
      }
    }
    // Free and expired leases of resources that should run.
    const seenFree = new Set<string>();
    for (const resource of desired.keys()) {
      if (this.held.has(resource)) continue;
      const l = leases.get(resource);
      const expired = l?.value !== undefined && l.value.expiresMs <= now;
      const free = l?.value === undefined;
      if (!expired && !free) continue;
      // A failed-over resource is taken by whoever sees it first; a free one by a least-loaded node.
      if (free) {
        seenFree.add(resource);
        if (!this.seenFree.has(resource) || load.get(this.nodeId)! > least()) continue;
      }
      if (await this.tryTake(resource)) {
        load.set(this.nodeId, load.get(this.nodeId)! + 1);
        // Not awaited: the next expired lease is taken now, not after this resource's start (issue 19).
        this.launchStart(resource, this.held.get(resource)!, desired.get(resource));
      }
    }
    this.seenFree = seenFree;
    // A node joined (or holds too little): hand over one lease per pass while this node has two or more extra. Free
    // leases of resources that should run (handed over earlier, not taken yet) are on their way to the least-loaded
    // nodes: counted as theirs, so a node does not hand over more while the taker has not yet seen the first.
    let inTransit = 0;
    for (const resource of desired.keys()) {
      const l = leases.get(resource)?.value;
      if (!this.held.has(resource) && (l === undefined || l.owner === this.nodeId)) inTransit++;
    }
    if (load.get(this.nodeId)! - (least() + inTransit) >= 2) {
      const victim = [...this.held].filter(([r]) => !this.starting.has(r)).sort((a, b) => b[1].value.acquiredMs - a[1].value.acquiredMs)[0];
      if (victim) {
        logger.info('lease handed over to balance the nodes', { resource: victim[0] });
        await this.giveUp(victim[0], victim[1]);
      }
    }
  }

  private freshNodes(): string[] {
    const out: string[] = [];
    const wall = Date.now();
    for (const n of this.nodeView.values()) {
      const suspect = this.suspects.get(n.id);
      if (suspect !== undefined && n.heartbeatMs <= suspect) continue;
      this.suspects.delete(n.id);
      if (wall - n.heartbeatMs < FRESH_NODE_MS) out.push(n.id);
    }
    return out;
  }

  /** Takes `resource`'s lease if it is free or expired (compare-and-set). */
  private async tryTake(resource: string): Promise<boolean> {
    const key = encodeKvKey(resource);
    const now = this.clock.now();
    const e = await this.kv.get(key);
    const cur = e ? decode(e) : undefined;
    if (cur && cur.expiresMs > now && cur.owner !== this.nodeId) return false;
    const value: LeaseValue = { resource, owner: this.nodeId, token: 0, expiresMs: now + this.ttlMs, acquiredMs: now };
    let revision: number;
    try {
      revision = e
        ? await this.storage.compareAndSet(this.kv, key, JSON.stringify(value), e.revision)
        : await this.storage.createIfAbsent(this.kv, key, JSON.stringify(value));
    } catch {
      return false; // another node took it first
    }
    // The token is the revision of the taking write; stored in the value so every node reads the same.
    value.token = revision;
    try {
      revision = await this.storage.compareAndSet(this.kv, key, JSON.stringify(value), revision);
    } catch {
      return false;
    }
    this.held.set(resource, { value, revision, version: undefined });
    logger.info('lease taken', { resource, token: value.token, previousOwner: cur?.owner });
    return true;
  }

  /** Stops the resource here (checkpoint first) and releases its lease for another node. */
  private async giveUp(resource: string, h: Held): Promise<void> {
    logger.info('lease released', { resource, token: h.value.token });
    await this.stopKind(resource, true);
    this.held.delete(resource);
    // A renewal of it in flight moves its revision: the release is at the revision it leaves.
    await this.renewing;
    try {
      await this.kv.delete(encodeKvKey(resource), { previousSeq: h.revision });
    } catch (e) {
      // Not released: it expires after ttlMs and is taken then.
      logger.swallowed('releasing a lease', e, { resource });
    }
  }

  private kindOf(resource: string): LeasedKind | undefined {
    return this.kinds.find((k) => resource.startsWith(k.prefix));
  }

  private async startKind(resource: string): Promise<boolean> {
    const kind = this.kindOf(resource);
    if (!kind) return false;
    try {
      await this.exclusive(resource, () => kind.start(resource.slice(kind.prefix.length)));
      return true;
    } catch (e) {
      logger.swallowed('starting a leased resource', e, { resource });
      return false;
    }
  }

  private async stopKind(resource: string, checkpoint: boolean): Promise<void> {
    const kind = this.kindOf(resource);
    if (!kind) return;
    try {
      await this.exclusive(resource, () => kind.stop(resource.slice(kind.prefix.length), checkpoint));
    } catch (e) {
      logger.swallowed('stopping a leased resource', e, { resource });
    }
  }

  private async exclusive<T>(resource: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.busy.get(resource) ?? Promise.resolve();
    const p = prev.catch(() => undefined).then(fn);
    this.busy.set(resource, p);
    try {
      return await p;
    } finally {
      if (this.busy.get(resource) === p) this.busy.delete(resource);
    }
  }

  /** Every lease of the namespace (cluster status). */
  async list(): Promise<LeaseInfo[]> {
    return readLeases(this.kv, await jetstreamManager(this.storage.connection, { checkAPI: false }), leasesBucket(this.storage.namespace), this.clock.now());
  }

  /** Stops renewing; with `release`, stops the resources (checkpointed) and releases their leases. */
  async close(release = true): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    this.renewTimer?.cancel();
    this.renewTimer = null;
    await this.running;
    await this.renewing;
    await this.startsSettled();
    for (const w of this.watches) w.stop();
    if (release) for (const [resource, h] of [...this.held]) await this.giveUp(resource, h);
    this.held.clear();
  }
}

/** The leased resource whose checkpoint `key` is, or undefined for any other key. */
export function checkpointResource(key: string): string | undefined {
  for (const [prefix, resource] of FENCED_KEYS) if (key.startsWith(prefix)) return resource + key.slice(prefix.length);
  return undefined;
}

/**
 * Metadata key prefixes written only by a resource's owner, with the lease prefix they belong to: SQL applications'
 * checkpoints, delivery streams' checkpoints and Kinesis-source positions, Flink applications' periodic checkpoints.
 * (Event source mappings keep their checkpoints in a storage log, fenced there: src/functions/esm/checkpoints.ts.)
 */
const FENCED_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['analytics/checkpoint/', 'analytics/'],
  ['firehose/checkpoint/', 'firehose/'],
  ['firehose/source/', 'firehose/'],
  ['analytics-v2/checkpoint/', 'flink/'],
];
