import { describe, it } from 'node:test';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCase, runCase } from './run-case.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'cases');

describe('SQL cases (test/sql/cases/*.sql)', () => {
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.sql'))
    .sort()) {
    const c = readCase(join(dir, f));
    it(`${f}: ${c.title}`, () => runCase(c));
  }
});
