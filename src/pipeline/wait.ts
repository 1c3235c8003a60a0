/**
 * Polling helpers for SQL applications, which change status asynchronously (STARTING → RUNNING, STOPPING →
 * READY, UPDATING → READY/RUNNING, DELETING → gone), polled through DescribeApplication as a client of AWS
 * would. Streams' waits, and the polling loop, are in src/client.
 */
import { DescribeApplicationCommand, type KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import { waitFor, type WaitOptions } from '../client/index.ts';

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
