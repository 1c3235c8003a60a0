/**
 * Reads a `filesystem` table: every file under its path (a file or a
 * directory, hidden and in-progress files skipped, partition directories
 * `k=v` giving their columns' values) decoded with the table's format. Used for
 * lookup joins against reference files and for bounded scans.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FlinkTablePlan } from '../../plan/flink.ts';
import type { ColumnDef } from '../../plan/types.ts';
import { createDecoder } from '../../formats/flink.ts';

function files(path: string, parts: Record<string, string>, out: { file: string; parts: Record<string, string> }[]): void {
  const st = statSync(path);
  if (st.isFile()) {
    out.push({ file: path, parts });
    return;
  }
  for (const n of readdirSync(path).sort()) {
    if (n.startsWith('.') || n.startsWith('_')) continue;
    const p = join(path, n);
    const kv = /^([^=]+)=(.*)$/.exec(n);
    if (kv && statSync(p).isDirectory()) files(p, { ...parts, [kv[1]!]: decodeURIComponent(kv[2]!) }, out);
    else files(p, parts, out);
  }
}

/** All rows of a filesystem table, as objects keyed by column name. */
export function readFileTable(dir: string, columns: readonly ColumnDef[], table: FlinkTablePlan): Record<string, unknown>[] {
  const format = table.connector.format;
  if (!format) throw new Error('a filesystem table needs a format');
  const partitionKeys = table.partitionedBy ?? [];
  const physical = columns.filter((c, i) => table.sources[i]?.kind === 'physical' && !partitionKeys.includes(c.name));
  const decode = createDecoder(format, physical);
  const found: { file: string; parts: Record<string, string> }[] = [];
  files(dir, {}, found);
  const rows: Record<string, unknown>[] = [];
  for (const f of found) {
    const text = readFileSync(f.file, 'utf8');
    // Row formats hold one record per line (CSV's decoder takes the lines itself).
    const records = format.name === 'csv' ? [text] : text.split('\n').filter((l) => l.trim() !== '');
    for (const rec of records) {
      for (const values of decode(rec).rows) {
        const o: Record<string, unknown> = { ...f.parts };
        physical.forEach((c, i) => {
          o[c.name] = values[i];
        });
        rows.push(o);
      }
    }
  }
  return rows;
}
