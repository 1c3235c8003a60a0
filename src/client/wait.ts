/**
 * Polling for resources that change status asynchronously, as a client of AWS would: the loop, and streams
 * (CREATING → ACTIVE, DELETING → gone) through DescribeStreamSummary.
 */
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const start = Date.now();
  let interval = opts.intervalMs ?? 20;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(interval);
    interval = Math.min(1000, interval * 2);
  }
}

export async function waitForStreamActive(client: KinesisClient, streamName: string, opts: WaitOptions = {}): Promise<void> {
  await waitFor(
    `stream ${streamName} to become ACTIVE`,
    async () => {
      const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      return d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
    },
    opts,
  );
}

/** Waits until DescribeStreamSummary says the stream is gone. */
export async function waitForStreamGone(client: KinesisClient, streamName: string, opts: WaitOptions = {}): Promise<void> {
  await waitFor(
    `stream ${streamName} to be deleted`,
    async () => {
      try {
        await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
        return undefined;
      } catch (e) {
        if ((e as { name?: string }).name === 'ResourceNotFoundException') return true;
        throw e;
      }
    },
    opts,
  );
}
