/**
 * Metric math expressions (CloudWatch User Guide, "Metric math syntax and
 * functions"): a tokenizer and a recursive-descent parser into an AST. The
 * grammar, loosest binding first:
 *
 *   or      := and (("OR" | "||") and)*
 *   and     := compare (("AND" | "&&") compare)*
 *   compare := sum (("==" | "!=" | "<=" | ">=" | "<" | ">") sum)?
 *   sum     := product (("+" | "-") product)*
 *   product := unary (("*" | "/") unary)*
 *   unary   := "-" unary | power
 *   power   := primary ("^" unary)?
 *   primary := number | string | id | FUNCTION "(" args? ")" | KEYWORD | "(" or ")" | "[" args? "]"
 *
 * Ids start with a lowercase letter (the MetricDataQuery Id rule); function
 * names and keywords (REPEAT, LINEAR, ASC, DESC and the SORT functions) are
 * uppercase. Errors carry the column where parsing failed.
 */
export type Node =
  | { type: 'number'; value: number; pos: number }
  | { type: 'string'; value: string; pos: number }
  | { type: 'id'; name: string; pos: number }
  | { type: 'keyword'; name: string; pos: number }
  | { type: 'call'; name: string; args: Node[]; pos: number }
  | { type: 'array'; items: Node[]; pos: number }
  | { type: 'unary'; op: '-'; arg: Node; pos: number }
  | { type: 'binary'; op: string; left: Node; right: Node; pos: number };

type Token =
  | { kind: 'num'; value: number; pos: number }
  | { kind: 'str'; value: string; pos: number }
  | { kind: 'word'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'end'; pos: number };

export class MathSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'MathSyntaxError';
  }
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '^', '(', ')', '[', ']', ','];
const QUOTES: Record<string, string> = { '"': '"', "'": "'", '\u201c': '\u201d' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ kind: 'num', value: Number(num[0]), pos: i });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (word) {
      out.push({ kind: 'word', value: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    const close = QUOTES[c];
    if (close) {
      const end = src.indexOf(close, i + 1);
      if (end < 0) throw new MathSyntaxError(`Unterminated string starting at column ${i + 1}`, i + 1);
      out.push({ kind: 'str', value: src.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new MathSyntaxError(`Unexpected character '${c}' at column ${i + 1}`, i + 1);
    out.push({ kind: 'op', value: op, pos: i });
    i += op.length;
  }
  out.push({ kind: 'end', pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    return this.tokens[this.i++]!;
  }

  private isOp(...ops: string[]): boolean {
    const t = this.peek();
    return t.kind === 'op' && ops.includes(t.value);
  }

  private isWord(...words: string[]): boolean {
    const t = this.peek();
    return t.kind === 'word' && words.includes(t.value);
  }

  private expect(op: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.value !== op) throw this.unexpected(t, `'${op}'`);
  }

  private unexpected(t: Token, wanted: string): MathSyntaxError {
    const what = t.kind === 'end' ? 'end of expression' : `'${t.kind === 'num' ? t.value : t.kind === 'str' ? `"${t.value}"` : t.value}'`;
    return new MathSyntaxError(`Syntax error at column ${t.pos + 1}: expected ${wanted} but found ${what}`, t.pos + 1);
  }

  parse(): Node {
    const n = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw this.unexpected(t, 'an operator or the end of the expression');
    return n;
  }

  private or(): Node {
    let left = this.and();
    while (this.isOp('||') || this.isWord('OR')) {
      const t = this.next();
      left = { type: 'binary', op: 'OR', left, right: this.and(), pos: t.pos };
    }
    return left;
  }

  private and(): Node {
    let left = this.compare();
    while (this.isOp('&&') || this.isWord('AND')) {
      const t = this.next();
      left = { type: 'binary', op: 'AND', left, right: this.compare(), pos: t.pos };
    }
    return left;
  }

  private compare(): Node {
    const left = this.sum();
    if (this.isOp('==', '!=', '<=', '>=', '<', '>')) {
      const t = this.next() as { value: string; pos: number };
      return { type: 'binary', op: t.value, left, right: this.sum(), pos: t.pos };
    }
    return left;
  }

  private sum(): Node {
    let left = this.product();
    while (this.isOp('+', '-')) {
      const t = this.next() as { value: string; pos: number };
      left = { type: 'binary', op: t.value, left, right: this.product(), pos: t.pos };
    }
    return left;
  }

  private product(): Node {
    let left = this.unary();
    while (this.isOp('*', '/')) {
      const t = this.next() as { value: string; pos: number };
      left = { type: 'binary', op: t.value, left, right: this.unary(), pos: t.pos };
    }
    return left;
  }

  private unary(): Node {
    if (this.isOp('-')) {
      const t = this.next();
      return { type: 'unary', op: '-', arg: this.unary(), pos: t.pos };
    }
    if (this.isOp('+')) {
      this.next();
      return this.unary();
    }
    return this.power();
  }

  private power(): Node {
    const base = this.primary();
    if (this.isOp('^')) {
      const t = this.next();
      return { type: 'binary', op: '^', left: base, right: this.unary(), pos: t.pos };
    }
    return base;
  }

  private args(close: string): Node[] {
    const items: Node[] = [];
    if (this.isOp(close)) {
      this.next();
      return items;
    }
    for (;;) {
      items.push(this.or());
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      this.expect(close);
      return items;
    }
  }

  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'num':
        return { type: 'number', value: t.value, pos: t.pos };
      case 'str':
        return { type: 'string', value: t.value, pos: t.pos };
      case 'word': {
        if (this.isOp('(')) {
          this.next();
          return { type: 'call', name: t.value, args: this.args(')'), pos: t.pos };
        }
        if (/^[a-z]/.test(t.value)) return { type: 'id', name: t.value, pos: t.pos };
        return { type: 'keyword', name: t.value, pos: t.pos };
      }
      case 'op':
        if (t.value === '(') {
          const inner = this.or();
          this.expect(')');
          return inner;
        }
        if (t.value === '[') return { type: 'array', items: this.args(']'), pos: t.pos };
        throw this.unexpected(t, 'a value');
      case 'end':
        throw this.unexpected(t, 'a value');
    }
  }
}

export function parseExpression(src: string): Node {
  return new Parser(tokenize(src)).parse();
}

/** Ids an expression refers to (metric or expression queries), in order of first use. */
export function referencedIds(node: Node, out: string[] = []): string[] {
  switch (node.type) {
    case 'id':
      if (!out.includes(node.name)) out.push(node.name);
      break;
    case 'call':
      for (const a of node.args) referencedIds(a, out);
      break;
    case 'array':
      for (const a of node.items) referencedIds(a, out);
      break;
    case 'unary':
      referencedIds(node.arg, out);
      break;
    case 'binary':
      referencedIds(node.left, out);
      referencedIds(node.right, out);
      break;
  }
  return out;
}
