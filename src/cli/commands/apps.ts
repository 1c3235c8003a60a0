/**
 * `freshet apps list|describe|start|stop|logs`: Kinesis Data Analytics (SQL) applications through
 * @aws-sdk/client-kinesis-analytics (the same calls as `aws kinesisanalytics …`); `describe` and `logs` add
 * what the Freshet server reports about a running application (rows read and written, recent error_stream rows).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import {
  DescribeApplicationCommand,
  KinesisAnalyticsClient,
  ListApplicationsCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  type ApplicationDetail,
  type ApplicationSummary,
} from '@aws-sdk/client-kinesis-analytics';
import { resolveEndpoint, withSdkClient } from '../../client/index.ts';
import { addOutputOption, outputFormat, printList, printValue, type OutputFlags } from '../output.ts';
import { ago, fetchStatus, lag, type ServerStatus } from '../server-status.ts';

const ENDPOINT_HELP = 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)';
const POSITIONS = ['NOW', 'TRIM_HORIZON', 'LAST_STOPPED_POINT'] as const;
type Position = (typeof POSITIONS)[number];

async function listAll(client: KinesisAnalyticsClient): Promise<ApplicationSummary[]> {
  const out: ApplicationSummary[] = [];
  let start: string | undefined;
  for (;;) {
    const res = await client.send(new ListApplicationsCommand({ Limit: 50, ...(start ? { ExclusiveStartApplicationName: start } : {}) }));
    out.push(...(res.ApplicationSummaries ?? []));
    if (!res.HasMoreApplications || !res.ApplicationSummaries?.length) return out;
    start = res.ApplicationSummaries.at(-1)!.ApplicationName;
  }
}

/** The server's view of the application, when the endpoint is a Freshet server. */
async function runtimeOf(endpoint: string, name: string): Promise<ServerStatus['applications'][number] | undefined> {
  try {
    return (await fetchStatus(endpoint)).applications.find((a) => a.name === name && a.kind === 'sql');
  } catch {
    return undefined;
  }
}

function parsePosition(v: string): Position {
  const up = v.toUpperCase().replace(/-/g, '_');
  if ((POSITIONS as readonly string[]).includes(up)) return up as Position;
  throw new InvalidArgumentError(`expected NOW, TRIM_HORIZON or LAST_STOPPED_POINT, got '${v}'`);
}

function describeText(d: ApplicationDetail, runtime: ServerStatus['applications'][number] | undefined): string {
  const lines = [
    `${d.ApplicationName}  ${d.ApplicationStatus}  version ${d.ApplicationVersionId}`,
    `  arn      ${d.ApplicationARN}`,
    `  created  ${d.CreateTimestamp?.toISOString()}`,
  ];
  for (const i of d.InputDescriptions ?? [])
    lines.push(
      `  input    ${i.InputId}  ${(i.InAppStreamNames ?? []).join(', ')} ← ${i.KinesisStreamsInputDescription?.ResourceARN ?? i.KinesisFirehoseInputDescription?.ResourceARN}` +
        `  (${(i.InputSchema?.RecordColumns ?? []).map((c) => `${c.Name} ${c.SqlType}`).join(', ')})`,
    );
  for (const o of d.OutputDescriptions ?? [])
    lines.push(
      `  output   ${o.OutputId}  ${o.Name} → ${o.KinesisFirehoseOutputDescription?.ResourceARN ?? o.KinesisStreamsOutputDescription?.ResourceARN ?? o.LambdaOutputDescription?.ResourceARN}` +
        `  (${o.DestinationSchema?.RecordFormatType})`,
    );
  if (runtime)
    lines.push(
      `  runtime  read ${runtime.recordsRead}, rows out ${runtime.rowsWritten}, input lag ${lag(runtime.millisBehindLatest)}, parse errors ${runtime.parseErrors}, last checkpoint ${ago(runtime.lastCheckpointMs)}`,
    );
  lines.push(
    '  code',
    ...(d.ApplicationCode ?? '')
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`),
  );
  return lines.join('\n');
}

export function register(program: Command): void {
  const apps = program.command('apps').description('List, inspect, start and stop SQL applications (Kinesis Data Analytics)');

  addOutputOption(apps.command('list').description('List SQL applications with their status'))
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (o: OutputFlags & { endpoint?: string }) => {
      await withSdkClient(KinesisAnalyticsClient, o.endpoint, async (client) => {
        const rows = await listAll(client);
        await printList(
          rows,
          outputFormat(o),
          [
            { header: 'name', value: (r) => r.ApplicationName },
            { header: 'status', value: (r) => r.ApplicationStatus },
            { header: 'arn', value: (r) => r.ApplicationARN },
          ],
          'no SQL applications yet — create one with `freshet up -f <pipeline file>` (see examples/)',
        );
      });
    });

  addOutputOption(apps.command('describe <name>').description('Show an application: status, inputs with their columns, outputs, code, and what it has done'))
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: OutputFlags & { endpoint?: string }) => {
      await withSdkClient(KinesisAnalyticsClient, o.endpoint, async (client, endpoint) => {
        const d = (await client.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail!;
        const runtime = await runtimeOf(endpoint, name);
        await printValue({ ...d, ...(runtime ? { Runtime: runtime } : {}) }, outputFormat(o), () => describeText(d, runtime));
      });
    });

  apps
    .command('start <name>')
    .description('Start an application, every input from --from')
    .option('--from <position>', 'NOW, TRIM_HORIZON or LAST_STOPPED_POINT', parsePosition, 'NOW' as Position)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: { from: Position; endpoint?: string }) => {
      await withSdkClient(KinesisAnalyticsClient, o.endpoint, async (client) => {
        const d = (await client.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail!;
        const inputs = d.InputDescriptions ?? [];
        if (inputs.length === 0) throw new Error(`application ${name} has no input to start from; add one first`);
        await client.send(
          new StartApplicationCommand({
            ApplicationName: name,
            InputConfigurations: inputs.map((i) => ({ Id: i.InputId!, InputStartingPositionConfiguration: { InputStartingPosition: o.from } })),
          }),
        );
        console.log(`starting ${name} from ${o.from}`);
      });
    });

  apps
    .command('stop <name>')
    .description('Stop an application (it checkpoints; start it again with --from LAST_STOPPED_POINT)')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: { endpoint?: string }) => {
      await withSdkClient(KinesisAnalyticsClient, o.endpoint, async (client) => {
        await client.send(new StopApplicationCommand({ ApplicationName: name }));
        console.log(`stopping ${name}`);
      });
    });

  addOutputOption(apps.command('logs <name>').description("Show an application's recent error_stream rows (records it could not parse or process)"))
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, o: OutputFlags & { endpoint?: string }) => {
      const endpoint = resolveEndpoint(o.endpoint);
      const status = await fetchStatus(endpoint);
      const app = status.applications.find((a) => a.name === name && a.kind === 'sql');
      if (!app) throw new Error(`no application ${name} at ${endpoint} (\`freshet apps list\` shows them)`);
      const rows = app.recentErrors;
      const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      await printList(
        rows,
        outputFormat(o),
        columns.map((c) => ({ header: c, value: (r: Record<string, unknown>) => (typeof r[c] === 'object' ? JSON.stringify(r[c]) : (r[c] as string)) })),
        `no error_stream rows for ${name} (${app.status}, ${app.recordsRead} records read)`,
      );
    });
}
