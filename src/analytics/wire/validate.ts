/**
 * Edge validation for the KinesisAnalytics_20150814 JSON 1.1 API.
 *
 * Shapes mirror the constraints of the published service model (lengths,
 * patterns, enums, ranges, required members). Violations are reported the way
 * AWS's front end reports them: a ValidationException whose message is
 * `N validation error(s) detected: Value <v> at '<path>' failed to satisfy
 * constraint: Member must ...`, joined by `; `. A value of the wrong JSON type
 * is a SerializationException, as the AWS JSON protocol answers it.
 *
 * Validators are compiled once per shape at start-up (closures are fine here:
 * this runs per request, not per record).
 */
import { AwsError } from '../../core/index.ts';

export type Shape =
  | { t: 'string'; min?: number; max?: number; pattern?: string; enum?: readonly string[] }
  | { t: 'integer' | 'long'; min?: number; max?: number }
  | { t: 'boolean' }
  | { t: 'timestamp' }
  | { t: 'list'; member: Shape; min?: number; max?: number }
  | { t: 'structure'; members: Readonly<Record<string, Shape>>; required?: readonly string[] };

type Check = (value: unknown, path: string, errors: string[]) => void;

/** Java's String.valueOf-like rendering used in AWS validation messages. */
function render(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'string' ? v : render(v))).join(', ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function violation(errors: string[], value: unknown, path: string, constraint: string): void {
  errors.push(`Value ${render(value)} at '${path}' failed to satisfy constraint: Member must ${constraint}`);
}

function serialization(message: string): AwsError {
  return new AwsError('SerializationException', message, { messageField: 'Message' });
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function compile(shape: Shape): Check {
  switch (shape.t) {
    case 'string': {
      // AWS patterns are whole-value Java regexes.
      const re = shape.pattern === undefined ? undefined : new RegExp(`^(?:${shape.pattern})$`, 's');
      const { min, max } = shape;
      const values = shape.enum;
      return (value, path, errors) => {
        if (typeof value !== 'string') throw serialization(`STRING_VALUE can not be converted to ${describeType(value)}`);
        if (values && !values.includes(value)) violation(errors, value, path, `satisfy enum value set: [${values.join(', ')}]`);
        if (min !== undefined && value.length < min) violation(errors, value, path, `have length greater than or equal to ${min}`);
        if (max !== undefined && value.length > max) violation(errors, value, path, `have length less than or equal to ${max}`);
        if (re && !re.test(value)) violation(errors, value, path, `satisfy regular expression pattern: ${shape.pattern}`);
      };
    }
    case 'integer':
    case 'long': {
      const { min, max } = shape;
      const label = shape.t === 'integer' ? 'Integer' : 'Long';
      return (value, path, errors) => {
        if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(`NUMBER_VALUE can not be converted to ${label}`);
        if (min !== undefined && value < min) violation(errors, value, path, `have value greater than or equal to ${min}`);
        if (max !== undefined && value > max) violation(errors, value, path, `have value less than or equal to ${max}`);
      };
    }
    case 'boolean':
      return (value) => {
        if (typeof value !== 'boolean') throw serialization('Expected a boolean');
      };
    case 'timestamp':
      return (value) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) throw serialization('NUMBER_VALUE can not be converted to Timestamp');
      };
    case 'list': {
      const member = compile(shape.member);
      const { min, max } = shape;
      return (value, path, errors) => {
        if (!Array.isArray(value)) throw serialization(`Unexpected value type in payload: expected a list at ${path}`);
        if (min !== undefined && value.length < min) violation(errors, value, path, `have length greater than or equal to ${min}`);
        if (max !== undefined && value.length > max) violation(errors, value, path, `have length less than or equal to ${max}`);
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          const at = `${path}.${i + 1}.member`;
          if (item === null || item === undefined) violation(errors, null, at, 'not be null');
          else member(item, at, errors);
        }
      };
    }
    case 'structure': {
      const entries = Object.entries(shape.members).map(([name, s]) => [name, lowerFirst(name), compile(s)] as const);
      const required = new Set(shape.required ?? []);
      return (value, path, errors) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw serialization(`Unexpected value type in payload: expected an object${path ? ` at ${path}` : ''}`);
        }
        const obj = value as Record<string, unknown>;
        for (const [name, wirePath, check] of entries) {
          const v = obj[name];
          const at = path ? `${path}.${wirePath}` : wirePath;
          if (v === undefined || v === null) {
            if (required.has(name)) violation(errors, null, at, 'not be null');
            continue;
          }
          check(v, at, errors);
        }
      };
    }
  }
}

function describeType(value: unknown): string {
  return typeof value === 'number' ? 'String (number)' : Array.isArray(value) ? 'String (list)' : `String (${typeof value})`;
}

export type Validator = (input: Record<string, unknown>) => void;

/** Compiles a request shape into a validator that throws the AWS error for the first bad request. */
export function compileValidator(shape: Shape & { t: 'structure' }): Validator {
  const check = compile(shape);
  return (input) => {
    const errors: string[] = [];
    check(input, '', errors);
    if (errors.length > 0) {
      const n = errors.length;
      throw new AwsError('ValidationException', `${n} validation error${n === 1 ? '' : 's'} detected: ${errors.join('; ')}`);
    }
  };
}
