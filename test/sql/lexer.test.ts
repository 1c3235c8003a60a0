/**
 * Golden tokens for the SQL lexer. `fixtures/lexer-golden.json` was captured from the chevrotain lexer Freshet
 * used before its hand-written one, on every test/sql case, every examples/**.sql, the SQL embedded in
 * test/sql/*.test.ts, edge cases and a seeded set of random strings; each entry keeps its text, so the fixture
 * does not drift when a case file changes. The lexer must reproduce every token (kind, offset, length,
 * line:column) and the first error's position exactly.
 *
 * Regenerate (only when a token rule changes on purpose) with
 *   FRESHET_UPDATE_LEXER_GOLDEN=1 node --import tsx --test test/sql/lexer.test.ts
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SqlError } from '../../src/sql/index.ts';
import { tokenize } from '../../src/sql/parser/lexer.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const GOLDEN = join(import.meta.dirname, 'fixtures', 'lexer-golden.json');

/** [kind, offset, length, line, column] */
type GoldenToken = [string, number, number, number, number];
interface GoldenEntry {
  name: string;
  text: string;
  tokens?: GoldenToken[];
  error?: { message: string; line: number; column: number };
}

function lex(text: string): Pick<GoldenEntry, 'tokens' | 'error'> {
  try {
    const tokens = tokenize(text).map((t): GoldenToken => [t.tokenType.name, t.startOffset, t.image.length, t.startLine ?? 0, t.startColumn ?? 0]);
    return { tokens };
  } catch (e) {
    if (!(e instanceof SqlError)) throw e;
    return { error: { message: e.message, line: e.line, column: e.column } };
  }
}

function sqlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sqlFiles(path));
    else if (entry.name.endsWith('.sql')) out.push(path);
  }
  return out.sort();
}

/** Edge cases for each token rule, and for line:column tracking across CR, LF, CRLF and Unicode white space. */
const EDGES = [
  '',
  ' ',
  'a',
  'a\r\nb\rc\nd\r\n\r\ne',
  'a\u2028b\u2029c\u00a0d\ufeffe\u3000f\u000bg\u000ch\u200ai',
  'x -- comment\r\ny -- to the end',
  '--',
  '-- no newline at the end',
  '/**/x/* multi\nline\r\ncomment */y',
  '/* unterminated',
  '/ * not a comment */',
  '"quoted ""ident"""x"a\nb"c',
  '"unterminated',
  "'string ''lit'''x'multi\r\nline'y",
  "'unterminated",
  '1 1. 1.5 .5 . 1e5 1E+5 1e-5 1.e5 .5e5 1e 1e+ 1.2.3 01 0.0e0',
  'a1 _a $a a$ A_$9 ROWTIME rowtime é',
  '<> != <= >= || = < > + - * / % ! | <=> =< >> ||| !==',
  '( ) , . ; () ,, ..',
  'a.b."c".d',
  'SELECT STREAM * FROM "S" WHERE x<>1AND y>=.5--c\n;',
  '#',
  'a ? b',
  'x [1]',
  '{',
  '`tick`',
  'a\\b',
  '\t\tx\ty',
  '😀',
  'a 😀 b',
  '\'😀\' "😀" x',
  '\n\n\n  @',
  'line1\nline2 \'str\nstr\' "id\r\nid" tail @',
  "INTERVAL '1:30' MINUTE TO SECOND",
  'a\u0000b',
  '"ab""cd',
  "'ab''cd",
  '"""',
  '""""x',
  "'''",
  "''",
  '""',
  '"a""b""c',
  "'a''\n''b",
  '1e+x 1e-1e1 1..2 .e5 ..5',
  '/*/ x */y',
  '/*a*/*/',
  '---x\n-',
  '\r',
  '\r\r\n\n x',
  '<>=!=||=',
];

/** A seeded mix of the characters every token rule starts or ends with. */
function randomTexts(count: number): string[] {
  const alphabet = [
    'a',
    'Z',
    '_',
    '$',
    '0',
    '9',
    '.',
    'e',
    'E',
    '+',
    '-',
    '*',
    '/',
    '%',
    '<',
    '>',
    '=',
    '!',
    '|',
    '(',
    ')',
    ',',
    ';',
    "'",
    '"',
    '\n',
    '\r',
    '\t',
    ' ',
    '\u00a0',
    '\u2028',
    'é',
    '#',
    '?',
  ];
  let seed = 0x5eed;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 8;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = next() % 40;
    let s = '';
    for (let j = 0; j < length; j++) s += alphabet[next() % alphabet.length]!;
    out.push(s);
  }
  return out;
}

function currentCorpus(): { name: string; text: string }[] {
  const corpus: { name: string; text: string }[] = [];
  for (const path of [...sqlFiles(join(ROOT, 'test', 'sql', 'cases')), ...sqlFiles(join(ROOT, 'examples'))]) {
    corpus.push({ name: relative(ROOT, path), text: readFileSync(path, 'utf8') });
  }
  for (const file of readdirSync(join(ROOT, 'test', 'sql')).filter((f) => f.endsWith('.test.ts') && f !== 'lexer.test.ts')) {
    const source = readFileSync(join(ROOT, 'test', 'sql', file), 'utf8');
    let n = 0;
    for (const m of source.matchAll(/`([^`$\\]*\b(?:CREATE|SELECT)\b[^`$\\]*)`/g)) corpus.push({ name: `test/sql/${file} literal ${++n}`, text: m[1]! });
  }
  EDGES.forEach((text, i) => corpus.push({ name: `edge ${i}`, text }));
  randomTexts(300).forEach((text, i) => corpus.push({ name: `random ${i}`, text }));
  return corpus;
}

if (process.env.FRESHET_UPDATE_LEXER_GOLDEN === '1') {
  const entries: GoldenEntry[] = currentCorpus().map(({ name, text }) => ({ name, text, ...lex(text) }));
  // One entry a line, so a changed rule shows as a readable diff.
  writeFileSync(GOLDEN, `[\n${entries.map((e) => JSON.stringify(e)).join(',\n')}\n]\n`);
}

const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as GoldenEntry[];

describe('SQL lexer', () => {
  it('reproduces the golden tokens and positions of every test case, example and edge case', () => {
    assert.ok(golden.length > 400, `only ${golden.length} golden entries`);
    let tokens = 0;
    let errors = 0;
    for (const entry of golden) {
      const expected = entry.tokens ? { tokens: entry.tokens } : { error: entry.error };
      assert.deepEqual(lex(entry.text), expected, entry.name);
      tokens += entry.tokens?.length ?? 0;
      if (entry.error) errors++;
    }
    // The corpus exercises both outcomes in bulk.
    assert.ok(tokens > 5_000 && errors > 50, `${tokens} tokens, ${errors} errors`);
  });

  it('names the first unexpected character with its line and column', () => {
    assert.throws(
      () => tokenize('SELECT 1\n  FROM t @ x'),
      (e: unknown) => e instanceof SqlError && e.line === 2 && e.column === 10 && e.reason === "unexpected character '@'",
    );
  });
});
