/**
 * Tokens of the KDA SQL dialect. Keywords are not separate token types: the parser compares an identifier's
 * upper-cased image, so that non-reserved words (e.g. `source`, `timestamp` as a column) stay usable.
 *
 * Hand-written: one pass over char codes. The rules are tried in this order at each position and the first that
 * matches wins (not the longest), exactly as the regular expressions below would be:
 *
 *   white space   \s+                                   skipped
 *   block comment /\*[\s\S]*?\*\/                       skipped (unterminated: `/` is an Op)
 *   line comment  --[^\n\r]*                            skipped
 *   QuotedIdent   "(?:[^"]|"")*"
 *   StringLit     '(?:[^']|'')*'
 *   NumberLit     (?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?
 *   Ident         [A-Za-z_][A-Za-z0-9_$]*
 *   Op            <>|!=|<=|>=|\|\||[=<>+\-*\/%]
 *   Punct         [(),.;]
 *
 * Lines and columns are 1-based and count UTF-16 code units; `\n`, `\r\n` and a lone `\r` end a line (other
 * Unicode line separators are white space within a line). test/sql/lexer.test.ts holds golden tokens captured
 * from the chevrotain lexer this replaces (same rules, same positions); it loaded 650 files at start-up.
 */
import { SqlError } from '../errors.ts';

export type TokenKind = 'Ident' | 'QuotedIdent' | 'StringLit' | 'NumberLit' | 'Op' | 'Punct';

export interface Token {
  readonly tokenType: { readonly name: TokenKind | 'EOF' };
  /** The token's text as written (quotes included). */
  readonly image: string;
  readonly startOffset: number;
  readonly startLine: number;
  readonly startColumn: number;
}

const TYPES: { readonly [K in TokenKind]: { readonly name: K } } = {
  Ident: { name: 'Ident' },
  QuotedIdent: { name: 'QuotedIdent' },
  StringLit: { name: 'StringLit' },
  NumberLit: { name: 'NumberLit' },
  Op: { name: 'Op' },
  Punct: { name: 'Punct' },
};

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const BANG = 0x21;
const DQUOTE = 0x22;
const PERCENT = 0x25;
const SQUOTE = 0x27;
const LPAREN = 0x28;
const RPAREN = 0x29;
const STAR = 0x2a;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const SEMI = 0x3b;
const LT = 0x3c;
const EQ = 0x3d;
const GT = 0x3e;
const PIPE = 0x7c;

/** JavaScript's `\s`: the ECMAScript WhiteSpace and LineTerminator code points. */
function isSpace(c: number): boolean {
  if (c <= SPACE) return c === SPACE || (c >= TAB && c <= CR);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isIdentStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 0x24;
}

/**
 * End of a quoted token starting at `start` (a `"` or `'`), or -1 when it has none. Inside, a doubled quote is
 * the quote itself. Without a lone closing quote, `"(?:[^"]|"")*"` still matches up to the first quote of the
 * last doubled pair (the regular expression backtracks one pair), so `"a""b` is the token `"a"` followed by `"b`.
 */
function quotedEnd(text: string, start: number, quote: number): number {
  const n = text.length;
  let lastPair = -1;
  let i = start + 1;
  while (i < n) {
    if (text.charCodeAt(i) !== quote) {
      i++;
    } else if (i + 1 < n && text.charCodeAt(i + 1) === quote) {
      lastPair = i;
      i += 2;
    } else {
      return i + 1;
    }
  }
  return lastPair === -1 ? -1 : lastPair + 1;
}

/** End of a number literal starting at `start`, or -1 when none starts there. */
function numberEnd(text: string, start: number): number {
  const n = text.length;
  let i = start;
  if (isDigit(text.charCodeAt(i))) {
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === DOT) {
      i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
  } else if (text.charCodeAt(i) === DOT && isDigit(text.charCodeAt(i + 1))) {
    i += 2;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  } else {
    return -1;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === PLUS || sign === MINUS) j++;
    if (isDigit(text.charCodeAt(j))) {
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      i = j;
    }
  }
  return i;
}

/** Length of an operator at `i`, or 0. */
function opLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const d = text.charCodeAt(i + 1);
  if ((c === LT && (d === GT || d === EQ)) || ((c === BANG || c === GT) && d === EQ) || (c === PIPE && d === PIPE)) return 2;
  return c === EQ || c === LT || c === GT || c === PLUS || c === MINUS || c === STAR || c === SLASH || c === PERCENT ? 1 : 0;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  // Offset of the first code unit of the current line: column = offset - lineStart + 1.
  let lineStart = 0;
  /** Moves `line` and `lineStart` past the line ends in text[from, to). */
  const passLines = (from: number, to: number): void => {
    for (let k = from; k < to; k++) {
      const d = text.charCodeAt(k);
      if (d === LF || d === CR) {
        if (d === CR && k + 1 < to && text.charCodeAt(k + 1) === LF) k++;
        line++;
        lineStart = k + 1;
      }
    }
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    let end = -1;
    let kind: TokenKind | undefined;
    // Skipped, and may span lines: white space and block comments.
    if (isSpace(c)) {
      end = i + 1;
      while (end < n && isSpace(text.charCodeAt(end))) end++;
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const close = text.indexOf('*/', i + 2);
      if (close !== -1) end = close + 2;
    }
    if (end !== -1) {
      passLines(i, end);
      i = end;
      continue;
    }
    if (c === MINUS && text.charCodeAt(i + 1) === MINUS) {
      end = i + 2;
      while (end < n) {
        const d = text.charCodeAt(end);
        if (d === LF || d === CR) break;
        end++;
      }
      i = end;
      continue;
    }
    if (c === DQUOTE || c === SQUOTE) {
      end = quotedEnd(text, i, c);
      if (end !== -1) kind = c === DQUOTE ? 'QuotedIdent' : 'StringLit';
    } else if (isDigit(c) || c === DOT) {
      end = numberEnd(text, i);
      if (end !== -1) kind = 'NumberLit';
    } else if (isIdentStart(c)) {
      end = i + 1;
      while (end < n && isIdentPart(text.charCodeAt(end))) end++;
      kind = 'Ident';
    }
    if (kind === undefined) {
      const op = opLength(text, i);
      if (op > 0) {
        end = i + op;
        kind = 'Op';
      } else if (c === LPAREN || c === RPAREN || c === COMMA || c === DOT || c === SEMI) {
        end = i + 1;
        kind = 'Punct';
      } else {
        throw new SqlError(`unexpected character '${text.substr(i, 1)}'`, { line, column: i - lineStart + 1 });
      }
    }
    tokens.push({ tokenType: TYPES[kind], image: text.slice(i, end), startOffset: i, startLine: line, startColumn: i - lineStart + 1 });
    // Quoted tokens may span lines.
    if (kind === 'QuotedIdent' || kind === 'StringLit') passLines(i, end);
    i = end;
  }
  return tokens;
}
