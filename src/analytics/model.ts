/**
 * The internal, camelCase model of a Kinesis Analytics (v1) SQL application, as
 * persisted in storage.meta. The wire codec (wire/codec.ts) is the only place
 * that converts between this and AWS's shapes.
 */

export const APPLICATION_STATUS = {
  DELETING: 'DELETING',
  STARTING: 'STARTING',
  STOPPING: 'STOPPING',
  READY: 'READY',
  RUNNING: 'RUNNING',
  UPDATING: 'UPDATING',
} as const;
export type ApplicationStatus = (typeof APPLICATION_STATUS)[keyof typeof APPLICATION_STATUS];

export type StartingPosition = 'NOW' | 'TRIM_HORIZON' | 'LAST_STOPPED_POINT';
export type RecordFormatType = 'JSON' | 'CSV';

export interface ColumnSpec {
  name: string;
  sqlType: string;
  /** JSONPath (`$.a.b`) for JSON records; absent for CSV. */
  mapping?: string;
}

export interface RecordSchema {
  format: RecordFormatType;
  /** JSON: the path of the row(s) inside a record, `$` for the whole record. */
  rowPath?: string;
  /** CSV delimiters. */
  rowDelimiter?: string;
  columnDelimiter?: string;
  encoding?: string;
  columns: ColumnSpec[];
}

export interface Endpoint {
  kind: 'kinesis' | 'firehose' | 'lambda';
  resourceArn: string;
  roleArn: string;
}

export interface LambdaProcessor {
  resourceArn: string;
  roleArn: string;
}

export interface AppInput {
  id: string;
  namePrefix: string;
  source: Endpoint;
  schema: RecordSchema;
  parallelism: number;
  processor?: LambdaProcessor;
  /** Starting position given at the last StartApplication. */
  startingPosition?: StartingPosition;
}

export interface AppOutput {
  id: string;
  name: string;
  destination: Endpoint;
  format: RecordFormatType;
}

export interface AppReference {
  id: string;
  tableName: string;
  bucketArn: string;
  fileKey: string;
  roleArn: string;
  schema: RecordSchema;
}

export interface AppLoggingOption {
  id: string;
  logStreamArn: string;
  roleArn: string;
}

export interface ApplicationConfig {
  name: string;
  description?: string;
  arn: string;
  status: ApplicationStatus;
  /**
   * While the status is transitional (STARTING, STOPPING, UPDATING): the status it settles to.
   * UPDATING settles to READY or RUNNING depending on the status the update started from, so a
   * restart in the middle of an update knows whether to resume the application.
   */
  targetStatus?: 'READY' | 'RUNNING';
  createdMs: number;
  updatedMs: number;
  versionId: number;
  code: string;
  inputs: AppInput[];
  outputs: AppOutput[];
  references: AppReference[];
  logging: AppLoggingOption[];
  tags: Array<[key: string, value: string]>;
  /** Next sequence numbers for ids (`1.<n>`); ids are never reused. */
  nextId: { input: number; output: number; reference: number; logging: number };
  /** Why the application last stopped on its own (a runtime failure), if it did. */
  lastError?: string;
}

/** The in-application stream names an input creates: `<prefix>_001`, `<prefix>_002`, … */
export function inAppStreamNames(input: Pick<AppInput, 'namePrefix' | 'parallelism'>): string[] {
  const names: string[] = [];
  for (let i = 1; i <= input.parallelism; i++) names.push(`${input.namePrefix}_${String(i).padStart(3, '0')}`);
  return names;
}

/** Resource names inside ARNs Freshet understands. */
export interface ParsedArn {
  service: string;
  region: string;
  accountId: string;
  resourceType: string;
  resourceName: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const resource = parts.slice(5).join(':');
  const slash = resource.indexOf('/');
  return {
    service: parts[2]!,
    region: parts[3]!,
    accountId: parts[4]!,
    resourceType: slash < 0 ? '' : resource.slice(0, slash),
    resourceName: slash < 0 ? resource : resource.slice(slash + 1),
  };
}

/** `arn:aws:kinesis:<region>:<acct>:stream/<name>` → name, or undefined. */
export function streamNameFromArn(arn: string): string | undefined {
  const p = parseArn(arn);
  return p && p.service === 'kinesis' && p.resourceType === 'stream' && p.resourceName ? p.resourceName : undefined;
}

/** `arn:aws:firehose:<region>:<acct>:deliverystream/<name>` → name, or undefined. */
export function deliveryStreamNameFromArn(arn: string): string | undefined {
  const p = parseArn(arn);
  return p && p.service === 'firehose' && p.resourceType === 'deliverystream' && p.resourceName ? p.resourceName : undefined;
}
