/**
 * The SQL-1_0 side of KinesisAnalytics_20180523: the configuration actions a v2 deployment script calls on a
 * Kinesis Data Analytics SQL application (AddApplicationInput/Output/ReferenceDataSource, their Delete*,
 * Add/DeleteApplicationInputProcessingConfiguration, UpdateApplication's SqlApplicationConfigurationUpdate,
 * DiscoverInputSchema). Each runs on the KDA v1 engine (src/analytics/actions), the application's one home;
 * v2 only reshapes the answer. On a Flink application they are InvalidArgumentException, as the
 * configuration they change belongs to SQL-1_0 only.
 */
import { analyticsV2Errors } from './errors.ts';
import { defineAction, type ActionContext } from '../../aws/index.ts';
import type * as M from '../../aws/models/kinesisanalyticsv2.ts';
import { kinesisAnalyticsV2Model } from '../../aws/models/kinesisanalyticsv2.ts';
import type { AnalyticsContext, Wire } from '../actions/context.ts';
import {
  addApplicationInput,
  addApplicationInputProcessingConfiguration,
  addApplicationOutput,
  addApplicationReferenceDataSource,
  deleteApplicationInputProcessingConfiguration,
  deleteApplicationOutput,
  deleteApplicationReferenceDataSource,
  updateApplication as updateV1,
} from '../actions/configuration.ts';
import { discoverInputSchema as discoverV1 } from '../actions/discover-input-schema.ts';
import type { ApplicationConfig } from '../model.ts';
import { applicationDetail } from '../wire/codec.ts';
import type { V2Context } from './actions.ts';

/** The v1 engine, for an application that is SQL-1_0; InvalidArgumentException for a Flink one. */
function sqlApp(ctx: V2Context, name: string, action: string): { v1: AnalyticsContext; app: ApplicationConfig } {
  if (ctx.registry.has(name)) {
    const runtime = ctx.registry.get(name).runtime;
    throw analyticsV2Errors.create('InvalidArgumentException', `${action} is only valid for SQL-1_0 applications; application ${name} is ${runtime}`);
  }
  if (!ctx.v1) throw analyticsV2Errors.create('ResourceNotFoundException', `Application ${name} is not found`);
  return { v1: ctx.v1, app: ctx.v1.registry.get(name) };
}

const ENDPOINTS = ['KinesisStreamsInput', 'KinesisFirehoseInput', 'KinesisStreamsOutput', 'KinesisFirehoseOutput', 'LambdaOutput'] as const;

/**
 * v2's inputs, outputs, processors and reference sources name no role: the application's ServiceExecutionRole
 * acts for them. The v1 engine keeps a role per endpoint, so each gets that role (unless one is given).
 */
export function withServiceRole(w: Wire, role: string | undefined): Wire {
  if (role === undefined) return w;
  const out: Wire = { ...w };
  const fill = (key: string, field: string): void => {
    const e = out[key];
    if (e && typeof e === 'object' && (e as Wire)[field] === undefined) out[key] = { ...(e as Wire), [field]: role };
  };
  for (const k of ENDPOINTS) fill(k, 'RoleARN');
  fill('S3ReferenceDataSource', 'ReferenceRoleARN');
  fill('InputLambdaProcessor', 'RoleARN');
  const processing = out.InputProcessingConfiguration;
  if (processing && typeof processing === 'object') out.InputProcessingConfiguration = withServiceRole(processing as Wire, role);
  return out;
}

/** The role a SQL-1_0 application created through v2 acts with: the one its endpoints were given. */
function serviceRoleOf(app: ApplicationConfig): string | undefined {
  return app.inputs[0]?.source.roleArn ?? app.outputs[0]?.destination.roleArn ?? app.references[0]?.roleArn ?? app.logging[0]?.roleArn;
}

/** The SQL configuration of a v1 application in v2's shapes (they match v1's descriptions member for member). */
export function sqlConfigurationDescription(a: ApplicationConfig): M.SqlApplicationConfigurationDescription {
  const d = applicationDetail(a);
  return {
    InputDescriptions: d.InputDescriptions as M.InputDescription[],
    OutputDescriptions: d.OutputDescriptions as M.OutputDescription[],
    ReferenceDataSourceDescriptions: d.ReferenceDataSourceDescriptions as M.ReferenceDataSourceDescription[],
  };
}

/** Runs a v1 configuration change and answers what v2 answers: the ARN and the new version (plus `extra`). */
function sqlChange<Req extends { ApplicationName: string }, Res>(
  action: string,
  run: (v1: AnalyticsContext, req: Wire) => Promise<Wire>,
  extra: (app: ApplicationConfig, req: Req) => Partial<Res> = () => ({}),
) {
  return async (req: Req, { deps: ctx }: ActionContext<V2Context>): Promise<Res> => {
    const { v1, app: before } = sqlApp(ctx, req.ApplicationName, action);
    const role = serviceRoleOf(before);
    const wire: Wire = { ...req };
    for (const k of ['Input', 'Output', 'ReferenceDataSource', 'InputProcessingConfiguration']) {
      const part = wire[k];
      if (part && typeof part === 'object') wire[k] = withServiceRole(part as Wire, role);
    }
    await run(v1, wire);
    const app = v1.registry.get(req.ApplicationName);
    return { ApplicationARN: app.arn, ApplicationVersionId: app.versionId, ...extra(app, req) } as Res;
  };
}

export const addInput = defineAction(
  kinesisAnalyticsV2Model,
  'AddApplicationInput',
  sqlChange<M.AddApplicationInputRequest, M.AddApplicationInputResponse>('AddApplicationInput', addApplicationInput, (app) => ({
    InputDescriptions: sqlConfigurationDescription(app).InputDescriptions,
  })),
);

export const addOutput = defineAction(
  kinesisAnalyticsV2Model,
  'AddApplicationOutput',
  sqlChange<M.AddApplicationOutputRequest, M.AddApplicationOutputResponse>('AddApplicationOutput', addApplicationOutput, (app) => ({
    OutputDescriptions: sqlConfigurationDescription(app).OutputDescriptions,
  })),
);

export const deleteOutput = defineAction(
  kinesisAnalyticsV2Model,
  'DeleteApplicationOutput',
  sqlChange<M.DeleteApplicationOutputRequest, M.DeleteApplicationOutputResponse>('DeleteApplicationOutput', deleteApplicationOutput),
);

export const addReference = defineAction(
  kinesisAnalyticsV2Model,
  'AddApplicationReferenceDataSource',
  sqlChange<M.AddApplicationReferenceDataSourceRequest, M.AddApplicationReferenceDataSourceResponse>(
    'AddApplicationReferenceDataSource',
    addApplicationReferenceDataSource,
    (app) => ({ ReferenceDataSourceDescriptions: sqlConfigurationDescription(app).ReferenceDataSourceDescriptions }),
  ),
);

export const deleteReference = defineAction(
  kinesisAnalyticsV2Model,
  'DeleteApplicationReferenceDataSource',
  sqlChange<M.DeleteApplicationReferenceDataSourceRequest, M.DeleteApplicationReferenceDataSourceResponse>(
    'DeleteApplicationReferenceDataSource',
    deleteApplicationReferenceDataSource,
  ),
);

export const addProcessing = defineAction(
  kinesisAnalyticsV2Model,
  'AddApplicationInputProcessingConfiguration',
  sqlChange<M.AddApplicationInputProcessingConfigurationRequest, M.AddApplicationInputProcessingConfigurationResponse>(
    'AddApplicationInputProcessingConfiguration',
    addApplicationInputProcessingConfiguration,
    (app, req) => {
      const d = sqlConfigurationDescription(app).InputDescriptions?.find((i) => i.InputId === req.InputId);
      return {
        InputId: req.InputId,
        ...(d?.InputProcessingConfigurationDescription ? { InputProcessingConfigurationDescription: d.InputProcessingConfigurationDescription } : {}),
      };
    },
  ),
);

export const deleteProcessing = defineAction(
  kinesisAnalyticsV2Model,
  'DeleteApplicationInputProcessingConfiguration',
  sqlChange<M.DeleteApplicationInputProcessingConfigurationRequest, M.DeleteApplicationInputProcessingConfigurationResponse>(
    'DeleteApplicationInputProcessingConfiguration',
    deleteApplicationInputProcessingConfiguration,
  ),
);

/** UpdateApplication of a SQL-1_0 application: code, SQL inputs/outputs/reference data and logging options, as v1's ApplicationUpdate. */
export async function updateSqlApplication(ctx: V2Context, req: M.UpdateApplicationRequest): Promise<ApplicationConfig> {
  const { v1, app } = sqlApp(ctx, req.ApplicationName, 'UpdateApplication');
  if (req.CurrentApplicationVersionId === undefined)
    throw analyticsV2Errors.create('InvalidArgumentException', 'CurrentApplicationVersionId is required to update a SQL-1_0 application');
  const u = req.ApplicationConfigurationUpdate ?? {};
  if (u.FlinkApplicationConfigurationUpdate || u.EnvironmentPropertyUpdates || u.ApplicationSnapshotConfigurationUpdate)
    throw analyticsV2Errors.create('InvalidArgumentException', `Flink configuration updates are not valid for SQL-1_0 application ${app.name}`);
  const code = u.ApplicationCodeConfigurationUpdate?.CodeContentUpdate;
  if (code && code.TextContentUpdate === undefined)
    throw analyticsV2Errors.create('InvalidArgumentException', 'A SQL-1_0 application takes its code as TextContentUpdate');
  const sql = u.SqlApplicationConfigurationUpdate;
  const update: Wire = {
    ...(code?.TextContentUpdate !== undefined ? { ApplicationCodeUpdate: code.TextContentUpdate } : {}),
    ...(sql?.InputUpdates ? { InputUpdates: sql.InputUpdates } : {}),
    ...(sql?.OutputUpdates ? { OutputUpdates: sql.OutputUpdates } : {}),
    ...(sql?.ReferenceDataSourceUpdates ? { ReferenceDataSourceUpdates: sql.ReferenceDataSourceUpdates } : {}),
    ...(req.CloudWatchLoggingOptionUpdates ? { CloudWatchLoggingOptionUpdates: req.CloudWatchLoggingOptionUpdates } : {}),
  };
  await updateV1(v1, { ApplicationName: app.name, CurrentApplicationVersionId: req.CurrentApplicationVersionId, ApplicationUpdate: update });
  return v1.registry.get(app.name);
}

export const discoverInputSchema = defineAction(
  kinesisAnalyticsV2Model,
  'DiscoverInputSchema',
  async (req, { deps: ctx }: ActionContext<V2Context>): Promise<M.DiscoverInputSchemaResponse> => {
    if (!ctx.v1)
      throw analyticsV2Errors.create('UnsupportedOperationException', 'DiscoverInputSchema needs the KDA SQL engine, which this server does not run');
    const { ServiceExecutionRole, ...rest } = req;
    return (await discoverV1(ctx.v1, { ...rest, RoleARN: ServiceExecutionRole } as Wire)) as M.DiscoverInputSchemaResponse;
  },
);
