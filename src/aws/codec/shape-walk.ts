/**
 * Helpers the model-driven codecs share: looking shapes up, member wire names, and converting the
 * canonical values handlers use (epoch seconds, Buffers) to each protocol's forms.
 */
import type { MemberModel, ServiceModel, ShapeModel, StructureShapeModel, TimestampFormat } from '../model.ts';

export function shapeOf(model: ServiceModel, name: string): ShapeModel {
  const s = model.shapes[name];
  if (!s) throw new Error(`model ${model.metadata.serviceId}: no shape ${name}`);
  return s;
}

export function structureOf(model: ServiceModel, name: string): StructureShapeModel {
  const s = shapeOf(model, name);
  if (s.type !== 'structure') throw new Error(`model ${model.metadata.serviceId}: ${name} is not a structure`);
  return s;
}

/** The name a member has on the wire (its locationName, else its name). */
export function wireName(name: string, member: MemberModel): string {
  return member.locationName ?? name;
}

/** Epoch seconds (or a Date) as the text a timestamp format calls for. */
export function formatTimestamp(value: unknown, format: TimestampFormat): string {
  const ms = value instanceof Date ? value.getTime() : Number(value) * 1000;
  if (format === 'unixTimestamp') return String(ms / 1000);
  const d = new Date(ms);
  return format === 'rfc822' ? d.toUTCString() : d.toISOString();
}

/** A timestamp text (ISO 8601, RFC 822 or epoch seconds) as epoch seconds; NaN when unreadable. */
export function parseTimestamp(text: string): number {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? Number.NaN : ms / 1000;
}

/** Blob values handlers return (bytes, or base64 text) as bytes. */
export function blobBytes(value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  const b = value as Uint8Array;
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Blob values as base64 text. */
export function blobBase64(value: unknown): string {
  return typeof value === 'string' ? value : blobBytes(value).toString('base64');
}

/**
 * Output values in JSON's forms (blobs as base64 text, timestamps as epoch seconds), walking only what
 * the output shape says may need it. Returns the value itself when nothing changes.
 */
export function toJsonForms(model: ServiceModel, value: unknown, shapeName: string, seen: Map<string, boolean> = memoFor(model)): unknown {
  if (value === undefined || value === null || !needsConversion(model, shapeName, seen)) return value;
  const s = shapeOf(model, shapeName);
  switch (s.type) {
    case 'blob':
      return blobBase64(value);
    case 'timestamp':
      return value instanceof Date ? value.getTime() / 1000 : value;
    case 'list':
      return (value as unknown[]).map((x) => toJsonForms(model, x, s.member.shape, seen));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJsonForms(model, v, s.value.shape, seen);
      return out;
    }
    case 'structure': {
      const out: Record<string, unknown> = {};
      const obj = value as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        const m = s.members[k];
        out[k] = m ? toJsonForms(model, obj[k], m.shape, seen) : obj[k];
      }
      return out;
    }
    default:
      return value;
  }
}

const memos = new WeakMap<ServiceModel, Map<string, boolean>>();

/** needsConversion's answers for one model, kept for the model's life (models are static). */
export function memoFor(model: ServiceModel): Map<string, boolean> {
  let m = memos.get(model);
  if (!m) {
    m = new Map();
    memos.set(model, m);
  }
  return m;
}

/** Whether a shape holds, anywhere, a blob or timestamp (memoised per shape). */
export function needsConversion(model: ServiceModel, name: string, memo: Map<string, boolean>): boolean {
  const known = memo.get(name);
  if (known !== undefined) return known;
  memo.set(name, true); // recursion guard: a shape that contains itself is assumed to need walking (safe)
  const s = shapeOf(model, name);
  let r = false;
  if (s.type === 'blob' || s.type === 'timestamp') r = true;
  else if (s.type === 'list') r = needsConversion(model, s.member.shape, memo);
  else if (s.type === 'map') r = needsConversion(model, s.value.shape, memo);
  else if (s.type === 'structure') r = Object.values(s.members).some((m) => needsConversion(model, m.shape, memo));
  memo.set(name, r);
  return r;
}
