/**
 * Lambda event filtering: FilterCriteria patterns, compiled once when a
 * mapping is created or updated, matched against each record.
 *
 * Reference: Lambda developer guide, "Control which events Lambda sends to
 * your function" — the pattern syntax is EventBridge's: a JSON object whose
 * leaves are arrays of rules (literals, `prefix`, `suffix`, `anything-but`,
 * `numeric`, `exists`, `equals-ignore-case`, `wildcard`, `cidr`) and `$or`.
 * A record matches a pattern when every field the pattern names matches (an
 * array value matches when any element does); it matches the criteria when
 * it matches any of the (up to 5) filters. For Kinesis the data key is `data`
 * and for SQS `body`: a pattern on it needs the data to be JSON (SQS: a
 * plain-string body needs a plain-string pattern), otherwise the record is
 * dropped.
 */
import type { AwsError } from '../../core/index.ts';
import { lambdaError } from '../errors.ts';

type Rule = (present: boolean, v: unknown) => boolean;

interface Node {
  /** Rules for a leaf field (any must match), or undefined for an object node. */
  rules?: Rule[];
  children?: Map<string, Node>;
  or?: Node[];
}

export interface CompiledFilter {
  root: Node;
  /** The pattern constrains the data key (`data` / `body`) as JSON (an object pattern). */
  dataAsJson: boolean;
  /** The pattern constrains the data key with leaf rules (a plain-string pattern). */
  dataAsString: boolean;
}

export const MAX_FILTERS = 5;

function invalid(detail: string): AwsError {
  return lambdaError('InvalidParameterValueException', `Invalid filter pattern definition. ${detail}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function wildcardRegex(p: string, flags = ''): RegExp {
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && i + 1 < p.length) re += p[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') re += '.*';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, `s${flags}`);
}

function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    n = n * 256 + o;
  }
  return n;
}

/** One string-matching rule (prefix / suffix / equals-ignore-case / wildcard), possibly nested in anything-but. */
function stringRule(kind: string, arg: unknown): (s: string) => boolean {
  const ignoreCase = isObject(arg) && typeof arg['equals-ignore-case'] === 'string';
  const text = ignoreCase ? String((arg as Record<string, unknown>)['equals-ignore-case']) : arg;
  if (typeof text !== 'string') throw invalid(`${kind} match pattern must be a string`);
  switch (kind) {
    case 'prefix':
      return ignoreCase ? (s) => s.toLowerCase().startsWith(text.toLowerCase()) : (s) => s.startsWith(text);
    case 'suffix':
      return ignoreCase ? (s) => s.toLowerCase().endsWith(text.toLowerCase()) : (s) => s.endsWith(text);
    case 'equals-ignore-case':
      return (s) => s.toLowerCase() === text.toLowerCase();
    case 'wildcard': {
      const re = wildcardRegex(text);
      return (s) => re.test(s);
    }
    default:
      throw invalid(`Unrecognized match type ${kind}`);
  }
}

function literalMatches(lit: unknown, v: unknown): boolean {
  if (lit === null) return v === null;
  if (typeof lit === 'number') return typeof v === 'number' && v === lit;
  return v === lit;
}

function compileRule(r: unknown): Rule {
  if (!isObject(r)) {
    if (Array.isArray(r)) throw invalid('Match value must be String, number, true, false, or null');
    return (present, v) => present && literalMatches(r, v);
  }
  const keys = Object.keys(r);
  if (keys.length !== 1) throw invalid('Only one match type may be given per rule');
  const kind = keys[0]!;
  const arg = r[kind];
  switch (kind) {
    case 'exists':
      if (typeof arg !== 'boolean') throw invalid('exists match pattern must be either true or false.');
      return (present) => present === arg;
    case 'numeric': {
      if (!Array.isArray(arg) || arg.length === 0 || arg.length > 4 || arg.length % 2 !== 0) throw invalid('Value of numeric must be an array.');
      const checks: Array<(n: number) => boolean> = [];
      for (let i = 0; i < arg.length; i += 2) {
        const op = arg[i];
        const n = arg[i + 1];
        if (typeof n !== 'number') throw invalid('Value of numeric must be a number.');
        switch (op) {
          case '=':
            checks.push((x) => x === n);
            break;
          case '<':
            checks.push((x) => x < n);
            break;
          case '<=':
            checks.push((x) => x <= n);
            break;
          case '>':
            checks.push((x) => x > n);
            break;
          case '>=':
            checks.push((x) => x >= n);
            break;
          default:
            throw invalid(`Unrecognized numeric range operator: ${String(op)}`);
        }
      }
      return (present, v) => present && typeof v === 'number' && checks.every((c) => c(v));
    }
    case 'anything-but': {
      if (isObject(arg)) {
        const k = Object.keys(arg)[0];
        if (k === undefined) throw invalid('anything-but needs a value');
        const test = stringRule(k, arg[k]);
        return (present, v) => present && typeof v === 'string' && !test(v);
      }
      const values = Array.isArray(arg) ? arg : [arg];
      for (const x of values) if (isObject(x) || Array.isArray(x)) throw invalid('Inside anything but list, only strings and numbers are supported.');
      return (present, v) => present && !values.some((x) => literalMatches(x, v));
    }
    case 'cidr': {
      if (typeof arg !== 'string') throw invalid('Malformed CIDR');
      const [ip, bitsText] = arg.split('/');
      const base = ipv4ToInt(ip ?? '');
      const bits = Number(bitsText);
      if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) throw invalid(`Malformed CIDR, one '/' required: ${arg}`);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return (present, v) => {
        if (!present || typeof v !== 'string') return false;
        const n = ipv4ToInt(v);
        return n !== undefined && (n & mask) >>> 0 === (base & mask) >>> 0;
      };
    }
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard': {
      const test = stringRule(kind, arg);
      return (present, v) => present && typeof v === 'string' && test(v);
    }
    default:
      throw invalid(`Unrecognized match type ${kind}`);
  }
}

function compileNode(p: unknown): Node {
  if (!isObject(p)) throw invalid('Filter is not an object');
  const children = new Map<string, Node>();
  const node: Node = { children };
  for (const [k, v] of Object.entries(p)) {
    if (k === '$or') {
      if (!Array.isArray(v) || v.length < 2) throw invalid('Value of $or must be an array of at least two patterns.');
      node.or = v.map(compileNode);
    } else if (Array.isArray(v)) {
      children.set(k, { rules: v.map(compileRule) });
    } else if (isObject(v)) {
      children.set(k, compileNode(v));
    } else {
      throw invalid(`Match value must be an array or an object: "${k}"`);
    }
  }
  return node;
}

function matchLeaf(rules: Rule[], present: boolean, v: unknown): boolean {
  if (present && Array.isArray(v)) {
    // An array value matches when any of its elements does (exists looks at the field itself).
    for (const r of rules) {
      if (r(true, v) && v.length === 0) return true;
      for (const x of v) if (r(true, x)) return true;
    }
    return false;
  }
  for (const r of rules) if (r(present, v)) return true;
  return false;
}

function matchNode(node: Node, subject: unknown): boolean {
  const obj = isObject(subject) ? subject : undefined;
  if (node.children) {
    for (const [k, child] of node.children) {
      const present = obj !== undefined && Object.hasOwn(obj, k);
      const v = present ? obj![k] : undefined;
      if (child.rules) {
        if (!matchLeaf(child.rules, present, v)) return false;
      } else if (Array.isArray(v)) {
        if (!v.some((x) => matchNode(child, x))) return false;
      } else if (!matchNode(child, present ? v : undefined)) {
        return false;
      }
    }
  }
  if (node.or && !node.or.some((n) => matchNode(n, subject))) return false;
  return true;
}

/** Compiles one filter's Pattern string; `dataKey` is `data` (Kinesis) or `body` (SQS). */
export function compileFilter(pattern: string, dataKey: string): CompiledFilter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(pattern);
  } catch {
    throw invalid('Filter pattern is not valid JSON.');
  }
  const root = compileNode(parsed);
  const dataNode = root.children?.get(dataKey);
  return { root, dataAsJson: dataNode !== undefined && dataNode.rules === undefined, dataAsString: dataNode?.rules !== undefined };
}

/** Compiles FilterCriteria (up to five filters). */
export function compileCriteria(filters: readonly { pattern: string }[] | undefined, dataKey: string): CompiledFilter[] {
  if (!filters || filters.length === 0) return [];
  if (filters.length > MAX_FILTERS) {
    throw lambdaError('InvalidParameterValueException', `The maximum number of filters allowed is ${MAX_FILTERS}.`);
  }
  return filters.map((f) => compileFilter(f.pattern, dataKey));
}

/**
 * Whether a record passes the criteria. `subject` holds the record's
 * metadata; `rawData` its data key's text, parsed here only when a filter
 * needs it as JSON.
 */
export function passes(filters: readonly CompiledFilter[], subject: Record<string, unknown>, dataKey: string, rawData: string | undefined): boolean {
  if (filters.length === 0) return true;
  let parsed: unknown;
  let parsedOk: boolean | undefined;
  for (const f of filters) {
    if (f.dataAsJson || f.dataAsString) {
      if (parsedOk === undefined) {
        parsedOk = false;
        if (rawData !== undefined) {
          try {
            parsed = JSON.parse(rawData);
            parsedOk = true;
          } catch {
            parsedOk = false;
          }
        }
      }
      // JSON data needs a JSON (object) pattern and plain data a plain pattern; a mismatch drops the record.
      const isJson = parsedOk && typeof parsed === 'object' && parsed !== null;
      if (f.dataAsJson && !isJson) continue;
      if (f.dataAsString && isJson) continue;
      subject[dataKey] = isJson ? parsed : parsedOk ? parsed : rawData;
    }
    if (matchNode(f.root, subject)) return true;
  }
  return false;
}
