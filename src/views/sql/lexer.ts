/**
 * A SQL lexer for the Postgres/Redshift dialect, lossless: concatenating the tokens' `text` gives back the
 * input, so rewrites replace token ranges and keep everything else (comments, spacing) as the user wrote it.
 * Follows PostgreSQL's lexical rules (PostgreSQL 16 documentation §4.1): identifiers, "quoted" identifiers
 * ("" escapes "), 'strings' ('' escapes '), E'escape strings', $tag$dollar-quoted$tag$, numbers, $n
 * parameters, line comments and nested block comments, multi-character operators.
 */

export type TokenKind = 'ws' | 'comment' | 'ident' | 'qident' | 'string' | 'number' | 'param' | 'op' | 'punct' | 'semicolon';

export interface Token {
  kind: TokenKind;
  /** Exactly as in the input. */
  text: string;
  /** Offset of the token in the input (UTF-16 units). */
  start: number;
}

/** A lexing problem (unterminated string, quoted identifier or comment), with the offset where it starts. */
export class LexError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const OP_CHARS = '+-*/<>=~!@#%^&|`?';

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function lex(sql: string): Token[] {
  const out: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const start = i;
    const c = sql.charCodeAt(i);
    // whitespace
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) {
      while (i < n) {
        const d = sql.charCodeAt(i);
        if (d !== 32 && d !== 9 && d !== 10 && d !== 13 && d !== 12) break;
        i++;
      }
      out.push({ kind: 'ws', text: sql.slice(start, i), start });
      continue;
    }
    // -- comment
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      out.push({ kind: 'comment', text: sql.slice(start, i), start });
      continue;
    }
    // /* nested */ comment
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql.charCodeAt(i) === 47 && sql.charCodeAt(i + 1) === 42) {
          depth++;
          i += 2;
        } else if (sql.charCodeAt(i) === 42 && sql.charCodeAt(i + 1) === 47) {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) throw new LexError('unterminated /* comment', start);
      out.push({ kind: 'comment', text: sql.slice(start, i), start });
      continue;
    }
    // 'string', E'string', also N'…' and B'…'/X'…' bit strings
    const prefixed = (c === 69 || c === 101 || c === 78 || c === 110 || c === 66 || c === 98 || c === 88 || c === 120) && sql.charCodeAt(i + 1) === 39;
    if (c === 39 || prefixed) {
      const escapes = c === 69 || c === 101;
      i += prefixed ? 2 : 1;
      for (;;) {
        if (i >= n) throw new LexError('unterminated quoted string', start);
        const d = sql.charCodeAt(i);
        if (escapes && d === 92) {
          i += 2;
          continue;
        }
        if (d === 39) {
          if (sql.charCodeAt(i + 1) === 39) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      out.push({ kind: 'string', text: sql.slice(start, i), start });
      continue;
    }
    // "quoted identifier"
    if (c === 34) {
      i++;
      for (;;) {
        if (i >= n) throw new LexError('unterminated quoted identifier', start);
        if (sql.charCodeAt(i) === 34) {
          if (sql.charCodeAt(i + 1) === 34) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      out.push({ kind: 'qident', text: sql.slice(start, i), start });
      continue;
    }
    // $1 parameter or $tag$ dollar quote
    if (c === 36) {
      if (isDigit(sql.charCodeAt(i + 1))) {
        i++;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
        out.push({ kind: 'param', text: sql.slice(start, i), start });
        continue;
      }
      let j = i + 1;
      while (j < n && isIdentPart(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 36) j++;
      if (sql.charCodeAt(j) === 36) {
        const tag = sql.slice(i, j + 1);
        const end = sql.indexOf(tag, j + 1);
        if (end < 0) throw new LexError('unterminated dollar-quoted string', start);
        i = end + tag.length;
        out.push({ kind: 'string', text: sql.slice(start, i), start });
        continue;
      }
    }
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(sql.charCodeAt(i))) i++;
      out.push({ kind: 'ident', text: sql.slice(start, i), start });
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      while (i < n && (isDigit(sql.charCodeAt(i)) || sql.charCodeAt(i) === 46 || sql.charCodeAt(i) === 95)) {
        // '..' is not part of a number (array slices a[1..2] are not Postgres, but stop anyway)
        if (sql.charCodeAt(i) === 46 && sql.charCodeAt(i + 1) === 46) break;
        i++;
      }
      const e = sql.charCodeAt(i);
      if (e === 101 || e === 69) {
        const s = sql.charCodeAt(i + 1);
        if (isDigit(s) || ((s === 43 || s === 45) && isDigit(sql.charCodeAt(i + 2)))) {
          i += 2;
          while (i < n && isDigit(sql.charCodeAt(i))) i++;
        }
      }
      out.push({ kind: 'number', text: sql.slice(start, i), start });
      continue;
    }
    if (c === 59) {
      out.push({ kind: 'semicolon', text: ';', start });
      i++;
      continue;
    }
    if (c === 58 && sql.charCodeAt(i + 1) === 58) {
      out.push({ kind: 'op', text: '::', start });
      i += 2;
      continue;
    }
    if (OP_CHARS.includes(sql[i]!)) {
      // Postgres operator rules: a run of operator characters, but '--' and '/*' start comments, and a
      // multi-character operator ending in + or - must contain one of ~ ! @ # % ^ & | ` ?.
      let j = i;
      while (j < n && OP_CHARS.includes(sql[j]!)) {
        if ((sql[j] === '-' && sql[j + 1] === '-') || (sql[j] === '/' && sql[j + 1] === '*')) break;
        j++;
      }
      let text = sql.slice(i, j);
      while (text.length > 1 && /[+-]$/.test(text) && !/[~!@#%^&|`?]/.test(text)) text = text.slice(0, -1);
      if (text.length === 0) text = sql[i]!;
      out.push({ kind: 'op', text, start });
      i += text.length;
      continue;
    }
    out.push({ kind: 'punct', text: sql[i]!, start });
    i++;
  }
  return out;
}

/** True for tokens that carry no meaning (whitespace, comments). */
export function isTrivia(t: Token): boolean {
  return t.kind === 'ws' || t.kind === 'comment';
}

/** An identifier's name as Postgres resolves it: unquoted folded to lower case, quoted exact. */
export function identName(t: Token): string {
  if (t.kind === 'qident') return t.text.slice(1, -1).replace(/""/g, '"');
  return t.text.toLowerCase();
}

/** A string literal's value ('…', E'…' with backslash escapes, $$…$$). */
export function stringValue(t: Token): string {
  const s = t.text;
  if (s.startsWith('$')) {
    const tagEnd = s.indexOf('$', 1);
    return s.slice(tagEnd + 1, s.length - tagEnd - 1);
  }
  if (s[0] === 'E' || s[0] === 'e') {
    return s.slice(2, -1).replace(/\\(.)|''/g, (m, ch: string | undefined) => {
      if (m === "''") return "'";
      switch (ch) {
        case 'n':
          return '\n';
        case 't':
          return '\t';
        case 'r':
          return '\r';
        case 'b':
          return '\b';
        case 'f':
          return '\f';
        default:
          return ch ?? '';
      }
    });
  }
  const body = /^[NnBbXx]'/.test(s) ? s.slice(2, -1) : s.slice(1, -1);
  return body.replace(/''/g, "'");
}

/** Quotes a name as an identifier ("" escaping). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a value as a string literal ('' escaping). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The statements of a script: token lists split at top-level semicolons, without empty statements. */
export function splitStatements(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'semicolon') {
      if (cur.some((x) => !isTrivia(x))) out.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (cur.some((x) => !isTrivia(x))) out.push(cur);
  return out;
}

/** The statement text (tokens joined), leading and trailing trivia removed. */
export function textOf(tokens: readonly Token[]): string {
  let a = 0;
  let b = tokens.length;
  while (a < b && isTrivia(tokens[a]!)) a++;
  while (b > a && isTrivia(tokens[b - 1]!)) b--;
  let s = '';
  for (let i = a; i < b; i++) s += tokens[i]!.text;
  return s;
}

/** A cursor over the meaningful tokens of one statement, for the command parsers. */
export class TokenCursor {
  private i = 0;
  private readonly toks: Token[];

  constructor(tokens: readonly Token[]) {
    this.toks = tokens.filter((t) => !isTrivia(t));
  }

  get done(): boolean {
    return this.i >= this.toks.length;
  }

  get index(): number {
    return this.i;
  }

  peek(ahead = 0): Token | undefined {
    return this.toks[this.i + ahead];
  }

  next(): Token | undefined {
    return this.toks[this.i++];
  }

  /** True (and consumes them) when the next tokens are these keywords, case-insensitively. */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const t = this.toks[this.i + k];
      if (t === undefined || t.kind !== 'ident' || t.text.toLowerCase() !== words[k]) return false;
    }
    this.i += words.length;
    return true;
  }

  /** True (and consumes it) when the next token is this punctuation/operator. */
  acceptPunct(p: string): boolean {
    const t = this.toks[this.i];
    if (t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === p) {
      this.i++;
      return true;
    }
    return false;
  }

  /** The source offset of the next meaningful token (or `end` past the last one). */
  offset(end: number): number {
    return this.toks[this.i]?.start ?? end;
  }
}
