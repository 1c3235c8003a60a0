/**
 * `freshet status [--watch]`: one screen of what runs — streams with their rates, SQL and Flink applications
 * with their status, rows and input lag, delivery streams with freshness, metric detectors, functions and
 * their event source mappings (state, last result, lag), and pipeline generators — read from the server's
 * `GET /status`. `--watch` redraws it in place every `--interval` seconds, like `top`.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { generatorTagKey, parseRunState, resolveEndpoint, STALE_MS } from '../../client/index.ts';
import { addOutputOption, formatTable, outputFormat, printValue, type OutputFlags } from '../output.ts';
import { ago, fetchStatus, lag, type ServerStatus } from '../server-status.ts';

const ENDPOINT_HELP = 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)';

export interface GeneratorRow {
  pipeline: string;
  index: number;
  stream: string;
  state: 'running' | 'stopped' | 'stale';
  owner: string;
  next: number;
}

/** Pipeline generators from their streams' run-state tags. */
export function generatorsOf(status: ServerStatus, nowMs = Date.now()): GeneratorRow[] {
  const rows: GeneratorRow[] = [];
  for (const s of status.streams) {
    for (const [key, value] of Object.entries(s.generators ?? {})) {
      const m = /^freshet:generator:(.+):(\d+)$/.exec(key);
      const state = parseRunState(value);
      if (!m || !state || generatorTagKey(m[1]!, Number(m[2])) !== key) continue;
      rows.push({
        pipeline: m[1]!,
        index: Number(m[2]),
        stream: s.name,
        state: state.beatMs === 0 ? 'stopped' : nowMs - state.beatMs < STALE_MS ? 'running' : 'stale',
        owner: state.owner,
        next: state.next,
      });
    }
  }
  return rows;
}

export function formatStatus(status: ServerStatus, endpoint: string, nowMs = Date.now()): string {
  const out: string[] = [`Freshet at ${endpoint}`, ''];
  const section = (title: string, body: string) => out.push(title, body, '');
  section(
    'Streams',
    status.streams.length === 0
      ? '  none yet — `freshet streams create <name>` or `freshet up -f <pipeline file>`'
      : formatTable(status.streams, [
          { header: 'name', value: (r) => r.name },
          { header: 'status', value: (r) => r.status },
          { header: 'shards', value: (r) => r.openShards, right: true },
          { header: 'records', value: (r) => r.records, right: true },
          { header: 'rate/s', value: (r) => r.recordsPerSecond.toFixed(1), right: true },
        ]),
  );
  section(
    'Applications',
    status.applications.length === 0
      ? '  none yet — `freshet up -f <pipeline file>` (or `aws kinesisanalytics create-application`)'
      : formatTable(status.applications, [
          { header: 'name', value: (r) => r.name },
          { header: 'kind', value: (r) => r.kind },
          // A running application whose role may not do its work is held (it retries), not failed: the reason is shown.
          { header: 'status', value: (r) => (r.status === 'RUNNING' && r.lastError !== undefined ? `held: ${r.lastError}` : r.status) },
          { header: 'read', value: (r) => r.recordsRead ?? '-', right: true },
          { header: 'rows out', value: (r) => r.rowsWritten ?? '-', right: true },
          { header: 'lag', value: (r) => lag(r.millisBehindLatest), right: true },
          {
            header: 'errors',
            value: (r) =>
              r.parseErrors === null ? (r.lastError !== undefined && r.status !== 'RUNNING' ? 'failed' : '-') : r.parseErrors + r.recentErrors.length,
            right: true,
          },
          { header: 'checkpoint', value: (r) => ago(r.lastCheckpointMs, nowMs) },
        ]),
  );
  section(
    'Delivery streams',
    status.deliveryStreams.length === 0
      ? '  none yet — `freshet delivery create <name> --bucket <bucket>` or `freshet up -f <pipeline file>`'
      : formatTable(status.deliveryStreams, [
          { header: 'name', value: (r) => r.name },
          { header: 'to', value: (r) => r.destination },
          { header: 'in', value: (r) => r.recordsIn, right: true },
          { header: 'delivered', value: (r) => r.recordsDelivered, right: true },
          { header: 'buffered', value: (r) => r.bufferedRecords, right: true },
          { header: 'freshness', value: (r) => `${r.freshnessSeconds} s`, right: true },
          { header: 'retries', value: (r) => r.retries, right: true },
        ]),
  );
  // Servers from before detectors and functions were reported answer without these lists.
  const detectors = status.detectors ?? [];
  if (detectors.length > 0)
    section(
      'Detectors',
      formatTable(detectors, [
        { header: 'name', value: (r) => r.name },
        { header: 'status', value: (r) => r.status },
        { header: 'every', value: (r) => r.frequency },
        { header: 'last run', value: (r) => (r.lastExecution ? `${r.lastExecution.status} ${ago(r.lastExecution.startMs, nowMs)}` : '-') },
        { header: 'anomaly groups', value: (r) => r.anomalyGroups, right: true },
      ]),
    );
  const functions = status.functions ?? [];
  if (functions.length > 0)
    section(
      'Functions',
      formatTable(functions, [
        { header: 'name', value: (r) => r.name },
        { header: 'runtime', value: (r) => r.runtime },
        { header: 'warm', value: (r) => r.environments, right: true },
      ]),
    );
  const mappings = status.eventSourceMappings ?? [];
  if (mappings.length > 0)
    section(
      'Event source mappings',
      formatTable(mappings, [
        { header: 'function', value: (r) => r.function },
        { header: 'source', value: (r) => r.source },
        { header: 'state', value: (r) => r.state },
        { header: 'processed', value: (r) => r.recordsProcessed, right: true },
        { header: 'lag', value: (r) => lag(r.iteratorAgeMs), right: true },
        { header: 'last result', value: (r) => r.lastProcessingResult },
      ]),
    );
  const generators = generatorsOf(status, nowMs);
  section(
    'Generators',
    generators.length === 0
      ? '  none running — `freshet up -f <pipeline file>` or `freshet generate <kind> --stream <name>`'
      : formatTable(generators, [
          { header: 'pipeline', value: (r) => r.pipeline },
          { header: 'stream', value: (r) => r.stream },
          { header: 'state', value: (r) => r.state },
          { header: 'process', value: (r) => r.owner },
          { header: 'next record', value: (r) => r.next, right: true },
        ]),
  );
  return out.join('\n').trimEnd();
}

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got '${v}'`);
  return n;
}

export function register(program: Command): void {
  addOutputOption(
    program
      .command('status')
      .description(
        'Show what runs: streams with rates, applications with lag, delivery streams with freshness, detectors, functions, generators (--watch refreshes in place)',
      ),
  )
    .option('-w, --watch', 'redraw every --interval seconds until Ctrl-C')
    .option('--interval <seconds>', 'seconds between redraws with --watch', parseSeconds, 2)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (o: OutputFlags & { watch?: boolean; interval: number; endpoint?: string }) => {
      const endpoint = resolveEndpoint(o.endpoint);
      const format = outputFormat(o);
      const show = async () => {
        const status = await fetchStatus(endpoint);
        const value = { ...status, generators: generatorsOf(status) };
        if (format !== 'table') return printValue(value, format, () => '');
        // In place on a terminal (cursor home, clear below); one block after another when piped.
        const text = formatStatus(status, endpoint);
        if (o.watch && process.stdout.isTTY) process.stdout.write(`\x1b[H\x1b[2J${text}\n\n(refreshing every ${o.interval} s; Ctrl-C stops)\n`);
        else console.log(o.watch ? `${text}\n` : text);
      };
      await show();
      if (!o.watch) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => show().catch((e) => stop(e)), o.interval * 1000);
        const stop = (e?: unknown) => {
          clearInterval(timer);
          process.off('SIGINT', onSignal);
          if (e) reject(e);
          else resolve();
        };
        const onSignal = () => stop();
        process.once('SIGINT', onSignal);
      });
    });
}
