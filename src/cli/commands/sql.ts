/**
 * `freshet sql check app.sql` validates application code (line:column errors);
 * `freshet sql run app.sql --input <stream>` runs it against a Kinesis stream
 * read through @aws-sdk/client-kinesis and prints every in-application
 * stream's rows live.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { systemClock } from '../../core/index.ts';
import { flinkCheck, flinkRun } from './flink-sql.ts';
import { describeError, kinesisClient, readStream, resolveEndpoint, type ReadRecord, type StartPosition } from '../../client/index.ts';
import {
  discoverJsonSchema,
  formatRowCsv,
  parseApplication,
  parseColumnList,
  parseRecord,
  rowToObject,
  SqlApplication,
  SqlError,
  type InputColumn,
  type RecordFormat,
} from '../../sql/index.ts';

interface CheckOptions {
  inputName: string;
  schema?: string;
  dialect: string;
  set?: string[];
}

interface RunOptions extends CheckOptions {
  input: string;
  format: string;
  outputFormat: string;
  from: string;
  endpoint?: string;
  stream?: string[];
  follow: boolean;
  rowDelimiter: string;
  columnDelimiter: string;
  resultMode: string;
  dataDir: string;
  partial: 'mark' | 'drop';
}

function readCode(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
}

function schemaOf(text: string): InputColumn[] {
  try {
    return parseColumnList(text);
  } catch (e) {
    throw new Error(`--schema: ${e instanceof SqlError ? e.reason : String(e)} (example: --schema '"price" DOUBLE, "ticker" VARCHAR(8)')`);
  }
}

function startPosition(v: string): StartPosition {
  const l = v.toLowerCase();
  if (l === 'trim-horizon' || l === 'trim_horizon') return { kind: 'trim-horizon' };
  if (l === 'latest' || l === 'now') return { kind: 'latest' };
  throw new Error(`--from must be trim-horizon or latest, got '${v}'`);
}

function printError(file: string, e: SqlError, code?: string): void {
  // KDA's parser stops at Flink DDL on the first statement: say how to check Flink SQL.
  const hint =
    code && /^\s*(create\s+(temporary\s+)?(table|view)|insert\s+into|set\s+')/im.test(code) && /STREAM or (CREATE )?PUMP/.test(e.reason)
      ? ' (for Flink SQL, pass --dialect flink)'
      : '';
  console.error(`${file}:${e.line}:${e.column}: error: ${e.reason}${hint}`);
}

function dialectOf(v: string): 'kda' | 'flink' {
  const d = v.toLowerCase();
  if (d === 'kda' || d === 'flink') return d;
  throw new Error(`--dialect must be kda or flink, got '${v}'`);
}

export function register(program: Command): void {
  const sql = program.command('sql').description('Check and run SQL application code: Kinesis Data Analytics SQL, or Flink SQL with --dialect flink');

  sql
    .command('check <file>')
    .description('Validate application code; prints errors as file:line:column')
    .option('--dialect <kda|flink>', 'kda: KDA SQL (CREATE STREAM/PUMP); flink: Flink SQL (CREATE TABLE ... WITH, INSERT INTO)', 'kda')
    .option('--input-name <name>', 'KDA: name of the input in-application stream', 'SOURCE_SQL_STREAM_001')
    .option('--schema <columns>', 'KDA: input columns, e.g. \'"price" DOUBLE, "ticker" VARCHAR(8)\' (without it only the syntax is checked)')
    .option('--set <key=value...>', "Flink: options set before the script, e.g. --set table.exec.state.ttl='1 h'")
    .action((file: string, o: CheckOptions) => {
      const code = readCode(file);
      if (dialectOf(o.dialect) === 'flink') {
        flinkCheck(file, code, o.set);
        return;
      }
      try {
        if (o.schema) {
          const app = SqlApplication.compile(code, { inputs: [{ name: o.inputName, columns: schemaOf(o.schema) }] });
          const streams = app.plan.streams.filter((s) => s.kind === 'stream').map((s) => s.name);
          console.log(`${file}: OK — ${app.plan.pumps.length} pump(s), streams ${streams.join(', ')}`);
          app.close();
        } else {
          const stmts = parseApplication(code);
          console.log(`${file}: syntax OK — ${stmts.length} statement(s); pass --schema to check names and types against the input`);
        }
      } catch (e) {
        if (e instanceof SqlError) {
          printError(file, e, code);
          process.exitCode = 1;
          return;
        }
        throw e;
      }
    });

  sql
    .command('run <file>')
    .description('Run application code and print its output live: KDA SQL over --input, or a Flink SQL script (--dialect flink) over its tables')
    .option('--dialect <kda|flink>', 'kda: KDA SQL over --input; flink: a Flink SQL script, its tables read and written through their connectors', 'kda')
    .option('--input <stream>', 'KDA: Kinesis stream to read (required for KDA SQL)')
    .option('--format <json|csv>', 'record format of the input stream', 'json')
    .option('--output-format <json|csv>', 'how rows are printed', 'json')
    .option('--from <position>', 'trim-horizon or latest', 'latest')
    .option('--endpoint <url>', 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)')
    .option('--input-name <name>', 'name of the input in-application stream', 'SOURCE_SQL_STREAM_001')
    .option('--schema <columns>', 'input columns (default: discovered from the first records, JSON only)')
    .option('--stream <name...>', 'print only these in-application streams')
    .option('--row-delimiter <s>', 'CSV row delimiter', '\n')
    .option('--column-delimiter <s>', 'CSV column delimiter', ',')
    .option('--no-follow', 'stop once the stream is caught up')
    .option('--result-mode <changelog|table>', 'Flink: print query results as a changelog (op | columns) or as the final table', 'changelog')
    .option('--data-dir <dir>', "Flink: where 's3://bucket/...' filesystem paths live (the server's data directory)", './freshet-data')
    .option('--set <key=value...>', 'Flink: options set before the script')
    .option(
      '--partial <mark|drop>',
      'rows of windows still open when the run stops (Ctrl-C, or caught up with --no-follow): print them marked [partial], or drop them',
      (v: string) => {
        if (v !== 'mark' && v !== 'drop') throw new InvalidArgumentError(`expected mark or drop, got '${v}'`);
        return v;
      },
      'mark',
    )
    .action(async (file: string, o: RunOptions & { set?: string[] }) => {
      const code = readCode(file);
      if (dialectOf(o.dialect) === 'flink') {
        await flinkRun(file, code, {
          ...(o.endpoint ? { endpoint: o.endpoint } : {}),
          ...(o.from !== 'latest' ? { from: o.from } : {}),
          follow: o.follow,
          resultMode: o.resultMode,
          dataDir: o.dataDir,
          ...(o.set ? { set: o.set } : {}),
        });
        return;
      }
      if (!o.input) throw new Error('KDA SQL needs --input <stream> (the Kinesis stream to read); for a Flink SQL script pass --dialect flink');
      const format: RecordFormat = {
        type: o.format.toLowerCase() === 'csv' ? 'CSV' : 'JSON',
        rowDelimiter: o.rowDelimiter,
        columnDelimiter: o.columnDelimiter,
      };
      if (!['json', 'csv'].includes(o.format.toLowerCase())) throw new Error(`--format must be json or csv, got '${o.format}'`);
      if (format.type === 'CSV' && !o.schema) throw new Error('CSV input needs --schema (column names and types in field order)');
      const from = startPosition(o.from);
      const endpoint = resolveEndpoint(o.endpoint);
      const client = kinesisClient({ endpoint });
      const abort = new AbortController();
      const onSigint = (): void => abort.abort();
      process.once('SIGINT', onSigint);
      let app: SqlApplication | null = null;
      let columns: InputColumn[] | null = o.schema ? schemaOf(o.schema) : null;
      const pending: ReadRecord[] = [];
      // Set once the run stops: rows emitted after that come from windows closed early, not by time.
      let closing = false;
      let partialRows = 0;

      const build = (cols: InputColumn[]): SqlApplication => {
        let a: SqlApplication;
        try {
          a = SqlApplication.compile(code, { inputs: [{ name: o.inputName, columns: cols }], clock: systemClock });
        } catch (e) {
          if (e instanceof SqlError) {
            printError(file, e);
            throw new Error('the application code does not compile against the input schema');
          }
          throw e;
        }
        for (const name of a.streamNames()) {
          if (name === o.inputName || (o.stream && !o.stream.includes(name))) continue;
          const cs = a.columns(name);
          a.onOutput(name, (rows) => {
            if (closing) {
              partialRows += rows.length;
              if (o.partial === 'drop') return;
            }
            const label = closing ? `${name} [partial]` : name;
            for (const r of rows) {
              if (o.outputFormat === 'csv') console.log(`${label},${formatRowCsv([{ name: 'ROWTIME', type: { name: 'TIMESTAMP' } }, ...cs], [0, ...r])}`);
              else console.log(`${label} ${JSON.stringify(rowToObject(cs, r))}`);
            }
          });
        }
        a.start(1000);
        return a;
      };
      const feed = (a: SqlApplication, rec: ReadRecord): void => {
        const parsed = parseRecord(rec.data, format, columns!);
        const now = systemClock.now();
        for (const err of parsed.errors) a.reportError({ errorName: 'ParseError', message: err.message, row: [now], data: err.data }, '');
        if (parsed.rows.length > 0) a.push(o.inputName, parsed.rows, now, rec.approximateArrivalTimestamp?.getTime() ?? now);
      };
      const onRecord = (rec: ReadRecord): void => {
        if (!app) {
          pending.push(rec);
          if (!columns && pending.length < 10) return;
          columns ??= discoverJsonSchema(pending.map((p) => new TextDecoder().decode(p.data)));
          console.error(`freshet: input schema ${columns.map((c) => `"${c.name}" ${c.type.name}${c.type.length ? `(${c.type.length})` : ''}`).join(', ')}`);
          app = build(columns);
          for (const p of pending.splice(0)) feed(app, p);
          return;
        }
        feed(app, rec);
      };
      try {
        if (columns) app = build(columns);
        await readStream({ client, streamName: o.input, from, follow: o.follow, signal: abort.signal, onRecord });
        if (!app && pending.length > 0) {
          columns ??= discoverJsonSchema(pending.map((p) => new TextDecoder().decode(p.data)));
          app = build(columns);
          for (const p of pending.splice(0)) feed(app, p);
        }
        // Caught up (--no-follow) or interrupted: close the open windows by moving time past them. Their rows
        // cover only part of a window, so they are marked [partial] (or dropped), never mixed with complete ones.
        closing = true;
        (app as SqlApplication | null)?.advanceTime(Number.MAX_SAFE_INTEGER);
        if (partialRows > 0)
          console.error(
            o.partial === 'drop'
              ? `freshet: dropped ${partialRows} partial row(s) of windows still open when the run stopped (--partial mark prints them)`
              : `freshet: ${partialRows} row(s) marked [partial]: windows still open when the run stopped (--partial drop leaves them out)`,
          );
      } catch (e) {
        throw new Error(describeError(e, endpoint));
      } finally {
        process.removeListener('SIGINT', onSigint);
        (app as SqlApplication | null)?.close();
        client.destroy();
      }
    });
}
