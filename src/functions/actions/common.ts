/**
 * What AWSLambda actions share: their context (the functions engine and
 * where the embedded object store keeps buckets), code sources from a
 * request, and settings from CreateFunction / UpdateFunctionConfiguration.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { ActionContext } from '../../aws/index.ts';
import type { FunctionsEngine } from '../engine.ts';
import { lambdaError } from '../errors.ts';
import type { CodeSource, FunctionSettings } from '../model.ts';
import type { WireContext } from '../wire.ts';

export interface LambdaDeps {
  functions: FunctionsEngine;
  /** Root of the embedded object store (`<data-dir>/s3`), for code given as S3Bucket/S3Key. */
  s3Root: string | undefined;
}

export type LambdaContext = ActionContext<LambdaDeps>;

export function wireContext(ctx: LambdaContext): WireContext {
  return { region: ctx.deps.functions.region, accountId: ctx.deps.functions.accountId };
}

/** Code from ZipFile bytes, or an object of the embedded object store (S3Bucket/S3Key). */
export async function codeFrom(ctx: LambdaContext, code: { ZipFile?: Uint8Array; S3Bucket?: string; S3Key?: string; ImageUri?: string }): Promise<CodeSource> {
  if (code.ZipFile !== undefined) return { zip: code.ZipFile };
  if (code.ImageUri !== undefined)
    throw lambdaError('InvalidParameterValueException', 'Container images are not supported by Freshet: use a zip package (ZipFile or S3Bucket/S3Key).');
  if (code.S3Bucket !== undefined && code.S3Key !== undefined) {
    const root = ctx.deps.s3Root;
    const path = root === undefined ? undefined : normalize(join(root, code.S3Bucket, code.S3Key));
    if (path === undefined || !path.startsWith(normalize(join(root!, code.S3Bucket))) || !existsSync(join(root!, code.S3Bucket))) {
      throw lambdaError(
        'InvalidParameterValueException',
        `Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist`,
      );
    }
    try {
      return { zip: await readFile(path) };
    } catch {
      throw lambdaError(
        'InvalidParameterValueException',
        'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.',
      );
    }
  }
  throw lambdaError('InvalidParameterValueException', 'Please provide a source for function code.');
}

export interface SettingsInput {
  Runtime?: string;
  Handler?: string;
  Role?: string;
  Description?: string;
  Timeout?: number;
  MemorySize?: number;
  Environment?: { Variables?: Record<string, string> };
  Architectures?: string[];
  EphemeralStorage?: { Size: number };
  Layers?: string[];
  DeadLetterConfig?: { TargetArn?: string };
  TracingConfig?: { Mode?: string };
}

export function settingsFrom(input: SettingsInput): FunctionSettings {
  const s: FunctionSettings = {};
  if (input.Runtime !== undefined) s.runtime = input.Runtime;
  if (input.Handler !== undefined) s.handler = input.Handler;
  if (input.Role !== undefined) s.role = input.Role;
  if (input.Description !== undefined) s.description = input.Description;
  if (input.Timeout !== undefined) s.timeoutSeconds = input.Timeout;
  if (input.MemorySize !== undefined) s.memoryMb = input.MemorySize;
  if (input.Environment !== undefined) s.environment = { ...(input.Environment.Variables ?? {}) };
  if (input.Architectures !== undefined) s.architectures = [...input.Architectures];
  if (input.EphemeralStorage !== undefined) s.ephemeralStorageMb = input.EphemeralStorage.Size;
  if (input.Layers !== undefined) s.layers = [...input.Layers];
  if (input.DeadLetterConfig !== undefined) s.deadLetterTargetArn = input.DeadLetterConfig.TargetArn ?? '';
  if (input.TracingConfig?.Mode !== undefined) s.tracingMode = input.TracingConfig.Mode;
  return s;
}
