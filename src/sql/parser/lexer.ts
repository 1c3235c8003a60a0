/**
 * Tokens of the KDA SQL dialect (chevrotain lexer). Keywords are not separate
 * token types: the parser compares an identifier's upper-cased image, so that
 * non-reserved words (e.g. `source`, `timestamp` as a column) stay usable.
 */
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';
import { SqlError } from '../errors.ts';

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });
const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED });
export const Ident = createToken({ name: 'Ident', pattern: /[A-Za-z_][A-Za-z0-9_$]*/ });
export const QuotedIdent = createToken({ name: 'QuotedIdent', pattern: /"(?:[^"]|"")*"/ });
export const StringLit = createToken({ name: 'StringLit', pattern: /'(?:[^']|'')*'/ });
export const NumberLit = createToken({ name: 'NumberLit', pattern: /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/ });
export const Op = createToken({ name: 'Op', pattern: /<>|!=|<=|>=|\|\||[=<>+\-*/%]/ });
export const Punct = createToken({ name: 'Punct', pattern: /[(),.;]/ });

const ALL: TokenType[] = [WhiteSpace, BlockComment, LineComment, QuotedIdent, StringLit, NumberLit, Ident, Op, Punct];
const lexer = new Lexer(ALL, { positionTracking: 'full', ensureOptimizations: false });

export function tokenize(text: string): IToken[] {
  const r = lexer.tokenize(text);
  if (r.errors.length > 0) {
    const e = r.errors[0]!;
    throw new SqlError(`unexpected character '${text.substr(e.offset, 1)}'`, { line: e.line ?? 0, column: e.column ?? 0 });
  }
  return r.tokens;
}
