/**
 * Record format conversion JSON → Apache Parquet (DataFormatConversionConfiguration).
 * Reference: Firehose developer guide, "Convert input data format": the
 * schema comes from a Glue table (SchemaConfiguration DatabaseName/TableName);
 * Freshet has no Glue catalog, so tables are declared in the server options
 * (`firehose.tables: { "<db>.<table>": [{ name, type }] }`) with Hive/Glue type
 * names. The OpenX JSON SerDe matches keys case-insensitively; a record that
 * is not a JSON object, or whose value cannot be converted to its column type,
 * fails conversion and is written under `format-conversion-failed`.
 * Output: one Parquet file per object, Snappy-compressed pages by default
 * (ParquetSerDe.Compression SNAPPY | UNCOMPRESSED), written with hyparquet-writer.
 */
import type { ParquetColumn } from './config.ts';
import type { DeliveryRecord, FailedRecord } from './processors.ts';

type BasicType = 'STRING' | 'INT32' | 'INT64' | 'DOUBLE' | 'FLOAT' | 'BOOLEAN' | 'TIMESTAMP';

export interface ParquetPlan {
  columns: { name: string; lower: string; type: BasicType; hive: string }[];
  codec: 'SNAPPY' | 'UNCOMPRESSED';
}

export function hiveToBasic(hive: string): BasicType {
  const t = hive.toLowerCase().trim();
  if (t === 'string' || t.startsWith('varchar') || t.startsWith('char')) return 'STRING';
  if (t === 'int' || t === 'integer' || t === 'smallint' || t === 'tinyint') return 'INT32';
  if (t === 'bigint') return 'INT64';
  if (t === 'double' || t.startsWith('decimal')) return 'DOUBLE';
  if (t === 'float') return 'FLOAT';
  if (t === 'boolean') return 'BOOLEAN';
  if (t === 'timestamp') return 'TIMESTAMP';
  if (t === 'date') return 'STRING';
  throw new Error(
    `Unsupported column type ${hive} (supported: string, varchar, char, int, smallint, tinyint, bigint, double, decimal, float, boolean, timestamp, date)`,
  );
}

export function planParquet(columns: readonly ParquetColumn[], compression: string | undefined): ParquetPlan {
  return {
    columns: columns.map((c) => ({ name: c.name, lower: c.name.toLowerCase(), type: hiveToBasic(c.type), hive: c.type })),
    codec: compression === 'UNCOMPRESSED' ? 'UNCOMPRESSED' : 'SNAPPY',
  };
}

function convert(v: unknown, type: BasicType): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'STRING':
      return typeof v === 'string' ? v : JSON.stringify(v);
    case 'INT32': {
      const n = typeof v === 'string' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n > 2147483647 || n < -2147483648) throw new Error(`cannot convert ${JSON.stringify(v)} to int`);
      return n;
    }
    case 'INT64': {
      if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
      throw new Error(`cannot convert ${JSON.stringify(v)} to bigint`);
    }
    case 'DOUBLE':
    case 'FLOAT': {
      const n = typeof v === 'string' ? Number(v) : v;
      if (typeof n !== 'number' || Number.isNaN(n)) throw new Error(`cannot convert ${JSON.stringify(v)} to ${type.toLowerCase()}`);
      return n;
    }
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw new Error(`cannot convert ${JSON.stringify(v)} to boolean`);
    case 'TIMESTAMP': {
      const ms =
        typeof v === 'number'
          ? v
          : Date.parse(typeof v === 'string' && /^\d{4}-\d\d-\d\d \d/.test(v) ? v.replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? '' : 'Z') : String(v));
      if (Number.isNaN(ms)) throw new Error(`cannot convert ${JSON.stringify(v)} to timestamp`);
      return new Date(ms);
    }
  }
}

const decoder = new TextDecoder();

/** hyparquet-writer, loaded by the first conversion: only delivery streams that convert to Parquet need it. */
let writer: Promise<typeof import('hyparquet-writer')> | undefined;

/** Converts a buffer of JSON records; returns the Parquet bytes (null when no record converted) and the failures. */
export async function toParquet(
  plan: ParquetPlan,
  records: readonly DeliveryRecord[],
): Promise<{ body: Uint8Array | null; failed: FailedRecord[]; converted: DeliveryRecord[] }> {
  const { parquetWriteBuffer } = await (writer ??= import('hyparquet-writer'));
  const cols: unknown[][] = plan.columns.map(() => []);
  const failed: FailedRecord[] = [];
  const converted: DeliveryRecord[] = [];
  const row: unknown[] = new Array(plan.columns.length);
  for (const rec of records) {
    try {
      const text = decoder.decode(rec.data).trim();
      const obj = JSON.parse(text) as unknown;
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('the record is not a JSON object');
      const lowered = new Map<string, unknown>();
      for (const [k, v] of Object.entries(obj)) lowered.set(k.toLowerCase(), v);
      for (let c = 0; c < plan.columns.length; c++) row[c] = convert(lowered.get(plan.columns[c]!.lower), plan.columns[c]!.type);
      for (let c = 0; c < plan.columns.length; c++) cols[c]!.push(row[c]);
      converted.push(rec);
    } catch (e) {
      failed.push({
        data: rec.data,
        arrivalMs: rec.arrivalMs,
        offset: rec.offset,
        type: 'format-conversion-failed',
        errorCode: 'DataFormatConversion.MalformedData',
        errorMessage: `The data could not be converted: ${(e as Error).message}`,
        attemptsMade: 1,
      });
    }
  }
  if (converted.length === 0) return { body: null, failed, converted };
  const buf = parquetWriteBuffer({
    columnData: plan.columns.map((c, i) => ({ name: c.name, data: cols[i]! as never, type: c.type })),
    codec: plan.codec,
  });
  return { body: new Uint8Array(buf), failed, converted };
}
