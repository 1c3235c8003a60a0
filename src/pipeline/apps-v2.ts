/**
 * `applications:` entries in the KinesisAnalyticsV2 shape (a `RuntimeEnvironment` of FLINK-*): Flink SQL
 * applications created, updated (a new version when the SQL or configuration changes), started and
 * deleted through the v2 API, as a deployment script would with `aws kinesisanalyticsv2`.
 */
import {
  CreateApplicationCommand,
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  StartApplicationCommand,
  UpdateApplicationCommand,
  type ApplicationDetail,
  type CreateApplicationCommandInput,
  type KinesisAnalyticsV2Client,
  type StartApplicationCommandInput,
} from '@aws-sdk/client-kinesis-analytics-v2';
import type { ApplicationSpec } from './types.ts';
import { waitFor, type WaitOptions } from '../client/index.ts';

const TRANSITIONAL = new Set(['STARTING', 'STOPPING', 'UPDATING', 'DELETING', 'FORCE_STOPPING', 'ROLLING_BACK', 'AUTOSCALING', 'MAINTENANCE']);

/** Whether the entry is a v2 (Flink) application. */
export function isV2Application(spec: ApplicationSpec): boolean {
  return spec.RuntimeEnvironment !== undefined && spec.RuntimeEnvironment !== 'SQL-1_0';
}

export async function describeV2(client: KinesisAnalyticsV2Client, name: string): Promise<ApplicationDetail | undefined> {
  try {
    return (await client.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail;
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

async function settledV2(client: KinesisAnalyticsV2Client, name: string, opts: WaitOptions): Promise<string> {
  return waitFor(
    `application ${name} to leave its transitional status`,
    async () => {
      const s = (await describeV2(client, name))?.ApplicationStatus;
      return s === undefined || TRANSITIONAL.has(s) ? undefined : s;
    },
    opts,
  );
}

function codeText(d: ApplicationDetail): string | undefined {
  return d.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent;
}

function environment(d: ApplicationDetail): string {
  return JSON.stringify(d.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions ?? []);
}

export interface V2Change {
  action: 'create' | 'update' | 'unchanged';
  details: string[];
  apply?: () => Promise<void>;
}

/** What `up` does for a v2 application: create and start it, or update its SQL / environment properties. */
export async function planV2Application(
  client: KinesisAnalyticsV2Client,
  spec: ApplicationSpec,
  defaultRoleArn: string,
  tags: { Key: string; Value: string }[],
  opts: WaitOptions & { onCreated: () => void },
): Promise<V2Change> {
  const name = spec.ApplicationName;
  const config = { ...(spec.ApplicationConfiguration ?? {}) } as Record<string, unknown>;
  config.ApplicationCodeConfiguration = { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: spec.ApplicationCode } };
  const start = spec.start !== false;
  const startInput: StartApplicationCommandInput = {
    ApplicationName: name,
    ...(spec.RunConfiguration ? { RunConfiguration: spec.RunConfiguration as StartApplicationCommandInput['RunConfiguration'] } : {}),
  };
  const startAndWait = async (): Promise<void> => {
    await client.send(new StartApplicationCommand(startInput));
    const s = await settledV2(client, name, opts);
    if (s !== 'RUNNING') throw new Error(`application ${name} did not start: its status is ${s}`);
  };
  const current = await describeV2(client, name);
  if (!current) {
    return {
      action: 'create',
      details: [`Flink SQL application (${spec.RuntimeEnvironment})${start ? ', started' : ''}`],
      apply: async () => {
        await client.send(
          new CreateApplicationCommand({
            ApplicationName: name,
            ApplicationDescription: spec.ApplicationDescription,
            RuntimeEnvironment: spec.RuntimeEnvironment as CreateApplicationCommandInput['RuntimeEnvironment'],
            ServiceExecutionRole: spec.ServiceExecutionRole ?? defaultRoleArn,
            ApplicationConfiguration: config as CreateApplicationCommandInput['ApplicationConfiguration'],
            Tags: tags,
          }),
        );
        opts.onCreated();
        if (start) await startAndWait();
      },
    };
  }
  const details: string[] = [];
  const update: Record<string, unknown> = {};
  if ((codeText(current) ?? '').trim() !== spec.ApplicationCode.trim()) {
    details.push('Flink SQL code changed');
    update.ApplicationCodeConfigurationUpdate = { CodeContentUpdate: { TextContentUpdate: spec.ApplicationCode } };
  }
  const env = (spec.ApplicationConfiguration?.EnvironmentProperties as { PropertyGroups?: unknown[] } | undefined)?.PropertyGroups ?? [];
  if (JSON.stringify(env) !== environment(current)) {
    details.push('environment properties changed');
    update.EnvironmentPropertyUpdates = { PropertyGroups: env };
  }
  const needsStart = start && current.ApplicationStatus === 'READY';
  if (needsStart) details.push('start');
  if (details.length === 0) return { action: 'unchanged', details: [] };
  return {
    action: 'update',
    details,
    apply: async () => {
      if (Object.keys(update).length > 0) {
        const v = (await describeV2(client, name))?.ApplicationVersionId;
        await client.send(new UpdateApplicationCommand({ ApplicationName: name, CurrentApplicationVersionId: v, ApplicationConfigurationUpdate: update }));
        await settledV2(client, name, opts);
      }
      if (needsStart) await startAndWait();
    },
  };
}

/** `down`: deletes the application and waits until it is gone. */
export async function deleteV2Application(client: KinesisAnalyticsV2Client, detail: ApplicationDetail, opts: WaitOptions): Promise<void> {
  const name = detail.ApplicationName!;
  await client.send(new DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: detail.CreateTimestamp }));
  await waitFor(`application ${name} to be deleted`, async () => ((await describeV2(client, name)) === undefined ? true : undefined), opts);
}
