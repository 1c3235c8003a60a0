import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readFlinkCase, runFlinkCase } from './run-case.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'cases');

describe('Flink SQL cases (test/sql/flink/cases/*.sql)', () => {
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.sql'))
    .sort()) {
    const c = readFlinkCase(join(dir, f));
    it(`${f}: ${c.title}`, () => runFlinkCase(c));
  }
});
