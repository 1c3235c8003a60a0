/**
 * Edge validation for Firehose requests, in AWS's two layers:
 * 1. model constraints (length, pattern, range, enum) → ValidationException
 *    "N validation error(s) detected: Value '…' at '…' failed to satisfy constraint: …"
 *    (Coral's wording, field paths in camelCase as AWS prints them);
 * 2. semantic rules → InvalidArgumentException with Firehose's messages.
 * Inner layers receive typed, valid values.
 */
import { AwsError } from '../core/index.ts';

export class Violations {
  private items: string[] = [];

  add(value: unknown, path: string, constraint: string): void {
    this.items.push(`Value ${renderValue(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  str(
    value: unknown,
    path: string,
    opts: { required?: boolean; min?: number; max?: number; pattern?: RegExp; patternText?: string; enumValues?: readonly string[] },
  ): string | undefined {
    if (value === undefined || value === null) {
      if (opts.required) this.add(null, path, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'string') throw serialization(`Unexpected value type for ${path}`);
    if (opts.min !== undefined && value.length < opts.min) this.add(value, path, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && value.length > opts.max) this.add(value, path, `Member must have length less than or equal to ${opts.max}`);
    if (opts.pattern && !opts.pattern.test(value))
      this.add(value, path, `Member must satisfy regular expression pattern: ${opts.patternText ?? opts.pattern.source}`);
    if (opts.enumValues && !opts.enumValues.includes(value)) this.add(value, path, `Member must satisfy enum value set: [${opts.enumValues.join(', ')}]`);
    return value;
  }

  int(value: unknown, path: string, opts: { required?: boolean; min?: number; max?: number }): number | undefined {
    if (value === undefined || value === null) {
      if (opts.required) this.add(null, path, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(`Unexpected value type for ${path}`);
    if (opts.min !== undefined && value < opts.min) this.add(value, path, `Member must have value greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && value > opts.max) this.add(value, path, `Member must have value less than or equal to ${opts.max}`);
    return value;
  }

  bool(value: unknown, path: string): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw serialization(`Unexpected value type for ${path}`);
    return value;
  }

  obj(value: unknown, path: string, required = false): Record<string, unknown> | undefined {
    if (value === undefined || value === null) {
      if (required) this.add(null, path, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) throw serialization(`Unexpected value type for ${path}`);
    return value as Record<string, unknown>;
  }

  list(value: unknown, path: string, opts: { required?: boolean; min?: number; max?: number }): unknown[] | undefined {
    if (value === undefined || value === null) {
      if (opts.required) this.add(null, path, 'Member must not be null');
      return undefined;
    }
    if (!Array.isArray(value)) throw serialization(`Unexpected value type for ${path}`);
    if (opts.min !== undefined && value.length < opts.min) this.add(value, path, `Member must have length greater than or equal to ${opts.min}`);
    if (opts.max !== undefined && value.length > opts.max) this.add(value, path, `Member must have length less than or equal to ${opts.max}`);
    return value;
  }

  get count(): number {
    return this.items.length;
  }

  /** Throws AWS's ValidationException if anything was recorded. */
  throwIfAny(): void {
    if (this.items.length === 0) return;
    const n = this.items.length;
    throw new AwsError('ValidationException', `${n} validation error${n > 1 ? 's' : ''} detected: ${this.items.join('; ')}`);
  }
}

function renderValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return `'${v}'`;
  if (Array.isArray(v)) return `'[${v.length} items]'`;
  return "'[object]'";
}

export function serialization(message: string): AwsError {
  return new AwsError('SerializationException', message);
}

/** Firehose's InvalidArgumentException (shares its AWS name with Kinesis's). */
export function invalidArgument(message: string): AwsError {
  return new AwsError('InvalidArgumentExceptionFirehose', message, { wireCode: 'InvalidArgumentException' });
}

export const NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
export const NAME_PATTERN_TEXT = '[a-zA-Z0-9_.-]+';
export const BUCKET_ARN_PATTERN = /^arn:.*:s3:::[\w.-]{1,255}$/;
export const BUCKET_ARN_TEXT = 'arn:.*:s3:::[\\w\\.\\-]{1,255}';
export const ROLE_ARN_PATTERN = /^arn:.*:iam::\d{12}:role\/[a-zA-Z_0-9+=,.@\-_/]+$/;
export const ROLE_ARN_TEXT = 'arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+';
export const KINESIS_ARN_PATTERN = /^arn:.*:kinesis:[a-zA-Z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]+$/;
export const KINESIS_ARN_TEXT = 'arn:.*:kinesis:[a-zA-Z0-9\\-]+:\\d{12}:stream/[a-zA-Z0-9_.-]+';
export const FILE_EXTENSION_PATTERN = /^$|^\.[0-9a-z!\-_.*'()]+$/;
export const FILE_EXTENSION_TEXT = "^$|\\.[0-9a-z!\\-_.*'()]+";

export function validateStreamName(v: Violations, value: unknown, path = 'deliveryStreamName'): string {
  return v.str(value, path, { required: true, min: 1, max: 64, pattern: NAME_PATTERN, patternText: NAME_PATTERN_TEXT }) ?? '';
}
