/**
 * The MD5 digests SQS returns with SendMessage and ReceiveMessage, which the
 * SDKs check (MD5OfMessageBody, MD5OfMessageAttributes, MD5OfMessageSystemAttributes).
 *
 * Reference: SQS developer guide, "Calculating the MD5 message digest for
 * message attributes": attributes sorted by name; for each, the name, the data
 * type, one transport byte (1 for String and Number types, 2 for Binary) and
 * the value, every variable-length part preceded by its byte length as a
 * 4-byte big-endian integer. The digest is lower-case hex.
 */
import { createHash } from 'node:crypto';

export interface MessageAttributeValue {
  /** 'String', 'Number', 'Binary', optionally with a custom suffix ('Number.int', 'Binary.gif'). */
  dataType: string;
  stringValue?: string;
  binaryValue?: Uint8Array;
}

export type MessageAttributes = Record<string, MessageAttributeValue>;

export function md5Hex(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([len, bytes]);
}

/** MD5 of a set of message attributes, or undefined when there are none (SQS then omits the field). */
export function md5OfAttributes(attrs: MessageAttributes | undefined): string | undefined {
  if (!attrs) return undefined;
  const names = Object.keys(attrs).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const a = attrs[name]!;
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(a.dataType, 'utf8')));
    if (a.dataType.startsWith('Binary')) {
      hash.update(Buffer.of(2));
      hash.update(lengthPrefixed(Buffer.from(a.binaryValue ?? new Uint8Array(0))));
    } else {
      hash.update(Buffer.of(1));
      hash.update(lengthPrefixed(Buffer.from(a.stringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
}
