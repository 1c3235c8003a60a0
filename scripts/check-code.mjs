#!/usr/bin/env node
// Code rules that the linter does not express, run by `npm test`:
//  - no new `as unknown as` casts: each file may hold at most the count recorded in ALLOWED_DOUBLE_CASTS
//    (the casts that existed when the rule was introduced; lower a count when you remove one).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ALLOWED_DOUBLE_CASTS = {
  'src/sql/parser/parser.ts': 1,
  'src/sql/runtime/functions.ts': 1,
  'src/sql/runtime/operator.ts': 1,
  'src/server/freshet.ts': 1,
  'src/pipeline/apply.ts': 8,
  'src/firehose/pipeline.ts': 1,
  'src/storage/file/crc32.ts': 1,
  'src/kinesis/actions/put-records.ts': 1,
  'test/sql/run-case.ts': 1,
  'test/cli/streams.test.ts': 1,
};

function* tsFiles(dir) {
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
  }
}
if (problems.length) {
  for (const p of problems) console.error(`check-code: ${p}`);
  process.exit(1);
}
console.log('check-code: ok');
