/**
 * The awsQuery protocol (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html), as SQS, CloudWatch,
 * IAM and STS speak it to older CLIs and boto3: form-encoded `Action=…&Version=…` requests (POST body or
 * GET query string), XML responses and XML error documents. Pure: params ↔ values, values → XML text.
 *
 * Request keys follow botocore's QuerySerializer: a structure member is `Prefix.Name` (Name = the
 * member's locationName, else its name); a list is `Name.member.N` (`Name.<member locationName>.N`),
 * or `Name.N` when flattened; a map is `Name.entry.N.key` / `.value` (`Name.N.key` when flattened, key
 * and value names from their locationNames). Values come out in JSON's forms (numbers, booleans,
 * timestamps as epoch seconds, blobs as base64 text) for the shared validator.
 */
import { AwsError } from '../../core/index.ts';
import type { ErrorSpec } from '../../core/index.ts';
import type { MemberModel, OperationModel, ServiceModel, ShapeModel } from '../model.ts';
import { blobBase64, formatTimestamp, parseTimestamp, shapeOf, wireName } from './shape-walk.ts';
import { escapeXml } from './xml.ts';

export const QUERY_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** Form fields of a request body or query string, in order; the last value of a repeated key wins. */
export function parseForm(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(text)) out.set(k, v);
  return out;
}

/** Every dotted prefix of the keys ('A.member.1.B' → 'A', 'A.member', 'A.member.1', 'A.member.1.B'). */
function prefixesOf(params: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  for (const k of params.keys()) {
    let i = k.indexOf('.');
    while (i >= 0) {
      out.add(k.slice(0, i));
      i = k.indexOf('.', i + 1);
    }
    out.add(k);
  }
  return out;
}

function invalidValue(key: string, text: string, what: string): AwsError {
  return new AwsError('ValidationException', `Value (${text}) for parameter ${key} is invalid. Must be ${what}.`, { wireCode: 'InvalidParameterValue' });
}

class QueryReader {
  private readonly prefixes: Set<string>;

  constructor(
    private readonly model: ServiceModel,
    private readonly params: ReadonlyMap<string, string>,
  ) {
    this.prefixes = prefixesOf(params);
  }

  has(key: string): boolean {
    return this.prefixes.has(key);
  }

  value(key: string, shapeName: string, member?: MemberModel): unknown {
    const s = shapeOf(this.model, shapeName);
    if (s.type === 'list') return this.list(key, s, member);
    if (!this.has(key)) return undefined;
    switch (s.type) {
      case 'structure':
        return this.structure(key, shapeName);
      case 'map':
        return this.map(key, s, member);
      default:
        return this.scalar(key, s);
    }
  }

  structure(prefix: string, shapeName: string): Record<string, unknown> {
    const s = shapeOf(this.model, shapeName);
    if (s.type !== 'structure') throw new Error(`${shapeName} is not a structure`);
    const out: Record<string, unknown> = {};
    for (const [name, m] of Object.entries(s.members)) {
      const key = prefix ? `${prefix}.${wireName(name, m)}` : wireName(name, m);
      const v = this.value(key, m.shape, m);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }

  private list(key: string, s: Extract<ShapeModel, { type: 'list' }>, member: MemberModel | undefined): unknown[] | undefined {
    if (this.params.get(key) === '') return [];
    let listPrefix: string;
    if (member?.flattened || s.flattened) {
      const name = s.member.locationName;
      listPrefix = name ? `${key.slice(0, Math.max(0, key.lastIndexOf('.') + 1))}${name}` : key;
    } else listPrefix = `${key}.${s.member.locationName ?? 'member'}`;
    if (!this.has(listPrefix)) return undefined;
    const out: unknown[] = [];
    for (let i = 1; this.has(`${listPrefix}.${i}`); i++) out.push(this.value(`${listPrefix}.${i}`, s.member.shape, s.member));
    return out;
  }

  private map(key: string, s: Extract<ShapeModel, { type: 'map' }>, member: MemberModel | undefined): Record<string, unknown> {
    const base = member?.flattened || s.flattened ? key : `${key}.entry`;
    const keyName = s.key.locationName ?? 'key';
    const valueName = s.value.locationName ?? 'value';
    const out: Record<string, unknown> = {};
    for (let i = 1; this.has(`${base}.${i}`); i++) {
      const k = this.params.get(`${base}.${i}.${keyName}`);
      if (k === undefined) continue;
      out[k] = this.value(`${base}.${i}.${valueName}`, s.value.shape, s.value);
    }
    return out;
  }

  private scalar(key: string, s: ShapeModel): unknown {
    const text = this.params.get(key);
    if (text === undefined) return undefined;
    switch (s.type) {
      case 'integer':
      case 'long': {
        if (!/^-?\d+$/.test(text.trim())) throw invalidValue(key, text, 'an integer');
        return Number(text);
      }
      case 'float':
      case 'double': {
        const n = Number(text);
        if (text.trim() === '' || Number.isNaN(n)) throw invalidValue(key, text, 'a number');
        return n;
      }
      case 'boolean': {
        const t = text.toLowerCase();
        if (t !== 'true' && t !== 'false') throw invalidValue(key, text, 'a boolean');
        return t === 'true';
      }
      case 'timestamp': {
        const n = parseTimestamp(text);
        if (Number.isNaN(n)) throw invalidValue(key, text, 'a timestamp');
        return n;
      }
      default:
        return text; // strings, and blobs as their base64 text
    }
  }
}

/** An awsQuery request's input for `op`, in JSON's forms (undefined members left out). */
export function decodeQueryInput(model: ServiceModel, op: OperationModel, params: ReadonlyMap<string, string>): Record<string, unknown> {
  if (!op.input) return {};
  return new QueryReader(model, params).structure('', op.input);
}

function xmlValue(model: ServiceModel, value: unknown, shapeName: string, member: MemberModel | undefined): string {
  const s = shapeOf(model, shapeName);
  switch (s.type) {
    case 'structure':
      return xmlMembers(model, value as Record<string, unknown>, shapeName);
    case 'list': {
      const name = s.member.locationName ?? 'member';
      let out = '';
      for (const x of value as unknown[]) out += `<${name}>${xmlValue(model, x, s.member.shape, s.member)}</${name}>`;
      return out;
    }
    case 'map': {
      const k = s.key.locationName ?? 'key';
      const v = s.value.locationName ?? 'value';
      let out = '';
      for (const [key, x] of Object.entries(value as Record<string, unknown>)) {
        if (x === undefined) continue;
        out += `<entry><${k}>${escapeXml(key)}</${k}><${v}>${xmlValue(model, x, s.value.shape, s.value)}</${v}></entry>`;
      }
      return out;
    }
    case 'timestamp':
      return formatTimestamp(value, member?.timestampFormat ?? s.timestampFormat ?? 'iso8601');
    case 'blob':
      return blobBase64(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return escapeXml(String(value));
  }
}

/** A structure's members as XML elements (flattened lists and maps as repeated elements). */
function xmlMembers(model: ServiceModel, obj: Record<string, unknown>, shapeName: string): string {
  const s = shapeOf(model, shapeName);
  if (s.type !== 'structure') return '';
  let out = '';
  for (const [name, m] of Object.entries(s.members)) {
    const v = obj[name];
    if (v === undefined || v === null) continue;
    const el = wireName(name, m);
    const ms = shapeOf(model, m.shape);
    if (ms.type === 'list' && (m.flattened || ms.flattened)) {
      // botocore's rule: a flattened list's elements take its member's locationName first.
      const item = ms.member.locationName ?? el;
      for (const x of v as unknown[]) out += `<${item}>${xmlValue(model, x, ms.member.shape, ms.member)}</${item}>`;
    } else if (ms.type === 'map' && (m.flattened || ms.flattened)) {
      const k = ms.key.locationName ?? 'key';
      const val = ms.value.locationName ?? 'value';
      for (const [key, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined) continue;
        out += `<${el}><${k}>${escapeXml(key)}</${k}><${val}>${xmlValue(model, x, ms.value.shape, ms.value)}</${val}></${el}>`;
      }
    } else out += `<${el}>${xmlValue(model, v, m.shape, m)}</${el}>`;
  }
  return out;
}

/** `<OpResponse><OpResult>…</OpResult><ResponseMetadata><RequestId>` in the service's namespace. */
export function encodeQueryOutput(model: ServiceModel, opName: string, op: OperationModel, output: unknown, requestId: string): string {
  const ns = model.metadata.xmlNamespace ? ` xmlns="${model.metadata.xmlNamespace}"` : '';
  let result = '';
  if (op.output && output !== undefined && output !== null) {
    const inner = xmlMembers(model, output as Record<string, unknown>, op.output);
    const wrapper = op.resultWrapper ?? `${opName}Result`;
    result = `<${wrapper}>${inner}</${wrapper}>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${opName}Response${ns}>${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${opName}Response>`;
}

/** awsQuery's error document: `<ErrorResponse><Error><Type>Sender</Type><Code>…`. */
export function encodeQueryError(model: ServiceModel | undefined, err: AwsError, spec: ErrorSpec | undefined, requestId: string): string {
  const ns = model?.metadata.xmlNamespace ? ` xmlns="${model.metadata.xmlNamespace}"` : '';
  const code = spec?.queryCode ?? err.code;
  const sender = spec?.senderFault ?? err.httpStatus < 500;
  const message = err.message === '' ? '' : `<Message>${escapeXml(err.message)}</Message>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse${ns}><Error><Type>${sender ? 'Sender' : 'Receiver'}</Type><Code>${escapeXml(code)}</Code>${message}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
