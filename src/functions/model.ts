/**
 * Functions: what Freshet keeps about a function (camelCase; the AWSLambda
 * service converts to and from AWS's FunctionConfiguration shapes), the
 * runtimes it runs, and the limits and defaults of AWS Lambda.
 *
 * Reference: Lambda API reference (CreateFunction, FunctionConfiguration,
 * PublishVersion, CreateAlias) and the Lambda quotas page.
 */
import { validatorsFor } from '../aws/index.ts';
import type { InputValidator } from '../aws/index.ts';
import { lambdaModel } from '../aws/models/lambda.ts';
import { lambdaError } from './errors.ts';

export const NODE_RUNTIMES = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x'] as const;
export const PYTHON_RUNTIMES = ['python3.8', 'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13'] as const;
export const CUSTOM_RUNTIMES = ['provided', 'provided.al2', 'provided.al2023'] as const;
export const RUNTIMES: readonly string[] = [...NODE_RUNTIMES, ...PYTHON_RUNTIMES, ...CUSTOM_RUNTIMES];

export type RuntimeFamily = 'node' | 'python' | 'custom';

export function runtimeFamily(runtime: string): RuntimeFamily {
  if (runtime.startsWith('nodejs')) return 'node';
  if (runtime.startsWith('python')) return 'python';
  return 'custom';
}

export const LIMITS = {
  minTimeoutSeconds: 1,
  maxTimeoutSeconds: 900,
  defaultTimeoutSeconds: 3,
  minMemoryMb: 128,
  maxMemoryMb: 10_240,
  defaultMemoryMb: 128,
  /** Synchronous invocation payload, request and response. */
  maxSyncPayloadBytes: 6 * 1024 * 1024,
  /** Asynchronous (Event) invocation payload. */
  maxAsyncPayloadBytes: 1024 * 1024,
  maxEnvironmentBytes: 4 * 1024,
  maxZipBytes: 50 * 1024 * 1024,
  maxUnzippedBytes: 262_144_000,
  /** LogType Tail returns the last 4 KB of the invocation's log. */
  tailBytes: 4096,
  defaultAccountConcurrency: 1000,
  /** Concurrency ReservedConcurrentExecutions may never take from the unreserved pool. */
  minUnreservedConcurrency: 100,
  /** How long an environment may take to initialise (AWS: 10 s, else the init is retried inside the invoke). */
  initTimeoutMs: 10_000,
} as const;

/** Environment variable names Lambda sets itself and refuses in a function's configuration. */
export const RESERVED_ENV = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/** One immutable (published) or mutable ($LATEST) configuration of a function. */
export interface VersionRecord {
  version: string;
  runtime: string;
  handler: string;
  role: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  codeSha256: string;
  codeSize: number;
  architectures: string[];
  ephemeralStorageMb: number;
  layers: string[];
  deadLetterTargetArn: string | undefined;
  tracingMode: string;
  lastModifiedMs: number;
  revisionId: string;
}

export interface AliasRecord {
  name: string;
  functionVersion: string;
  description: string;
  /** Weighted routing to a second version: version → weight (0..1). */
  additionalVersionWeights: Record<string, number>;
  revisionId: string;
}

/** Destinations and retry settings for asynchronous invocations (PutFunctionEventInvokeConfig). */
export interface EventInvokeConfig {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  onSuccess: string | undefined;
  onFailure: string | undefined;
  lastModifiedMs: number;
}

export interface FunctionRecord {
  name: string;
  createdMs: number;
  latest: VersionRecord;
  versions: Record<string, VersionRecord>;
  nextVersion: number;
  aliases: Record<string, AliasRecord>;
  tags: Record<string, string>;
  reservedConcurrency: number | undefined;
  eventInvokeConfig: EventInvokeConfig | undefined;
  /** PutProvisionedConcurrencyConfig: published version or alias → its configuration (absent in records older than the feature). */
  provisionedConcurrency?: Record<string, ProvisionedConcurrencyConfig>;
}

/** Provisioned concurrency asked for on one published version or alias. */
export interface ProvisionedConcurrencyConfig {
  requested: number;
  lastModifiedMs: number;
}

/** What CreateFunction / UpdateFunctionConfiguration take (all optional on update). */
export interface FunctionSettings {
  runtime?: string;
  handler?: string;
  role?: string;
  description?: string;
  timeoutSeconds?: number;
  memoryMb?: number;
  environment?: Record<string, string>;
  architectures?: string[];
  ephemeralStorageMb?: number;
  layers?: string[];
  deadLetterTargetArn?: string;
  tracingMode?: string;
}

/** Where code comes from: a zip archive's bytes, or (a Freshet extension) a local directory. */
export type CodeSource = { zip: Uint8Array } | { directory: string };

const NAME = /^[a-zA-Z0-9-_]{1,64}$/;

export function validateName(name: string): void {
  if (!NAME.test(name)) {
    throw lambdaError(
      'ValidationException',
      `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
    );
  }
}

/**
 * The model's own constraints on the settings (Role required and its pattern, Timeout ≥ 1, MemorySize 128–10240),
 * checked by the validator compiled from Lambda's model, as the wire checks them before a handler runs: one
 * mechanism and AWS's texts for in-process callers of the engine too. Compiled on first use.
 */
let modelChecks: { create: InputValidator<unknown>; update: InputValidator<unknown> } | undefined;
function checkAgainstModel(s: FunctionSettings, creating: boolean): void {
  if (!modelChecks) {
    const compile = validatorsFor(lambdaModel);
    modelChecks = { create: compile('CreateFunctionRequest'), update: compile('UpdateFunctionConfigurationRequest') };
  }
  const input: Record<string, unknown> = { FunctionName: 'f' };
  if (creating) input.Code = {};
  if (s.role !== undefined) input.Role = s.role;
  if (s.timeoutSeconds !== undefined) input.Timeout = s.timeoutSeconds;
  if (s.memoryMb !== undefined) input.MemorySize = s.memoryMb;
  (creating ? modelChecks.create : modelChecks.update)(input);
}

/** Checks settings as CreateFunction (`creating`) or UpdateFunctionConfiguration does. */
export function validateSettings(s: FunctionSettings, creating: boolean): void {
  checkAgainstModel(s, creating);
  if (creating && s.runtime === undefined) {
    throw lambdaError('InvalidParameterValueException', 'Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  if (s.runtime !== undefined && !RUNTIMES.includes(s.runtime)) {
    throw lambdaError(
      'InvalidParameterValueException',
      `Value ${s.runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${RUNTIMES.join(', ')}] or be a valid ARN`,
    );
  }
  if (creating && s.handler === undefined && runtimeFamily(s.runtime!) !== 'custom') {
    throw lambdaError('InvalidParameterValueException', 'Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  // The model states no maximum; Lambda's is 900 s, refused in the model's words.
  if (s.timeoutSeconds !== undefined && (!Number.isInteger(s.timeoutSeconds) || s.timeoutSeconds > LIMITS.maxTimeoutSeconds)) {
    throw lambdaError(
      'ValidationException',
      `1 validation error detected: Value '${s.timeoutSeconds}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to ${LIMITS.maxTimeoutSeconds}`,
    );
  }
  if (s.environment) {
    const reserved = Object.keys(s.environment).filter((k) => RESERVED_ENV.has(k));
    if (reserved.length) {
      throw lambdaError(
        'InvalidParameterValueException',
        `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
      );
    }
    const text = JSON.stringify(s.environment);
    if (Buffer.byteLength(text, 'utf8') > LIMITS.maxEnvironmentBytes) {
      throw lambdaError(
        'InvalidParameterValueException',
        `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${text}`,
      );
    }
  }
}

export function functionArn(region: string, accountId: string, name: string, qualifier?: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}${qualifier !== undefined ? `:${qualifier}` : ''}`;
}

/**
 * Splits a FunctionName parameter — a name, a partial ARN (`123456789012:function:name`) or a
 * full ARN, any of them with a `:qualifier` — into name and qualifier.
 */
export function parseFunctionRef(ref: string): { name: string; qualifier: string | undefined; accountId: string | undefined; region: string | undefined } {
  const full = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/.exec(ref);
  if (full) return { region: full[1], accountId: full[2], name: full[3]!, qualifier: full[4] };
  const partial = /^(\d{12}):function:([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/.exec(ref);
  if (partial) return { region: undefined, accountId: partial[1], name: partial[2]!, qualifier: partial[3] };
  const plain = /^([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/.exec(ref);
  if (plain) return { region: undefined, accountId: undefined, name: plain[1]!, qualifier: plain[2] };
  validateName(ref);
  return { region: undefined, accountId: undefined, name: ref, qualifier: undefined };
}
