/**
 * Base64 as AWS's Coral front end reads blobs in JSON requests: strictly (Node's decoder is lenient),
 * with its error texts.
 */
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
