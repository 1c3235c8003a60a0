/**
 * Codec choice by request Content-Type. CBOR (application/x-amz-cbor-1.1,
 * issue 3) registers here; nothing else in the server knows about formats.
 */
import { cborCodec, cborDecode, cborEncode } from './cbor.ts';
import { jsonCodec10, jsonCodec11 } from './json.ts';
import type { WireCodec } from './json.ts';

const codecs = new Map<string, WireCodec>([
  [jsonCodec11.contentType, jsonCodec11],
  [jsonCodec10.contentType, jsonCodec10],
  [cborCodec.contentType, cborCodec],
]);

export function registerCodec(codec: WireCodec): void {
  codecs.set(codec.contentType, codec);
}

/** `contentType` is the header value; parameters such as `; charset=utf-8` are ignored. */
export function codecFor(contentType: string | undefined): WireCodec | undefined {
  if (!contentType) return undefined;
  const semi = contentType.indexOf(';');
  const bare = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return codecs.get(bare);
}

export { cborCodec, cborDecode, cborEncode, jsonCodec10, jsonCodec11 };
export type { WireCodec };
