/**
 * Checks an application's inputs and outputs against what exists before it
 * compiles, so a missing stream is reported as such: each input's source (a
 * Kinesis stream and its current shards, or a delivery stream read like one
 * shard), its identity for checkpoints, and the in-app streams it feeds.
 */
import type { AppInput, ApplicationConfig } from '../model.ts';
import { deliveryStreamNameFromArn, inAppStreamNames, streamNameFromArn } from '../model.ts';
import { deliveryHolder } from './checkpoint.ts';
import { errorMessage, invalidConfig } from './config-errors.ts';
import type { DeliveryInputReader, DeliveryPort, FunctionPort, InputStreamSpec, StreamEngine } from './ports.ts';
import type { RoleAuthorizer } from '../../aws/index.ts';
import type { Endpoint } from '../model.ts';

/**
 * What an input's or output's role needs on its resource (Kinesis Data Analytics developer guide, "Granting
 * Amazon Kinesis Data Analytics permissions to access streaming sources" and "… to write to destinations").
 */
const ROLE_ACTIONS: Readonly<Record<'input' | 'output', Readonly<Record<Endpoint['kind'], readonly string[]>>>> = {
  input: {
    kinesis: ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords'],
    firehose: ['firehose:DescribeDeliveryStream'],
    lambda: ['lambda:InvokeFunction'],
  },
  output: {
    kinesis: ['kinesis:DescribeStream', 'kinesis:PutRecords'],
    firehose: ['firehose:DescribeDeliveryStream', 'firehose:PutRecordBatch'],
    lambda: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
  },
};

/** The service principal an application's roles must trust (Kinesis Data Analytics developer guide, "Trust Policy"). */
export const KDA_SERVICE_PRINCIPAL = 'kinesisanalytics.amazonaws.com';

/** AWS's text when Kinesis Analytics may not assume a role (its trust policy does not name the service, or it does not exist). */
export function cannotAssume(roleArn: string): string {
  return `Kinesis Analytics service doesn't have sufficient privileges to assume the role ${roleArn}`;
}

/**
 * The first of `app`'s roles (inputs, preprocessors, outputs, reference data sources, logging options) that
 * Kinesis Analytics may not assume, as AWS's InvalidArgumentException text; undefined when all may be (or
 * outside `--auth enforce`). CreateApplication and the configuration updates refuse such an application.
 */
export function untrustedRole(roles: RoleAuthorizer | undefined, app: ApplicationConfig): string | undefined {
  if (roles === undefined) return undefined;
  const arns: string[] = [];
  for (const input of app.inputs) {
    arns.push(input.source.roleArn);
    if (input.processor) arns.push(input.processor.roleArn);
  }
  for (const output of app.outputs) arns.push(output.destination.roleArn);
  for (const ref of app.references) arns.push(ref.roleArn);
  for (const log of app.logging) arns.push(log.roleArn);
  for (const arn of arns) if (!roles.assumableBy(arn, KDA_SERVICE_PRINCIPAL)) return cannotAssume(arn);
  return undefined;
}

/** The first retry of a role that may not comes after this much clock time; each further one after twice the last. */
export const ROLE_RETRY_FIRST_MS = 1_000;
/** The longest wait between two retries of a role that may not. */
export const ROLE_RETRY_MAX_MS = 60_000;

/**
 * Clock time before retry number `attempt` (1, 2, …) of a role that may not do what an application needs: AWS keeps
 * such an application RUNNING and retries (a Flink job restarts, a SQL application's reads and writes retry), so
 * Freshet does too, with exponential backoff from ROLE_RETRY_FIRST_MS up to ROLE_RETRY_MAX_MS.
 */
export function roleRetryDelayMs(attempt: number): number {
  return Math.min(ROLE_RETRY_FIRST_MS * 2 ** Math.max(0, Math.min(attempt - 1, 30)), ROLE_RETRY_MAX_MS);
}

/**
 * Checks every input's, preprocessor's and output's role against what the application does with it; throws
 * InvalidApplicationConfigurationException naming the first that may not. At StartApplication and, while the
 * application runs, before its next read or write after any IAM change and every ROLE_RECHECK_MS of clock time
 * (app-runner.ts): a role that loses a permission (or its trust in the service) holds the application, RUNNING,
 * with the reason shown, until a retry (roleRetryDelayMs) finds it allowed again.
 */
export function checkRoles(roles: RoleAuthorizer | undefined, app: ApplicationConfig): void {
  if (roles === undefined) return;
  for (const input of app.inputs) {
    checkRole(roles, app, `Input ${input.id}`, 'input', input.source);
    if (input.processor) checkRole(roles, app, `Input ${input.id} preprocessing`, 'input', { kind: 'lambda', ...input.processor });
  }
  for (const output of app.outputs) checkRole(roles, app, `Output ${output.id}`, 'output', output.destination);
}

/** Throws InvalidApplicationConfigurationException when an endpoint's role may not use it (only under `--auth enforce`). */
function checkRole(roles: RoleAuthorizer | undefined, app: ApplicationConfig, what: string, end: 'input' | 'output', e: Endpoint): void {
  if (roles === undefined) return;
  if (!roles.assumableBy(e.roleArn, KDA_SERVICE_PRINCIPAL)) throw invalidConfig(`${what}: ${cannotAssume(e.roleArn)}`);
  for (const action of ROLE_ACTIONS[end][e.kind]) {
    const denied = roles.denied(e.roleArn, action, e.resourceArn, app.name);
    if (denied !== undefined) throw invalidConfig(`${what}: the role ${e.roleArn} cannot use ${e.resourceArn}: ${denied}`);
  }
}

export interface ResolvedInput {
  input: AppInput;
  /** Kinesis stream or delivery stream name. */
  streamName: string;
  /** Identity of this incarnation of the stream (ARN + creation time): a checkpoint of another one is not resumed. */
  streamKey: string;
  shardIds: string[];
  delivery: boolean;
}

/** Resolves every input and checks every output; throws InvalidApplicationConfigurationException naming the first problem. */
export async function resolveSources(
  sources: {
    readonly streams: StreamEngine;
    readonly delivery: DeliveryPort | undefined;
    readonly functions?: FunctionPort | undefined;
    readonly roles?: RoleAuthorizer | undefined;
  },
  app: ApplicationConfig,
): Promise<{ specs: InputStreamSpec[]; resolved: ResolvedInput[] }> {
  const specs: InputStreamSpec[] = [];
  const resolved: ResolvedInput[] = [];
  checkRoles(sources.roles, app);
  for (const input of app.inputs) {
    if (input.processor) {
      if (!sources.functions)
        throw invalidConfig(`Input ${input.id}: preprocessing function ${input.processor.resourceArn} needs the Lambda service, which is not running`);
      if (!sources.functions.has(input.processor.resourceArn))
        throw invalidConfig(`Input ${input.id}: preprocessing function ${input.processor.resourceArn} does not exist`);
    }
    if (input.source.kind === 'firehose') {
      // A delivery stream is read like a stream with one shard: the records put into it, in arrival order.
      const name = deliveryStreamNameFromArn(input.source.resourceArn)!;
      const delivery = sources.delivery;
      if (!delivery?.openReader) throw invalidConfig(`Input ${input.id}: reading delivery stream ${name} needs the Firehose service, which is not running`);
      if (delivery.exists && !delivery.exists(name))
        throw invalidConfig(`Input ${input.id}: delivery stream ${name} (${input.source.resourceArn}) does not exist`);
      let probe: DeliveryInputReader;
      try {
        probe = await delivery.openReader(name, 'LATEST', deliveryHolder(app.name, input.id));
      } catch (e) {
        throw invalidConfig(`Input ${input.id}: delivery stream ${name} (${input.source.resourceArn}) cannot be read: ${errorMessage(e)}`, e);
      }
      probe.close();
      resolved.push({ input, streamName: name, streamKey: `${input.source.resourceArn}@${probe.createdMs}`, shardIds: [probe.shardId], delivery: true });
      for (const n of inAppStreamNames(input)) specs.push({ name: n, columns: input.schema.columns });
      continue;
    }
    if (input.source.kind !== 'kinesis') {
      throw invalidConfig(`Input ${input.id}: an application input is a Kinesis stream or a delivery stream, not ${input.source.resourceArn}`);
    }
    const streamName = streamNameFromArn(input.source.resourceArn)!;
    let d: ReturnType<StreamEngine['describe']>;
    try {
      d = sources.streams.describe(streamName);
    } catch (e) {
      throw invalidConfig(`Input ${input.id}: stream ${streamName} (${input.source.resourceArn}) does not exist`, e);
    }
    resolved.push({ input, streamName, streamKey: `${d.streamArn}@${d.createdMs}`, shardIds: d.shards.map((s) => s.shardId), delivery: false });
    for (const name of inAppStreamNames(input)) specs.push({ name, columns: input.schema.columns });
  }
  for (const output of app.outputs) {
    const dest = output.destination;
    if (dest.kind === 'kinesis') {
      const name = streamNameFromArn(dest.resourceArn)!;
      try {
        sources.streams.describe(name);
      } catch (e) {
        throw invalidConfig(`Output ${output.id}: stream ${name} (${dest.resourceArn}) does not exist`, e);
      }
    } else if (dest.kind === 'firehose') {
      const name = deliveryStreamNameFromArn(dest.resourceArn)!;
      if (!sources.delivery) throw invalidConfig(`Output ${output.id}: delivery stream ${name} needs the Firehose service, which is not running`);
      if (sources.delivery.exists && !sources.delivery.exists(name))
        throw invalidConfig(`Output ${output.id}: delivery stream ${name} (${dest.resourceArn}) does not exist`);
    } else if (!sources.functions) {
      throw invalidConfig(`Output ${output.id}: function ${dest.resourceArn} needs the Lambda service, which is not running`);
    } else if (!sources.functions.has(dest.resourceArn)) {
      throw invalidConfig(`Output ${output.id}: function ${dest.resourceArn} does not exist`);
    }
  }
  return { specs, resolved };
}
