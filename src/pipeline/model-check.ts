/**
 * Checks an AWS-shaped block of a pipeline file (a delivery stream is Firehose's CreateDeliveryStreamInput, an
 * application Kinesis Analytics' CreateApplicationRequest) against the same generated service model the API
 * validates requests with (src/aws/models): unknown members (with "did you mean"), required members, types,
 * enums, numeric ranges, lengths and patterns. A typo such as `IntervalInSecond` would otherwise be dropped by
 * the service and the default used in silence.
 *
 * Differences from the API's own validation, on purpose: a missing `RoleARN` is not reported (up fills in
 * `defaultRoleArn`), and strings holding a `${stream:…}`/`${delivery:…}` reference skip length and pattern
 * checks (they become ARNs when applied).
 */
import { compilePattern, type ServiceModel, type ShapeModel } from '../aws/index.ts';

export interface ModelProblem {
  /** JSON pointer of the value (or, for an unknown member, of the object holding it). */
  readonly pointer: string;
  /** For an unknown member: its key, so the position can be the key's. */
  readonly key?: string;
  readonly message: string;
}

/** A path as users read it: `deliveryStreams[0].ExtendedS3DestinationConfiguration.BufferingHints`. */
export function displayPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out === '' ? 'the file' : out;
}

function escapeKey(k: string): string {
  return k.replace(/~/g, '~0').replace(/\//g, '~1');
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The known name closest to `name` (case-insensitively), when it is close enough to be a typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

const REFERENCE = /\$\{(stream|delivery):[^}]+\}/;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

class Checker {
  readonly problems: ModelProblem[] = [];
  constructor(private readonly model: ServiceModel) {}

  private add(pointer: string, message: string, key?: string): void {
    this.problems.push(key === undefined ? { pointer, message } : { pointer, key, message });
  }

  shape(name: string, value: unknown, pointer: string, ignore: ReadonlySet<string> = new Set()): void {
    const shape: ShapeModel | undefined = this.model.shapes[name];
    if (shape === undefined) return;
    const where = displayPath(pointer);
    switch (shape.type) {
      case 'structure': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          this.add(pointer, `${where}: must be a mapping (AWS's ${name}), not ${typeName(value)}`);
          return;
        }
        const members = Object.keys(shape.members);
        const obj = value as Record<string, unknown>;
        for (const [k, v] of Object.entries(obj)) {
          if (ignore.has(k)) continue;
          const member = shape.members[k];
          if (member === undefined) {
            const guess = closest(k, members);
            const hint = guess !== undefined ? `did you mean ${guess}?` : `${name} has ${members.join(', ')}`;
            this.add(pointer, `${where === 'the file' ? k : `${where}.${k}`}: unknown member of ${name}; ${hint}`, k);
            continue;
          }
          this.shape(member.shape, v, `${pointer}/${escapeKey(k)}`);
        }
        for (const r of shape.required ?? []) {
          // up fills in defaultRoleArn wherever AWS requires a role and the file gives none.
          if (r === 'RoleARN' || ignore.has(r)) continue;
          if (obj[r] === undefined) this.add(pointer, `${where}: missing required member ${r} (AWS's ${name})`);
        }
        return;
      }
      case 'list': {
        if (!Array.isArray(value)) {
          this.add(pointer, `${where}: must be a list, not ${typeName(value)}`);
          return;
        }
        this.size(pointer, where, value.length, shape.min, shape.max, 'item');
        value.forEach((v, i) => this.shape(shape.member.shape, v, `${pointer}/${i}`));
        return;
      }
      case 'map': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          this.add(pointer, `${where}: must be a mapping, not ${typeName(value)}`);
          return;
        }
        for (const [k, v] of Object.entries(value)) this.shape(shape.value.shape, v, `${pointer}/${escapeKey(k)}`);
        return;
      }
      case 'string': {
        if (typeof value !== 'string') {
          this.add(pointer, `${where}: must be a string, not ${typeName(value)}`);
          return;
        }
        if (shape.enum !== undefined && !shape.enum.includes(value)) {
          const guess = closest(value, shape.enum);
          this.add(pointer, `${where}: must be one of ${shape.enum.join(', ')}${guess !== undefined ? `; did you mean ${guess}?` : ''}`);
          return;
        }
        if (REFERENCE.test(value)) return;
        this.size(pointer, where, value.length, shape.min, shape.max, 'character');
        if (shape.pattern !== undefined && !patternOf(shape.pattern).test(value))
          this.add(pointer, `${where}: ${JSON.stringify(value)} does not match AWS's pattern ${shape.pattern}`);
        return;
      }
      case 'integer':
      case 'long':
      case 'float':
      case 'double': {
        const integral = shape.type === 'integer' || shape.type === 'long';
        if (typeof value !== 'number' || (integral && !Number.isInteger(value))) {
          this.add(pointer, `${where}: must be ${integral ? 'an integer' : 'a number'}, not ${typeName(value)}`);
          return;
        }
        if (shape.min !== undefined && value < shape.min) this.add(pointer, `${where}: must be at least ${shape.min} (got ${value})`);
        else if (shape.max !== undefined && value > shape.max) this.add(pointer, `${where}: must be at most ${shape.max} (got ${value})`);
        return;
      }
      case 'boolean':
        if (typeof value !== 'boolean') this.add(pointer, `${where}: must be true or false, not ${typeName(value)}`);
        return;
      case 'timestamp':
        if (typeof value !== 'number' && typeof value !== 'string' && !(value instanceof Date))
          this.add(pointer, `${where}: must be a time (ISO 8601 or epoch seconds), not ${typeName(value)}`);
        return;
      case 'blob':
        if (typeof value !== 'string') this.add(pointer, `${where}: must be base64 text, not ${typeName(value)}`);
        return;
    }
  }

  private size(pointer: string, where: string, n: number, min: number | undefined, max: number | undefined, unit: string): void {
    if (min !== undefined && n < min) this.add(pointer, `${where}: must have at least ${min} ${unit}${min === 1 ? '' : 's'} (has ${n})`);
    else if (max !== undefined && n > max) this.add(pointer, `${where}: must have at most ${max} ${unit}${max === 1 ? '' : 's'} (has ${n})`);
  }
}

const patterns = new Map<string, RegExp>();
function patternOf(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (re === undefined) {
    re = compilePattern(pattern);
    patterns.set(pattern, re);
  }
  return re;
}

/**
 * Problems of `value` (at JSON pointer `pointer`) as the input of `shape` in `model`; keys in `ignore` at the
 * top level are Freshet's own (checked by the pipeline schema).
 */
export function checkAgainstModel(model: ServiceModel, shape: string, value: unknown, pointer: string, ignore: readonly string[] = []): ModelProblem[] {
  const checker = new Checker(model);
  checker.shape(shape, value, pointer, new Set(ignore));
  return checker.problems;
}
