/**
 * Compare-and-set on a JetStream KV bucket that holds under concurrency on every nats-server this runs on.
 *
 * KV update/create send only the per-key check (Nats-Expected-Last-Subject-Sequence), which clustered nats-server
 * before 2.9.21 does not serialise (nats-io/nats-server#4320: two updates at one revision can both be stored — seen
 * here as two Freshet nodes both winning a reshard). So each write also expects the bucket's last sequence
 * (Nats-Expected-Last-Sequence, checked in log order): of concurrent writes at one bucket sequence at most one is
 * stored. When another key's write moved the bucket on, the key is read again; still at `expected`, the write is
 * retried at the bucket's new last sequence.
 */
import type { KV } from '@nats-io/kv';
import { Bucket } from '@nats-io/kv';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';

const CAS_ATTEMPTS = 20;

/**
 * Stores `body` under KV key `k` (already encoded) only if the key's last revision is still `expected` (0: never
 * written); resolves with the new revision, else rejects with JetStream's "wrong last sequence" error. `lastSeq` is
 * the caller's best guess of the bucket's last sequence (a wrong guess costs a round trip, never correctness).
 */
export async function kvCompareAndSet(kv: KV, k: string, body: Uint8Array, expected: number, lastSeq = expected): Promise<number> {
  if (!(kv instanceof Bucket)) throw new Error('metadata bucket: not a JetStream KV bucket');
  const subject = kv.subjectForKey(k, true);
  let last = lastSeq;
  for (let attempt = 1; ; attempt++) {
    try {
      const ack = await kv.js.publish(subject, body, { expect: { lastSequence: last, lastSubjectSequence: expected } });
      return ack.seq;
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== JetStreamApiCodes.StreamWrongLastSequence || attempt >= CAS_ATTEMPTS) throw e;
      const now = await kv.get(k);
      if ((now?.revision ?? 0) !== expected) throw e;
      last = (await kv.status()).streamInfo.state.last_seq;
    }
  }
}

/** kvCompareAndSet for a key that must not exist: never written, or deleted (its delete marker's revision is expected). */
export async function kvCreateIfAbsent(kv: KV, k: string, body: Uint8Array, lastSeq?: number): Promise<number> {
  const e = await kv.get(k);
  if (e && e.operation === 'PUT') throw new Error('wrong last sequence: key exists');
  return kvCompareAndSet(kv, k, body, e?.revision ?? 0, lastSeq ?? e?.revision ?? 0);
}
