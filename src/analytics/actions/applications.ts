/**
 * CreateApplication, DescribeApplication, ListApplications, DeleteApplication
 * (https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_CreateApplication.html and siblings).
 * These handlers are a few lines each and share the limit checks below, so they
 * live together rather than one file per action. DeleteApplication "halts
 * application execution and deletes the application" in any status but
 * DELETING; the application is DELETING for a moment, then gone (registry.ts).
 */

import type { ApplicationConfig, AppInput, AppOutput, AppReference } from '../model.ts';
import { deliveryStreamNameFromArn, streamNameFromArn } from '../model.ts';
import { applicationDetail, applicationSummary, inputFromWire, loggingFromWire, outputFromWire } from '../wire/codec.ts';
import { applicationArn, type AnalyticsContext, type Wire } from './context.ts';
import { analyticsErrors } from '../errors.ts';

/** KDA v1 reads one streaming source per application. */
export const MAX_INPUTS = 1;
/** "up to three destinations" (CreateApplication reference). */
export const MAX_OUTPUTS = 3;
/** User-defined tags per application (TagResource reference). */
export const MAX_TAGS = 50;

const LAMBDA_FUNCTION_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]{1,64}(:(\$LATEST|[a-zA-Z0-9_-]+))?$/;

export function checkInputs(inputs: readonly AppInput[]): void {
  if (inputs.length > MAX_INPUTS) {
    throw analyticsErrors.create('InvalidArgumentException', `An application can have at most ${MAX_INPUTS} input; ${inputs.length} were given`);
  }
  for (const input of inputs) {
    const arn = input.source.resourceArn;
    if (input.source.kind === 'kinesis' && !streamNameFromArn(arn)) {
      throw analyticsErrors.create('InvalidArgumentException', `KinesisStreamsInput ResourceARN ${arn} is not a Kinesis stream ARN`);
    }
    if (input.source.kind === 'firehose' && !deliveryStreamNameFromArn(arn)) {
      throw analyticsErrors.create('InvalidArgumentException', `KinesisFirehoseInput ResourceARN ${arn} is not a delivery stream ARN`);
    }
    if (input.processor && !LAMBDA_FUNCTION_ARN.test(input.processor.resourceArn)) {
      throw analyticsErrors.create('InvalidArgumentException', `InputLambdaProcessor ResourceARN ${input.processor.resourceArn} is not a Lambda function ARN`);
    }
  }
}

export function checkOutputs(outputs: readonly AppOutput[]): void {
  if (outputs.length > MAX_OUTPUTS) {
    throw analyticsErrors.create('InvalidArgumentException', `An application can have at most ${MAX_OUTPUTS} outputs; ${outputs.length} were given`);
  }
  for (const output of outputs) {
    const arn = output.destination.resourceArn;
    if (output.destination.kind === 'kinesis' && !streamNameFromArn(arn)) {
      throw analyticsErrors.create('InvalidArgumentException', `KinesisStreamsOutput ResourceARN ${arn} is not a Kinesis stream ARN`);
    }
    if (output.destination.kind === 'firehose' && !deliveryStreamNameFromArn(arn)) {
      throw analyticsErrors.create('InvalidArgumentException', `KinesisFirehoseOutput ResourceARN ${arn} is not a delivery stream ARN`);
    }
    if (output.destination.kind === 'lambda' && !LAMBDA_FUNCTION_ARN.test(arn)) {
      throw analyticsErrors.create('InvalidArgumentException', `LambdaOutput ResourceARN ${arn} is not a Lambda function ARN`);
    }
  }
}

export function checkReferences(refs: readonly AppReference[]): void {
  const names = new Set<string>();
  for (const r of refs) {
    const upper = r.tableName;
    if (names.has(upper)) throw analyticsErrors.create('InvalidArgumentException', `Reference table ${r.tableName} is defined twice`);
    names.add(upper);
  }
}

export function checkTagCount(count: number): void {
  if (count > MAX_TAGS)
    throw analyticsErrors.create('TooManyTagsException', `An application can have at most ${MAX_TAGS} tags; the request would give it ${count}`);
}

export async function createApplication(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const name = req.ApplicationName as string;
  if (ctx.registry.has(name)) throw analyticsErrors.create('ResourceInUseException', `Application ${name} already exists`);
  const now = ctx.clock.now();
  const app: ApplicationConfig = {
    name,
    arn: applicationArn(ctx.region, ctx.accountId, name),
    status: 'READY',
    createdMs: now,
    updatedMs: now,
    versionId: 1,
    code: (req.ApplicationCode as string | undefined) ?? '',
    inputs: [],
    outputs: [],
    references: [],
    logging: [],
    tags: [],
    nextId: { input: 1, output: 1, reference: 1, logging: 1 },
  };
  if (typeof req.ApplicationDescription === 'string') app.description = req.ApplicationDescription;
  for (const w of (req.Inputs as Wire[] | undefined) ?? []) app.inputs.push(inputFromWire(w, `1.${app.nextId.input++}`));
  for (const w of (req.Outputs as Wire[] | undefined) ?? []) app.outputs.push(outputFromWire(w, `1.${app.nextId.output++}`));
  for (const w of (req.CloudWatchLoggingOptions as Wire[] | undefined) ?? []) app.logging.push(loggingFromWire(w, `1.${app.nextId.logging++}`));
  for (const t of (req.Tags as Wire[] | undefined) ?? []) setTag(app, t.Key as string, (t.Value as string | undefined) ?? '');
  checkInputs(app.inputs);
  checkOutputs(app.outputs);
  checkTagCount(app.tags.length);
  const columnError = ctx.registry.runtime.checkColumns(app) ?? ctx.registry.runtime.checkRoles?.(app);
  if (columnError !== undefined) throw analyticsErrors.create('InvalidArgumentException', columnError);
  const codeError = ctx.registry.runtime.checkCode(app);
  if (codeError !== undefined) throw analyticsErrors.create('CodeValidationException', codeError);
  await ctx.registry.add(app);
  return { ApplicationSummary: applicationSummary(app) };
}

export function setTag(app: ApplicationConfig, key: string, value: string): void {
  const existing = app.tags.find((t) => t[0] === key);
  if (existing) existing[1] = value;
  else app.tags.push([key, value]);
}

export function describeApplication(ctx: AnalyticsContext, req: Wire): Wire {
  return { ApplicationDetail: applicationDetail(ctx.registry.get(req.ApplicationName as string)) };
}

export function listApplications(ctx: AnalyticsContext, req: Wire): Wire {
  const limit = (req.Limit as number | undefined) ?? 50;
  const after = req.ExclusiveStartApplicationName as string | undefined;
  let apps = ctx.registry.list();
  if (after !== undefined) apps = apps.filter((a) => a.name > after);
  return {
    ApplicationSummaries: apps.slice(0, limit).map(applicationSummary),
    HasMoreApplications: apps.length > limit,
  };
}

export async function deleteApplication(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const name = req.ApplicationName as string;
  const createdSeconds = req.CreateTimestamp as number;
  await ctx.registry.serialise(name, async () => {
    const app = ctx.registry.get(name);
    // Clients send back the CreateTimestamp from DescribeApplication: the JS SDK with millisecond
    // precision, botocore (boto3, AWS CLI) truncated to whole seconds. Both identify the application.
    const exact = Math.round(createdSeconds * 1000) === app.createdMs;
    const wholeSeconds = Number.isInteger(createdSeconds) && createdSeconds === Math.floor(app.createdMs / 1000);
    if (!exact && !wholeSeconds) {
      throw analyticsErrors.create(
        'ConcurrentModificationException',
        `CreateTimestamp ${new Date(Math.round(createdSeconds * 1000)).toISOString()} does not match application ${name} (created ${new Date(app.createdMs).toISOString()})`,
      );
    }
    await ctx.registry.deleteLocked(app);
  });
  return {};
}
