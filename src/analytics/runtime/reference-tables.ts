/**
 * Loads an application's reference tables at start: each S3 reference data
 * source's object, parsed with its record schema (JSON: one record per line;
 * CSV: split by the parser's row delimiter). A row that does not parse fails
 * the start with InvalidApplicationConfigurationException.
 */
import type { ApplicationConfig } from '../model.ts';
import { errorMessage, invalidConfig } from './config-errors.ts';
import type { ReferenceTableSpec, SqlPort } from './ports.ts';
import type { ObjectReader } from './reference.ts';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export async function loadReferenceTables(readObject: ObjectReader, sql: SqlPort, app: ApplicationConfig): Promise<ReferenceTableSpec[]> {
  const tables: ReferenceTableSpec[] = [];
  for (const ref of app.references) {
    let bytes: Uint8Array;
    try {
      bytes = await readObject(ref.bucketArn, ref.fileKey);
    } catch (e) {
      throw invalidConfig(`Reference data source ${ref.id} (${ref.tableName}): ${errorMessage(e)}`, e);
    }
    const parser = sql.parser(ref.schema);
    const rows: unknown[][] = [];
    // JSON reference files hold one record per line; CSV files are split by the parser's row delimiter.
    const records =
      ref.schema.format === 'JSON'
        ? decoder
            .decode(bytes)
            .split(/\r?\n/)
            .filter((l) => l.trim().length > 0)
            .map((l) => encoder.encode(l))
        : [bytes];
    for (const rec of records) {
      const parsed = parser.parse(rec);
      const bad = parsed.errors[0];
      if (bad) throw invalidConfig(`Reference data source ${ref.id} (${ref.tableName}): ${bad.message} in ${bad.data}`);
      for (const row of parsed.rows) rows.push(row);
    }
    tables.push({ name: ref.tableName, columns: ref.schema.columns, rows });
  }
  return tables;
}
