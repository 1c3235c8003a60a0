/**
 * The keys of a JetStream KV bucket, listed in bounded time while other nodes keep writing to it.
 *
 * Why not `kv.keys()` (@nats-io/kv 3.4): it reads a push consumer (last value per subject) until a message says
 * nothing is pending, or until an idle heartbeat. Every write made while it runs is delivered to it as well, so
 * while a bucket is written faster than the lister reads — a lease bucket whose holders renew (on a loaded
 * machine, or under a test clock moved in quick steps), a node bucket taking heartbeats — the listing does not end:
 * `readClusterStatus` hung there for minutes (the S1/S2 two-node scenarios, issue 19), naming the same keys again
 * and again. Here the bucket's stream is asked once for its subjects (`STREAM.INFO` with a subjects filter; the
 * client pages it): one answer, each key once, with the keys a write has not reached yet absent or present, as a
 * listing taken at any moment would be. Deleted and purged keys are subjects too (their markers): callers read
 * each key and skip what is not a PUT, as they already do for keys written between listing and reading.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

/** What @nats-io/kv's Bucket (the only KV implementation) keeps of its stream, which the KV interface does not name. */
interface BucketInternals {
  jsm: JetStreamManager;
  /** The bucket's stream (`KV_<bucket>`). */
  stream: string;
  /** The subject prefix of its keys (`$KV.<bucket>`). */
  prefix: string;
  decodeKey(key: string): string;
}

function isBucket(kv: KV): kv is KV & BucketInternals {
  return 'jsm' in kv && 'stream' in kv && typeof kv.stream === 'string' && 'prefix' in kv && typeof kv.prefix === 'string' && 'decodeKey' in kv;
}

export async function listKvKeys(kv: KV): Promise<string[]> {
  if (!isBucket(kv)) throw new Error('listKvKeys: not a @nats-io/kv Bucket (its stream and subject prefix are needed)');
  const b = kv;
  const si = await b.jsm.streams.info(b.stream, { subjects_filter: `${b.prefix}.>` });
  const from = b.prefix.length + 1;
  return Object.keys(si.state.subjects ?? {}).map((s) => b.decodeKey(s.slice(from)));
}
