/**
 * Opens a delivered object for the viewer: GZIP is inflated (DecompressionStream), Parquet read with
 * hyparquet, and the text shown as rows when it is NDJSON or CSV, else as text.
 */
import { parquetReadObjects } from 'hyparquet';
import { consoleFetch } from './api.ts';

export interface Opened {
  format: string;
  /** Rows, when the content is tabular (NDJSON objects, CSV fields, Parquet rows). */
  rows?: Array<Record<string, unknown>>;
  text?: string;
  totalRows?: number;
}

const MAX_ROWS = 500;

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function csvRows(text: string): Array<Record<string, unknown>> {
  return text
    .split(/\r?\n/)
    .filter((l) => l.length > 0)
    .map((line) => {
      const row: Record<string, unknown> = {};
      // Fields split at commas outside double quotes; "" inside quotes is a quote.
      let field = '';
      let quoted = false;
      let n = 0;
      for (let i = 0; i < line.length; i++) {
        const c = line[i]!;
        if (quoted) {
          if (c === '"' && line[i + 1] === '"') {
            field += '"';
            i++;
          } else if (c === '"') quoted = false;
          else field += c;
        } else if (c === '"') quoted = true;
        else if (c === ',') {
          row[`column ${++n}`] = field;
          field = '';
        } else field += c;
      }
      row[`column ${++n}`] = field;
      return row;
    });
}

export async function openObject(bucket: string, key: string): Promise<Opened> {
  const res = await consoleFetch(`/console/api/object?bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}`);
  if (!res.ok) throw new Error(((await res.json()) as { message: string }).message);
  let bytes: Uint8Array = new Uint8Array(await res.arrayBuffer());
  let format = '';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    bytes = await gunzip(bytes);
    format = 'GZIP, ';
  }
  if (bytes.length >= 8 && String.fromCharCode(...bytes.subarray(0, 4)) === 'PAR1') {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const rows = (await parquetReadObjects({ file: buffer })) as Array<Record<string, unknown>>;
    return { format: `${format}Parquet`, rows: rows.slice(0, MAX_ROWS), totalRows: rows.length };
  }
  const text = new TextDecoder().decode(bytes);
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  if (lines.length > 0 && lines.every((l) => l.trim().startsWith('{'))) {
    try {
      const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      return { format: `${format}NDJSON`, rows: rows.slice(0, MAX_ROWS), totalRows: rows.length };
    } catch {
      // not every line is JSON: shown as text
    }
  }
  if (key.endsWith('.csv') || (lines.length > 1 && lines.every((l) => l.includes(',')) && !text.trim().startsWith('{'))) {
    const rows = csvRows(text);
    return { format: `${format}CSV`, rows: rows.slice(0, MAX_ROWS), totalRows: rows.length };
  }
  return { format: `${format}text`, text: text.length > 200_000 ? `${text.slice(0, 200_000)}\n…` : text };
}
