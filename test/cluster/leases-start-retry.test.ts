/**
 * A leased resource whose start fails on the node holding its lease is started again at the next pass (issue 19).
 * The engines' start asks the lease manager's gate (mayRun) before it runs anything, and mayRun records the version as
 * started: before, a start that then failed (the S1 application taken over by a node that did not yet know its output
 * delivery stream: "delivery stream … does not exist") was never tried again, and the resource ran nowhere while the
 * node kept renewing its lease. On the run's shared NATS cluster (a namespace of its own), or its own when alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseManager, LEASE_RENEW_MS } from '../../src/cluster/index.ts';
import type { LeasedKind, NatsCluster } from '../../src/cluster/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import { createJetStreamStorage } from '../../src/storage/index.ts';
import type { JetStreamStorage } from '../../src/storage/index.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';

const namespace = `leaseretry${process.pid}`;
let nats: NatsCluster;
let storage: JetStreamStorage | undefined;
let leases: LeaseManager | undefined;

before(async () => {
  nats = await testNatsCluster();
});

after(async () => {
  await leases?.close(false).catch(() => undefined);
  await storage?.close().catch(() => undefined);
  if (nats) await dropNamespace(nats.urls, namespace);
  await nats?.stop();
});

/** Starts as the engines do (asking the gate first) and fails the first `failures` times, as a start missing its output does. */
class FlakyKind implements LeasedKind {
  readonly prefix = 'analytics/';
  readonly want = new Map<string, number>([['app1', 1]]);
  readonly running = new Set<string>();
  attempts = 0;
  constructor(
    private readonly gate: () => LeaseManager,
    private failures: number,
  ) {}
  desired(): ReadonlyMap<string, number> {
    return this.want;
  }
  async start(name: string): Promise<void> {
    this.attempts++;
    if (!(await this.gate().mayRun(`analytics/${name}`))) return;
    if (this.failures > 0) {
      this.failures--;
      throw new Error(`Output 1.1: delivery stream out-${name} does not exist`);
    }
    this.running.add(name);
  }
  async stop(name: string): Promise<void> {
    this.running.delete(name);
  }
}

describe('a leased resource whose start fails', () => {
  it('is started again at the next pass until it runs', async () => {
    storage = await createJetStreamStorage({ servers: nats.urls, namespace });
    await storage.open();
    const clock = new ManualClock();
    const m = await LeaseManager.open(storage, { clock });
    leases = m;
    const kind = new FlakyKind(() => m, 2);
    m.register(kind);
    // A free lease is taken once it was seen free on two passes; then each pass starts what it holds and is not running.
    for (let pass = 0; pass < 8 && !kind.running.has('app1'); pass++) {
      clock.advance(LEASE_RENEW_MS);
      await m.tick();
    }
    assert.deepEqual(m.holding(), ['analytics/app1']);
    assert.equal(kind.attempts, 3, 'two failed starts, then one that runs');
    assert.ok(kind.running.has('app1'), `app1 runs after ${kind.attempts} starts`);
  });
});
