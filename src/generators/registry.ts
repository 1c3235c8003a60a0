/** Every generator kind by name. */
import { formatCsvField } from '../core/index.ts';
import { sales } from './sales.ts';
import { trades } from './trades.ts';
import { ecommerce } from './ecommerce.ts';
import { ticker } from './ticker.ts';
import { sensors } from './sensors.ts';
import { crypto } from './crypto.ts';
import { cardPayments } from './card-payments.ts';
import type { GeneratorKind, GeneratedRecord, RecordFormat } from './types.ts';

export const GENERATORS: Readonly<Record<string, GeneratorKind>> = { sales, trades, ecommerce, ticker, sensors, crypto, 'card-payments': cardPayments };

export function getGenerator(name: string): GeneratorKind {
  const g = GENERATORS[name];
  if (!g) throw new Error(`unknown generator '${name}' — choose one of ${Object.keys(GENERATORS).join(', ')} (or replay <file>)`);
  return g;
}

/** The bytes of one record: a JSON object, or a CSV line in `fields` order (no header, newline-terminated). */
export function encodeRecord(rec: GeneratedRecord, fields: readonly string[], format: RecordFormat): string {
  if (format === 'json') return JSON.stringify(rec.value);
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += ',';
    line += formatCsvField(String(rec.value[fields[i]!] ?? ''));
  }
  return `${line}\n`;
}
