/**
 * Edge validation for AWS JSON services, producing AWS's own wire messages
 * (the Coral framework's texts, as kinesalite captured them from AWS):
 *  1. type checks → SerializationException with `Message`
 *     ("class java.lang.String can not be converted to an Integer");
 *  2. constraints → ValidationException
 *     ("2 validation errors detected: Value '' at 'streamName' failed to satisfy constraint: ...; ...").
 * A schema is compiled once at start-up into a validator; handlers then receive
 * typed values. Member order in a schema is the order AWS reports errors in.
 */
import { AwsError } from '../core/index.ts';

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

/** Decoded length of a well-formed base64 string, without decoding it. */
export function base64DecodedLength(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  let pad = 0;
  if (s.charCodeAt(n - 1) === 61) pad++;
  if (n > 1 && s.charCodeAt(n - 2) === 61) pad++;
  return (n / 4) * 3 - pad;
}

const BASE64_BAD = /[^a-zA-Z0-9+/=]|=[^=]/;

/** AWS's Blob checks, in its words. Returns the error message or undefined. */
export function base64Problem(val: string): string | undefined {
  if (val.length % 4) return `'${val}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: ${val.length}`;
  const m = BASE64_BAD.exec(val);
  if (m) return `'${val}' can not be converted to a Blob: Invalid Base64 character: '${m[0][0]}'`;
  if (Buffer.from(val, 'base64').toString('base64') !== val) return `'${val}' can not be converted to a Blob: Invalid last non-pad Base64 character dectected`;
  return undefined;
}

/** Values of the base64 alphabet by char code (-1: not in it), for the trailing-bits check. */
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * hot path: whether `decoded` (= `Buffer.from(s, 'base64')`) is what AWS's strict decoder makes of `s`,
 * i.e. `base64Problem(s)` is undefined — without re-encoding. Node's decoder is lenient where AWS's is
 * not: it skips characters outside the alphabet (caught here by the decoded length), accepts the
 * base64url characters `-` and `_`, and ignores non-zero bits in the last character before the padding
 * ('QR==' decodes like 'QQ=='), which AWS refuses ("Invalid last non-pad Base64 character dectected").
 */
export function isStrictBase64(s: string, decoded: Buffer): boolean {
  return isStrictBase64Length(s, decoded.length);
}

/** hot path: as isStrictBase64, given only how many bytes Node's decoder made of `s`. */
export function isStrictBase64Length(s: string, decodedLength: number): boolean {
  const n = s.length;
  if ((n & 3) !== 0 || decodedLength !== base64DecodedLength(s)) return false;
  if (n === 0) return true;
  if (s.indexOf('-') !== -1 || s.indexOf('_') !== -1) return false;
  if (s.charCodeAt(n - 1) !== 61) return true;
  // One '=': the last data character carries 2 unused bits; two: 4.
  const two = s.charCodeAt(n - 2) === 61;
  const c = s.charCodeAt(two ? n - 3 : n - 2);
  const v = c < 128 ? B64_VALUE[c]! : -1;
  return v >= 0 && (v & (two ? 15 : 3)) === 0;
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
