/**
 * `freshet sql check|run --dialect flink`: Flink SQL scripts from the command
 * line. `check` plans the script (line:column errors). `run` is a Studio-like
 * session: it prints SET/EXPLAIN/SHOW results, then runs the job — Kinesis
 * tables read through @aws-sdk/client-kinesis, datagen and file tables
 * generated/read locally, sinks written (print to stdout, Kinesis and Firehose
 * through the SDK, files with the exactly-once file sink) — and prints each
 * query's result as a live changelog table (`op | col | ...`).
 */
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { systemClock } from '../../core/index.ts';
import { createClients, describeError, readStream, resolveEndpoint, type ReadRecord, type StartPosition } from '../../pipeline/index.ts';
import {
  DatagenSource,
  FileSystemSink,
  FlinkApplication,
  FormatError,
  printValueText,
  readFileTable,
  resolveTablePath,
  SqlError,
  type FlinkScript,
  type Row,
  type StreamPlan,
} from '../../sql/index.ts';

export interface FlinkRunOptions {
  endpoint?: string;
  from?: string;
  follow: boolean;
  resultMode: string;
  dataDir: string;
  set?: string[];
}

function printError(file: string, e: SqlError): void {
  console.error(`${file}:${e.line}:${e.column}: error: ${e.reason}`);
}

function setOptions(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const at = kv.indexOf('=');
    if (at <= 0) throw new Error(`--set needs key=value, got '${kv}' (e.g. --set table.exec.state.ttl='1 h')`);
    out[kv.slice(0, at).trim()] = kv
      .slice(at + 1)
      .trim()
      .replace(/^'(.*)'$/, '$1');
  }
  return out;
}

/** `sql check --dialect flink`: exit code 1 and file:line:column on a mistake. */
export function flinkCheck(file: string, code: string, set: string[] | undefined): void {
  try {
    const app = FlinkApplication.compile(code, { options: setOptions(set) });
    const plan = app.plan;
    const inserts = plan.pumps.filter((p) => plan.flink?.sinks[p.name] !== null).map((p) => p.target);
    const queries = plan.pumps.length - inserts.length;
    console.log(
      `${file}: OK — ${plan.pumps.length} job statement(s)${inserts.length ? `, writes ${[...new Set(inserts)].join(', ')}` : ''}${queries ? `, ${queries} query(ies)` : ''}; reads ${app.sourceNames().join(', ') || 'no tables'}`,
    );
    for (const s of app.script?.statements ?? []) if (s.kind === 'explain') console.log(s.text);
    app.close();
  } catch (e) {
    if (e instanceof SqlError) {
      printError(file, e);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}

/** Prints a query's changes as a table, Flink SQL client style (tableau / changelog). */
class ResultPrinter {
  private readonly widths: number[];
  private header = false;
  private readonly table: string[][] = [];

  constructor(
    private readonly name: string,
    private readonly columns: StreamPlan['columns'],
    private readonly mode: 'changelog' | 'table',
  ) {
    const typeWidth = (t: StreamPlan['columns'][number]['type']): number => {
      switch (t.name) {
        case 'TIMESTAMP':
          return t.ltz ? 24 : 23;
        case 'DATE':
          return 10;
        case 'BIGINT':
          return 20;
        case 'INTEGER':
          return 11;
        case 'DOUBLE':
        case 'REAL':
        case 'DECIMAL':
          return 12;
        case 'VARCHAR':
        case 'CHAR':
          return Math.min(t.length ?? 16, 30);
        default:
          return 8;
      }
    };
    this.widths = [2, ...columns.map((c) => Math.max(c.name.length, typeWidth(c.type)))];
  }

  private line(cells: string[]): string {
    return `| ${cells.map((c, i) => (c.length > this.widths[i]! ? `${c.slice(0, this.widths[i]! - 1)}…` : c.padStart(this.widths[i]!))).join(' | ')} |`;
  }

  private rule(): string {
    return `+${this.widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  }

  changes(rows: Row[], kinds: string[]): void {
    const cells = rows.map((r) => this.columns.map((c, i) => printValueText(r[i + 1], c.type)));
    if (this.mode === 'table') {
      cells.forEach((row, k) => {
        const kind = kinds[k]!;
        if (kind === '+I' || kind === '+U') this.table.push(row);
        else {
          const at = this.table.findIndex((x) => x.every((v, i) => v === row[i]));
          if (at >= 0) this.table.splice(at, 1);
        }
      });
      return;
    }
    if (!this.header) {
      console.log(`${this.name}:`);
      console.log(this.rule());
      console.log(this.line(['op', ...this.columns.map((c) => c.name)]));
      console.log(this.rule());
      this.header = true;
    }
    cells.forEach((row, k) => console.log(this.line([kinds[k]!, ...row])));
  }

  /** Table mode: the result as it stands. */
  snapshot(): void {
    if (this.mode !== 'table') return;
    console.log(`${this.name} (${this.table.length} row(s)):`);
    const w = this.widths.slice(1);
    const rule = `+${w.map((x) => '-'.repeat(x + 2)).join('+')}+`;
    const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(w[i]!)).join(' | ')} |`;
    console.log(rule);
    console.log(line(this.columns.map((c) => c.name)));
    console.log(rule);
    for (const r of this.table) console.log(line(r));
    console.log(rule);
  }
}

function startOf(table: StreamPlan, override: string | undefined): StartPosition {
  const o = table.flink!.connector.options;
  const pos = (override ?? o['scan.stream.initpos'] ?? o['source.init.position'] ?? 'LATEST').toUpperCase().replace('-', '_');
  if (pos === 'TRIM_HORIZON') return { kind: 'trim-horizon' };
  if (pos === 'AT_TIMESTAMP') {
    const ts = o['scan.stream.initpos-timestamp'] ?? o['source.init.timestamp'] ?? '';
    const ms = /^\d+(\.\d+)?$/.test(ts) ? Number(ts) * 1000 : Date.parse(ts);
    if (Number.isNaN(ms)) throw new Error(`table ${table.name}: cannot read 'scan.stream.initpos-timestamp' = '${ts}' (epoch seconds or an ISO date-time)`);
    return { kind: 'at-timestamp', timestamp: new Date(ms) };
  }
  return { kind: 'latest' };
}

function streamName(table: StreamPlan): string {
  const o = table.flink!.connector.options;
  if (o.stream) return o.stream;
  const arn = o['stream.arn'] ?? '';
  return arn.slice(arn.indexOf('/') + 1);
}

/** `sql run --dialect flink`: runs the job until Ctrl-C (or, with --no-follow, until its sources are caught up). */
export async function flinkRun(file: string, code: string, o: FlinkRunOptions): Promise<void> {
  let app: FlinkApplication;
  try {
    app = FlinkApplication.compile(code, { options: setOptions(o.set), clock: systemClock });
  } catch (e) {
    if (e instanceof SqlError) {
      printError(file, e);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
  const script = app.script as FlinkScript;
  for (const s of script.statements) if (s.text && s.kind !== 'set') console.log(s.text);
  if (app.plan.pumps.length === 0) {
    app.close();
    return;
  }
  const endpoint = resolveEndpoint(o.endpoint);
  const clients = createClients({ endpoint });
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  const roots = { s3Root: join(o.dataDir, 's3'), cwd: process.cwd() };
  const mode = o.resultMode === 'table' ? 'table' : 'changelog';
  const printers: ResultPrinter[] = [];
  const flushers: (() => Promise<void>)[] = [];
  const fileSinks: { sink: FileSystemSink; table: string }[] = [];
  let failure: unknown;
  const fail = (e: unknown): void => {
    failure ??= e;
    abort.abort();
  };

  // ---- sinks ----
  for (const name of app.sinkNames()) {
    const st = app.stream(name);
    const c = st.flink!.connector;
    switch (c.connector) {
      case 'collect': {
        const p = new ResultPrinter(name.replace(/^\$/, ''), st.columns, mode);
        printers.push(p);
        const n = st.columns.length;
        const changelog = app.isChangelog(name);
        app.onOutput(name, (rows) =>
          p.changes(
            rows,
            rows.map((r) => ['+I', '-U', '+U', '-D'][changelog ? (r[n + 1] as number) : 0]!),
          ),
        );
        break;
      }
      case 'print': {
        const id = c.options['print-identifier'];
        const toErr = c.options['standard-error'] === 'true';
        app.onOutput(name, (rows) => {
          for (const r of rows) {
            const text = `${id ? `${id}> ` : ''}${app.printText(name, r)}`;
            if (toErr) console.error(text);
            else console.log(text);
          }
        });
        break;
      }
      case 'kinesis':
      case 'firehose': {
        const enc = app.encoder(name);
        let buf: Uint8Array[] = [];
        app.onOutput(name, (rows) => {
          for (const r of rows) {
            const t = enc(r);
            if (t !== null) buf.push(Buffer.from(c.connector === 'firehose' ? `${t}\n` : t));
          }
        });
        const target = c.connector === 'kinesis' ? streamName(st) : c.options['delivery-stream']!;
        flushers.push(async () => {
          while (buf.length > 0) {
            const batch = buf.slice(0, 500);
            buf = buf.slice(500);
            if (c.connector === 'kinesis')
              await clients.kinesis.send(new PutRecordsCommand({ StreamName: target, Records: batch.map((Data) => ({ Data, PartitionKey: randomUUID() })) }));
            else await clients.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: target, Records: batch.map((Data) => ({ Data })) }));
          }
        });
        break;
      }
      case 'filesystem': {
        const sink = await FileSystemSink.open({
          dir: resolveTablePath(c.options.path!, roots),
          columns: st.columns,
          partitionKeys: st.flink!.partitionedBy ?? [],
          format: c.format!,
          options: c.options,
        });
        sink.recover(undefined, Date.now(), -Infinity);
        app.onOutput(name, (rows) => sink.write(rows, Date.now()));
        fileSinks.push({ sink, table: name });
        break;
      }
      default:
        break; // blackhole
    }
  }
  const checkpointMs = Number(/^\d+/.exec(app.plan.flink?.options['execution.checkpointing.interval'] ?? '')?.[0] ?? 0) * 1000 || 10_000;
  const commitFiles = (): void => {
    const wm = Math.min(...app.sourceNames().map((s) => app.watermark(s) ?? -Infinity), Infinity);
    for (const f of fileSinks) {
      const state = f.sink.prepare();
      const done = f.sink.commit(state, Date.now(), wm);
      for (const p of done.partitions) console.error(`freshet: ${f.table}: partition ${p} committed`);
    }
  };

  // ---- sources ----
  const readers: Promise<void>[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (const name of app.sourceNames()) {
    const st = app.stream(name);
    const c = st.flink!.connector;
    if (c.connector === 'kinesis') {
      const pending = new Map<string, ReadRecord[]>();
      let scheduled = false;
      const flush = (): void => {
        scheduled = false;
        try {
          for (const [shard, recs] of pending) {
            app.pushRecords(
              name,
              recs.map((r) => ({
                data: r.data,
                arrivalMs: r.approximateArrivalTimestamp?.getTime() ?? Date.now(),
                partitionKey: r.partitionKey,
                shardId: r.shardId,
                sequenceNumber: r.sequenceNumber,
              })),
              Date.now(),
              shard,
            );
          }
        } catch (e) {
          fail(
            e instanceof FormatError ? new Error(`table ${name}: ${e.message}; set '${c.format?.name}.ignore-parse-errors' = 'true' to skip such records`) : e,
          );
        }
        pending.clear();
      };
      readers.push(
        readStream({
          client: clients.kinesis,
          streamName: streamName(st),
          from: startOf(st, o.from),
          follow: o.follow,
          signal: abort.signal,
          onReady: (ids) => app.registerSplits(name, ids),
          onRecord: (r) => {
            const list = pending.get(r.shardId) ?? [];
            list.push(r);
            pending.set(r.shardId, list);
            if (!scheduled) {
              scheduled = true;
              setImmediate(flush);
            }
          },
        }).then(() => flush()),
      );
    } else if (c.connector === 'datagen') {
      const gen = new DatagenSource(st.columns, st.flink!.sources, c.options);
      readers.push(
        new Promise<void>((resolve) => {
          const tick = (): void => {
            if (abort.signal.aborted) {
              resolve();
              return;
            }
            const rows = gen.poll(Date.now());
            if (rows.length > 0) app.pushRows(name, rows, Date.now());
            if (gen.finished) {
              app.finishSplit(name, '');
              resolve();
              return;
            }
            timers.push(setTimeout(tick, 100));
          };
          tick();
        }),
      );
    } else if (c.connector === 'filesystem') {
      const rows = readFileTable(resolveTablePath(c.options.path!, roots), st.columns, st.flink!);
      app.push(name, rows, Date.now());
      app.finishSplit(name, '');
    }
  }
  // Lookup tables: the reference file, read once.
  for (const t of app.plan.tables) {
    const tp = (t as typeof t & { flink?: NonNullable<StreamPlan['flink']> }).flink;
    if (!tp) continue;
    app.setReferenceTable(t.name, readFileTable(resolveTablePath(tp.connector.options.path!, roots), t.columns, tp));
  }

  app.start(200);
  let lastCheckpoint = Date.now();
  const flushAll = async (): Promise<void> => {
    for (const f of flushers) await f();
  };
  const loop = setInterval(() => {
    flushAll().catch(fail);
    if (Date.now() - lastCheckpoint >= checkpointMs) {
      lastCheckpoint = Date.now();
      try {
        commitFiles();
      } catch (e) {
        fail(e);
      }
    }
  }, 200);
  try {
    await Promise.race([Promise.all(readers), new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }))]);
    if (failure) throw failure;
    // Caught up (--no-follow) or interrupted: end of input fires the open windows.
    app.finish();
    await flushAll();
    commitFiles();
    for (const p of printers) p.snapshot();
    const m = app.metrics();
    if (m.lateRowsDropped > 0 || m.rowErrors > 0)
      console.error(
        `freshet: ${m.lateRowsDropped} late row(s) dropped, ${m.rowErrors} row error(s)${m.recentErrors[0] ? ` (last: ${m.recentErrors[m.recentErrors.length - 1]!.message})` : ''}`,
      );
  } catch (e) {
    throw new Error(describeError(e, endpoint));
  } finally {
    clearInterval(loop);
    for (const t of timers) clearTimeout(t);
    process.removeListener('SIGINT', onSigint);
    app.close();
    clients.destroy();
  }
}
