/**
 * `freshet up`, `diff` and `down`: compares a pipeline file with what the
 * endpoint has, through the AWS APIs only (Kinesis, Firehose, Kinesis
 * Analytics), and applies the difference. Comparison is against the services'
 * Describe output (fields the file sets must match; fields the service adds or
 * hides are not compared), so `up` twice changes nothing the second time.
 */
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListTagsForStreamCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListTagsForDeliveryStreamCommand,
  UpdateDestinationCommand,
  type CreateDeliveryStreamCommandInput,
  type DeliveryStreamDescription,
  type UpdateDestinationCommandInput,
} from '@aws-sdk/client-firehose';
import {
  AddApplicationOutputCommand,
  CreateApplicationCommand,
  DeleteApplicationCommand,
  DeleteApplicationOutputCommand,
  DescribeApplicationCommand,
  ListTagsForResourceCommand,
  StartApplicationCommand,
  UpdateApplicationCommand,
  type ApplicationDetail,
  type ApplicationUpdate,
  type CreateApplicationCommandInput,
  type Output,
} from '@aws-sdk/client-kinesis-analytics';
import { join } from 'node:path';
import { deleteV2Application, describeV2, isV2Application, planV2Application } from './apps-v2.ts';
import type { FreshetClients } from './clients.ts';
import type { LoadedPipeline } from './load.ts';
import { PipelineState } from './state.ts';
import type { ApplicationSpec, DeliveryStreamSpec, StreamSpec } from './types.ts';
import { ViewsConnection, planViewsDown, planViewsUp, postgresUrl } from './views.ts';
import { detectorSpec, planDetectorDown, planDetectorUp } from './detectors.ts';
import type { ViewsContext } from './views.ts';
import {
  PIPELINE_TAG,
  deleteFunction,
  deleteMapping,
  deleteQueue,
  describeFunction,
  findMapping,
  functionOwned,
  planFunction,
  planMapping,
  planQueue,
  queueArn,
  queueOwned,
  queueUrl,
} from './functions.ts';
import type { FunctionsPlanContext, PlannedStep } from './functions.ts';
import type { MonitoringContext, MonitoringStep } from './monitoring.ts';
import { listIngestRoutes, planIngestRoute, planIngestRouteDown } from './ingest.ts';
import type { IngestStep } from './ingest.ts';
import { waitFor, waitForStreamActive, waitForStreamGone } from '../client/index.ts';
import { waitForApplicationGone, waitForApplicationRunning, waitForApplicationSettled } from './wait.ts';

export { PIPELINE_TAG };

export type ResourceKind =
  | 'stream'
  | 'delivery-stream'
  | 'application'
  | 'external-schema'
  | 'materialized-view'
  | 'queue'
  | 'function'
  | 'event-source-mapping'
  | 'ingest-route'
  | 'detector'
  | 'alarm'
  | 'dashboard';
export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'unchanged' | 'keep';

export interface PlannedChange {
  resource: ResourceKind;
  name: string;
  action: ChangeAction;
  /** Human-readable lines: what differs, or why a resource is kept. */
  details: string[];
}

interface ExecutableChange extends PlannedChange {
  apply?: () => Promise<void>;
}

export interface ApplyOptions {
  log?: (line: string) => void;
  /** Where the record of created resources lives (default: `.freshet` next to the pipeline file). */
  stateDir?: string;
  /** Timeout for resources to become ACTIVE / disappear. */
  waitTimeoutMs?: number;
}

/**
 * `up` failed part-way (the file was valid, a request was refused): what had been changed before the failing
 * step, and the failure itself as `cause`. `down` undoes it: it deletes what this pipeline created and nothing else.
 */
export class ApplyError extends Error {
  constructor(
    readonly failed: { resource: ResourceKind; name: string },
    readonly done: readonly PlannedChange[],
    cause: unknown,
  ) {
    super(`up stopped at ${failed.resource} ${failed.name}`, { cause });
    this.name = 'ApplyError';
  }

  /** Changes made before the failure (unchanged resources left out). */
  get changed(): PlannedChange[] {
    return this.done.filter((c) => c.action !== 'unchanged' && c.action !== 'keep');
  }
}

const isNotFound = (e: unknown) => (e as { name?: string })?.name === 'ResourceNotFoundException';

// ---------- references and comparison ----------

const REF = /\$\{(stream|delivery|queue|function):([^}]+)\}/g;

/** Looks up ARNs for `${stream:x}` / `${delivery:x}` references. */
class Resolver {
  private readonly cache = new Map<string, string>();
  constructor(private readonly clients: FreshetClients) {}

  async arn(kind: string, name: string): Promise<string | undefined> {
    const key = `${kind}:${name}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    try {
      const arn =
        kind === 'stream'
          ? (await this.clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamARN
          : kind === 'queue'
            ? await queueArn(this.clients, name)
            : kind === 'function'
              ? (await describeFunction(this.clients, name))?.Configuration?.FunctionArn
              : (await this.clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription
                  ?.DeliveryStreamARN;
      if (arn) this.cache.set(key, arn);
      return arn;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  forget(kind: string, name: string): void {
    this.cache.delete(`${kind}:${name}`);
  }

  /** Deep copy of `value` with references replaced; unresolvable ones become `<kind name, not created yet>` when lenient. */
  async resolve<T>(value: T, lenient: boolean): Promise<T> {
    if (typeof value === 'string') {
      let out = value as string;
      for (const m of [...(value as string).matchAll(REF)]) {
        const arn = await this.arn(m[1]!, m[2]!);
        if (!arn && !lenient) throw new Error(`${m[0]}: ${m[1]} ${m[2]} does not exist`);
        out = out.replace(m[0], arn ?? `<${m[1]} ${m[2]}, not created yet>`);
      }
      return out as T;
    }
    if (Array.isArray(value)) return (await Promise.all(value.map((v) => this.resolve(v, lenient)))) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await this.resolve(v, lenient);
      return out as T;
    }
    return value;
  }
}

/** Fills `RoleARN` where AWS requires one and the file gave none. */
function fillRoles(value: unknown, role: string, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => fillRoles(v, role, parentKey));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = fillRoles(v, role, k);
  const needsRole =
    /^(KinesisStreamsInput|KinesisFirehoseInput|KinesisStreamsOutput|KinesisFirehoseOutput|LambdaOutput|KinesisStreamSourceConfiguration|S3Configuration|S3BackupConfiguration)$/.test(
      parentKey,
    ) || /DestinationConfiguration$/.test(parentKey);
  if (needsRole && out.RoleARN === undefined && !/HttpEndpointDestinationConfiguration/.test(parentKey)) out.RoleARN = role;
  return out;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b);
  return a === b;
}

/**
 * Paths where `desired` differs from `actual`. Keys the service does not
 * return (secrets, fields it does not model) are not compared.
 */
export function subsetDiff(desired: unknown, actual: unknown, path = ''): string[] {
  if (actual === undefined || actual === null) return [];
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual)) return [path || '.'];
    if (desired.length !== actual.length) return [`${path} (${actual.length} → ${desired.length} items)`];
    return desired.flatMap((d, i) => subsetDiff(d, actual[i], `${path}[${i}]`));
  }
  if (desired && typeof desired === 'object') {
    if (typeof actual !== 'object') return [path || '.'];
    return Object.entries(desired).flatMap(([k, v]) => subsetDiff(v, (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return same(desired, actual) ? [] : [`${path}: ${JSON.stringify(actual)} → ${JSON.stringify(desired)}`];
}

const normalizeSql = (s: string | undefined) => (s ?? '').replace(/\r\n/g, '\n').trim();

// ---------- streams ----------

async function describeStream(clients: FreshetClients, name: string): Promise<StreamDescriptionSummary | undefined> {
  try {
    return (await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function streamTags(clients: FreshetClients, name: string): Promise<Record<string, string>> {
  try {
    const res = await clients.kinesis.send(new ListTagsForStreamCommand({ StreamName: name }));
    return Object.fromEntries((res.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
  } catch {
    return {};
  }
}

async function planStream(s: StreamSpec, ctx: Context): Promise<ExecutableChange> {
  const { clients, pipeline, state, opts } = ctx;
  const key = `stream/${s.name}`;
  const current = await describeStream(clients, s.name);
  const mode = s.mode === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED';
  const wantTags = { ...(s.tags ?? {}) };
  if (!current) {
    const shards = s.shards ?? 1;
    return {
      resource: 'stream',
      name: s.name,
      action: 'create',
      details: [mode === 'ON_DEMAND' ? 'on-demand' : `${shards} shard${shards === 1 ? '' : 's'}`, `retention ${s.retentionHours ?? 24} h`],
      apply: async () => {
        await clients.kinesis.send(
          new CreateStreamCommand(
            mode === 'ON_DEMAND' ? { StreamName: s.name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } } : { StreamName: s.name, ShardCount: shards },
          ),
        );
        state.markCreated(key);
        await waitForStreamActive(clients.kinesis, s.name, { timeoutMs: opts.waitTimeoutMs });
        await clients.kinesis.send(new AddTagsToStreamCommand({ StreamName: s.name, Tags: { ...wantTags, [PIPELINE_TAG]: pipeline } }));
        if (s.retentionHours !== undefined && s.retentionHours > 24) {
          await clients.kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: s.name, RetentionPeriodHours: s.retentionHours }));
          await waitForStreamActive(clients.kinesis, s.name, { timeoutMs: opts.waitTimeoutMs });
        }
      },
    };
  }
  const details: string[] = [];
  const steps: (() => Promise<unknown>)[] = [];
  const currentMode = current.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
  if (s.mode !== undefined && currentMode !== mode) {
    details.push(`mode ${currentMode} → ${mode}`);
    steps.push(() => clients.kinesis.send(new UpdateStreamModeCommand({ StreamARN: current.StreamARN, StreamModeDetails: { StreamMode: mode } })));
  }
  if (mode === 'PROVISIONED' && s.shards !== undefined && current.OpenShardCount !== s.shards) {
    details.push(`shards ${current.OpenShardCount} → ${s.shards}`);
    steps.push(() => clients.kinesis.send(new UpdateShardCountCommand({ StreamName: s.name, TargetShardCount: s.shards, ScalingType: 'UNIFORM_SCALING' })));
  }
  if (s.retentionHours !== undefined && current.RetentionPeriodHours !== s.retentionHours) {
    details.push(`retention ${current.RetentionPeriodHours} h → ${s.retentionHours} h`);
    const Cmd = s.retentionHours > (current.RetentionPeriodHours ?? 24) ? IncreaseStreamRetentionPeriodCommand : DecreaseStreamRetentionPeriodCommand;
    steps.push(() => clients.kinesis.send(new Cmd({ StreamName: s.name, RetentionPeriodHours: s.retentionHours! })));
  }
  const have = await streamTags(clients, s.name);
  const changedTags = Object.entries(wantTags).filter(([k, v]) => have[k] !== v);
  if (changedTags.length) {
    details.push(`tags ${changedTags.map(([k, v]) => `${k}=${v}`).join(', ')}`);
    steps.push(() => clients.kinesis.send(new AddTagsToStreamCommand({ StreamName: s.name, Tags: Object.fromEntries(changedTags) })));
  }
  if (!steps.length) return { resource: 'stream', name: s.name, action: 'unchanged', details: [] };
  return {
    resource: 'stream',
    name: s.name,
    action: 'update',
    details,
    apply: async () => {
      for (const step of steps) {
        await step();
        await waitForStreamActive(clients.kinesis, s.name, { timeoutMs: opts.waitTimeoutMs });
      }
    },
  };
}

// ---------- delivery streams ----------

async function describeDelivery(clients: FreshetClients, name: string): Promise<DeliveryStreamDescription | undefined> {
  try {
    return (await clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function waitDeliveryActive(clients: FreshetClients, name: string, timeoutMs?: number): Promise<void> {
  await waitFor(
    `delivery stream ${name} to become ACTIVE`,
    async () => {
      const d = await describeDelivery(clients, name);
      if (d?.DeliveryStreamStatus === 'CREATING_FAILED') throw new Error(`delivery stream ${name} failed to create: ${d.FailureDescription?.Details ?? ''}`);
      return d?.DeliveryStreamStatus === 'ACTIVE' ? true : undefined;
    },
    { timeoutMs },
  );
}

async function waitDeliveryGone(clients: FreshetClients, name: string, timeoutMs?: number): Promise<void> {
  await waitFor(`delivery stream ${name} to be deleted`, async () => ((await describeDelivery(clients, name)) ? undefined : true), { timeoutMs });
}

function deliveryCreateInput(spec: DeliveryStreamSpec, resolved: Record<string, unknown>, pipeline: string): CreateDeliveryStreamCommandInput {
  const tags = ((spec.Tags as { Key: string; Value?: string }[] | undefined) ?? []).filter((t) => t.Key !== PIPELINE_TAG);
  return { ...resolved, Tags: [...tags, { Key: PIPELINE_TAG, Value: pipeline }] } as unknown as CreateDeliveryStreamCommandInput;
}

async function planDelivery(spec: DeliveryStreamSpec, ctx: Context): Promise<ExecutableChange> {
  const { clients, pipeline, state, resolver, loaded, opts } = ctx;
  const name = spec.DeliveryStreamName;
  const key = `delivery-stream/${name}`;
  const withRoles = fillRoles(spec, loaded.spec.defaultRoleArn) as Record<string, unknown>;
  const current = await describeDelivery(clients, name);
  const create = async () => {
    const resolved = await resolver.resolve(withRoles, false);
    await clients.firehose.send(new CreateDeliveryStreamCommand(deliveryCreateInput(spec, resolved, pipeline)));
    state.markCreated(key);
    await waitDeliveryActive(clients, name, opts.waitTimeoutMs);
  };
  const type = (spec.DeliveryStreamType as string | undefined) ?? (spec.KinesisStreamSourceConfiguration ? 'KinesisStreamAsSource' : 'DirectPut');
  const destKeys = Object.keys(spec).filter((k) => k.endsWith('DestinationConfiguration'));
  if (!current) {
    return {
      resource: 'delivery-stream',
      name,
      action: 'create',
      details: [type, ...destKeys.map((k) => k.replace('DestinationConfiguration', ' destination'))],
      apply: create,
    };
  }
  const desired = await resolver.resolve(withRoles, true);
  const replaceWhy: string[] = [];
  if ((current.DeliveryStreamType ?? 'DirectPut') !== type) replaceWhy.push(`type ${current.DeliveryStreamType} → ${type}`);
  const wantSource = (desired.KinesisStreamSourceConfiguration as { KinesisStreamARN?: string } | undefined)?.KinesisStreamARN;
  const haveSource = current.Source?.KinesisStreamSourceDescription?.KinesisStreamARN;
  if (wantSource && haveSource && wantSource !== haveSource) replaceWhy.push(`source ${haveSource} → ${wantSource}`);
  if (replaceWhy.length) {
    return {
      resource: 'delivery-stream',
      name,
      action: 'replace',
      details: replaceWhy,
      apply: async () => {
        await ensureOwned(ctx, 'delivery-stream', name, `the file changes its ${replaceWhy.join(', ')} (AWS cannot update that in place)`);
        await clients.firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name }));
        await waitDeliveryGone(clients, name, opts.waitTimeoutMs);
        await create();
      },
    };
  }
  const dest = (current.Destinations ?? [])[0] as unknown as Record<string, unknown> | undefined;
  const updates: Record<string, unknown> = {};
  const details: string[] = [];
  for (const k of destKeys) {
    const descKey = k.replace('Configuration', 'Description');
    const have = dest?.[descKey];
    const diffs = have === undefined ? ['destination type changes'] : subsetDiff(desired[k], have);
    if (diffs.length) {
      details.push(...diffs.map((d) => `${k.replace('Configuration', '')}: ${d}`));
      const update = { ...(desired[k] as Record<string, unknown>) };
      if (update.S3BackupConfiguration !== undefined) {
        update.S3BackupUpdate = update.S3BackupConfiguration;
        delete update.S3BackupConfiguration;
      }
      updates[k.replace('Configuration', 'Update')] = update;
    }
  }
  if (!details.length) return { resource: 'delivery-stream', name, action: 'unchanged', details: [] };
  return {
    resource: 'delivery-stream',
    name,
    action: 'update',
    details,
    apply: async () => {
      const fresh = (await describeDelivery(clients, name))!;
      const input = {
        DeliveryStreamName: name,
        CurrentDeliveryStreamVersionId: fresh.VersionId,
        DestinationId: fresh.Destinations?.[0]?.DestinationId ?? 'destinationId-000000000001',
        ...(await resolver.resolve(updates, false)),
      } as unknown as UpdateDestinationCommandInput;
      await clients.firehose.send(new UpdateDestinationCommand(input));
    },
  };
}

// ---------- SQL applications ----------

async function describeApp(clients: FreshetClients, name: string): Promise<ApplicationDetail | undefined> {
  try {
    return (await clients.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

function startPosition(spec: ApplicationSpec): string | undefined {
  if (spec.start === false) return undefined;
  if (spec.start === undefined || spec.start === true) return 'NOW';
  return spec.start;
}

/** StartApplication, then polls until the application is RUNNING (it is STARTING meanwhile, as on AWS). */
async function startApp(clients: FreshetClients, name: string, position: string, timeoutMs: number | undefined): Promise<void> {
  const detail = await describeApp(clients, name);
  const inputId = detail?.InputDescriptions?.[0]?.InputId;
  if (!inputId) return;
  await clients.analytics.send(
    new StartApplicationCommand({
      ApplicationName: name,
      InputConfigurations: [{ Id: inputId, InputStartingPositionConfiguration: { InputStartingPosition: position as 'NOW' } }],
    }),
  );
  await waitForApplicationRunning(clients.analytics, name, { timeoutMs });
}

function outputDestination(o: Record<string, unknown>): { kind: string; arn?: string; role?: string } {
  for (const kind of ['KinesisFirehoseOutput', 'KinesisStreamsOutput', 'LambdaOutput']) {
    const v = o[kind] as { ResourceARN?: string; RoleARN?: string } | undefined;
    if (v) return { kind, arn: v.ResourceARN, role: v.RoleARN };
  }
  return { kind: 'none' };
}

function outputDescriptionDestination(o: Record<string, unknown>): { kind: string; arn?: string } {
  for (const kind of ['KinesisFirehoseOutput', 'KinesisStreamsOutput', 'LambdaOutput']) {
    const v = o[`${kind}Description`] as { ResourceARN?: string } | undefined;
    if (v) return { kind, arn: v.ResourceARN };
  }
  return { kind: 'none' };
}

async function planApplication(spec: ApplicationSpec, ctx: Context): Promise<ExecutableChange> {
  const { clients, pipeline, state, resolver, loaded, opts } = ctx;
  const name = spec.ApplicationName;
  const key = `application/${name}`;
  if (isV2Application(spec)) {
    const tags = [
      ...(spec.Tags ?? []).filter((t) => t.Key !== PIPELINE_TAG).map((t) => ({ Key: t.Key, Value: t.Value ?? '' })),
      { Key: PIPELINE_TAG, Value: pipeline },
    ];
    const c = await planV2Application(clients.analyticsV2, spec, loaded.spec.defaultRoleArn, tags, {
      ...(opts.waitTimeoutMs !== undefined ? { timeoutMs: opts.waitTimeoutMs } : {}),
      onCreated: () => state.markCreated(key),
    });
    return { resource: 'application', name, action: c.action, details: c.details, ...(c.apply ? { apply: c.apply } : {}) };
  }
  const withRoles = fillRoles({ Inputs: spec.Inputs ?? [], Outputs: spec.Outputs ?? [] }, loaded.spec.defaultRoleArn) as {
    Inputs: Record<string, unknown>[];
    Outputs: Record<string, unknown>[];
  };
  const position = startPosition(spec);
  const current = await describeApp(clients, name);
  if (!current) {
    return {
      resource: 'application',
      name,
      action: 'create',
      details: [`${(spec.Inputs ?? []).length} input(s), ${(spec.Outputs ?? []).length} output(s)${position ? `, started from ${position}` : ''}`],
      apply: async () => {
        const resolved = await resolver.resolve(withRoles, false);
        const tags = (spec.Tags ?? []).filter((t) => t.Key !== PIPELINE_TAG);
        const input: CreateApplicationCommandInput = {
          ApplicationName: name,
          ApplicationDescription: spec.ApplicationDescription,
          ApplicationCode: spec.ApplicationCode,
          Inputs: resolved.Inputs as unknown as CreateApplicationCommandInput['Inputs'],
          Outputs: resolved.Outputs as unknown as CreateApplicationCommandInput['Outputs'],
          CloudWatchLoggingOptions: spec.CloudWatchLoggingOptions as CreateApplicationCommandInput['CloudWatchLoggingOptions'],
          Tags: [...tags, { Key: PIPELINE_TAG, Value: pipeline }],
        };
        await clients.analytics.send(new CreateApplicationCommand(input));
        state.markCreated(key);
        if (position) await startApp(clients, name, position, opts.waitTimeoutMs);
      },
    };
  }

  const desired = await resolver.resolve(withRoles, true);
  const details: string[] = [];
  const update: ApplicationUpdate = {};
  if (normalizeSql(current.ApplicationCode) !== normalizeSql(spec.ApplicationCode)) {
    details.push('SQL code changed');
    update.ApplicationCodeUpdate = spec.ApplicationCode;
  }
  const inputUpdates: NonNullable<ApplicationUpdate['InputUpdates']> = [];
  desired.Inputs.forEach((want, i) => {
    const have = current.InputDescriptions?.[i] as Record<string, unknown> | undefined;
    if (!have) {
      details.push(`input ${want.NamePrefix as string}: adding inputs to an existing application is not supported; run \`freshet down\` then \`up\``);
      return;
    }
    const u: Record<string, unknown> = { InputId: have.InputId };
    const d: string[] = [];
    if (want.NamePrefix !== have.NamePrefix) {
      u.NamePrefixUpdate = want.NamePrefix;
      d.push(`NamePrefix ${JSON.stringify(have.NamePrefix)} → ${JSON.stringify(want.NamePrefix)}`);
    }
    const wantKs = want.KinesisStreamsInput as { ResourceARN?: string; RoleARN?: string } | undefined;
    const haveKs = have.KinesisStreamsInputDescription as { ResourceARN?: string } | undefined;
    if (wantKs && wantKs.ResourceARN !== haveKs?.ResourceARN) {
      u.KinesisStreamsInputUpdate = { ResourceARNUpdate: wantKs.ResourceARN, RoleARNUpdate: wantKs.RoleARN };
      d.push(`source ${haveKs?.ResourceARN ?? 'none'} → ${wantKs.ResourceARN}`);
    }
    const schemaDiff = subsetDiff(want.InputSchema, have.InputSchema);
    if (schemaDiff.length) {
      const s = want.InputSchema as { RecordFormat: unknown; RecordEncoding?: string; RecordColumns: unknown[] };
      u.InputSchemaUpdate = { RecordFormatUpdate: s.RecordFormat, RecordEncodingUpdate: s.RecordEncoding, RecordColumnUpdates: s.RecordColumns };
      d.push(...schemaDiff.map((x) => `InputSchema.${x}`));
    }
    if (d.length) {
      inputUpdates.push(u as unknown as NonNullable<ApplicationUpdate['InputUpdates']>[number]);
      details.push(...d.map((x) => `input ${want.NamePrefix as string}: ${x}`));
    }
  });
  if (inputUpdates.length) update.InputUpdates = inputUpdates;

  const haveOutputs = (current.OutputDescriptions ?? []) as Record<string, unknown>[];
  const norm = (n: unknown) => String(n).toUpperCase();
  const outputUpdates: NonNullable<ApplicationUpdate['OutputUpdates']> = [];
  const addOutputs: Record<string, unknown>[] = [];
  for (const want of desired.Outputs) {
    const have = haveOutputs.find((o) => norm(o.Name) === norm(want.Name));
    if (!have) {
      addOutputs.push(want);
      details.push(`output ${want.Name as string}: add`);
      continue;
    }
    const w = outputDestination(want);
    const h = outputDescriptionDestination(have);
    const u: Record<string, unknown> = { OutputId: have.OutputId };
    const d: string[] = [];
    if (w.kind !== h.kind || w.arn !== h.arn) {
      u[`${w.kind}Update`] = { ResourceARNUpdate: w.arn, RoleARNUpdate: w.role };
      d.push(`destination ${h.arn ?? h.kind} → ${w.arn ?? w.kind}`);
    }
    const schemaDiff = subsetDiff(want.DestinationSchema, have.DestinationSchema);
    if (schemaDiff.length) {
      u.DestinationSchemaUpdate = want.DestinationSchema;
      d.push(...schemaDiff.map((x) => `DestinationSchema.${x}`));
    }
    if (d.length) {
      outputUpdates.push(u as unknown as NonNullable<ApplicationUpdate['OutputUpdates']>[number]);
      details.push(...d.map((x) => `output ${want.Name as string}: ${x}`));
    }
  }
  if (outputUpdates.length) update.OutputUpdates = outputUpdates;
  const removeOutputs = haveOutputs.filter((h) => !desired.Outputs.some((w) => norm(w.Name) === norm(h.Name)));
  for (const r of removeOutputs) details.push(`output ${r.Name as string}: remove`);

  const needsStart = position !== undefined && current.ApplicationStatus === 'READY';
  if (needsStart) details.push(`start (status READY) from ${position}`);
  const hasUpdate = Object.keys(update).length > 0;
  if (!details.length) return { resource: 'application', name, action: 'unchanged', details: [] };
  if (hasUpdate) details.push(`version ${current.ApplicationVersionId} → ${(current.ApplicationVersionId ?? 0) + 1}`);
  const unsupported = details.some((d) => d.includes('not supported'));
  return {
    resource: 'application',
    name,
    action: 'update',
    details,
    apply: async () => {
      if (unsupported) throw new Error(`application ${name}: ${details.find((d) => d.includes('not supported'))}`);
      const version = async () => (await describeApp(clients, name))!.ApplicationVersionId!;
      // Every change leaves the application UPDATING for a moment, and a change is refused
      // (ResourceInUseException) until it is READY or RUNNING again: wait before each one.
      const settled = () => waitForApplicationSettled(clients.analytics, name, { timeoutMs: opts.waitTimeoutMs });
      await settled();
      if (hasUpdate) {
        const resolved = await resolver.resolve(update, false);
        await clients.analytics.send(
          new UpdateApplicationCommand({ ApplicationName: name, CurrentApplicationVersionId: await version(), ApplicationUpdate: resolved }),
        );
        await settled();
      }
      for (const o of addOutputs) {
        const resolved = await resolver.resolve(o, false);
        await clients.analytics.send(
          new AddApplicationOutputCommand({ ApplicationName: name, CurrentApplicationVersionId: await version(), Output: resolved as unknown as Output }),
        );
        await settled();
      }
      for (const r of removeOutputs) {
        await clients.analytics.send(
          new DeleteApplicationOutputCommand({ ApplicationName: name, CurrentApplicationVersionId: await version(), OutputId: r.OutputId as string }),
        );
        await settled();
      }
      if (needsStart) await startApp(clients, name, position!, opts.waitTimeoutMs);
    },
  };
}

// ---------- ownership, plans ----------

interface Context {
  loaded: LoadedPipeline;
  clients: FreshetClients;
  pipeline: string;
  state: PipelineState;
  resolver: Resolver;
  opts: ApplyOptions;
}

/** `views:` through the Postgres endpoint (views.ts); undefined when the file has none. */
function viewsContext(ctx: Context): { vctx: ViewsContext; conn: ViewsConnection } | undefined {
  const views = ctx.loaded.spec.views;
  if (views === undefined) return undefined;
  return {
    vctx: { views, defaultRoleArn: ctx.loaded.spec.defaultRoleArn, pipeline: ctx.pipeline, endpoint: ctx.clients.endpoint, state: ctx.state },
    // Under --auth enforce the endpoint logs in with the same credentials the other blocks sign with.
    conn: new ViewsConnection(postgresUrl(views, ctx.clients.endpoint), () => ctx.clients.kinesis.config.credentials()),
  };
}

function makeContext(loaded: LoadedPipeline, clients: FreshetClients, opts: ApplyOptions): Context {
  return {
    loaded,
    clients,
    pipeline: loaded.spec.name,
    state: new PipelineState(opts.stateDir ?? join(loaded.dir, '.freshet'), loaded.spec.name, clients.endpoint),
    resolver: new Resolver(clients),
    opts,
  };
}

function functionsContext(ctx: Context): FunctionsPlanContext {
  return {
    clients: ctx.clients,
    pipeline: ctx.pipeline,
    defaultRoleArn: ctx.loaded.spec.defaultRoleArn,
    resolve: (value, lenient) => ctx.resolver.resolve(value, lenient),
    markCreated: (key) => ctx.state.markCreated(key),
    created: (key) => ctx.state.created(key),
    waitTimeoutMs: ctx.opts.waitTimeoutMs,
  };
}

const asChange = (step: PlannedStep | IngestStep | MonitoringStep): ExecutableChange => step;

/** alarms:/dashboards: (monitoring.ts and the CloudWatch client), loaded only for files that have them. */
const monitoring = () => import('./monitoring.ts');

function monitoringContext(ctx: Context): MonitoringContext {
  return {
    clients: ctx.clients,
    pipeline: ctx.pipeline,
    resolve: (value, lenient) => ctx.resolver.resolve(value, lenient),
    markCreated: (key) => ctx.state.markCreated(key),
    markDeleted: (key) => ctx.state.markDeleted(key),
    created: (key) => ctx.state.created(key),
  };
}

/** Whether this pipeline created the resource: its tag, or the local record of `up`. */
async function ownedBy(ctx: Context, kind: ResourceKind, name: string): Promise<boolean> {
  if (ctx.state.created(`${kind}/${name}`)) return true;
  try {
    if (kind === 'stream') return (await streamTags(ctx.clients, name))[PIPELINE_TAG] === ctx.pipeline;
    if (kind === 'queue') return await queueOwned(ctx.clients, name, ctx.pipeline);
    if (kind === 'function') return await functionOwned(ctx.clients, name, ctx.pipeline);
    if (kind === 'event-source-mapping') return false;
    if (kind === 'delivery-stream') {
      const res = await ctx.clients.firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: name }));
      return (res.Tags ?? []).some((t) => t.Key === PIPELINE_TAG && t.Value === ctx.pipeline);
    }
    const detail = await describeApp(ctx.clients, name);
    if (!detail?.ApplicationARN) return false;
    const res = await ctx.clients.analytics.send(new ListTagsForResourceCommand({ ResourceARN: detail.ApplicationARN }));
    return (res.Tags ?? []).some((t) => t.Key === PIPELINE_TAG && t.Value === ctx.pipeline);
  } catch {
    return false;
  }
}

async function ensureOwned(ctx: Context, kind: ResourceKind, name: string, why: string): Promise<void> {
  if (!(await ownedBy(ctx, kind, name))) {
    throw new Error(`${kind} ${name} must be replaced because ${why}, but this pipeline did not create it; delete it yourself or rename it in the file`);
  }
}

async function planUpChanges(ctx: Context): Promise<ExecutableChange[]> {
  const { spec } = ctx.loaded;
  const changes: ExecutableChange[] = [];
  const fctx = functionsContext(ctx);
  for (const s of spec.streams) changes.push(await planStream(s, ctx));
  for (const q of spec.queues) changes.push(asChange(await planQueue(q, fctx)));
  for (const d of spec.deliveryStreams) changes.push(await planDelivery(d, ctx));
  for (const a of spec.applications) changes.push(await planApplication(a, ctx));
  for (const f of spec.functions) changes.push(asChange(await planFunction(f, fctx)));
  for (const m of spec.eventSourceMappings) changes.push(asChange(await planMapping(m, fctx)));
  if (spec.ingest.length) {
    const existing = await listIngestRoutes(ctx.clients.endpoint);
    for (const r of spec.ingest) changes.push(asChange(await planIngestRoute(r, ctx.clients.endpoint, ctx.pipeline, existing)));
  }
  const v = viewsContext(ctx);
  if (v) {
    // Views of streams this plan would create cannot be checked yet: they are created after them.
    changes.push(...(await planViewsUp(v.vctx, v.conn)));
  }
  for (const d of spec.detectors) changes.push(await planDetectorUp(detectorSpec(d, spec), ctx.clients, ctx.pipeline, (k) => ctx.state.markCreated(k)));
  const mctx = monitoringContext(ctx);
  if (spec.alarms.length > 0 || spec.dashboards.length > 0) {
    const { planAlarm, planDashboard } = await monitoring();
    for (const a of spec.alarms) changes.push(asChange(await planAlarm(a, mctx)));
    for (const d of spec.dashboards) changes.push(asChange(await planDashboard(d, mctx)));
  }
  return changes;
}

const strip = ({ apply: _apply, ...c }: ExecutableChange): PlannedChange => c;

/** What `up` would do (`freshet diff`). */
export async function planUp(loaded: LoadedPipeline, clients: FreshetClients, opts: Pick<ApplyOptions, 'stateDir'> = {}): Promise<PlannedChange[]> {
  return (await planUpChanges(makeContext(loaded, clients, opts))).map(strip);
}

/** Creates or updates every resource of the file, in dependency order; returns what was done. */
export async function applyUp(loaded: LoadedPipeline, clients: FreshetClients, opts: ApplyOptions = {}): Promise<PlannedChange[]> {
  const ctx = makeContext(loaded, clients, opts);
  const done: PlannedChange[] = [];
  // Plan and apply one kind at a time: a delivery stream's plan needs the ARN of a stream created just before.
  const { spec } = loaded;
  const fctx = functionsContext(ctx);
  const groups: (() => Promise<ExecutableChange>)[][] = [
    spec.streams.map((s) => () => planStream(s, ctx)),
    spec.queues.map((q) => async () => asChange(await planQueue(q, fctx))),
    spec.deliveryStreams.map((d) => () => planDelivery(d, ctx)),
    spec.applications.map((a) => () => planApplication(a, ctx)),
    spec.functions.map((f) => async () => asChange(await planFunction(f, fctx))),
    spec.eventSourceMappings.map((m) => async () => asChange(await planMapping(m, fctx))),
    // Ingest routes write into the streams above, so they open once the rest is in place.
    spec.ingest.map((r) => async () => asChange(await planIngestRoute(r, clients.endpoint, ctx.pipeline, await listIngestRoutes(clients.endpoint)))),
  ];
  const names = [spec.streams.map((s) => s.name), spec.deliveryStreams.map((d) => d.DeliveryStreamName), spec.applications.map((a) => a.ApplicationName)];
  const kinds: ResourceKind[] = ['stream', 'delivery-stream', 'application'];
  for (const [g, group] of groups.entries()) {
    for (const [i, plan] of group.entries()) {
      try {
        const change = await plan();
        if (change.apply) await change.apply();
        opts.log?.(formatChange(change));
        done.push(strip(change));
      } catch (e) {
        throw new ApplyError({ resource: kinds[g]!, name: names[g]![i]! }, done, e);
      }
    }
  }
  // Views last: they read the streams created above.
  const v = viewsContext(ctx);
  if (v) {
    for (const change of await planViewsUp(v.vctx, v.conn)) {
      if (change.apply) await change.apply();
      opts.log?.(formatChange(change));
      done.push(strip(change));
    }
  }
  // Detectors last: they read what the delivery streams write.
  for (const d of spec.detectors) {
    const change: ExecutableChange = await planDetectorUp(detectorSpec(d, spec), clients, ctx.pipeline, (k) => ctx.state.markCreated(k));
    if (change.apply) await change.apply();
    opts.log?.(formatChange(change));
    done.push(strip(change));
  }
  // Alarms and dashboards last: they watch (and may invoke) everything above.
  const mctx = monitoringContext(ctx);
  const steps: Array<[ResourceKind, string, () => Promise<ExecutableChange>]> = [
    ...spec.alarms.map((a): [ResourceKind, string, () => Promise<ExecutableChange>] => [
      'alarm',
      a.AlarmName,
      async () => asChange(await (await monitoring()).planAlarm(a, mctx)),
    ]),
    ...spec.dashboards.map((d): [ResourceKind, string, () => Promise<ExecutableChange>] => [
      'dashboard',
      d.DashboardName,
      async () => asChange(await (await monitoring()).planDashboard(d, mctx)),
    ]),
  ];
  for (const [kind, name, plan] of steps) {
    try {
      const change = await plan();
      if (change.apply) await change.apply();
      opts.log?.(formatChange(change));
      done.push(strip(change));
    } catch (e) {
      throw new ApplyError({ resource: kind, name }, done, e);
    }
  }
  return done;
}

async function planDownChanges(ctx: Context): Promise<ExecutableChange[]> {
  const { spec } = ctx.loaded;
  const { clients, opts, state } = ctx;
  const changes: ExecutableChange[] = [];
  const consider = async (kind: ResourceKind, name: string, exists: boolean, del: () => Promise<void>) => {
    if (!exists) return;
    if (!(await ownedBy(ctx, kind, name))) {
      changes.push({ resource: kind, name, action: 'keep', details: [`not created by pipeline ${ctx.pipeline}`] });
      return;
    }
    changes.push({
      resource: kind,
      name,
      action: 'delete',
      details: [],
      apply: async () => {
        await del();
        state.markDeleted(`${kind}/${name}`);
      },
    });
  };
  // Dashboards and alarms first: they watch what is deleted below.
  if (spec.alarms.length > 0 || spec.dashboards.length > 0) {
    const { planMonitoringDown } = await monitoring();
    for (const step of await planMonitoringDown(spec.alarms, spec.dashboards, monitoringContext(ctx))) changes.push(asChange(step));
  }
  // Ingest routes first: they write into the streams deleted below.
  if (spec.ingest.length) {
    const existing = await listIngestRoutes(clients.endpoint);
    for (const r of [...spec.ingest].reverse()) {
      const step = await planIngestRouteDown(r, clients.endpoint, ctx.pipeline, existing);
      if (step) changes.push(asChange(step));
    }
  }
  // Views first: they read the streams deleted below.
  const v = viewsContext(ctx);
  if (v) changes.push(...(await planViewsDown(v.vctx, v.conn)));
  for (const d of [...spec.detectors].reverse()) {
    const ds = detectorSpec(d, spec);
    const change = await planDetectorDown(ds, clients, ctx.pipeline, state.created(`detector/${ds.name}`));
    if (!change) continue;
    const del = change.apply;
    const apply = async () => {
      await del?.();
      state.markDeleted(`detector/${ds.name}`);
    };
    changes.push(del ? { ...change, apply } : change);
  }
  // Mappings first (they read streams and queues and invoke functions): deleted with the function they feed when this pipeline created it.
  for (const m of [...spec.eventSourceMappings].reverse()) {
    const source = await ctx.resolver.resolve(m.EventSourceArn, true);
    const found = source.includes('not created yet') ? undefined : await findMapping(clients, m.FunctionName, source);
    if (!found?.UUID) continue;
    const owner = spec.functions.some((f) => f.FunctionName === m.FunctionName) && (await ownedBy(ctx, 'function', m.FunctionName));
    if (!owner && !state.created(`event-source-mapping/${m.FunctionName}/${source}`)) {
      changes.push({
        resource: 'event-source-mapping',
        name: `${m.FunctionName} ← ${source}`,
        action: 'keep',
        details: [`not created by pipeline ${ctx.pipeline}`],
      });
      continue;
    }
    changes.push({
      resource: 'event-source-mapping',
      name: `${m.FunctionName} ← ${source}`,
      action: 'delete',
      details: [],
      apply: async () => {
        await deleteMapping(clients, found.UUID!, opts.waitTimeoutMs);
        state.markDeleted(`event-source-mapping/${m.FunctionName}/${source}`);
      },
    });
  }
  for (const f of [...spec.functions].reverse()) {
    await consider('function', f.FunctionName, !!(await describeFunction(clients, f.FunctionName)), () => deleteFunction(clients, f.FunctionName));
  }
  for (const a of [...spec.applications].reverse()) {
    if (isV2Application(a)) {
      const v2 = await describeV2(clients.analyticsV2, a.ApplicationName);
      await consider('application', a.ApplicationName, !!v2, () =>
        deleteV2Application(clients.analyticsV2, v2!, opts.waitTimeoutMs !== undefined ? { timeoutMs: opts.waitTimeoutMs } : {}),
      );
      continue;
    }
    const detail = await describeApp(clients, a.ApplicationName);
    await consider('application', a.ApplicationName, !!detail, async () => {
      await clients.analytics.send(new DeleteApplicationCommand({ ApplicationName: a.ApplicationName, CreateTimestamp: detail!.CreateTimestamp }));
      await waitForApplicationGone(clients.analytics, a.ApplicationName, { timeoutMs: opts.waitTimeoutMs });
    });
  }
  for (const d of [...spec.deliveryStreams].reverse()) {
    await consider('delivery-stream', d.DeliveryStreamName, !!(await describeDelivery(clients, d.DeliveryStreamName)), async () => {
      await clients.firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: d.DeliveryStreamName }));
      await waitDeliveryGone(clients, d.DeliveryStreamName, opts.waitTimeoutMs);
    });
  }
  for (const q of [...spec.queues].reverse()) {
    await consider('queue', q.QueueName, !!(await queueUrl(clients, q.QueueName)), () => deleteQueue(clients, q.QueueName));
  }
  for (const s of [...spec.streams].reverse()) {
    await consider('stream', s.name, !!(await describeStream(clients, s.name)), async () => {
      await clients.kinesis.send(new DeleteStreamCommand({ StreamName: s.name, EnforceConsumerDeletion: true }));
      await waitForStreamGone(clients.kinesis, s.name, { timeoutMs: opts.waitTimeoutMs });
    });
  }
  return changes;
}

/** What `down` would do. */
export async function planDown(loaded: LoadedPipeline, clients: FreshetClients, opts: Pick<ApplyOptions, 'stateDir'> = {}): Promise<PlannedChange[]> {
  return (await planDownChanges(makeContext(loaded, clients, opts))).map(strip);
}

/** Deletes what this pipeline created (mappings, functions, applications, delivery streams, queues, then streams); leaves everything else. */
export async function applyDown(loaded: LoadedPipeline, clients: FreshetClients, opts: ApplyOptions = {}): Promise<PlannedChange[]> {
  const ctx = makeContext(loaded, clients, opts);
  const changes = await planDownChanges(ctx);
  for (const c of changes) {
    if (c.apply) await c.apply();
    opts.log?.(formatChange(c));
  }
  return changes.map(strip);
}

const SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', replace: '±', delete: '-', unchanged: '=', keep: '·' };

export function formatChange(c: PlannedChange): string {
  const head = `${SYMBOL[c.action]} ${c.resource} ${c.name}${c.action === 'unchanged' ? ' (no changes)' : ` (${c.action})`}`;
  return c.details.length ? `${head}\n${c.details.map((d) => `    ${d}`).join('\n')}` : head;
}
