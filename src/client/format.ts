/** How `freshet tail` shows a record's bytes: JSON (pretty or compact), UTF-8 text, else base64. */
export type DataFormat = 'compact' | 'pretty';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function formatData(data: Uint8Array, format: DataFormat = 'compact'): string {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return `base64:${Buffer.from(data).toString('base64')}`;
  }
  // Control bytes other than whitespace mean binary that happens to be valid UTF-8.
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return `base64:${Buffer.from(data).toString('base64')}`;
  const trimmed = text.trim();
  const first = trimmed.charCodeAt(0);
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
    try {
      const value = JSON.parse(trimmed) as unknown;
      return format === 'pretty' ? JSON.stringify(value, null, 2) : JSON.stringify(value);
    } catch {
      // Not JSON after all: fall through to text.
    }
  }
  return text.replace(/\r?\n$/, '');
}
