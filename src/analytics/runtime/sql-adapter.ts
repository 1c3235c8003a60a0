/**
 * SqlPort over Freshet's SQL engine (src/sql): compiles application code into
 * a SqlApplication, parses source records with the input schema (JSON with
 * JSONPath mappings, CSV) and formats output rows as JSON or CSV records.
 *
 * The one piece src/sql does not do is RecordRowPath other than `$`: records
 * whose rows sit deeper (`$.records[0:]`) are unwrapped here first.
 */
import type { Clock } from '../../core/index.ts';
import {
  SqlApplication,
  formatRowCsv,
  formatRowJson,
  parseApplication,
  parseJsonPath,
  parseRecord,
  parseType,
  rowToObject,
  type ColumnDef,
  type InputColumn,
  type RecordFormat,
  type SqlApplicationState,
} from '../../sql/index.ts';
import type { ColumnSpec, RecordFormatType, RecordSchema } from '../model.ts';
import type { CompiledApplication, InputStreamSpec, ParsedRecords, RecordParser, ReferenceTableSpec, RowFormatter, SqlPort } from './ports.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toColumns(specs: readonly ColumnSpec[]): InputColumn[] {
  return specs.map((c) =>
    c.mapping === undefined ? { name: c.name, type: parseType(c.sqlType) } : { name: c.name, type: parseType(c.sqlType), mapping: c.mapping },
  );
}

function planInputs(inputs: readonly InputStreamSpec[], tables: readonly ReferenceTableSpec[]) {
  return {
    inputs: inputs.map((i) => ({ name: i.name, columns: toColumns(i.columns) as ColumnDef[] })),
    tables: tables.map((t) => ({ name: t.name, columns: toColumns(t.columns) as ColumnDef[] })),
  };
}

class CompiledSql implements CompiledApplication {
  constructor(private readonly app: SqlApplication) {}

  // hot path: one call per source record.
  push(stream: string, rows: unknown[][], rowtimeMs: number, arrivalMs: number): void {
    this.app.push(stream, rows, rowtimeMs, arrivalMs);
  }

  advanceTime(nowMs: number): void {
    this.app.advanceTime(nowMs);
  }

  onOutput(stream: string, listener: (rows: readonly unknown[][]) => void): () => void {
    return this.app.onOutput(stream, listener);
  }

  streamNames(): readonly string[] {
    return this.app.streamNames();
  }

  rowObject(stream: string, row: readonly unknown[]): Record<string, unknown> {
    return rowToObject(this.app.columns(stream), row);
  }

  resolveStream(name: string): string | undefined {
    const names = this.app.streamNames();
    if (names.includes(name)) return name;
    const upper = name.toUpperCase();
    return names.find((n) => n.toUpperCase() === upper);
  }

  formatter(stream: string, format: RecordFormatType): RowFormatter {
    const columns = this.app.columns(stream);
    // Picked once per output, not per row.
    return format === 'JSON'
      ? { format: (row) => encoder.encode(formatRowJson(columns, row)) }
      : { format: (row) => encoder.encode(`${formatRowCsv(columns, row)}\n`) };
  }

  columnNames(stream: string): readonly string[] {
    return this.app.columns(stream).map((c) => c.name);
  }

  checkpoint(): unknown {
    return this.app.checkpoint();
  }

  restore(state: unknown): void {
    this.app.restore(state as SqlApplicationState);
  }

  close(): void {
    this.app.close();
  }
}

/** `$`, `$[0:]`, `$[*]` need no unwrapping; anything else is a path to the row or rows. */
function rowPathOf(rowPath: string | undefined): (string | number)[] | undefined {
  if (rowPath === undefined) return undefined;
  const p = rowPath.replace(/\[(0:|\*)\]$/, '');
  if (p === '$') return undefined;
  return parseJsonPath(p);
}

class SchemaParser implements RecordParser {
  private readonly format: RecordFormat;
  private readonly columns: InputColumn[];
  private readonly rowPath: (string | number)[] | undefined;

  constructor(schema: RecordSchema) {
    this.columns = toColumns(schema.columns);
    this.format =
      schema.format === 'JSON' ? { type: 'JSON' } : { type: 'CSV', rowDelimiter: schema.rowDelimiter ?? '\n', columnDelimiter: schema.columnDelimiter ?? ',' };
    this.rowPath = schema.format === 'JSON' ? rowPathOf(schema.rowPath) : undefined;
  }

  // hot path
  parse(data: Uint8Array): ParsedRecords {
    if (this.rowPath === undefined) return parseRecord(data, this.format, this.columns);
    const text = decoder.decode(data);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { rows: [], errors: [{ message: `record is not valid JSON: ${(e as Error).message}`, data: text }] };
    }
    for (const k of this.rowPath) {
      value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[k] : undefined;
    }
    if (value === undefined || value === null) return { rows: [], errors: [{ message: 'RecordRowPath does not match the record', data: text }] };
    return parseRecord(JSON.stringify(value), this.format, this.columns);
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function createSqlPort(options: { rcfSeed?: number; maxStateRows?: number } = {}): SqlPort {
  return {
    compile(code, inputs, tables, clock: Clock) {
      const app = SqlApplication.compile(code, {
        ...planInputs(inputs, tables),
        clock,
        ...(options.rcfSeed !== undefined ? { rcfSeed: options.rcfSeed } : {}),
        ...(options.maxStateRows !== undefined ? { maxStateRows: options.maxStateRows } : {}),
      });
      try {
        for (const t of tables) app.setReferenceTable(t.name, t.rows);
      } catch (e) {
        app.close();
        throw e;
      }
      return new CompiledSql(app);
    },
    check(code, inputs, tables) {
      try {
        SqlApplication.compile(code, planInputs(inputs, tables)).close();
        return undefined;
      } catch (e) {
        return messageOf(e);
      }
    },
    checkSyntax(code) {
      try {
        parseApplication(code);
        return undefined;
      } catch (e) {
        return messageOf(e);
      }
    },
    checkColumns(columns) {
      for (const c of columns) {
        try {
          parseType(c.sqlType);
        } catch (e) {
          return `RecordColumn ${c.name}: SqlType ${c.sqlType} is not a valid SQL type (${messageOf(e)})`;
        }
      }
      return undefined;
    },
    parser: (schema) => new SchemaParser(schema),
  };
}
