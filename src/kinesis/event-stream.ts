/**
 * AWS event-stream framing for SubscribeToShard responses
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html; message format as
 * @smithy/eventstream-codec implements it: prelude, headers, payload, CRCs).
 * Pure: values in, frames out. Events carry `:message-type: event`, `:event-type`, `:content-type`;
 * errors carry `:message-type: exception` and `:exception-type`, as the SDKs' unmarshallers expect.
 */
import { createRequire } from 'node:module';
import type { EventStreamCodec, MessageHeaders } from '@smithy/eventstream-codec';

const require = createRequire(import.meta.url);

/** Made by the first frame: the codec's package costs ~50 ms to load, and most servers never serve SubscribeToShard. */
let codecInstance: EventStreamCodec | undefined;
function codec(): EventStreamCodec {
  if (codecInstance === undefined) {
    const { EventStreamCodec: Codec } = require('@smithy/eventstream-codec') as typeof import('@smithy/eventstream-codec');
    codecInstance = new Codec(
      (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
      (text: string) => Buffer.from(text, 'utf8'),
    );
  }
  return codecInstance;
}

export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

function frame(headers: MessageHeaders, payload: string | Uint8Array): Uint8Array {
  return codec().encode({ headers, body: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload });
}

/** An `event` message whose payload is `payload` in `contentType` (JSON text or CBOR bytes). */
export function eventFrame(eventType: string, payload: string | Uint8Array, contentType: string): Uint8Array {
  return frame(
    {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: contentType },
      ':message-type': { type: 'string', value: 'event' },
    },
    payload,
  );
}

/** An `exception` message (e.g. ResourceInUseException when another subscription takes over). */
export function exceptionFrame(code: string, message: string, contentType: string, payload?: Uint8Array): Uint8Array {
  return frame(
    {
      ':exception-type': { type: 'string', value: code },
      ':content-type': { type: 'string', value: contentType },
      ':message-type': { type: 'string', value: 'exception' },
    },
    payload ?? JSON.stringify({ message }),
  );
}

/** Decodes one complete frame (for tests and tools). */
export function decodeFrame(bytes: Uint8Array): { headers: Record<string, unknown>; body: Uint8Array } {
  const m = codec().decode(bytes);
  const headers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m.headers)) headers[k] = v.value;
  return { headers, body: m.body };
}
