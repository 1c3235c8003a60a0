/**
 * `freshet functions list|invoke|logs`: Lambda-compatible functions through
 * @aws-sdk/client-lambda; `logs` reads the function's log events from the
 * server (`GET /freshet/function-logs/<name>`), and with `--follow` keeps
 * printing them as invocations run.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvokeCommand, ListFunctionsCommand, LambdaClient, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { describeError, resolveEndpoint, withSdkClient } from '../../client/index.ts';
import { addOutputOption, outputFormat, printList, type Column, type OutputFlags } from '../output.ts';

const ENDPOINT_HELP = 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)';

const FUNCTION_COLUMNS: readonly Column<FunctionConfiguration>[] = [
  { header: 'name', value: (f) => f.FunctionName },
  { header: 'runtime', value: (f) => f.Runtime },
  { header: 'handler', value: (f) => f.Handler },
  { header: 'memory', value: (f) => `${f.MemorySize} MB` },
  { header: 'timeout', value: (f) => `${f.Timeout} s` },
  { header: 'modified', value: (f) => f.LastModified },
];

const NO_FUNCTIONS = 'no functions yet — create one with `aws lambda create-function` or a functions: entry in a pipeline file (`freshet up -f <file>`)';

function payloadFrom(arg: string | undefined): Buffer {
  if (arg === undefined) return Buffer.from('{}');
  const text = arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg;
  try {
    JSON.parse(text);
  } catch {
    throw new Error(`the payload is not JSON: ${text.slice(0, 80)} — pass JSON, or @file.json`);
  }
  return Buffer.from(text);
}

export function register(program: Command): void {
  const fns = program.command('functions').description('Lambda-compatible functions: list, invoke, read logs');

  addOutputOption(fns.command('list').description('List functions with their runtime, handler, memory and timeout'))
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (opts: OutputFlags & { endpoint?: string }) => {
      await withSdkClient(LambdaClient, opts.endpoint, async (client) => {
        let marker: string | undefined;
        const all: FunctionConfiguration[] = [];
        do {
          const page = await client.send(new ListFunctionsCommand({ ...(marker ? { Marker: marker } : {}) }));
          all.push(...(page.Functions ?? []));
          marker = page.NextMarker;
        } while (marker);
        await printList(all, outputFormat(opts), FUNCTION_COLUMNS, NO_FUNCTIONS);
      });
    });

  fns
    .command('invoke <name>')
    .description('Invoke a function and print its response (and, with --log, the tail of its log)')
    .option('--payload <json>', 'the event: JSON, or @file.json (default {})')
    .option('--qualifier <version-or-alias>', 'a version or alias')
    .option('--event', 'asynchronous invocation (InvocationType Event): returns at once')
    .option('--log', 'print the last 4 KB of the invocation’s log')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, opts: { payload?: string; qualifier?: string; event?: boolean; log?: boolean; endpoint?: string }) => {
      const payload = payloadFrom(opts.payload);
      await withSdkClient(LambdaClient, opts.endpoint, async (client) => {
        const r = await client.send(
          new InvokeCommand({
            FunctionName: name,
            Payload: payload,
            ...(opts.qualifier ? { Qualifier: opts.qualifier } : {}),
            InvocationType: opts.event ? 'Event' : 'RequestResponse',
            ...(opts.log ? { LogType: 'Tail' } : {}),
          }),
        );
        if (opts.log && r.LogResult) process.stderr.write(Buffer.from(r.LogResult, 'base64').toString('utf8'));
        if (opts.event) {
          console.log(`accepted (${r.StatusCode})`);
          return;
        }
        const body = Buffer.from(r.Payload ?? new Uint8Array()).toString('utf8');
        console.log(body);
        if (r.FunctionError) {
          process.exitCode = 1;
          console.error(`freshet: ${name} failed (${r.FunctionError})`);
        }
      });
    });

  fns
    .command('logs <name>')
    .description('Show the function’s log: START / END / REPORT lines and its output')
    .option('--since <duration>', 'only events newer than this (e.g. 10m, 1h)')
    .option('-f, --follow', 'keep printing new events (Ctrl-C stops)')
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (name: string, opts: { since?: string; follow?: boolean; endpoint?: string }) => {
      const endpoint = resolveEndpoint(opts.endpoint);
      const params = new URLSearchParams();
      if (opts.since) {
        const m = /^(\d+)\s*(s|m|h|d)$/.exec(opts.since.trim());
        if (!m) throw new Error(`--since takes a duration such as 30s, 10m, 2h or 1d, got '${opts.since}'`);
        const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
        params.set('since', String(Date.now() - Number(m[1]) * unit));
      }
      if (opts.follow) params.set('follow', '1');
      let res: Response;
      try {
        res = await fetch(`${endpoint}/freshet/function-logs/${encodeURIComponent(name)}?${params}`);
      } catch (e) {
        throw new Error(describeError(e, endpoint));
      }
      if (!res.ok) throw new Error((await res.text()).trim() || `HTTP ${res.status}`);
      const decoder = new TextDecoder();
      let buf = '';
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line) {
            const e = JSON.parse(line) as { timestamp: number; message: string };
            console.log(`${new Date(e.timestamp).toISOString()} ${e.message}`);
          }
          nl = buf.indexOf('\n');
        }
      }
    });
}
