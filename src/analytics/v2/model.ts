/**
 * A KinesisAnalyticsV2 application as Freshet keeps it (storage.meta, key `analytics-v2/app/<name>`):
 * every version of its configuration (for ListApplicationVersions, DescribeApplicationVersion and
 * RollbackApplication), its snapshots' metadata, tags and status; and how that is written on the wire.
 */
import { createHash } from 'node:crypto';
import type {
  ApplicationDetail,
  ApplicationRestoreConfiguration,
  ApplicationSummary,
  PropertyGroup,
  SnapshotDetails,
  VpcConfigurationDescription,
} from '../../aws/models/kinesisanalyticsv2.ts';

export type V2Status = ApplicationDetail['ApplicationStatus'];
export type V2Runtime = ApplicationDetail['RuntimeEnvironment'];

/** The application's code: Flink SQL text (PLAINTEXT, or read from a zip at create/update time) plus where it came from. */
export interface V2Code {
  type: 'PLAINTEXT' | 'ZIPFILE';
  /** The SQL the job runs. */
  sql: string;
  /** ZIPFILE from the object store: where the zip is. */
  s3?: { bucketArn: string; fileKey: string; objectVersion?: string };
  /** Bytes of the code as given (text or zip). */
  size: number;
  md5: string;
}

/** One version of an application's configuration (what UpdateApplication changes and RollbackApplication restores). */
export interface V2Version {
  versionId: number;
  description?: string;
  role: string;
  code: V2Code;
  env: PropertyGroup[];
  parallelism: { type: 'DEFAULT' | 'CUSTOM'; parallelism: number; perKpu: number; autoScaling: boolean };
  checkpointing: { type: 'DEFAULT' | 'CUSTOM'; enabled: boolean; intervalMs: number; minPauseMs: number };
  monitoring: { type: 'DEFAULT' | 'CUSTOM'; metricsLevel: string; logLevel: string };
  snapshotsEnabled: boolean;
  logging: { id: string; arn: string }[];
  /** VPC configurations: stored and described (Freshet runs no VPCs; absent in versions saved before they existed). */
  vpc?: V2Vpc[];
  restore: ApplicationRestoreConfiguration;
  allowNonRestoredState: boolean;
  updatedMs: number;
  updatedFrom?: number;
  rolledBackFrom?: number;
  rolledBackTo?: number;
}

export interface V2Vpc {
  id: string;
  subnetIds: string[];
  securityGroupIds: string[];
}

/** The VpcId a VPC configuration reports: Freshet has no EC2 to look the subnets up in, so a stable stand-in made from them. */
export function vpcIdOf(subnetIds: readonly string[]): string {
  return `vpc-${createHash('sha256')
    .update([...subnetIds].sort().join(','))
    .digest('hex')
    .slice(0, 17)}`;
}

export function vpcDescription(c: V2Vpc): VpcConfigurationDescription {
  return { VpcConfigurationId: c.id, VpcId: vpcIdOf(c.subnetIds), SubnetIds: c.subnetIds, SecurityGroupIds: c.securityGroupIds };
}

export interface V2Snapshot {
  name: string;
  versionId: number;
  createdMs: number;
  status: SnapshotDetails['SnapshotStatus'];
}

export interface V2App {
  name: string;
  arn: string;
  runtime: V2Runtime;
  mode: 'STREAMING' | 'INTERACTIVE';
  createdMs: number;
  status: V2Status;
  /** The status a transitional one settles into. */
  targetStatus?: V2Status;
  current: V2Version;
  /** Every earlier version, oldest first. */
  history: V2Version[];
  snapshots: V2Snapshot[];
  tags: [string, string][];
  nextLoggingId: number;
  /** Why the job last failed (shown in DescribeApplication's JobPlanDescription). */
  lastError?: string;
  /** The job's plan (EXPLAIN), for JobPlanDescription. */
  jobPlan?: string;
  /** UpdateApplicationMaintenanceConfiguration's window start (UTC `HH:mm`); absent: DEFAULT_MAINTENANCE_START. */
  maintenanceStart?: string;
}

/**
 * The maintenance window a new application gets. AWS picks one per region (its maintenance guide lists them);
 * Freshet, which does no maintenance, gives every application this one.
 */
export const DEFAULT_MAINTENANCE_START = '06:00';
/** A maintenance window lasts eight hours (Managed Service for Apache Flink's maintenance guide). */
const MAINTENANCE_HOURS = 8;

/** ApplicationMaintenanceConfigurationDescription: the window's start and its end eight hours later (UTC, `HH:mm`). */
export function maintenanceDescription(app: V2App): { ApplicationMaintenanceWindowStartTime: string; ApplicationMaintenanceWindowEndTime: string } {
  const start = app.maintenanceStart ?? DEFAULT_MAINTENANCE_START;
  const [h, m] = start.split(':') as [string, string];
  const end = `${String((Number(h) + MAINTENANCE_HOURS) % 24).padStart(2, '0')}:${m}`;
  return { ApplicationMaintenanceWindowStartTime: start, ApplicationMaintenanceWindowEndTime: end };
}

/** Flink's defaults as Managed Service for Apache Flink documents them (DEFAULT configuration types). */
export const DEFAULT_PARALLELISM = { type: 'DEFAULT' as const, parallelism: 1, perKpu: 1, autoScaling: true };
export const DEFAULT_CHECKPOINTING = { type: 'DEFAULT' as const, enabled: true, intervalMs: 60_000, minPauseMs: 5_000 };
export const DEFAULT_MONITORING = { type: 'DEFAULT' as const, metricsLevel: 'APPLICATION', logLevel: 'INFO' };

export function applicationArnV2(region: string, accountId: string, name: string): string {
  return `arn:aws:kinesisanalytics:${region}:${accountId}:application/${name}`;
}

export function codeOf(type: 'PLAINTEXT' | 'ZIPFILE', sql: string, raw: Uint8Array | string, s3?: V2Code['s3']): V2Code {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  return { type, sql, size: bytes.length, md5: createHash('md5').update(bytes).digest('hex'), ...(s3 ? { s3 } : {}) };
}

/** The SQL options an application's EnvironmentProperties give its job: every property of every group, `SET key = value` style. */
export function sqlOptions(v: V2Version): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of v.env) for (const [k, val] of Object.entries(g.PropertyMap)) out[k] = val;
  if (v.parallelism.type === 'CUSTOM') out['parallelism.default'] = String(v.parallelism.parallelism);
  return out;
}

export function applicationSummaryV2(app: V2App): ApplicationSummary {
  return {
    ApplicationName: app.name,
    ApplicationARN: app.arn,
    ApplicationStatus: app.status,
    ApplicationVersionId: app.current.versionId,
    RuntimeEnvironment: app.runtime,
    ApplicationMode: app.mode,
  };
}

/** DescribeApplication's ApplicationDetail for `v` (the current version, or an earlier one for DescribeApplicationVersion). */
export function applicationDetailV2(app: V2App, v: V2Version, status: V2Status, currentParallelism: number): ApplicationDetail {
  const code = v.code;
  return {
    ApplicationARN: app.arn,
    ...(v.description !== undefined ? { ApplicationDescription: v.description } : {}),
    ApplicationName: app.name,
    RuntimeEnvironment: app.runtime,
    ServiceExecutionRole: v.role,
    ApplicationStatus: status,
    ApplicationVersionId: v.versionId,
    CreateTimestamp: app.createdMs / 1000,
    LastUpdateTimestamp: v.updatedMs / 1000,
    ApplicationMode: app.mode,
    ApplicationConfigurationDescription: {
      ApplicationCodeConfigurationDescription: {
        CodeContentType: code.type,
        CodeContentDescription: {
          ...(code.type === 'PLAINTEXT' ? { TextContent: code.sql } : {}),
          CodeMD5: code.md5,
          CodeSize: code.size,
          ...(code.s3
            ? {
                S3ApplicationCodeLocationDescription: {
                  BucketARN: code.s3.bucketArn,
                  FileKey: code.s3.fileKey,
                  ...(code.s3.objectVersion !== undefined ? { ObjectVersion: code.s3.objectVersion } : {}),
                },
              }
            : {}),
        },
      },
      RunConfigurationDescription: {
        ApplicationRestoreConfigurationDescription: v.restore,
        FlinkRunConfigurationDescription: { AllowNonRestoredState: v.allowNonRestoredState },
      },
      FlinkApplicationConfigurationDescription: {
        CheckpointConfigurationDescription: {
          ConfigurationType: v.checkpointing.type,
          CheckpointingEnabled: v.checkpointing.enabled,
          CheckpointInterval: v.checkpointing.intervalMs,
          MinPauseBetweenCheckpoints: v.checkpointing.minPauseMs,
        },
        MonitoringConfigurationDescription: {
          ConfigurationType: v.monitoring.type,
          MetricsLevel: v.monitoring.metricsLevel as 'APPLICATION',
          LogLevel: v.monitoring.logLevel as 'INFO',
        },
        ParallelismConfigurationDescription: {
          ConfigurationType: v.parallelism.type,
          Parallelism: v.parallelism.parallelism,
          ParallelismPerKPU: v.parallelism.perKpu,
          CurrentParallelism: currentParallelism,
          AutoScalingEnabled: v.parallelism.autoScaling,
        },
        ...(app.jobPlan !== undefined ? { JobPlanDescription: app.jobPlan } : {}),
      },
      EnvironmentPropertyDescriptions: { PropertyGroupDescriptions: v.env },
      ApplicationSnapshotConfigurationDescription: { SnapshotsEnabled: v.snapshotsEnabled },
      ...(v.vpc?.length ? { VpcConfigurationDescriptions: v.vpc.map(vpcDescription) } : {}),
    },
    ApplicationMaintenanceConfigurationDescription: maintenanceDescription(app),
    ...(v.logging.length > 0 ? { CloudWatchLoggingOptionDescriptions: v.logging.map((l) => ({ CloudWatchLoggingOptionId: l.id, LogStreamARN: l.arn })) } : {}),
    ...(v.updatedFrom !== undefined ? { ApplicationVersionUpdatedFrom: v.updatedFrom } : {}),
    ...(v.rolledBackFrom !== undefined ? { ApplicationVersionRolledBackFrom: v.rolledBackFrom } : {}),
    ...(v.rolledBackTo !== undefined ? { ApplicationVersionRolledBackTo: v.rolledBackTo } : {}),
    ConditionalToken: conditionalToken(app, v),
  };
}

/** An opaque token that changes with every version (UpdateApplication's ConditionalToken). */
export function conditionalToken(app: V2App, v: V2Version): string {
  return createHash('sha256').update(`${app.arn}#${v.versionId}#${v.updatedMs}`).digest('hex').slice(0, 32);
}

export function snapshotDetails(s: V2Snapshot): SnapshotDetails {
  return { SnapshotName: s.name, SnapshotStatus: s.status, ApplicationVersionId: s.versionId, SnapshotCreationTimestamp: s.createdMs / 1000 };
}
