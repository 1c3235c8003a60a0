/**
 * AWS Signature Version 4 as the server checks it (AWS General Reference, "Create a signed AWS API
 * request": canonical request, string to sign, signing key, signature), for the Authorization header
 * and the presigned query string. Pure: the caller supplies the request's method, raw URL, headers,
 * payload hash and the secret; nothing here reads a socket or the clock.
 *
 *   CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
 *   StringToSign     = AWS4-HMAC-SHA256 \n AmzDate \n Scope \n hex(SHA256(CanonicalRequest))
 *   kSigning         = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
 *
 * The canonical URI is the path as sent, normalised ('.', '..', empty segments) and URI-encoded once
 * more (every service but S3 signs the doubly encoded path; the SDKs and botocore both do). Query
 * keys and values are decoded and re-encoded in RFC 3986 form and sorted by key, then value.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LruCache } from '../core/index.ts';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RFC 3986 encoding: encodeURIComponent plus the four characters it leaves alone (`!'()*`). */
export function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeLoose(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const s of rawPath.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  const path = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escapeUri(path).replace(/%2F/g, '/');
}

/** The canonical query string of a raw query (no leading `?`), leaving out `omit` (the presigned signature). */
export function canonicalQuery(rawQuery: string, omit?: string): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = escapeUri(decodeLoose(eq < 0 ? part : part.slice(0, eq)));
    if (omit !== undefined && key === omit) continue;
    pairs.push([key, eq < 0 ? '' : escapeUri(decodeLoose(part.slice(eq + 1)))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  let out = '';
  for (let i = 0; i < pairs.length; i++) out += `${i ? '&' : ''}${pairs[i]![0]}=${pairs[i]![1]}`;
  return out;
}

/** A header's value as signed: HTTP/2's `:authority` stands for `host`; values trimmed, inner runs of spaces collapsed. */
function headerValue(headers: IncomingHttpHeaders, name: string): string {
  let v: string | string[] | undefined = headers[name];
  if (v === undefined && name === 'host') v = headers[':authority'] as string | undefined;
  if (v === undefined) return '';
  const text = Array.isArray(v) ? v.join(',') : v;
  return text.trim().replace(/\s+/g, ' ');
}

export interface CanonicalParts {
  method: string;
  /** The path as sent (before `?`). */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  headers: IncomingHttpHeaders;
  /** `;`-separated lowercase names, as in the Authorization header. */
  signedHeaders: string;
  payloadHash: string;
  /** The presigned form leaves its own signature out of the canonical query. */
  presigned: boolean;
}

export function canonicalRequest(p: CanonicalParts): string {
  let headers = '';
  for (const name of p.signedHeaders.split(';')) headers += `${name}:${headerValue(p.headers, name)}\n`;
  return `${p.method}\n${canonicalUri(p.path)}\n${canonicalQuery(p.query, p.presigned ? 'X-Amz-Signature' : undefined)}\n${headers}\n${p.signedHeaders}\n${p.payloadHash}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/**
 * Derived signing keys, one per access key, date, region and service (four HMACs saved per request):
 * bounded, and keyed by the access key id, never by the secret.
 */
export class SigningKeyCache {
  private readonly cache: LruCache<string, { secret: string; key: Buffer }>;
  constructor(maxEntries = 1024) {
    this.cache = new LruCache(maxEntries);
  }

  // hot path: one Map lookup per signed request once warm
  key(accessKeyId: string, secret: string, date: string, region: string, service: string): Buffer {
    const id = `${accessKeyId}/${date}/${region}/${service}`;
    const hit = this.cache.get(id);
    if (hit !== undefined && hit.secret === secret) return hit.key;
    const key = signingKey(secret, date, region, service);
    this.cache.set(id, { secret, key });
    return key;
  }
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

export function signature(key: Buffer, toSign: string): string {
  return createHmac('sha256', key).update(toSign).digest('hex');
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}

/** `20240101T000000Z` → epoch ms, or undefined when not ISO 8601 basic format. */
export function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? undefined : ms;
}

/** epoch ms → `20240101T000000Z`. */
export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
