#!/usr/bin/env node
// Code rules that the linter does not express, run by `npm test`:
//  - no new `as unknown as` casts: each file may hold at most the count recorded in ALLOWED_DOUBLE_CASTS
//    (the casts that existed when the rule was introduced); a file that holds fewer fails too, so the count
//    is lowered when a cast is removed and cannot come back unnoticed.
//  - imports between src/ folders go one way, down the layers below, and only through the imported
//    folder's index.ts (see docs/architecture.md, "Layers"). Deep imports that predate the rule are listed
//    in ALLOWED_DEEP_IMPORTS; remove an entry when you fix it.
//  - a service makes its errors from its catalog (src/<service>/errors.ts: `xErrors.format(code, template, …)`,
//    or `.create(code, text)` for a text that comes from elsewhere), so its codes, statuses and texts are in one
//    table: `new AwsError(` is for src/core, src/aws and the catalog files. Files that predate the rule may hold
//    at most the count recorded in ALLOWED_BARE_ERRORS, ratcheted like the casts.
//
// `node scripts/check-code.mjs --root <dir>` checks another tree (the test of this script uses it).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? resolve(process.argv[rootArg + 1]) : new URL('..', import.meta.url).pathname;

const ALLOWED_DOUBLE_CASTS = {
  'src/sql/runtime/functions.ts': 1,
  'src/sql/runtime/operator.ts': 1,
  'src/server/freshet.ts': 1,
  'src/pipeline/apply.ts': 8,
  'src/storage/file/crc32.ts': 1,
  'test/sql/run-case.ts': 1,
  'test/cli/streams.test.ts': 1,
};

const ALLOWED_BARE_ERRORS = {
  'src/console/server.ts': 1,
  'src/iam/authorizer.ts': 1,
  'src/iam/sts-service.ts': 2,
};
const CATALOG_EXEMPT = /^src\/(core|aws)\/|\/errors\.ts$/;

/**
 * Each top-level folder of src/ and its layer: a folder may import folders of its own layer or lower ones.
 * Folders of one layer must not import each other in a cycle. A folder not listed is a service (layer 3).
 */
const LAYERS = {
  core: 0,
  aws: 1,
  storage: 2,
  // engines and services
  kinesis: 3,
  firehose: 3,
  analytics: 3,
  sql: 3,
  anomaly: 3,
  generators: 3,
  pipeline: 3,
  server: 4,
  cli: 5,
};
const LAYER_NAMES = ['core', 'aws', 'storage', 'engines/services', 'server', 'cli'];
const SERVICE_LAYER = 3;

/**
 * Imports into another folder that name a file other than its index.ts. Generated AWS models are imported one
 * file each (src/aws/models/<service>.ts), so a service loads only its own model: always allowed.
 * The rest predate the rule (file → imported path, relative to the repository root).
 */
const ALLOWED_DEEP_IMPORTS = {
  'src/firehose/delivery-retry.ts': ['src/core/clock.ts', 'src/core/retry.ts'],
  'src/firehose/delivery-writer.ts': ['src/core/clock.ts'],
  'src/firehose/engine.ts': ['src/core/clock.ts', 'src/core/errors.ts'],
  'src/firehose/kinesis-source.ts': ['src/core/clock.ts'],
  'src/firehose/lambda-stage.ts': ['src/core/clock.ts'],
  'src/firehose/pipeline.ts': ['src/core/clock.ts'],
  'src/kinesis/engine.ts': ['src/core/clock.ts', 'src/core/errors.ts'],
  'src/kinesis/subscription.ts': ['src/core/clock.ts', 'src/core/errors.ts'],
  'src/kinesis/tag-rules.ts': ['src/core/errors.ts'],
  'src/storage/file/file-storage.ts': ['src/core/clock.ts'],
  'src/storage/file/shard-log.ts': ['src/core/buffer-pool.ts', 'src/core/clock.ts'],
};
const MODEL_FILE = /^src\/aws\/models\/[a-z0-9-]+\.ts$/;

function* tsFiles(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (name.endsWith('.ts')) yield p;
  }
}

const problems = [];
for (const top of ['src', 'test', 'bench', 'scripts']) {
  for (const file of tsFiles(join(root, top))) {
    const rel = relative(root, file);
    const n = (readFileSync(file, 'utf8').match(/as unknown as/g) ?? []).length;
    const allowed = ALLOWED_DOUBLE_CASTS[rel] ?? 0;
    if (n > allowed) problems.push(`${rel}: ${n} \`as unknown as\` cast(s), ${allowed} allowed — type the value instead`);
    else if (n < allowed)
      problems.push(`${rel}: ${n} \`as unknown as\` cast(s) where ${allowed} are allowed — lower its count in ALLOWED_DOUBLE_CASTS to ${n}`);
  }
}

for (const file of tsFiles(join(root, 'src'))) {
  const rel = relative(root, file).split(sep).join('/');
  if (CATALOG_EXEMPT.test(rel)) continue;
  const n = (readFileSync(file, 'utf8').match(/\bnew AwsError\(/g) ?? []).length;
  const allowed = ALLOWED_BARE_ERRORS[rel] ?? 0;
  if (n > allowed) {
    problems.push(
      `${rel}: ${n} \`new AwsError(\` where ${allowed} are allowed — make the error from the service's catalog (src/<service>/errors.ts: add the message template there, then format or create)`,
    );
  } else if (n < allowed) problems.push(`${rel}: ${n} \`new AwsError(\` where ${allowed} are allowed — lower its count in ALLOWED_BARE_ERRORS to ${n}`);
}

// `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`, relative specifiers only.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)(['"])(\.{1,2}\/[^'"]+)\1/gm;
const layerOf = (folder) => LAYERS[folder] ?? SERVICE_LAYER;
const toPosix = (p) => p.split(sep).join('/');
const edges = new Map(); // folder → Set of folders it imports
for (const file of tsFiles(join(root, 'src'))) {
  const rel = toPosix(relative(root, file));
  const from = rel.split('/')[1];
  if (!rel.includes('/', 4)) continue; // a file directly in src/
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const target = toPosix(relative(root, resolve(dirname(file), m[2])));
    if (!target.startsWith('src/')) continue;
    const to = target.split('/')[1];
    if (to === from || !target.includes('/', 4)) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from).add(to);
    if (layerOf(to) > layerOf(from)) {
      problems.push(
        `${rel}: imports ${target} — src/${from}/ (${LAYER_NAMES[layerOf(from)]}) must not import src/${to}/ (${LAYER_NAMES[layerOf(to)]}); ` +
          'move the shared code down a layer or pass it in',
      );
    } else if (target !== `src/${to}/index.ts` && !MODEL_FILE.test(target) && !(ALLOWED_DEEP_IMPORTS[rel] ?? []).includes(target)) {
      problems.push(`${rel}: imports ${target} — import src/${to}/index.ts instead (export the name there if it is missing)`);
    }
  }
}

// Folders of one layer must not import each other in a cycle.
const state = new Map();
const stack = [];
function visit(folder) {
  state.set(folder, 'open');
  stack.push(folder);
  for (const next of edges.get(folder) ?? []) {
    if (state.get(next) === 'open') {
      problems.push(`src/: folders import each other in a cycle: ${[...stack.slice(stack.indexOf(next)), next].join(' → ')}`);
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(folder, 'done');
}
for (const folder of [...edges.keys()].sort()) if (!state.has(folder)) visit(folder);

if (problems.length) {
  for (const p of problems) console.error(`check-code: ${p}`);
  process.exit(1);
}
console.log('check-code: ok');
