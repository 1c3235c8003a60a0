/**
 * Tokens of the Flink SQL dialect (Flink's parser: Calcite with Lex.JAVA —
 * identifiers quoted with backticks, strings with single quotes, names kept
 * as written). Hand-written: one pass over the text, positions 1-based.
 */
import { SqlError } from '../errors.ts';

export type TokKind = 'ident' | 'quoted' | 'string' | 'number' | 'op' | 'eof' | 'hint';

export interface Token {
  kind: TokKind;
  /** Identifier or keyword as written; a string's or quoted identifier's unescaped text; an operator. */
  text: string;
  /** Upper-cased text of an `ident` (keyword comparisons). */
  upper: string;
  line: number;
  column: number;
  offset: number;
}

const OPS3 = new Set(['<=>']);
const OPS2 = new Set(['<>', '!=', '<=', '>=', '||', '=>', '::']);
const OPS1 = new Set(['=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '.', ';', '[', ']', '{', '}', '?', '|', '^', '$']);

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  const tok = (kind: TokKind, value: string, start: number, startLine: number, startCol: number): void => {
    out.push({ kind, text: value, upper: kind === 'ident' ? value.toUpperCase() : value, line: startLine, column: startCol, offset: start });
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12) {
      i++;
      continue;
    }
    const start = i;
    const col = i - lineStart + 1;
    const startLine = line;
    if (c === 45 && text.charCodeAt(i + 1) === 45) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const hint = text.charCodeAt(i + 2) === 43;
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new SqlError('the comment /* ... is not closed with */', { line, column: col });
      const body = text.slice(i + (hint ? 3 : 2), end);
      for (let k = i; k < end; k++) {
        if (text.charCodeAt(k) === 10) {
          line++;
          lineStart = k + 1;
        }
      }
      i = end + 2;
      // `/*+ OPTIONS(...) */` is a hint; other comments are skipped.
      if (hint) tok('hint', body, start, startLine, col);
      continue;
    }
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      tok('ident', text.slice(start, i), start, startLine, col);
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
        i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
      } else if (text.charCodeAt(i) === 46 && !isIdentStart(text.charCodeAt(i + 1))) i++;
      const e = text.charCodeAt(i);
      if (e === 101 || e === 69) {
        let k = i + 1;
        if (text.charCodeAt(k) === 43 || text.charCodeAt(k) === 45) k++;
        if (isDigit(text.charCodeAt(k))) {
          i = k;
          while (i < n && isDigit(text.charCodeAt(i))) i++;
        }
      }
      tok('number', text.slice(start, i), start, startLine, col);
      continue;
    }
    if (c === 39) {
      // 'text' with '' for a quote; adjacent literals ('a' 'b') are one string in SQL.
      let s = '';
      i++;
      for (;;) {
        if (i >= n) throw new SqlError("the string literal is not closed with a quote (')", { line: startLine, column: col });
        const ch = text.charCodeAt(i);
        if (ch === 39) {
          if (text.charCodeAt(i + 1) === 39) {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (ch === 10) {
          line++;
          lineStart = i + 1;
        }
        s += text[i];
        i++;
      }
      tok('string', s, start, startLine, col);
      continue;
    }
    if (c === 96) {
      let s = '';
      i++;
      for (;;) {
        if (i >= n) throw new SqlError('the quoted name is not closed with a backtick (`)', { line: startLine, column: col });
        const ch = text.charCodeAt(i);
        if (ch === 96) {
          if (text.charCodeAt(i + 1) === 96) {
            s += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += text[i];
        i++;
      }
      if (s.length === 0) throw new SqlError('a quoted name cannot be empty', { line: startLine, column: col });
      tok('quoted', s, start, startLine, col);
      continue;
    }
    if (c === 34) {
      throw new SqlError("Flink SQL quotes names with backticks (`name`) and text with single quotes ('text'); double quotes are not part of the dialect", {
        line: startLine,
        column: col,
      });
    }
    const three = text.slice(i, i + 3);
    const two = text.slice(i, i + 2);
    if (OPS3.has(three)) {
      i += 3;
      tok('op', three, start, startLine, col);
      continue;
    }
    if (OPS2.has(two)) {
      i += 2;
      tok('op', two, start, startLine, col);
      continue;
    }
    const one = text[i]!;
    if (OPS1.has(one)) {
      i++;
      tok('op', one, start, startLine, col);
      continue;
    }
    throw new SqlError(`unexpected character '${one}'`, { line: startLine, column: col });
  }
  const lastLine = line;
  out.push({ kind: 'eof', text: '', upper: '', line: lastLine, column: n - lineStart + 1, offset: n });
  return out;
}
