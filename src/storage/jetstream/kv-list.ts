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

/**
 * The KV keys (as stored: callers decode them with decodeKvKey where they encoded them) of the bucket named
 * `bucket`. Its stream and subjects are built from the name as the KV protocol defines them (stream `KV_<bucket>`,
 * keys under `$KV.<bucket>.`), not read from @nats-io/kv's Bucket, whose fields that hold them are not its API.
 * The buckets are opened without a key codec, so a key is the subject's tail as it is.
 */
export async function listKvKeys(jsm: JetStreamManager, bucket: string): Promise<string[]> {
  const prefix = `$KV.${bucket}.`;
  const si = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}>` });
  return Object.keys(si.state.subjects ?? {}).map((s) => s.slice(prefix.length));
}
