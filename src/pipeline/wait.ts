/**
 * Polling helpers for resources that change status asynchronously: streams
 * (CREATING → ACTIVE) and SQL applications (STARTING → RUNNING, STOPPING →
 * READY, UPDATING → READY/RUNNING, DELETING → gone), polled through Describe*
 * as a client of AWS would.
 */
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { DescribeApplicationCommand, type KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';

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

/** ApplicationStatus values an application passes through on its way to READY, RUNNING or deletion. */
const TRANSITIONAL_APP_STATUS: ReadonlySet<string> = new Set(['STARTING', 'STOPPING', 'UPDATING', 'DELETING']);

/** Waits until the application's status is no longer transitional; returns it (READY or RUNNING). */
export async function waitForApplicationSettled(client: KinesisAnalyticsClient, name: string, opts: WaitOptions = {}): Promise<string> {
  return waitFor(
    `application ${name} to leave its transitional status`,
    async () => {
      const status = (await client.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail?.ApplicationStatus;
      return status === undefined || TRANSITIONAL_APP_STATUS.has(status) ? undefined : status;
    },
    opts,
  );
}

/** After StartApplication: waits for RUNNING; fails if the application settles to READY instead (it stopped while starting). */
export async function waitForApplicationRunning(client: KinesisAnalyticsClient, name: string, opts: WaitOptions = {}): Promise<void> {
  const status = await waitForApplicationSettled(client, name, opts);
  if (status !== 'RUNNING') throw new Error(`application ${name} did not start: its status is ${status}`);
}

/** After DeleteApplication: waits until DescribeApplication says the application is gone. */
export async function waitForApplicationGone(client: KinesisAnalyticsClient, name: string, opts: WaitOptions = {}): Promise<void> {
  await waitFor(
    `application ${name} to be deleted`,
    async () => {
      try {
        await client.send(new DescribeApplicationCommand({ ApplicationName: name }));
        return undefined;
      } catch (e) {
        if ((e as { name?: string }).name === 'ResourceNotFoundException') return true;
        throw e;
      }
    },
    opts,
  );
}
