/**
 * The hand-written schemas the Kinesis actions still use until they move to the generated model
 * (validate.ts); same texts. Edge validation for AWS JSON services, producing AWS's own wire messages
 * (the Coral framework's texts, as kinesalite captured them from AWS):
 *  1. type checks → SerializationException with `Message`
 *     ("class java.lang.String can not be converted to an Integer");
 *  2. constraints → ValidationException
 *     ("2 validation errors detected: Value '' at 'streamName' failed to satisfy constraint: ...; ...").
 * A schema is compiled once at start-up into a validator; handlers then receive
 * typed values. Member order in a schema is the order AWS reports errors in.
 */
import { AwsError } from '../core/index.ts';
import { base64DecodedLength, base64Problem } from './base64.ts';

interface Common {
  notNull?: boolean;
}
export type Shape =
  | (Common & { type: 'string'; pattern?: string; minLength?: number; maxLength?: number; enum?: readonly string[] })
  | (Common & { type: 'integer' | 'long' | 'double'; min?: number; max?: number })
  | (Common & { type: 'boolean' })
  | (Common & { type: 'blob'; minLength?: number; maxLength?: number })
  | (Common & { type: 'timestamp' })
  | (Common & { type: 'list'; member: Shape; minLength?: number; maxLength?: number; memberStr?: string; memberLengths?: readonly [number, number] })
  | (Common & {
      type: 'map';
      value: Shape;
      minLength?: number;
      maxLength?: number;
      keyLengths?: readonly [number, number];
      valueLengths?: readonly [number, number];
    })
  | (Common & { type: 'structure'; members: Readonly<Record<string, Shape>> });

export type StructureShape = Extract<Shape, { type: 'structure' }>;

const MAX_ERRORS = 10;

function typeError(message: string): AwsError {
  return new AwsError('SerializationException', message, { messageField: 'Message' });
}

function lowerFirst(s: string): string {
  return s.length ? s[0]!.toLowerCase() + s.slice(1) : s;
}

function describeJsType(val: unknown): 'boolean' | 'number' | 'string' | 'list' | 'map' | 'other' {
  if (typeof val === 'boolean') return 'boolean';
  if (typeof val === 'number') return 'number';
  if (typeof val === 'string') return 'string';
  if (Array.isArray(val)) return 'list';
  if (typeof val === 'object') return 'map';
  return 'other';
}

const NUMBER_CLASS = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';

/** Checks and normalises JSON types (integers floored and capped as Coral does). */
function checkType(val: unknown, shape: Shape): unknown {
  if (val === null || val === undefined) return undefined;
  const t = describeJsType(val);
  const structural = (): never => {
    throw typeError(t === 'list' ? 'Start of list found where not expected' : 'Start of structure or map found where not expected.');
  };
  switch (shape.type) {
    case 'boolean':
      if (t === 'number') throw typeError(`${NUMBER_CLASS} can not be converted to an Boolean`);
      if (t === 'string') throw typeError(`'${(val as string).toUpperCase()}' can not be converted to an Boolean`);
      if (t === 'list' || t === 'map') structural();
      return val;
    case 'integer':
    case 'long':
    case 'double': {
      const name = shape.type === 'integer' ? 'Integer' : shape.type === 'long' ? 'Long' : 'Double';
      if (t === 'boolean') throw typeError(`class java.lang.Boolean can not be converted to an ${name}`);
      if (t === 'string') throw typeError(`class java.lang.String can not be converted to an ${name}`);
      if (t === 'list' || t === 'map') structural();
      let n = val as number;
      if (shape.type !== 'double') n = Math.floor(n);
      if (shape.type === 'integer') n = Math.min(n, 2147483647);
      return n;
    }
    case 'string':
      if (t === 'boolean') throw typeError('class java.lang.Boolean can not be converted to an String');
      if (t === 'number') throw typeError(`${NUMBER_CLASS} can not be converted to an String`);
      if (t === 'list' || t === 'map') structural();
      return val;
    case 'blob': {
      if (t === 'boolean') throw typeError('class java.lang.Boolean can not be converted to a Blob');
      if (t === 'number') throw typeError(`${NUMBER_CLASS} can not be converted to a Blob`);
      if (t === 'list' || t === 'map') structural();
      const problem = base64Problem(val as string);
      if (problem) throw typeError(problem);
      return val;
    }
    case 'timestamp':
      if (t === 'boolean') throw typeError('class java.lang.Boolean can not be converted to milliseconds since epoch');
      if (t === 'string') throw typeError('class java.lang.String can not be converted to milliseconds since epoch');
      if (t === 'list' || t === 'map') structural();
      return val;
    case 'list': {
      if (t === 'boolean' || t === 'number' || t === 'string') throw typeError('Expected list or null');
      if (t === 'map') structural();
      const arr = val as unknown[];
      const out = new Array<unknown>(arr.length);
      for (let i = 0; i < arr.length; i++) out[i] = checkType(arr[i], shape.member);
      return out;
    }
    case 'map': {
      if (t === 'boolean' || t === 'number' || t === 'string') throw typeError('Expected map or null');
      if (t === 'list') structural();
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(val as object)) out[k] = checkType((val as Record<string, unknown>)[k], shape.value);
      return out;
    }
    case 'structure': {
      if (t === 'boolean' || t === 'number' || t === 'string') throw typeError('Expected null');
      if (t === 'list') structural();
      return checkStructureTypes(val as Record<string, unknown>, shape);
    }
  }
}

function checkStructureTypes(val: Record<string, unknown>, shape: StructureShape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in shape.members) {
    const v = checkType(val[key], shape.members[key]!);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function valueString(data: unknown, shape: Shape): string {
  if (data === undefined || data === null) return 'null';
  switch (shape.type) {
    case 'blob': {
      const n = base64DecodedLength(data as string);
      return `'java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]'`;
    }
    case 'list':
      return `'[${(data as unknown[]).map((x) => shape.memberStr ?? String(x)).join(', ')}]'`;
    case 'map':
      return `'{${Object.keys(data as object)
        .map((k) => `${k}=${(data as Record<string, unknown>)[k]}`)
        .join(', ')}}'`;
    default:
      return `'${typeof data === 'object' ? JSON.stringify(data) : String(data)}'`;
  }
}

function lengthOf(data: unknown, shape: Shape): number {
  if (shape.type === 'blob') return base64DecodedLength(data as string);
  if (typeof data === 'string' || Array.isArray(data)) return data.length;
  return Object.keys(data as object).length;
}

function checkMember(path: string, data: unknown, shape: Shape, errors: string[]): void {
  const fail = (msg: string): void => {
    if (errors.length < MAX_ERRORS) errors.push(`Value ${valueString(data, shape)} at '${path}' failed to satisfy constraint: ${msg}`);
  };
  if (data === undefined) {
    if (shape.notNull) fail('Member must not be null');
    return;
  }
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'double':
      if (shape.min !== undefined && !((data as number) >= shape.min)) fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && !((data as number) <= shape.max)) fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    case 'string':
      if (shape.pattern !== undefined && !compiledPattern(shape.pattern).test(data as string))
        fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      if (shape.minLength !== undefined && (data as string).length < shape.minLength)
        fail(`Member must have length greater than or equal to ${shape.minLength}`);
      if (shape.maxLength !== undefined && (data as string).length > shape.maxLength) fail(`Member must have length less than or equal to ${shape.maxLength}`);
      if (shape.enum !== undefined && !shape.enum.includes(data as string)) fail(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      return;
    case 'blob':
    case 'list':
    case 'map': {
      if (shape.minLength !== undefined && lengthOf(data, shape) < shape.minLength) fail(`Member must have length greater than or equal to ${shape.minLength}`);
      if (shape.maxLength !== undefined && lengthOf(data, shape) > shape.maxLength) fail(`Member must have length less than or equal to ${shape.maxLength}`);
      if (shape.type === 'list') {
        const arr = data as unknown[];
        if (shape.memberLengths) {
          const [lo, hi] = shape.memberLengths;
          if (!arr.every((x) => typeof x === 'string' && x.length >= lo && x.length <= hi)) {
            fail(
              `Member must satisfy constraint: [Member must have length less than or equal to ${hi}, Member must have length greater than or equal to ${lo}]`,
            );
          }
        }
        for (let i = 0; i < arr.length && errors.length < MAX_ERRORS; i++) checkMember(`${path}.${i + 1}.member`, arr[i], shape.member, errors);
      } else if (shape.type === 'map') {
        const obj = data as Record<string, unknown>;
        const keys = Object.keys(obj);
        if (shape.keyLengths) {
          const [lo, hi] = shape.keyLengths;
          if (!keys.every((k) => k.length >= lo && k.length <= hi)) {
            fail(
              `Map keys must satisfy constraint: [Member must have length less than or equal to ${hi}, Member must have length greater than or equal to ${lo}]`,
            );
          }
        }
        if (shape.valueLengths) {
          const [lo, hi] = shape.valueLengths;
          if (!keys.every((k) => typeof obj[k] === 'string' && (obj[k] as string).length >= lo && (obj[k] as string).length <= hi)) {
            fail(
              `Map value must satisfy constraint: [Member must have length less than or equal to ${hi}, Member must have length greater than or equal to ${lo}]`,
            );
          }
        }
      }
      return;
    }
    case 'structure':
      checkStructure(path, data as Record<string, unknown>, shape, errors);
      return;
    default:
      return;
  }
}

function checkStructure(prefix: string, data: Record<string, unknown>, shape: StructureShape, errors: string[]): void {
  for (const key in shape.members) {
    checkMember(prefix ? `${prefix}.${lowerFirst(key)}` : lowerFirst(key), data[key], shape.members[key]!, errors);
  }
}

const patternCache = new Map<string, RegExp>();
function compiledPattern(p: string): RegExp {
  let re = patternCache.get(p);
  if (!re) {
    re = new RegExp(`^(?:${p})$`);
    patternCache.set(p, re);
  }
  return re;
}

/** A compiled validator: returns the typed, normalised input or throws AWS's error. */
export type Validator<T> = (input: Record<string, unknown>) => T;

export function compileValidator<T>(shape: StructureShape): Validator<T> {
  // Compile every pattern now, so a bad schema fails at start-up, not on a request.
  const visit = (s: Shape): void => {
    if (s.type === 'string' && s.pattern) compiledPattern(s.pattern);
    if (s.type === 'list') visit(s.member);
    if (s.type === 'map') visit(s.value);
    if (s.type === 'structure') for (const k in s.members) visit(s.members[k]!);
  };
  visit(shape);
  return (input) => {
    const typed = checkStructureTypes(input, shape);
    const errors: string[] = [];
    checkStructure('', typed, shape, errors);
    if (errors.length) {
      throw new AwsError('ValidationException', `${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`);
    }
    return typed as T;
  };
}
