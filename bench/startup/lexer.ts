/**
 * SQL lexer speed: what loading the lexer costs a fresh process, and tokens per second over the SQL corpus
 * (every test/sql case and examples/**.sql, the texts of test/sql/fixtures/lexer-golden.json).
 *
 *   node --import tsx bench/startup/lexer.ts --label "hand-written" [--runs 10] [--write] [--lexer <module.ts>]
 *
 * With --write the row for --label goes into the `startup-lexer` section of docs/benchmarks.md; rows with
 * other labels stay, so the figures of the lexer this one replaced remain beside it. --lexer measures another
 * module exporting the same `tokenize(text)` (default src/sql/parser/lexer.ts), e.g. an older version taken from
 * git, so two lexers are measured side by side on the same machine state.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { machineLine, median, writeSection } from '../lib/report.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    label: { type: 'string', default: 'current' },
    runs: { type: 'string', default: '10' },
    write: { type: 'boolean', default: false },
    lexer: { type: 'string', default: join(import.meta.dirname, '..', '..', 'src', 'sql', 'parser', 'lexer.ts') },
  },
});
const runs = Number(values.runs);
const LEXER = resolve(values.lexer);
const { tokenize } = (await import(pathToFileURL(LEXER).href)) as { tokenize(text: string): unknown[] };

const corpus = (JSON.parse(readFileSync(join(ROOT, 'test', 'sql', 'fixtures', 'lexer-golden.json'), 'utf8')) as { name: string; text: string }[])
  .filter((e) => !e.name.startsWith('random') && !e.name.startsWith('edge'))
  .map((e) => e.text);
const bytes = corpus.reduce((n, t) => n + Buffer.byteLength(t), 0);

// The lexer module as dist/ ships it: bundled by esbuild, its packages left to node_modules.
const BUNDLE = join(ROOT, '.bench-tmp', 'startup-lexer.mjs');
await build({
  entryPoints: [LEXER],
  bundle: true,
  format: 'esm',
  platform: 'node',
  packages: 'external',
  outfile: BUNDLE,
  logLevel: 'warning',
});

/** CPU milliseconds a fresh plain `node` spends importing the bundled lexer module. */
function importMs(): number {
  const script = `const c = process.cpuUsage(); await import(${JSON.stringify(pathToFileURL(BUNDLE).href)}); const d = process.cpuUsage(c); console.log((d.user + d.system) / 1000);`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }).trim());
}

function lexAll(): number {
  let tokens = 0;
  for (const text of corpus) {
    try {
      tokens += tokenize(text).length;
    } catch {
      // error cases count their time, not tokens
    }
  }
  return tokens;
}

const imports: number[] = [];
for (let i = 0; i < runs; i++) imports.push(importMs());

/** CPU seconds of this process: on a shared machine, wall time mostly measures the other tenants. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// Warm up, then time passes of about 200 ms of CPU each.
let tokensPerPass = 0;
for (let i = 0; i < 50; i++) tokensPerPass = lexAll();
const rates: number[] = [];
const mbs: number[] = [];
for (let r = 0; r < runs; r++) {
  let passes = 0;
  const t0 = cpuSeconds();
  let elapsed = 0;
  do {
    lexAll();
    passes++;
    elapsed = cpuSeconds() - t0;
  } while (elapsed < 0.2);
  rates.push((tokensPerPass * passes) / elapsed);
  mbs.push((bytes * passes) / elapsed / 1e6);
}

const row = `| ${values.label} | ${median(imports).toFixed(0)} ms | ${(median(rates) / 1e6).toFixed(2)} M tokens/s | ${median(mbs).toFixed(1)} MB/s |`;
console.log(`corpus: ${corpus.length} texts, ${bytes} bytes, ${tokensPerPass} tokens`);
console.log(row);

if (values.write) {
  const doc = join(ROOT, 'docs', 'benchmarks.md');
  const text = readFileSync(doc, 'utf8');
  const previous = /<!-- bench:startup-lexer -->([\s\S]*?)<!-- \/bench:startup-lexer -->/.exec(text)?.[1] ?? '';
  const rows = previous.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Lexer') && !l.startsWith(`| ${values.label} |`));
  rows.push(`${row} ${machineLine()} |`);
  writeSection(
    'startup-lexer',
    'SQL lexer',
    `Command: \`node --import tsx bench/startup/lexer.ts --label <name> --runs ${runs} --write\`

The SQL corpus of \`test/sql/fixtures/lexer-golden.json\` (every test/sql case, examples/**.sql and the SQL in test/sql/*.test.ts: ${corpus.length} texts, ${bytes.toLocaleString('en-US')} bytes, ${tokensPerPass.toLocaleString('en-US')} tokens). "Import" is the median CPU time (user + system) of ${runs} fresh \`node\` processes importing \`src/sql/parser/lexer.ts\` bundled by esbuild as dist/ ships it (what the lexer adds to starting anything that parses SQL); the rates are medians of ${runs} stretches of whole-corpus passes of 200 ms of CPU time each after a warm-up, one core. CPU time, not wall time: this machine is shared, and wall time mostly measures the other tenants' load. One row per lexer; the replaced lexer's row was measured right before the current one, with \`--lexer\` pointing at its lexer.ts from git (commit 815bb79) and \`npm install --no-save chevrotain@11.2.0\`.

| Lexer | Import | Tokens | Bytes | Measured on |
|---|---:|---:|---:|---|
${rows.join('\n')}`,
    doc,
  );
  console.log('wrote the startup-lexer section of docs/benchmarks.md');
}
