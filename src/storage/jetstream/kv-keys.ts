/** Metadata keys ↔ JetStream KV keys (no NATS import: the storage index re-exports these for every backend). */

/**
 * Meta keys are free-form strings; KV keys are dot-separated NATS subject tokens of [-/_=.A-Za-z0-9]. Every byte
 * outside [A-Za-z0-9/_-] becomes `=XX` (hex), so '.' never splits a key into tokens and no key is refused.
 */
export function encodeKvKey(key: string): string {
  let out = '';
  const bytes = Buffer.from(key, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const ok = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2f || b === 0x5f || b === 0x2d;
    out += ok ? String.fromCharCode(b) : `=${b.toString(16).padStart(2, '0')}`;
  }
  return out.length === 0 ? '=' : out;
}

export function decodeKvKey(k: string): string {
  if (k === '=') return '';
  if (!k.includes('=')) return k;
  const bytes: number[] = [];
  for (let i = 0; i < k.length; i++) {
    if (k[i] === '=') {
      bytes.push(Number.parseInt(k.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(k.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Field a fenced write adds to its value: the fencing token (lease revision) of the node that wrote it. */
export const FENCE_FIELD = 'leaseToken';
