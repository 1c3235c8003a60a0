/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function
 * and by source file, so a benchmark run can say where a server's time went.
 *
 *   node --import tsx bench/kinesis/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

function shortUrl(url: string): string {
  if (url === '') return '(native/VM)';
  const i = url.indexOf('/node_modules/');
  if (i >= 0) return url.slice(i + 1);
  const s = url.indexOf('/src/');
  if (s >= 0) return url.slice(s + 1);
  return url.replace(/^file:\/\//, '');
}

/** Rough buckets for the summary, first match wins (by function name, then source). */
const CATEGORIES: [string, RegExp][] = [
  ['garbage collection', /^\(garbage collector\)/],
  ['module loading / tsx (start-up)', /modules\/|tsx\/dist|cjs-module-lexer|compileSourceTextModule|wrapSafe|esm\/|bootstrap/],
  ['MD5 partition-key hashing', /crypto\/hash|^hash /],
  ['CRC-32', /crc32|zlib/],
  ['base64 encode/decode', /base64/],
  ['JSON parse / request decode', /^parse |codec\/json|JSON/],
  ['file I/O (write/fsync/read syscalls)', /^(writev|writeBuffer|writeBuffers|fsync|fdatasync|read|open|close) |node:fs|fs-layer|fs\/promises/],
  ['HTTP / sockets', /_http|stream_base_commons|node:net|internal\/streams|node:stream|parserOnHeaders|http\.ts/],
  ['storage framing / log', /src\/storage\//],
  ['Kinesis actions / engine', /src\/kinesis\//],
  ['Buffer copies (write/slice/concat)', /node:buffer|latin1|utf8Write|copy/],
];

function categoryOf(fnKey: string): string {
  for (const [name, re] of CATEGORIES) if (re.test(fnKey)) return name;
  return 'other';
}

export function summariseProfile(path: string, top = 25): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inDataPlane = (id: number): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (/\/src\/kinesis\/actions\/(put-records|get-records)\.ts/.test(byId.get(cur)!.callFrame.url)) return true;
    }
    return false;
  };
  const selfUs = new Map<number, number>();
  // Self time from samples × time deltas, skipping start-up: samples before the first one inside PutRecords/GetRecords.
  let skippedUs = 0;
  if (p.samples && p.timeDeltas) {
    let started = false;
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i]!;
      const dt = p.timeDeltas[i] ?? 0;
      if (!started && !(started = inDataPlane(id))) {
        skippedUs += dt;
        continue;
      }
      selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    }
  } else {
    for (const n of p.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * 1000);
  }
  let total = 0;
  let idle = 0;
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byCat = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    total += us;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    const file = shortUrl(n.callFrame.url);
    const fnKey = `${name} ${file}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    const cat = categoryOf(`${name} ${file}`);
    byCat.set(cat, (byCat.get(cat) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const lines = [
    `wall ${(total / 1e6).toFixed(1)} s after start-up (${(skippedUs / 1e6).toFixed(1)} s of start-up skipped), busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(0)}%), idle ${(idle / 1e6).toFixed(1)} s; shares below are of busy time on the main thread`,
  ];
  lines.push('by category (heuristic):');
  for (const [k, v] of [...byCat].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('by file:');
  for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('by function (self):');
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${summariseProfile(process.argv[2]!, Number(process.argv[3] ?? 25))}\n`);
}
