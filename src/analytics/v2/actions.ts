/**
 * The actions of KinesisAnalytics_20180523 (Managed Service for Apache Flink, API v2) for Flink
 * runtimes running Flink SQL: applications, versions and rollback, snapshots and restore, logging
 * options and tags. Every operation of the generated model is listed; those Freshet does not serve
 * answer AWS's UnknownOperationException. Requests arrive validated against the model.
 */
import type { AwsError } from '../../core/index.ts';
import { actionTable, defineAction, noActions, type ActionContext } from '../../aws/index.ts';
import type * as M from '../../aws/models/kinesisanalyticsv2.ts';
import { kinesisAnalyticsV2Model } from '../../aws/models/kinesisanalyticsv2.ts';
import { SqlError } from '../../sql/index.ts';
import type { ObjectReader } from '../runtime/reference.ts';
import type { ApplicationConfig } from '../model.ts';
import type { AnalyticsContext } from '../actions/context.ts';
import { createApplication as createV1, deleteApplication as deleteV1 } from '../actions/applications.ts';
import { startApplication as startV1, stopApplication as stopV1 } from '../actions/lifecycle.ts';
import { analyticsV2Errors } from './errors.ts';
import { FlinkJob, type JobState } from './job.ts';
import {
  applicationArnV2,
  applicationDetailV2,
  applicationSummaryV2,
  codeOf,
  conditionalToken,
  DEFAULT_CHECKPOINTING,
  DEFAULT_MONITORING,
  DEFAULT_PARALLELISM,
  maintenanceDescription,
  snapshotDetails,
  sqlOptions,
  vpcDescription,
  type V2App,
  type V2Code,
  type V2Version,
} from './model.ts';
import { DEFAULT_SESSION_SECONDS, presignedUrl } from './presign.ts';
import { inUseV2, type V2Registry } from './registry.ts';
import {
  addInput,
  addOutput,
  addProcessing,
  addReference,
  deleteOutput,
  deleteProcessing,
  deleteReference,
  discoverInputSchema,
  sqlConfigurationDescription,
  updateSqlApplication,
  withServiceRole,
} from './sql-actions.ts';

export interface V2Context {
  registry: V2Registry;
  region: string;
  accountId: string;
  readObject: ObjectReader;
  /** The KDA v1 applications, shown through v2 as SQL-1_0 applications. */
  v1?: AnalyticsContext | undefined;
  /** The server's base URL (`http://host:port`), for CreateApplicationPresignedUrl. */
  serverUrl: () => string;
}

const MAX_TAGS = 50;
const MAX_SNAPSHOTS = 1000;

// ---- code ----

function jarRefused(what: string): AwsError {
  return analyticsV2Errors.create(
    'CodeValidationException',
    `${what} holds a JVM application (JAR or classes); Freshet runs Flink SQL only: give the SQL as PLAINTEXT code, or a zip (or .sql object) holding .sql files`,
  );
}

/** The SQL of a zip: its .sql files in name order, joined; a zip of a JVM application is refused. */
async function sqlFromZip(bytes: Uint8Array, what: string): Promise<string> {
  // Loaded on use: the server does not load ZIP support at start-up.
  const { unzipSync } = await import('fflate');
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw analyticsV2Errors.create('CodeValidationException', `${what} is not a valid zip file (${e instanceof Error ? e.message : String(e)})`);
  }
  const names = Object.keys(files).sort();
  const sql = names.filter((n) => n.toLowerCase().endsWith('.sql'));
  if (sql.length === 0) {
    if (names.some((n) => /\.(jar|class)$/i.test(n))) throw jarRefused(what);
    throw analyticsV2Errors.create('CodeValidationException', `${what} holds no .sql file; put the application's Flink SQL in a .sql file of the zip`);
  }
  return sql.map((n) => Buffer.from(files[n]!).toString('utf8')).join('\n;\n');
}

async function codeFrom(ctx: V2Context, type: 'PLAINTEXT' | 'ZIPFILE', c: M.CodeContent | undefined): Promise<V2Code> {
  if (type === 'PLAINTEXT') {
    if (c?.TextContent === undefined) throw analyticsV2Errors.create('InvalidArgumentException', 'TextContent is required when CodeContentType is PLAINTEXT');
    return codeOf('PLAINTEXT', c.TextContent, c.TextContent);
  }
  if (c?.ZipFileContent !== undefined) return codeOf('ZIPFILE', await sqlFromZip(c.ZipFileContent, 'ZipFileContent'), c.ZipFileContent);
  const s3 = c?.S3ContentLocation;
  if (!s3) throw analyticsV2Errors.create('InvalidArgumentException', 'ZIPFILE code needs ZipFileContent or S3ContentLocation');
  const what = `s3 object ${s3.FileKey}`;
  if (/\.jar$/i.test(s3.FileKey)) throw jarRefused(what);
  const bytes = await ctx.readObject(s3.BucketARN, s3.FileKey);
  const sql = /\.sql$/i.test(s3.FileKey) ? Buffer.from(bytes).toString('utf8') : await sqlFromZip(bytes, what);
  return codeOf('ZIPFILE', sql, bytes, {
    bucketArn: s3.BucketARN,
    fileKey: s3.FileKey,
    ...(s3.ObjectVersion !== undefined ? { objectVersion: s3.ObjectVersion } : {}),
  });
}

/** Plans the version's SQL with its options; a mistake is CodeValidationException with line:column. */
function checkCode(v: V2Version): string {
  try {
    const app = FlinkJob.plan(v.code.sql, sqlOptions(v));
    const plan = app.sinkNames().join(', ');
    app.close();
    return `Flink SQL job writing ${plan || 'no sink'}`;
  } catch (e) {
    if (e instanceof SqlError) throw analyticsV2Errors.create('CodeValidationException', `${e.line}:${e.column}: ${e.reason}`);
    throw analyticsV2Errors.create('CodeValidationException', e instanceof Error ? e.message : String(e));
  }
}

function isFlink(runtime: string): boolean {
  return runtime.startsWith('FLINK-') || runtime.startsWith('ZEPPELIN-FLINK-');
}

// ---- applications ----

function detail(ctx: V2Context, app: V2App): M.ApplicationDetail {
  return applicationDetailV2(app, app.current, app.status, ctx.registry.job(app.name)?.parallel.n ?? 0);
}

/** A KDA v1 application as v2 shows it: SQL-1_0 with its SQL configuration. */
function v1Summary(a: ApplicationConfig): M.ApplicationSummary {
  return {
    ApplicationName: a.name,
    ApplicationARN: a.arn,
    ApplicationStatus: a.status as M.ApplicationSummary['ApplicationStatus'],
    ApplicationVersionId: a.versionId,
    RuntimeEnvironment: 'SQL-1_0',
  };
}

function v1Detail(a: ApplicationConfig): M.ApplicationDetail {
  return {
    ...v1Summary(a),
    ...(a.description !== undefined ? { ApplicationDescription: a.description } : {}),
    CreateTimestamp: a.createdMs / 1000,
    LastUpdateTimestamp: a.updatedMs / 1000,
    ApplicationConfigurationDescription: {
      ApplicationCodeConfigurationDescription: {
        CodeContentType: 'PLAINTEXT',
        CodeContentDescription: { TextContent: a.code, CodeSize: Buffer.byteLength(a.code) },
      },
      SqlApplicationConfigurationDescription: sqlConfigurationDescription(a),
    },
  };
}

function sqlOnly(name: string): AwsError {
  return analyticsV2Errors.create(
    'UnsupportedOperationException',
    `Application ${name} is a SQL-1_0 (Kinesis Data Analytics SQL) application: change its configuration through the KinesisAnalytics_20150814 API`,
  );
}

function getApp(ctx: V2Context, name: string): V2App {
  if (!ctx.registry.has(name) && ctx.v1?.registry.has(name)) throw sqlOnly(name);
  return ctx.registry.get(name);
}

const createApplication = defineAction(
  kinesisAnalyticsV2Model,
  'CreateApplication',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.CreateApplicationResponse> => {
    const name = req.ApplicationName;
    if (ctx.registry.has(name) || ctx.v1?.registry.has(name)) throw analyticsV2Errors.create('ResourceInUseException', `Application ${name} already exists`);
    if (req.RuntimeEnvironment === 'SQL-1_0' && ctx.v1) {
      // A KDA SQL application: the v1 engine runs it; v2's SqlApplicationConfiguration carries v1's Inputs/Outputs.
      const cfg = req.ApplicationConfiguration ?? {};
      const sql = cfg.SqlApplicationConfiguration;
      if (sql?.ReferenceDataSources?.length)
        throw analyticsV2Errors.create(
          'InvalidArgumentException',
          'Add reference data sources to a SQL-1_0 application after creating it, with AddApplicationReferenceDataSource',
        );
      await createV1(ctx.v1, {
        ApplicationName: name,
        ...(req.ApplicationDescription !== undefined ? { ApplicationDescription: req.ApplicationDescription } : {}),
        ApplicationCode: cfg.ApplicationCodeConfiguration?.CodeContent?.TextContent ?? '',
        Inputs: (sql?.Inputs ?? []).map((i) => withServiceRole({ ...i }, req.ServiceExecutionRole)),
        Outputs: (sql?.Outputs ?? []).map((o) => withServiceRole({ ...o }, req.ServiceExecutionRole)),
        CloudWatchLoggingOptions: (req.CloudWatchLoggingOptions ?? []).map((l) => ({ LogStreamARN: l.LogStreamARN, RoleARN: req.ServiceExecutionRole })),
        Tags: req.Tags ?? [],
      });
      return { ApplicationDetail: v1Detail(ctx.v1.registry.get(name)) };
    }
    if (!isFlink(req.RuntimeEnvironment)) {
      throw analyticsV2Errors.create('InvalidArgumentException', `RuntimeEnvironment ${req.RuntimeEnvironment} is not served by Freshet`);
    }
    const cfg = req.ApplicationConfiguration ?? {};
    if (cfg.SqlApplicationConfiguration)
      throw analyticsV2Errors.create('InvalidArgumentException', 'SqlApplicationConfiguration is only valid for SQL-1_0 applications');
    const codeCfg = cfg.ApplicationCodeConfiguration;
    if (!codeCfg) throw analyticsV2Errors.create('InvalidArgumentException', 'ApplicationCodeConfiguration is required for a Flink application');
    const untrusted = ctx.registry.untrustedRole(req.ServiceExecutionRole);
    if (untrusted !== undefined) throw analyticsV2Errors.create('InvalidArgumentException', untrusted);
    const now = ctx.registry.clock.now();
    const f = cfg.FlinkApplicationConfiguration;
    const p = f?.ParallelismConfiguration;
    const cp = f?.CheckpointConfiguration;
    const mon = f?.MonitoringConfiguration;
    const v: V2Version = {
      versionId: 1,
      ...(req.ApplicationDescription !== undefined ? { description: req.ApplicationDescription } : {}),
      role: req.ServiceExecutionRole,
      code: await codeFrom(ctx, codeCfg.CodeContentType, codeCfg.CodeContent),
      env: cfg.EnvironmentProperties?.PropertyGroups ?? [],
      parallelism:
        p && p.ConfigurationType === 'CUSTOM'
          ? { type: 'CUSTOM', parallelism: p.Parallelism ?? 1, perKpu: p.ParallelismPerKPU ?? 1, autoScaling: p.AutoScalingEnabled ?? false }
          : { ...DEFAULT_PARALLELISM },
      checkpointing:
        cp && cp.ConfigurationType === 'CUSTOM'
          ? {
              type: 'CUSTOM',
              enabled: cp.CheckpointingEnabled ?? true,
              intervalMs: cp.CheckpointInterval ?? 60_000,
              minPauseMs: cp.MinPauseBetweenCheckpoints ?? 5_000,
            }
          : { ...DEFAULT_CHECKPOINTING },
      monitoring:
        mon && mon.ConfigurationType === 'CUSTOM'
          ? { type: 'CUSTOM', metricsLevel: mon.MetricsLevel ?? 'APPLICATION', logLevel: mon.LogLevel ?? 'INFO' }
          : { ...DEFAULT_MONITORING },
      snapshotsEnabled: cfg.ApplicationSnapshotConfiguration?.SnapshotsEnabled ?? false,
      logging: [],
      restore: { ApplicationRestoreType: 'RESTORE_FROM_LATEST_SNAPSHOT' },
      allowNonRestoredState: false,
      updatedMs: now,
    };
    const app: V2App = {
      name,
      arn: applicationArnV2(ctx.region, ctx.accountId, name),
      runtime: req.RuntimeEnvironment,
      mode: req.ApplicationMode ?? 'STREAMING',
      createdMs: now,
      status: 'READY',
      current: v,
      history: [],
      snapshots: [],
      tags: [],
      nextLoggingId: 1,
    };
    for (const l of req.CloudWatchLoggingOptions ?? []) v.logging.push({ id: `${v.versionId}.${app.nextLoggingId++}`, arn: l.LogStreamARN });
    const vpcs = cfg.VpcConfigurations ?? [];
    if (vpcs.length > 1) throw analyticsV2Errors.create('InvalidArgumentException', 'An application can have at most one VPC configuration');
    if (vpcs.length > 0) v.vpc = vpcs.map((c, i) => ({ id: `${v.versionId}.${i + 1}`, subnetIds: c.SubnetIds, securityGroupIds: c.SecurityGroupIds }));
    for (const t of req.Tags ?? []) setTag(app.tags, t.Key, t.Value ?? '');
    if (app.tags.length > MAX_TAGS) throw analyticsV2Errors.create('TooManyTagsException', `An application can have at most ${MAX_TAGS} tags`);
    app.jobPlan = checkCode(v);
    await ctx.registry.add(app);
    return { ApplicationDetail: detail(ctx, app) };
  },
);

const describeApplication = defineAction(
  kinesisAnalyticsV2Model,
  'DescribeApplication',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.DescribeApplicationResponse> => {
    if (!ctx.registry.has(req.ApplicationName) && ctx.v1?.registry.has(req.ApplicationName))
      return { ApplicationDetail: v1Detail(ctx.v1.registry.get(req.ApplicationName)) };
    return { ApplicationDetail: detail(ctx, ctx.registry.get(req.ApplicationName)) };
  },
);

const listApplications = defineAction(
  kinesisAnalyticsV2Model,
  'ListApplications',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.ListApplicationsResponse> => {
    const all = [...ctx.registry.list().map(applicationSummaryV2), ...(ctx.v1?.registry.list().map(v1Summary) ?? [])].sort((a, b) =>
      a.ApplicationName < b.ApplicationName ? -1 : 1,
    );
    return page(
      all,
      (s) => s.ApplicationName,
      req.Limit ?? 50,
      req.NextToken,
      (items, next) => ({ ApplicationSummaries: items, ...(next ? { NextToken: next } : {}) }),
    );
  },
);

function page<T, R>(all: T[], key: (t: T) => string, limit: number, token: string | undefined, out: (items: T[], next: string | undefined) => R): R {
  const rest = token === undefined ? all : all.filter((t) => key(t) > token);
  const items = rest.slice(0, limit);
  return out(items, rest.length > limit ? key(items[items.length - 1]!) : undefined);
}

const deleteApplication = defineAction(
  kinesisAnalyticsV2Model,
  'DeleteApplication',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.DeleteApplicationResponse> => {
    const name = req.ApplicationName;
    if (!ctx.registry.has(name) && ctx.v1?.registry.has(name)) {
      await deleteV1(ctx.v1, { ApplicationName: name, CreateTimestamp: req.CreateTimestamp });
      return {};
    }
    await ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      const given = req.CreateTimestamp;
      const exact = Math.round(given * 1000) === app.createdMs;
      const seconds = Number.isInteger(given) && given === Math.floor(app.createdMs / 1000);
      if (!exact && !seconds)
        throw analyticsV2Errors.create('InvalidArgumentException', `CreateTimestamp does not match the creation time of application ${name}`);
      if (app.status === 'DELETING') throw inUseV2(name, app.status, 'it is being deleted');
      await ctx.registry.stopJob(name, false);
      ctx.registry.transition(app, 'DELETING', 'DELETING', 0);
      await ctx.registry.save(app);
      const forget = (): void => {
        void ctx.registry.serialise(name, () => ctx.registry.forget(name));
      };
      if (ctx.registry.delays.deleteMs <= 0) await ctx.registry.forget(name);
      else ctx.registry.clock.setTimer(forget, ctx.registry.delays.deleteMs);
    });
    return {};
  },
);

/** The state a start (or rollback) restores, from the restore configuration. */
function restoreState(ctx: V2Context, app: V2App, rc: M.ApplicationRestoreConfiguration): JobState | undefined {
  if (!app.current.snapshotsEnabled || rc.ApplicationRestoreType === 'SKIP_RESTORE_FROM_SNAPSHOT') return undefined;
  if (rc.ApplicationRestoreType === 'RESTORE_FROM_CUSTOM_SNAPSHOT') {
    if (rc.SnapshotName === undefined) throw analyticsV2Errors.create('InvalidArgumentException', 'SnapshotName is required with RESTORE_FROM_CUSTOM_SNAPSHOT');
    const s = app.snapshots.find((x) => x.name === rc.SnapshotName && x.status === 'READY');
    if (!s) throw analyticsV2Errors.create('ResourceNotFoundException', `Snapshot ${rc.SnapshotName} of application ${app.name} is not found`);
    return ctx.registry.snapshotState(app.name, s.name);
  }
  const latest = [...app.snapshots].filter((s) => s.status === 'READY').sort((a, b) => b.createdMs - a.createdMs)[0];
  return latest ? ctx.registry.snapshotState(app.name, latest.name) : undefined;
}

const startApplication = defineAction(
  kinesisAnalyticsV2Model,
  'StartApplication',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.StartApplicationResponse> => {
    const name = req.ApplicationName;
    if (!ctx.registry.has(name) && ctx.v1?.registry.has(name)) {
      const runs = req.RunConfiguration?.SqlRunConfigurations ?? [];
      await startV1(ctx.v1, {
        ApplicationName: name,
        InputConfigurations: runs.map((r) => ({ Id: r.InputId, InputStartingPositionConfiguration: r.InputStartingPositionConfiguration })),
      });
      return {};
    }
    await ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      if (app.status !== 'READY') throw inUseV2(name, app.status, 'only a READY application can be started');
      const rc = req.RunConfiguration?.ApplicationRestoreConfiguration ?? app.current.restore;
      if (req.RunConfiguration?.ApplicationRestoreConfiguration) app.current.restore = rc;
      if (req.RunConfiguration?.FlinkRunConfiguration?.AllowNonRestoredState !== undefined)
        app.current.allowNonRestoredState = req.RunConfiguration.FlinkRunConfiguration.AllowNonRestoredState;
      const state = restoreState(ctx, app, rc);
      delete app.lastError;
      await ctx.registry.startJob(app, state);
      ctx.registry.transition(app, 'STARTING', 'RUNNING', ctx.registry.delays.startMs);
      await ctx.registry.save(app);
    });
    return {};
  },
);

const stopApplication = defineAction(
  kinesisAnalyticsV2Model,
  'StopApplication',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.StopApplicationResponse> => {
    const name = req.ApplicationName;
    if (!ctx.registry.has(name) && ctx.v1?.registry.has(name)) {
      await stopV1(ctx.v1, { ApplicationName: name });
      return {};
    }
    await ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      const force = req.Force === true;
      if (force ? app.status === 'READY' || app.status === 'DELETING' : app.status !== 'RUNNING')
        throw inUseV2(
          name,
          app.status,
          force ? 'there is nothing to stop' : 'only a RUNNING application can be stopped (use Force to stop it in another status)',
        );
      // A graceful stop takes a snapshot when snapshots are enabled, as Managed Flink does; Force skips it.
      const state = await ctx.registry.stopJob(name, !force);
      if (state && app.current.snapshotsEnabled) {
        const snap = `freshet-stop-${ctx.registry.clock.now()}`;
        await ctx.registry.putSnapshotState(name, snap, state);
        app.snapshots.push({ name: snap, versionId: app.current.versionId, createdMs: ctx.registry.clock.now(), status: 'READY' });
      }
      ctx.registry.transition(app, force ? 'FORCE_STOPPING' : 'STOPPING', 'READY', ctx.registry.delays.stopMs);
      await ctx.registry.save(app);
    });
    return {};
  },
);

function checkVersion(app: V2App, id: number | undefined, token: string | undefined): void {
  if (id === undefined && token === undefined)
    throw analyticsV2Errors.create('InvalidArgumentException', 'Either CurrentApplicationVersionId or ConditionalToken is required');
  if (id !== undefined && id !== app.current.versionId)
    throw analyticsV2Errors.create(
      'ConcurrentModificationException',
      `Current application version id ${id} does not match the latest version id ${app.current.versionId}`,
    );
  if (token !== undefined && token !== conditionalToken(app, app.current))
    throw analyticsV2Errors.create('ConcurrentModificationException', 'The ConditionalToken does not match the application: describe it again and retry');
}

/** A new version: `change` edits a copy of the current one; the code is checked; a running job moves onto it with its state. */
async function newVersion(ctx: V2Context, app: V2App, change: (v: V2Version) => Promise<void> | void, extra: Partial<V2Version> = {}): Promise<void> {
  if (app.status !== 'READY' && app.status !== 'RUNNING') throw inUseV2(app.name, app.status, 'it can be changed when READY or RUNNING');
  const v = structuredClone(app.current);
  await change(v);
  const jobPlan = checkCode(v);
  v.versionId = app.current.versionId + 1;
  v.updatedMs = ctx.registry.clock.now();
  delete v.rolledBackFrom;
  delete v.rolledBackTo;
  v.updatedFrom = app.current.versionId;
  Object.assign(v, extra);
  const target = app.status;
  const state = target === 'RUNNING' ? await ctx.registry.stopJob(app.name, true) : undefined;
  app.history.push(app.current);
  app.current = v;
  app.jobPlan = jobPlan;
  if (target === 'RUNNING') await ctx.registry.startJob(app, state);
  ctx.registry.transition(app, extra.rolledBackTo !== undefined ? 'ROLLING_BACK' : 'UPDATING', target, ctx.registry.delays.updateMs);
  await ctx.registry.save(app);
}

const updateApplication = defineAction(
  kinesisAnalyticsV2Model,
  'UpdateApplication',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.UpdateApplicationResponse> => {
    const name = req.ApplicationName;
    if (!ctx.registry.has(name) && ctx.v1?.registry.has(name)) return { ApplicationDetail: v1Detail(await updateSqlApplication(ctx, req)) };
    return ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      checkVersion(app, req.CurrentApplicationVersionId, req.ConditionalToken);
      const u = req.ApplicationConfigurationUpdate ?? {};
      if (u.SqlApplicationConfigurationUpdate)
        throw analyticsV2Errors.create('InvalidArgumentException', 'SqlApplicationConfigurationUpdate is only valid for SQL-1_0 applications');
      await newVersion(ctx, app, async (v) => {
        if (req.ServiceExecutionRoleUpdate !== undefined) {
          const untrusted = ctx.registry.untrustedRole(req.ServiceExecutionRoleUpdate);
          if (untrusted !== undefined) throw analyticsV2Errors.create('InvalidArgumentException', untrusted);
          v.role = req.ServiceExecutionRoleUpdate;
        }
        const cu = u.ApplicationCodeConfigurationUpdate;
        if (cu) {
          const type = cu.CodeContentTypeUpdate ?? v.code.type;
          const c = cu.CodeContentUpdate;
          if (c) {
            const s3 = c.S3ContentLocationUpdate;
            v.code = await codeFrom(ctx, type, {
              ...(c.TextContentUpdate !== undefined ? { TextContent: c.TextContentUpdate } : {}),
              ...(c.ZipFileContentUpdate !== undefined ? { ZipFileContent: c.ZipFileContentUpdate } : {}),
              ...(s3
                ? {
                    S3ContentLocation: {
                      BucketARN: s3.BucketARNUpdate ?? v.code.s3?.bucketArn ?? '',
                      FileKey: s3.FileKeyUpdate ?? v.code.s3?.fileKey ?? '',
                      ...(s3.ObjectVersionUpdate !== undefined ? { ObjectVersion: s3.ObjectVersionUpdate } : {}),
                    },
                  }
                : {}),
            });
          } else if (type !== v.code.type) throw analyticsV2Errors.create('InvalidArgumentException', 'CodeContentTypeUpdate needs a CodeContentUpdate');
        }
        if (u.EnvironmentPropertyUpdates) v.env = u.EnvironmentPropertyUpdates.PropertyGroups;
        for (const vu of u.VpcConfigurationUpdates ?? []) {
          const c = v.vpc?.find((x) => x.id === vu.VpcConfigurationId);
          if (!c) throw analyticsV2Errors.create('ResourceNotFoundException', `VpcConfigurationId ${vu.VpcConfigurationId} is not found`);
          if (vu.SubnetIdUpdates) c.subnetIds = vu.SubnetIdUpdates;
          if (vu.SecurityGroupIdUpdates) c.securityGroupIds = vu.SecurityGroupIdUpdates;
        }
        const f = u.FlinkApplicationConfigurationUpdate;
        const p = f?.ParallelismConfigurationUpdate;
        if (p) {
          if (p.ConfigurationTypeUpdate === 'DEFAULT') v.parallelism = { ...DEFAULT_PARALLELISM };
          else {
            v.parallelism = {
              type: 'CUSTOM',
              parallelism: p.ParallelismUpdate ?? v.parallelism.parallelism,
              perKpu: p.ParallelismPerKPUUpdate ?? v.parallelism.perKpu,
              autoScaling: p.AutoScalingEnabledUpdate ?? v.parallelism.autoScaling,
            };
          }
        }
        const cp = f?.CheckpointConfigurationUpdate;
        if (cp) {
          if (cp.ConfigurationTypeUpdate === 'DEFAULT') v.checkpointing = { ...DEFAULT_CHECKPOINTING };
          else
            v.checkpointing = {
              type: 'CUSTOM',
              enabled: cp.CheckpointingEnabledUpdate ?? v.checkpointing.enabled,
              intervalMs: cp.CheckpointIntervalUpdate ?? v.checkpointing.intervalMs,
              minPauseMs: cp.MinPauseBetweenCheckpointsUpdate ?? v.checkpointing.minPauseMs,
            };
        }
        const mu = f?.MonitoringConfigurationUpdate;
        if (mu) {
          if (mu.ConfigurationTypeUpdate === 'DEFAULT') v.monitoring = { ...DEFAULT_MONITORING };
          else
            v.monitoring = {
              type: 'CUSTOM',
              metricsLevel: mu.MetricsLevelUpdate ?? v.monitoring.metricsLevel,
              logLevel: mu.LogLevelUpdate ?? v.monitoring.logLevel,
            };
        }
        if (u.ApplicationSnapshotConfigurationUpdate) v.snapshotsEnabled = u.ApplicationSnapshotConfigurationUpdate.SnapshotsEnabledUpdate;
        const ru = req.RunConfigurationUpdate;
        if (ru?.ApplicationRestoreConfiguration) v.restore = ru.ApplicationRestoreConfiguration;
        if (ru?.FlinkRunConfiguration?.AllowNonRestoredState !== undefined) v.allowNonRestoredState = ru.FlinkRunConfiguration.AllowNonRestoredState;
        for (const l of req.CloudWatchLoggingOptionUpdates ?? []) {
          const o = v.logging.find((x) => x.id === l.CloudWatchLoggingOptionId);
          if (!o) throw analyticsV2Errors.create('ResourceNotFoundException', `CloudWatchLoggingOptionId ${l.CloudWatchLoggingOptionId} is not found`);
          if (l.LogStreamARNUpdate !== undefined) o.arn = l.LogStreamARNUpdate;
        }
      });
      return { ApplicationDetail: detail(ctx, app) };
    });
  },
);

const rollbackApplication = defineAction(
  kinesisAnalyticsV2Model,
  'RollbackApplication',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.RollbackApplicationResponse> => {
    const name = req.ApplicationName;
    return ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      checkVersion(app, req.CurrentApplicationVersionId, undefined);
      if (app.status !== 'RUNNING' && app.status !== 'UPDATING' && app.status !== 'AUTOSCALING')
        throw inUseV2(name, app.status, 'an application can be rolled back when RUNNING, UPDATING or AUTOSCALING');
      const previous = app.history[app.history.length - 1];
      if (!previous) throw analyticsV2Errors.create('InvalidRequestException', `Application ${name} has no earlier version to roll back to`);
      const latest = [...app.snapshots].filter((s) => s.status === 'READY').sort((a, b) => b.createdMs - a.createdMs)[0];
      if (!latest) throw analyticsV2Errors.create('InvalidRequestException', `Application ${name} has no snapshot to roll back with`);
      // A stuck update settles first; the job then restarts on the previous version from the latest snapshot.
      if (app.status === 'UPDATING') app.status = app.targetStatus ?? 'RUNNING';
      const from = app.current.versionId;
      const target = app.status;
      await ctx.registry.stopJob(name, false);
      const v: V2Version = {
        ...structuredClone(previous),
        versionId: from + 1,
        updatedMs: ctx.registry.clock.now(),
        rolledBackFrom: from,
        rolledBackTo: previous.versionId,
      };
      delete v.updatedFrom;
      app.jobPlan = checkCode(v);
      app.history.push(app.current);
      app.current = v;
      if (target === 'RUNNING') await ctx.registry.startJob(app, ctx.registry.snapshotState(name, latest.name));
      ctx.registry.transition(app, 'ROLLING_BACK', target, ctx.registry.delays.updateMs);
      await ctx.registry.save(app);
      return { ApplicationDetail: detail(ctx, app) };
    });
  },
);

const listApplicationVersions = defineAction(
  kinesisAnalyticsV2Model,
  'ListApplicationVersions',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.ListApplicationVersionsResponse> => {
    const app = getApp(ctx, req.ApplicationName);
    const all = [...app.history, app.current].reverse().map(
      (v) =>
        ({
          ApplicationVersionId: v.versionId,
          ApplicationStatus: v === app.current ? app.status : v.rolledBackFrom !== undefined ? 'ROLLED_BACK' : 'READY',
        }) as M.ApplicationVersionSummary,
    );
    const limit = req.Limit ?? 50;
    const start = req.NextToken === undefined ? 0 : Number(req.NextToken);
    if (!Number.isInteger(start) || start < 0) throw analyticsV2Errors.create('InvalidArgumentException', 'NextToken is not valid');
    const items = all.slice(start, start + limit);
    return { ApplicationVersionSummaries: items, ...(start + limit < all.length ? { NextToken: String(start + limit) } : {}) };
  },
);

const describeApplicationVersion = defineAction(
  kinesisAnalyticsV2Model,
  'DescribeApplicationVersion',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.DescribeApplicationVersionResponse> => {
    const app = getApp(ctx, req.ApplicationName);
    const v = [...app.history, app.current].find((x) => x.versionId === req.ApplicationVersionId);
    if (!v) throw analyticsV2Errors.create('ResourceNotFoundException', `Application ${app.name} has no version ${req.ApplicationVersionId}`);
    return { ApplicationVersionDetail: applicationDetailV2(app, v, v === app.current ? app.status : 'READY', 0) };
  },
);

// ---- snapshots ----

const createApplicationSnapshot = defineAction(
  kinesisAnalyticsV2Model,
  'CreateApplicationSnapshot',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.CreateApplicationSnapshotResponse> => {
    const name = req.ApplicationName;
    await ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      if (!app.current.snapshotsEnabled)
        throw analyticsV2Errors.create(
          'InvalidApplicationConfigurationException',
          `Snapshots are disabled for application ${name}; enable them with UpdateApplication`,
        );
      if (app.status !== 'RUNNING') throw inUseV2(name, app.status, 'a snapshot can be taken of a RUNNING application');
      if (app.snapshots.some((s) => s.name === req.SnapshotName))
        throw analyticsV2Errors.create('ResourceInUseException', `Snapshot ${req.SnapshotName} already exists for application ${name}`);
      if (app.snapshots.length >= MAX_SNAPSHOTS)
        throw analyticsV2Errors.create('LimitExceededException', `Application ${name} has ${MAX_SNAPSHOTS} snapshots; delete some first`);
      const job = ctx.registry.job(name);
      if (!job) throw inUseV2(name, app.status, 'its job is not running');
      await ctx.registry.putSnapshotState(name, req.SnapshotName, await job.checkpoint());
      app.snapshots.push({ name: req.SnapshotName, versionId: app.current.versionId, createdMs: ctx.registry.clock.now(), status: 'READY' });
      await ctx.registry.save(app);
    });
    return {};
  },
);

function findSnapshot(app: V2App, name: string) {
  const s = app.snapshots.find((x) => x.name === name);
  if (!s) throw analyticsV2Errors.create('ResourceNotFoundException', `Snapshot ${name} of application ${app.name} is not found`);
  return s;
}

const describeApplicationSnapshot = defineAction(
  kinesisAnalyticsV2Model,
  'DescribeApplicationSnapshot',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.DescribeApplicationSnapshotResponse> => ({
    SnapshotDetails: snapshotDetails(findSnapshot(getApp(ctx, req.ApplicationName), req.SnapshotName)),
  }),
);

const listApplicationSnapshots = defineAction(
  kinesisAnalyticsV2Model,
  'ListApplicationSnapshots',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.ListApplicationSnapshotsResponse> => {
    const app = getApp(ctx, req.ApplicationName);
    const all = [...app.snapshots].sort((a, b) => (a.name < b.name ? -1 : 1));
    return page(
      all,
      (s) => s.name,
      req.Limit ?? 50,
      req.NextToken,
      (items, next) => ({ SnapshotSummaries: items.map(snapshotDetails), ...(next ? { NextToken: next } : {}) }),
    );
  },
);

const deleteApplicationSnapshot = defineAction(
  kinesisAnalyticsV2Model,
  'DeleteApplicationSnapshot',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.DeleteApplicationSnapshotResponse> => {
    const name = req.ApplicationName;
    await ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      const s = findSnapshot(app, req.SnapshotName);
      const given = req.SnapshotCreationTimestamp;
      if (Math.round(given * 1000) !== s.createdMs && !(Number.isInteger(given) && given === Math.floor(s.createdMs / 1000)))
        throw analyticsV2Errors.create('InvalidArgumentException', `SnapshotCreationTimestamp does not match the creation time of snapshot ${s.name}`);
      await ctx.registry.deleteSnapshotState(name, s.name);
      app.snapshots = app.snapshots.filter((x) => x !== s);
      await ctx.registry.save(app);
    });
    return {};
  },
);

// ---- logging options and tags ----

const addLogging = defineAction(
  kinesisAnalyticsV2Model,
  'AddApplicationCloudWatchLoggingOption',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.AddApplicationCloudWatchLoggingOptionResponse> => {
    const name = req.ApplicationName;
    return ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      checkVersion(app, req.CurrentApplicationVersionId, req.ConditionalToken);
      if (app.current.logging.some((l) => l.arn === req.CloudWatchLoggingOption.LogStreamARN))
        throw analyticsV2Errors.create(
          'InvalidArgumentException',
          `Log stream ${req.CloudWatchLoggingOption.LogStreamARN} is already a logging option of application ${name}`,
        );
      await newVersion(ctx, app, (v) => {
        v.logging.push({ id: `${v.versionId + 1}.${app.nextLoggingId++}`, arn: req.CloudWatchLoggingOption.LogStreamARN });
      });
      return {
        ApplicationARN: app.arn,
        ApplicationVersionId: app.current.versionId,
        CloudWatchLoggingOptionDescriptions: app.current.logging.map((l) => ({ CloudWatchLoggingOptionId: l.id, LogStreamARN: l.arn })),
      };
    });
  },
);

const deleteLogging = defineAction(
  kinesisAnalyticsV2Model,
  'DeleteApplicationCloudWatchLoggingOption',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.DeleteApplicationCloudWatchLoggingOptionResponse> => {
    const name = req.ApplicationName;
    return ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      checkVersion(app, req.CurrentApplicationVersionId, req.ConditionalToken);
      if (!app.current.logging.some((l) => l.id === req.CloudWatchLoggingOptionId))
        throw analyticsV2Errors.create('ResourceNotFoundException', `CloudWatchLoggingOptionId ${req.CloudWatchLoggingOptionId} is not found`);
      await newVersion(ctx, app, (v) => {
        v.logging = v.logging.filter((l) => l.id !== req.CloudWatchLoggingOptionId);
      });
      return {
        ApplicationARN: app.arn,
        ApplicationVersionId: app.current.versionId,
        CloudWatchLoggingOptionDescriptions: app.current.logging.map((l) => ({ CloudWatchLoggingOptionId: l.id, LogStreamARN: l.arn })),
      };
    });
  },
);

// ---- the application's extension URL and maintenance window ----

const createApplicationPresignedUrl = defineAction(
  kinesisAnalyticsV2Model,
  'CreateApplicationPresignedUrl',
  async (req, { deps: ctx, clock }: ActionContext<V2Context>): Promise<M.CreateApplicationPresignedUrlResponse> => {
    const name = req.ApplicationName;
    if (!ctx.registry.has(name) && ctx.v1?.registry.has(name))
      throw analyticsV2Errors.create(
        'InvalidArgumentException',
        `Application ${name} is a SQL-1_0 application; presigned URLs are for Flink and Studio applications`,
      );
    const app = ctx.registry.get(name);
    if (req.UrlType === 'ZEPPELIN_UI_URL' && !app.runtime.startsWith('ZEPPELIN-'))
      throw analyticsV2Errors.create(
        'InvalidArgumentException',
        `ZEPPELIN_UI_URL is for Studio (ZEPPELIN-FLINK) applications; application ${name} runs ${app.runtime}`,
      );
    if (app.status !== 'RUNNING')
      throw analyticsV2Errors.create('ResourceInUseException', `Application ${name} is ${app.status}; its ${req.UrlType} is available while it is RUNNING`);
    const seconds = req.SessionExpirationDurationInSeconds ?? DEFAULT_SESSION_SECONDS;
    return { AuthorizedUrl: presignedUrl(ctx.serverUrl(), name, req.UrlType, clock.now() + seconds * 1000) };
  },
);

const updateApplicationMaintenanceConfiguration = defineAction(
  kinesisAnalyticsV2Model,
  'UpdateApplicationMaintenanceConfiguration',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.UpdateApplicationMaintenanceConfigurationResponse> => {
    const name = req.ApplicationName;
    if (!ctx.registry.has(name) && ctx.v1?.registry.has(name))
      throw analyticsV2Errors.create(
        'UnsupportedOperationException',
        `Application ${name} is a SQL-1_0 application; maintenance configuration is for Flink applications only`,
      );
    return ctx.registry.serialise(name, async () => {
      const app = ctx.registry.get(name);
      // API reference: only a READY or RUNNING application takes the update.
      if (app.status !== 'READY' && app.status !== 'RUNNING')
        throw analyticsV2Errors.create(
          'ResourceInUseException',
          `Application ${name} is ${app.status}; update its maintenance configuration when it is READY or RUNNING`,
        );
      app.maintenanceStart = req.ApplicationMaintenanceConfigurationUpdate.ApplicationMaintenanceWindowStartTimeUpdate;
      await ctx.registry.save(app);
      return { ApplicationARN: app.arn, ApplicationMaintenanceConfigurationDescription: maintenanceDescription(app) };
    });
  },
);

// ---- VPC configurations (stored and described; Freshet runs no VPCs) ----

const addVpc = defineAction(
  kinesisAnalyticsV2Model,
  'AddApplicationVpcConfiguration',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.AddApplicationVpcConfigurationResponse> => {
    const name = req.ApplicationName;
    return ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      checkVersion(app, req.CurrentApplicationVersionId, req.ConditionalToken);
      if (app.current.vpc?.length)
        throw analyticsV2Errors.create('InvalidArgumentException', `Application ${name} already has a VPC configuration; an application can have at most one`);
      await newVersion(ctx, app, (v) => {
        v.vpc = [{ id: `${v.versionId + 1}.1`, subnetIds: req.VpcConfiguration.SubnetIds, securityGroupIds: req.VpcConfiguration.SecurityGroupIds }];
      });
      const added = app.current.vpc![0]!;
      return { ApplicationARN: app.arn, ApplicationVersionId: app.current.versionId, VpcConfigurationDescription: vpcDescription(added) };
    });
  },
);

const deleteVpc = defineAction(
  kinesisAnalyticsV2Model,
  'DeleteApplicationVpcConfiguration',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.DeleteApplicationVpcConfigurationResponse> => {
    const name = req.ApplicationName;
    return ctx.registry.serialise(name, async () => {
      const app = getApp(ctx, name);
      checkVersion(app, req.CurrentApplicationVersionId, req.ConditionalToken);
      if (!app.current.vpc?.some((c) => c.id === req.VpcConfigurationId))
        throw analyticsV2Errors.create('ResourceNotFoundException', `VpcConfigurationId ${req.VpcConfigurationId} is not found`);
      await newVersion(ctx, app, (v) => {
        v.vpc = (v.vpc ?? []).filter((c) => c.id !== req.VpcConfigurationId);
      });
      return { ApplicationARN: app.arn, ApplicationVersionId: app.current.versionId };
    });
  },
);

function setTag(tags: [string, string][], key: string, value: string): void {
  const t = tags.find((x) => x[0] === key);
  if (t) t[1] = value;
  else tags.push([key, value]);
}

function byArn(ctx: V2Context, arn: string): V2App {
  const app = ctx.registry.byArn(arn);
  if (!app) {
    if (ctx.v1?.registry.list().some((a) => a.arn === arn))
      throw analyticsV2Errors.create('UnsupportedOperationException', `Tag SQL-1_0 application ${arn} through the KinesisAnalytics_20150814 API`);
    throw analyticsV2Errors.create('ResourceNotFoundException', `Application with ARN ${arn} is not found`);
  }
  return app;
}

const tagResource = defineAction(
  kinesisAnalyticsV2Model,
  'TagResource',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.TagResourceResponse> => {
    const app = byArn(ctx, req.ResourceARN);
    await ctx.registry.serialise(app.name, async () => {
      const next = structuredClone(app.tags);
      for (const t of req.Tags) setTag(next, t.Key, t.Value ?? '');
      if (next.length > MAX_TAGS)
        throw analyticsV2Errors.create('TooManyTagsException', `An application can have at most ${MAX_TAGS} tags; the request would give it ${next.length}`);
      app.tags = next;
      await ctx.registry.save(app);
    });
    return {};
  },
);

const untagResource = defineAction(
  kinesisAnalyticsV2Model,
  'UntagResource',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.UntagResourceResponse> => {
    const app = byArn(ctx, req.ResourceARN);
    const keys = new Set(req.TagKeys);
    await ctx.registry.serialise(app.name, async () => {
      app.tags = app.tags.filter(([k]) => !keys.has(k));
      await ctx.registry.save(app);
    });
    return {};
  },
);

const listTagsForResource = defineAction(
  kinesisAnalyticsV2Model,
  'ListTagsForResource',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.ListTagsForResourceResponse> => ({
    Tags: byArn(ctx, req.ResourceARN).tags.map(([Key, Value]) => ({ Key, Value })),
  }),
);

export const ANALYTICS_V2_ACTIONS = actionTable(kinesisAnalyticsV2Model, {
  ...noActions(kinesisAnalyticsV2Model),
  AddApplicationCloudWatchLoggingOption: addLogging,
  AddApplicationInput: addInput,
  AddApplicationInputProcessingConfiguration: addProcessing,
  AddApplicationOutput: addOutput,
  AddApplicationReferenceDataSource: addReference,
  AddApplicationVpcConfiguration: addVpc,
  DeleteApplicationInputProcessingConfiguration: deleteProcessing,
  DeleteApplicationOutput: deleteOutput,
  DeleteApplicationReferenceDataSource: deleteReference,
  DeleteApplicationVpcConfiguration: deleteVpc,
  DiscoverInputSchema: discoverInputSchema,
  CreateApplication: createApplication,
  CreateApplicationPresignedUrl: createApplicationPresignedUrl,
  CreateApplicationSnapshot: createApplicationSnapshot,
  DeleteApplication: deleteApplication,
  DeleteApplicationCloudWatchLoggingOption: deleteLogging,
  DeleteApplicationSnapshot: deleteApplicationSnapshot,
  DescribeApplication: describeApplication,
  DescribeApplicationSnapshot: describeApplicationSnapshot,
  DescribeApplicationVersion: describeApplicationVersion,
  ListApplicationSnapshots: listApplicationSnapshots,
  ListApplicationVersions: listApplicationVersions,
  ListApplications: listApplications,
  ListTagsForResource: listTagsForResource,
  RollbackApplication: rollbackApplication,
  StartApplication: startApplication,
  StopApplication: stopApplication,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateApplication: updateApplication,
  UpdateApplicationMaintenanceConfiguration: updateApplicationMaintenanceConfiguration,
});
