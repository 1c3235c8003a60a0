/**
 * Queues, functions and event source mappings of a pipeline file, planned
 * and applied through the SQS and Lambda APIs like the rest of `freshet up`:
 * a queue's attributes, a function's configuration and code (its directory
 * zipped reproducibly, so an unchanged directory has the same CodeSha256),
 * and each mapping of a function to a stream or queue.
 */
import { createHash } from 'node:crypto';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  ListEventSourceMappingsCommand,
  PutFunctionConcurrencyCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type CreateEventSourceMappingCommandInput,
  type EventSourceMappingConfiguration,
  type GetFunctionCommandOutput,
  type Runtime,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SetQueueAttributesCommand,
  type QueueAttributeName,
} from '@aws-sdk/client-sqs';
import { zipDirectory } from '../functions/index.ts';
import type { FreshetClients } from './clients.ts';
import type { EventSourceMappingSpec, FunctionSpec, QueueSpec } from './types.ts';

export const PIPELINE_TAG = 'freshet:pipeline';

export interface PlannedStep {
  resource: 'queue' | 'function' | 'event-source-mapping';
  name: string;
  action: 'create' | 'update' | 'unchanged' | 'delete' | 'keep';
  details: string[];
  apply?: () => Promise<void>;
}

interface Ctx {
  clients: FreshetClients;
  pipeline: string;
  defaultRoleArn: string;
  resolve<T>(value: T, lenient: boolean): Promise<T>;
  markCreated(key: string): void;
  created(key: string): boolean;
  waitTimeoutMs: number | undefined;
}

const isCode = (e: unknown, ...codes: string[]) => codes.includes((e as { name?: string })?.name ?? '');

// ---------- queues ----------

export async function queueUrl(clients: FreshetClients, name: string): Promise<string | undefined> {
  try {
    return (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (e) {
    if (isCode(e, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue')) return undefined;
    throw e;
  }
}

export async function queueArn(clients: FreshetClients, name: string): Promise<string | undefined> {
  const url = await queueUrl(clients, name);
  if (!url) return undefined;
  return (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
}

export async function planQueue(q: QueueSpec, ctx: Ctx): Promise<PlannedStep> {
  const { clients } = ctx;
  const url = await queueUrl(clients, q.QueueName);
  const want = await ctx.resolve(q.Attributes ?? {}, true);
  if (!url) {
    return {
      resource: 'queue',
      name: q.QueueName,
      action: 'create',
      details: Object.entries(want).map(([k, v]) => `${k}=${v}`),
      apply: async () => {
        const attrs = await ctx.resolve(q.Attributes ?? {}, false);
        await clients.sqs.send(
          new CreateQueueCommand({ QueueName: q.QueueName, Attributes: attrs, tags: { ...(q.tags ?? {}), [PIPELINE_TAG]: ctx.pipeline } }),
        );
        ctx.markCreated(`queue/${q.QueueName}`);
      },
    };
  }
  const have = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
  const changed = Object.entries(want).filter(([k, v]) => k !== 'FifoQueue' && have[k as QueueAttributeName] !== v);
  if (!changed.length) return { resource: 'queue', name: q.QueueName, action: 'unchanged', details: [] };
  return {
    resource: 'queue',
    name: q.QueueName,
    action: 'update',
    details: changed.map(([k, v]) => `${k} ${have[k as QueueAttributeName] ?? '(unset)'} → ${v}`),
    apply: async () => {
      const attrs = await ctx.resolve(Object.fromEntries(changed), false);
      await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attrs }));
    },
  };
}

export async function queueOwned(clients: FreshetClients, name: string, pipeline: string): Promise<boolean> {
  const url = await queueUrl(clients, name);
  if (!url) return false;
  return (await clients.sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags?.[PIPELINE_TAG] === pipeline;
}

export async function deleteQueue(clients: FreshetClients, name: string): Promise<void> {
  const url = await queueUrl(clients, name);
  if (url) await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
}

// ---------- functions ----------

export async function describeFunction(clients: FreshetClients, name: string): Promise<GetFunctionCommandOutput | undefined> {
  try {
    return await clients.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  } catch (e) {
    if (isCode(e, 'ResourceNotFoundException')) return undefined;
    throw e;
  }
}

function configOf(f: FunctionSpec, defaultRole: string) {
  return {
    Runtime: f.Runtime as Runtime,
    Handler: f.Handler,
    Role: f.Role ?? defaultRole,
    Description: f.Description ?? '',
    Timeout: f.Timeout ?? 3,
    MemorySize: f.MemorySize ?? 128,
    Environment: { Variables: f.Environment?.Variables ?? {} },
  };
}

export async function planFunction(f: FunctionSpec, ctx: Ctx): Promise<PlannedStep> {
  const { clients } = ctx;
  const zip = await zipDirectory(f.codeDirectory);
  const sha = createHash('sha256').update(zip).digest('base64');
  const current = await describeFunction(clients, f.FunctionName);
  const want = configOf(f, ctx.defaultRoleArn);
  if (!current) {
    return {
      resource: 'function',
      name: f.FunctionName,
      action: 'create',
      details: [`${f.Runtime} ${f.Handler ?? ''}`.trim(), `code ${f.codeDirectory} (${zip.length} bytes zipped)`],
      apply: async () => {
        const env = await ctx.resolve(want.Environment, false);
        await clients.lambda.send(
          new CreateFunctionCommand({
            FunctionName: f.FunctionName,
            ...want,
            Environment: env,
            Code: { ZipFile: zip },
            Tags: { ...(f.Tags ?? {}), [PIPELINE_TAG]: ctx.pipeline },
          }),
        );
        ctx.markCreated(`function/${f.FunctionName}`);
        if (f.ReservedConcurrentExecutions !== undefined) {
          await clients.lambda.send(
            new PutFunctionConcurrencyCommand({ FunctionName: f.FunctionName, ReservedConcurrentExecutions: f.ReservedConcurrentExecutions }),
          );
        }
      },
    };
  }
  const c = current.Configuration ?? {};
  const env = await ctx.resolve(want.Environment, true);
  const details: string[] = [];
  if (c.Runtime !== want.Runtime) details.push(`Runtime ${c.Runtime} → ${want.Runtime}`);
  if ((c.Handler ?? undefined) !== want.Handler && want.Handler !== undefined) details.push(`Handler ${c.Handler} → ${want.Handler}`);
  if (c.Timeout !== want.Timeout) details.push(`Timeout ${c.Timeout} → ${want.Timeout}`);
  if (c.MemorySize !== want.MemorySize) details.push(`MemorySize ${c.MemorySize} → ${want.MemorySize}`);
  if ((c.Description ?? '') !== want.Description) details.push('Description changed');
  if (JSON.stringify(c.Environment?.Variables ?? {}) !== JSON.stringify(env.Variables)) details.push('Environment changed');
  const configChanged = details.length > 0;
  const codeChanged = c.CodeSha256 !== sha;
  if (codeChanged) details.push(`code ${c.CodeSha256?.slice(0, 12)}… → ${sha.slice(0, 12)}…`);
  const concurrency = current.Concurrency?.ReservedConcurrentExecutions;
  const concurrencyChanged = f.ReservedConcurrentExecutions !== concurrency;
  if (concurrencyChanged) details.push(`ReservedConcurrentExecutions ${concurrency ?? 'none'} → ${f.ReservedConcurrentExecutions ?? 'none'}`);
  if (!details.length) return { resource: 'function', name: f.FunctionName, action: 'unchanged', details: [] };
  return {
    resource: 'function',
    name: f.FunctionName,
    action: 'update',
    details,
    apply: async () => {
      if (configChanged) {
        const resolvedEnv = await ctx.resolve(want.Environment, false);
        await clients.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: f.FunctionName, ...want, Environment: resolvedEnv }));
      }
      if (codeChanged) await clients.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: f.FunctionName, ZipFile: zip }));
      if (concurrencyChanged) {
        if (f.ReservedConcurrentExecutions === undefined) await clients.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: f.FunctionName }));
        else
          await clients.lambda.send(
            new PutFunctionConcurrencyCommand({ FunctionName: f.FunctionName, ReservedConcurrentExecutions: f.ReservedConcurrentExecutions }),
          );
      }
    },
  };
}

export async function functionOwned(clients: FreshetClients, name: string, pipeline: string): Promise<boolean> {
  return (await describeFunction(clients, name))?.Tags?.[PIPELINE_TAG] === pipeline;
}

export async function deleteFunction(clients: FreshetClients, name: string): Promise<void> {
  await clients.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
}

// ---------- event source mappings ----------

export async function findMapping(clients: FreshetClients, functionName: string, sourceArn: string): Promise<EventSourceMappingConfiguration | undefined> {
  try {
    const res = await clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: functionName, EventSourceArn: sourceArn }));
    return res.EventSourceMappings?.[0];
  } catch (e) {
    if (isCode(e, 'ResourceNotFoundException')) return undefined;
    throw e;
  }
}

const COMPARED = [
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'ParallelizationFactor',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'TumblingWindowInSeconds',
] as const;

function mappingName(m: { FunctionName: string; EventSourceArn: string }): string {
  return `${m.FunctionName} ← ${m.EventSourceArn}`;
}

async function waitMappingSettled(ctx: Ctx, uuid: string): Promise<void> {
  const end = Date.now() + (ctx.waitTimeoutMs ?? 30_000);
  for (;;) {
    const s = (await ctx.clients.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State;
    if (s === 'Enabled' || s === 'Disabled') return;
    if (Date.now() > end) throw new Error(`event source mapping ${uuid} still ${s} after ${ctx.waitTimeoutMs ?? 30_000} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function planMapping(m: EventSourceMappingSpec, ctx: Ctx): Promise<PlannedStep> {
  const desired = await ctx.resolve(m, true);
  const resolvedSource = desired.EventSourceArn;
  const current = resolvedSource.includes('not created yet') ? undefined : await findMapping(ctx.clients, m.FunctionName, resolvedSource);
  if (!current) {
    return {
      resource: 'event-source-mapping',
      name: mappingName(m),
      action: 'create',
      details: [
        `BatchSize ${(m.BatchSize as number | undefined) ?? 'default'}${m.StartingPosition ? `, from ${m.StartingPosition as string}` : ''}${m.ParallelizationFactor ? `, ParallelizationFactor ${m.ParallelizationFactor as number}` : ''}`,
      ],
      apply: async () => {
        // The schema admits only CreateEventSourceMapping members (loader-checked); values are the file's.
        const input = (await ctx.resolve(m, false)) as CreateEventSourceMappingCommandInput;
        const created = await ctx.clients.lambda.send(new CreateEventSourceMappingCommand(input));
        ctx.markCreated(`event-source-mapping/${m.FunctionName}/${input.EventSourceArn}`);
        await waitMappingSettled(ctx, created.UUID!);
      },
    };
  }
  const details: string[] = [];
  const update: Record<string, unknown> = {};
  for (const k of COMPARED) {
    if (desired[k] !== undefined && desired[k] !== current[k]) {
      details.push(`${k} ${String(current[k])} → ${String(desired[k])}`);
      update[k] = desired[k];
    }
  }
  if (desired.Enabled !== undefined && (desired.Enabled ? current.State !== 'Enabled' : current.State !== 'Disabled')) {
    details.push(`Enabled → ${String(desired.Enabled)}`);
    update.Enabled = desired.Enabled;
  }
  const wantFailure = (desired.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure?.Destination;
  if (wantFailure !== undefined && wantFailure !== current.DestinationConfig?.OnFailure?.Destination) {
    details.push(`OnFailure → ${wantFailure}`);
    update.DestinationConfig = desired.DestinationConfig;
  }
  if (JSON.stringify(desired.FilterCriteria ?? null) !== JSON.stringify(current.FilterCriteria ?? null) && desired.FilterCriteria !== undefined) {
    details.push('FilterCriteria changed');
    update.FilterCriteria = desired.FilterCriteria;
  }
  if (!details.length) return { resource: 'event-source-mapping', name: mappingName(m), action: 'unchanged', details: [] };
  return {
    resource: 'event-source-mapping',
    name: mappingName(m),
    action: 'update',
    details,
    apply: async () => {
      await waitMappingSettled(ctx, current.UUID!);
      await ctx.clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: current.UUID!, ...(await ctx.resolve(update, false)) }));
      await waitMappingSettled(ctx, current.UUID!);
    },
  };
}

export async function deleteMapping(clients: FreshetClients, uuid: string, waitTimeoutMs = 30_000): Promise<void> {
  await clients.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
  const end = Date.now() + waitTimeoutMs;
  for (;;) {
    try {
      await clients.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    } catch (e) {
      if (isCode(e, 'ResourceNotFoundException')) return;
      throw e;
    }
    if (Date.now() > end) throw new Error(`event source mapping ${uuid} not deleted after ${waitTimeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type { Ctx as FunctionsPlanContext };
