/**
 * Request validation compiled from a generated service model (src/aws/models), answering in AWS's
 * Coral front end's words (as kinesalite recorded them from AWS):
 *  1. wrong types → SerializationException with `Message`
 *     ("class java.lang.String can not be converted to an Integer"), the first one found;
 *  2. constraints (required, length, range, pattern, enum) → ValidationException, every violation
 *     (at most 10) in member order ("2 validation errors detected: Value '' at 'streamName' failed to
 *     satisfy constraint: Member must ...; ...").
 * Values come from a codec in JSON's forms (blobs as base64 text or bytes, timestamps as epoch seconds);
 * the validator returns the input in Freshet's canonical forms: blobs as Buffers, timestamps as epoch
 * seconds, integers truncated as Coral does, members the model does not declare dropped.
 * One validator per operation, compiled once at start-up.
 */
import { AwsError } from '../core/index.ts';
import { base64Problem } from './base64.ts';
import type { ListShapeModel, MapShapeModel, ServiceModel, ShapeModel, StructureShapeModel } from './model.ts';

const MAX_ERRORS = 10;
const NUMBER_CLASS = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
/** Java's identity hash in `Object.toString()`: arbitrary on AWS; one fixed value here. */
const JAVA_HASH = 'c965e310';

/** Where a validator's texts and error codes differ by service. */
export interface ValidationOptions {
  /** The code of constraint errors: 'ValidationException' (JSON services), 'ValidationError' (IAM, STS, CloudWatch over query). */
  readonly validationCode?: string;
  /**
   * Patterns Freshet applies instead of the model's, by shape name (e.g. Firehose accepts http:// endpoint
   * URLs for local use). Error texts still quote the model's pattern.
   */
  readonly patternOverrides?: Readonly<Record<string, RegExp>>;
  /**
   * Values Freshet accepts besides an enum shape's, by shape name (LookoutMetrics' `PT1M` frequency for demos).
   * Error texts still list the model's values.
   */
  readonly enumExtensions?: Readonly<Record<string, readonly string[]>>;
}

/** A compiled validator: the input in canonical form, or throws AWS's error. */
export type InputValidator<T> = (input: Record<string, unknown>) => T;

interface Node {
  readonly name: string;
  readonly shape: ShapeModel;
  pattern?: RegExp;
  enumSet?: ReadonlySet<string>;
  /** structure */
  members?: MemberNode[];
  /** list member, map key and value */
  member?: Node;
  key?: Node;
  value?: Node;
  /** How a value of this shape prints inside a list (Java's toString). */
  javaName?: string;
}

interface MemberNode {
  readonly name: string;
  /** The member's name as Coral prints it in paths: first letter lower-cased. */
  readonly path: string;
  readonly required: boolean;
  readonly node: Node;
}

function lowerFirst(s: string): string {
  return s.length ? s[0]!.toLowerCase() + s.slice(1) : s;
}

/**
 * A model pattern (Java regex) as a JS RegExp matching the whole value. Java's possessive quantifiers
 * (`\d{1}+`) become greedy ones: the same language for these anchored patterns.
 */
export function compilePattern(pattern: string): RegExp {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(`^(?:${pattern})$`, flags);
    } catch {
      // try the next form
    }
  }
  const greedy = pattern.replace(/([}*+?])\+/g, '$1');
  return new RegExp(`^(?:${greedy})$`);
}

function typeError(message: string): AwsError {
  return new AwsError('SerializationException', message, { messageField: 'Message' });
}

type JsType = 'boolean' | 'number' | 'string' | 'list' | 'map' | 'bytes' | 'other';

function jsType(val: unknown): JsType {
  if (typeof val === 'boolean') return 'boolean';
  if (typeof val === 'number' || typeof val === 'bigint') return 'number';
  if (typeof val === 'string') return 'string';
  if (Array.isArray(val)) return 'list';
  if (val instanceof Uint8Array) return 'bytes';
  if (typeof val === 'object') return 'map';
  return 'other';
}

function structural(t: JsType): never {
  throw typeError(t === 'list' ? 'Start of list found where not expected' : 'Start of structure or map found where not expected.');
}

const NUMBER_NAMES: Record<string, string> = { integer: 'Integer', long: 'Long', float: 'Float', double: 'Double' };

/** Type checks and canonical forms (phase 1). Returns undefined for null/absent. */
function convert(val: unknown, node: Node): unknown {
  if (val === null || val === undefined) return undefined;
  const t = jsType(val);
  const shape = node.shape;
  switch (shape.type) {
    case 'boolean':
      if (t === 'number') throw typeError(`${NUMBER_CLASS} can not be converted to an Boolean`);
      if (t === 'string') throw typeError(`'${(val as string).toUpperCase()}' can not be converted to an Boolean`);
      if (t !== 'boolean') structural(t);
      return val;
    case 'integer':
    case 'long':
    case 'float':
    case 'double': {
      const name = NUMBER_NAMES[shape.type]!;
      if (t === 'boolean') throw typeError(`class java.lang.Boolean can not be converted to an ${name}`);
      if (t === 'string') throw typeError(`class java.lang.String can not be converted to an ${name}`);
      if (t !== 'number') structural(t);
      let n = Number(val);
      if (shape.type === 'integer' || shape.type === 'long') n = Math.floor(n);
      if (shape.type === 'integer') n = Math.min(n, 2147483647);
      return n;
    }
    case 'string':
      if (t === 'boolean') throw typeError('class java.lang.Boolean can not be converted to an String');
      if (t === 'number') throw typeError(`${NUMBER_CLASS} can not be converted to an String`);
      if (t !== 'string') structural(t);
      return val;
    case 'blob': {
      if (t === 'bytes') {
        const b = val as Uint8Array;
        return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      }
      if (t === 'boolean') throw typeError('class java.lang.Boolean can not be converted to a Blob');
      if (t === 'number') throw typeError(`${NUMBER_CLASS} can not be converted to a Blob`);
      if (t !== 'string') structural(t);
      const problem = base64Problem(val as string);
      if (problem) throw typeError(problem);
      return Buffer.from(val as string, 'base64');
    }
    case 'timestamp':
      if (val instanceof Date) return val.getTime() / 1000;
      if (t === 'boolean') throw typeError('class java.lang.Boolean can not be converted to milliseconds since epoch');
      if (t === 'string') throw typeError('class java.lang.String can not be converted to milliseconds since epoch');
      if (t !== 'number') structural(t);
      return Number(val);
    case 'list': {
      if (t === 'boolean' || t === 'number' || t === 'string' || t === 'bytes') throw typeError('Expected list or null');
      if (t !== 'list') structural(t);
      const arr = val as unknown[];
      const out = new Array<unknown>(arr.length);
      for (let i = 0; i < arr.length; i++) out[i] = convert(arr[i], node.member!);
      return out;
    }
    case 'map': {
      if (t === 'boolean' || t === 'number' || t === 'string' || t === 'bytes') throw typeError('Expected map or null');
      if (t !== 'map') structural(t);
      const out: Record<string, unknown> = {};
      const obj = val as Record<string, unknown>;
      for (const k of Object.keys(obj)) out[k] = convert(obj[k], node.value!);
      return out;
    }
    case 'structure': {
      if (shape.document) return val;
      if (t === 'boolean' || t === 'number' || t === 'string' || t === 'bytes') throw typeError('Expected null');
      if (t !== 'map') structural(t);
      return convertStructure(val as Record<string, unknown>, node);
    }
  }
}

function convertStructure(val: Record<string, unknown>, node: Node): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of node.members!) {
    const v = convert(val[m.name], m.node);
    if (v !== undefined) out[m.name] = v;
  }
  return out;
}

/** A value as Coral prints it in a message (Java's toString, quoted). */
function render(data: unknown, node: Node): string {
  if (data === undefined || data === null) return 'null';
  switch (node.shape.type) {
    case 'blob': {
      const n = (data as Uint8Array).length;
      return `'java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]'`;
    }
    case 'list':
      return `'[${(data as unknown[]).map((x) => javaString(x, node.member!)).join(', ')}]'`;
    case 'map': {
      const obj = data as Record<string, unknown>;
      return `'{${Object.keys(obj)
        .map((k) => `${k}=${javaString(obj[k], node.value!)}`)
        .join(', ')}}'`;
    }
    default:
      return `'${javaString(data, node)}'`;
  }
}

function javaString(data: unknown, node: Node): string {
  if (data === undefined || data === null) return 'null';
  if (node.shape.type === 'structure') return node.javaName!;
  if (node.shape.type === 'blob') {
    const n = (data as Uint8Array).length;
    return `java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`;
  }
  if (Array.isArray(data)) return `[${data.map((x) => javaString(x, node.member!)).join(', ')}]`;
  return String(data);
}

function lengthOf(data: unknown): number {
  if (typeof data === 'string' || Array.isArray(data) || data instanceof Uint8Array) return data.length;
  return Object.keys(data as object).length;
}

/** The constraints of a scalar shape, as Coral lists them in `[...]` for list members and map keys/values. */
function constraintList(node: Node): string[] {
  const s = node.shape;
  const out: string[] = [];
  if (s.type === 'string' || s.type === 'blob') {
    if (s.max !== undefined) out.push(`Member must have length less than or equal to ${s.max}`);
    if (s.min !== undefined) out.push(`Member must have length greater than or equal to ${s.min}`);
  }
  if (s.type === 'string' && s.pattern !== undefined) out.push(`Member must satisfy regular expression pattern: ${s.pattern}`);
  if (s.type === 'string' && s.enum !== undefined) out.push(`Member must satisfy enum value set: [${s.enum.join(', ')}]`);
  return out;
}

/** Whether a scalar value meets its shape's constraints. */
function scalarOk(data: unknown, node: Node): boolean {
  const s = node.shape;
  if (s.type === 'string') {
    const v = data as string;
    if (s.min !== undefined && v.length < s.min) return false;
    if (s.max !== undefined && v.length > s.max) return false;
    if (node.pattern && !node.pattern.test(v)) return false;
    if (node.enumSet && !node.enumSet.has(v)) return false;
  }
  return true;
}

function isScalar(node: Node): boolean {
  const t = node.shape.type;
  return t !== 'structure' && t !== 'list' && t !== 'map';
}

/** Constraint checks (phase 2), appending AWS's texts to `errors`. */
function check(path: string, data: unknown, node: Node, required: boolean, errors: string[]): void {
  const fail = (msg: string): void => {
    if (errors.length < MAX_ERRORS) errors.push(`Value ${render(data, node)} at '${path}' failed to satisfy constraint: ${msg}`);
  };
  if (data === undefined) {
    if (required) fail('Member must not be null');
    return;
  }
  const s = node.shape;
  switch (s.type) {
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      if (s.min !== undefined && !((data as number) >= s.min)) fail(`Member must have value greater than or equal to ${s.min}`);
      if (s.max !== undefined && !((data as number) <= s.max)) fail(`Member must have value less than or equal to ${s.max}`);
      return;
    case 'string': {
      const v = data as string;
      if (node.pattern && !node.pattern.test(v)) fail(`Member must satisfy regular expression pattern: ${s.pattern}`);
      if (s.min !== undefined && v.length < s.min) fail(`Member must have length greater than or equal to ${s.min}`);
      if (s.max !== undefined && v.length > s.max) fail(`Member must have length less than or equal to ${s.max}`);
      if (node.enumSet && !node.enumSet.has(v)) fail(`Member must satisfy enum value set: [${s.enum!.join(', ')}]`);
      return;
    }
    case 'blob':
      if (s.min !== undefined && lengthOf(data) < s.min) fail(`Member must have length greater than or equal to ${s.min}`);
      if (s.max !== undefined && lengthOf(data) > s.max) fail(`Member must have length less than or equal to ${s.max}`);
      return;
    case 'list': {
      const arr = data as unknown[];
      if (s.min !== undefined && arr.length < s.min) fail(`Member must have length greater than or equal to ${s.min}`);
      if (s.max !== undefined && arr.length > s.max) fail(`Member must have length less than or equal to ${s.max}`);
      const member = node.member!;
      if (isScalar(member)) {
        const list = constraintList(member);
        if (list.length && !arr.every((x) => x === undefined || scalarOk(x, member))) fail(`Member must satisfy constraint: [${list.join(', ')}]`);
        return;
      }
      for (let i = 0; i < arr.length && errors.length < MAX_ERRORS; i++) check(`${path}.${i + 1}.member`, arr[i], member, true, errors);
      return;
    }
    case 'map': {
      const obj = data as Record<string, unknown>;
      const keys = Object.keys(obj);
      if (s.min !== undefined && keys.length < s.min) fail(`Member must have length greater than or equal to ${s.min}`);
      if (s.max !== undefined && keys.length > s.max) fail(`Member must have length less than or equal to ${s.max}`);
      const keyList = constraintList(node.key!);
      if (keyList.length && !keys.every((k) => scalarOk(k, node.key!))) fail(`Map keys must satisfy constraint: [${keyList.join(', ')}]`);
      const value = node.value!;
      if (isScalar(value)) {
        const valueList = constraintList(value);
        if (valueList.length && !keys.every((k) => obj[k] === undefined || scalarOk(obj[k], value)))
          fail(`Map value must satisfy constraint: [${valueList.join(', ')}]`);
        return;
      }
      for (const k of keys) if (errors.length < MAX_ERRORS) check(`${path}.${k}`, obj[k], value, true, errors);
      return;
    }
    case 'structure':
      if (s.document) return;
      checkStructure(path, data as Record<string, unknown>, node, errors);
      return;
    default:
      return;
  }
}

function checkStructure(prefix: string, data: Record<string, unknown>, node: Node, errors: string[]): void {
  for (const m of node.members!) check(prefix ? `${prefix}.${m.path}` : m.path, data[m.name], m.node, m.required, errors);
}

/** Builds (once per shape, recursion-safe) the nodes a model's validators share. */
class Compiler {
  private readonly nodes = new Map<string, Node>();
  private readonly javaPrefix: string;

  constructor(
    private readonly model: ServiceModel,
    private readonly options: ValidationOptions,
  ) {
    this.javaPrefix = `com.amazonaws.${model.metadata.endpointPrefix}.v${model.metadata.apiVersion.replace(/-/g, '')}`;
  }

  node(name: string): Node {
    const existing = this.nodes.get(name);
    if (existing) return existing;
    const shape = this.model.shapes[name];
    if (!shape) throw new Error(`model ${this.model.metadata.serviceId}: no shape ${name}`);
    const node: Node = { name, shape };
    this.nodes.set(name, node);
    switch (shape.type) {
      case 'string':
        if (shape.pattern !== undefined) node.pattern = this.options.patternOverrides?.[name] ?? compilePattern(shape.pattern);
        if (shape.enum !== undefined) node.enumSet = new Set([...shape.enum, ...(this.options.enumExtensions?.[name] ?? [])]);
        break;
      case 'list':
        node.member = this.node((shape as ListShapeModel).member.shape);
        break;
      case 'map':
        node.key = this.node((shape as MapShapeModel).key.shape);
        node.value = this.node((shape as MapShapeModel).value.shape);
        break;
      case 'structure': {
        const s = shape as StructureShapeModel;
        const required = new Set(s.required ?? []);
        node.javaName = `${this.javaPrefix}.${name}@${JAVA_HASH}`;
        node.members = Object.entries(s.members).map(([m, spec]) => ({ name: m, path: lowerFirst(m), required: required.has(m), node: this.node(spec.shape) }));
        break;
      }
      default:
        break;
    }
    return node;
  }
}

/** Compiles validators for a model's input shapes; patterns are compiled here, at start-up. */
export function validatorsFor(model: ServiceModel, options: ValidationOptions = {}): <T>(shapeName: string) => InputValidator<T> {
  const compiler = new Compiler(model, options);
  const code = options.validationCode ?? 'ValidationException';
  return <T>(shapeName: string): InputValidator<T> => {
    const root = compiler.node(shapeName);
    if (root.shape.type !== 'structure') throw new Error(`model ${model.metadata.serviceId}: input ${shapeName} is not a structure`);
    return (input) => {
      const typed = convertStructure(input, root);
      const errors: string[] = [];
      checkStructure('', typed, root, errors);
      if (errors.length) {
        throw new AwsError('ValidationException', `${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`, {
          wireCode: code,
        });
      }
      return typed as T;
    };
  };
}
