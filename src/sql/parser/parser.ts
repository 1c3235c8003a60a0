/**
 * Recursive-descent parser for the Kinesis Data Analytics SQL dialect
 * (Amazon Kinesis Data Analytics SQL Reference: CREATE STREAM, CREATE PUMP,
 * SELECT STREAM, windows, table functions). Input: application code; output:
 * the statements' syntax tree. Every error carries line and column.
 */
import { SqlError, boundedCompile } from '../errors.ts';
import type { SqlType, SqlTypeName } from '../plan/types.ts';
import type { CreatePump, CreateStream, Expr, FromItem, Ident, OrderItem, Pos, Select, SelectItem, Statement, TimeUnit, WindowSpec } from './ast.ts';
import { tokenize, type Token as IToken } from './lexer.ts';

/** Words that end an expression or FROM item, so they can never be an implicit alias. */
const RESERVED = new Set([
  'SELECT',
  'STREAM',
  'FROM',
  'WHERE',
  'GROUP',
  'BY',
  'HAVING',
  'ORDER',
  'WINDOW',
  'WINDOWED',
  'ON',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'OUTER',
  'CROSS',
  'AS',
  'AND',
  'OR',
  'NOT',
  'IS',
  'NULL',
  'LIKE',
  'SIMILAR',
  'BETWEEN',
  'IN',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'UNION',
  'OVER',
  'PARTITION',
  'RANGE',
  'ROWS',
  'PRECEDING',
  'FOLLOWING',
  'CREATE',
  'INSERT',
  'INTO',
  'VALUES',
  'DESC',
  'ASC',
  'LIMIT',
  'TO',
  'ESCAPE',
  'DISTINCT',
  'ALL',
  'TRUE',
  'FALSE',
]);

const TIME_UNITS = new Set(['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND']);
const UNIT_MS: Record<string, number> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  // KDA's year-month intervals have no fixed length; Freshet uses 30-day months (documented in docs/sql.md).
  MONTH: 30 * 86_400_000,
  YEAR: 365 * 86_400_000,
};

const TYPE_ALIASES: Record<string, SqlTypeName> = {
  VARCHAR: 'VARCHAR',
  CHAR: 'CHAR',
  CHARACTER: 'CHAR',
  INTEGER: 'INTEGER',
  INT: 'INTEGER',
  BIGINT: 'BIGINT',
  SMALLINT: 'SMALLINT',
  TINYINT: 'TINYINT',
  REAL: 'REAL',
  FLOAT: 'DOUBLE',
  DOUBLE: 'DOUBLE',
  DECIMAL: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  TIME: 'TIME',
};

const EOF_TOKEN: IToken = { image: '<end of input>', startLine: 0, startColumn: 0, startOffset: -1, tokenType: { name: 'EOF' } };

export class Parser {
  private toks: IToken[];
  private i = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
    this.toks = tokenize(text);
  }

  // ---- token helpers ----
  private peek(k = 0): IToken {
    return this.toks[this.i + k] ?? this.eofToken();
  }
  private eofToken(): IToken {
    const lines = this.text.split('\n');
    return { ...EOF_TOKEN, startLine: lines.length, startColumn: (lines[lines.length - 1]?.length ?? 0) + 1 } as IToken;
  }
  private pos(t: IToken = this.peek()): Pos {
    return { line: t.startLine ?? 0, column: t.startColumn ?? 0, offset: t.startOffset };
  }
  private isWord(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t.tokenType.name === 'Ident' && t.image.toUpperCase() === w;
  }
  private isSym(s: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.tokenType.name === 'Op' || t.tokenType.name === 'Punct') && t.image === s;
  }
  private acceptWord(w: string): boolean {
    if (this.isWord(w)) {
      this.i++;
      return true;
    }
    return false;
  }
  private acceptSym(s: string): boolean {
    if (this.isSym(s)) {
      this.i++;
      return true;
    }
    return false;
  }
  private fail(expected: string, t: IToken = this.peek()): never {
    const got = t.tokenType.name === 'EOF' ? 'the end of the code' : `'${t.image}'`;
    throw new SqlError(`expected ${expected} but found ${got}`, this.pos(t));
  }
  private expectWord(w: string, hint = ''): IToken {
    if (!this.isWord(w)) this.fail(`${w}${hint}`);
    return this.toks[this.i++]!;
  }
  private expectSym(s: string, hint = ''): IToken {
    if (!this.isSym(s)) this.fail(`'${s}'${hint}`);
    return this.toks[this.i++]!;
  }

  private isIdentStart(k = 0): boolean {
    const t = this.peek(k);
    return t.tokenType.name === 'QuotedIdent' || (t.tokenType.name === 'Ident' && !RESERVED.has(t.image.toUpperCase()));
  }

  /** An identifier: unquoted → upper case; "quoted" keeps its case (KDA rules). */
  private ident(what = 'a name'): Ident {
    const t = this.peek();
    if (t.tokenType.name === 'QuotedIdent') {
      this.i++;
      const name = t.image.slice(1, -1).replace(/""/g, '"');
      if (name.length === 0) throw new SqlError('a quoted name cannot be empty', this.pos(t));
      return { name, quoted: true, pos: this.pos(t) };
    }
    if (t.tokenType.name === 'Ident') {
      this.i++;
      return { name: t.image.toUpperCase(), quoted: false, pos: this.pos(t) };
    }
    return this.fail(what);
  }

  // ---- statements ----
  parseScript(): Statement[] {
    const out: Statement[] = [];
    while (this.peek().tokenType.name !== 'EOF') {
      if (this.acceptSym(';')) continue;
      out.push(this.statement());
      if (this.peek().tokenType.name !== 'EOF') this.expectSym(';', ' after the statement');
    }
    return out;
  }

  private statement(): Statement {
    const start = this.peek();
    if (!this.isWord('CREATE')) this.fail('CREATE STREAM or CREATE PUMP (an application is a list of CREATE statements)');
    this.i++;
    let orReplace = false;
    if (this.acceptWord('OR')) {
      this.expectWord('REPLACE');
      orReplace = true;
    }
    if (this.acceptWord('STREAM')) return this.createStream(orReplace, start);
    if (this.acceptWord('PUMP')) return this.createPump(orReplace, start);
    return this.fail('STREAM or PUMP after CREATE');
  }

  private createStream(orReplace: boolean, start: IToken): CreateStream {
    const name = this.ident('a stream name');
    this.expectSym('(', ' to start the column list');
    const columns: CreateStream['columns'] = [];
    do {
      const col = this.ident('a column name');
      columns.push({ name: col, type: this.sqlType() });
    } while (this.acceptSym(','));
    this.expectSym(')', ' to close the column list');
    // KDA accepts an optional DESCRIPTION / OPTIONS tail; Freshet does not need it.
    return { kind: 'createStream', orReplace, name, columns, pos: this.pos(start) };
  }

  private createPump(orReplace: boolean, start: IToken): CreatePump {
    const name = this.ident('a pump name');
    this.expectWord('AS');
    this.expectWord('INSERT', ' (a pump is CREATE PUMP p AS INSERT INTO s SELECT STREAM ...)');
    this.expectWord('INTO');
    const target = this.ident('the target stream name');
    let targetColumns: Ident[] | undefined;
    if (this.isSym('(')) {
      this.i++;
      targetColumns = [];
      do targetColumns.push(this.ident('a column name'));
      while (this.acceptSym(','));
      this.expectSym(')');
    }
    const query = this.select();
    if (!query.stream) throw new SqlError('a pump must read a stream: write SELECT STREAM', query.pos);
    return { kind: 'createPump', orReplace, name, target, targetColumns, query, pos: this.pos(start) };
  }

  sqlType(): SqlType {
    const t = this.peek();
    if (t.tokenType.name !== 'Ident') this.fail('a column type such as VARCHAR(16), INTEGER, DOUBLE or TIMESTAMP');
    const word = t.image.toUpperCase();
    const name = TYPE_ALIASES[word];
    if (!name)
      throw new SqlError(
        `unknown type ${t.image}; use one of VARCHAR(n), CHAR(n), INTEGER, BIGINT, SMALLINT, TINYINT, REAL, DOUBLE, DECIMAL(p,s), BOOLEAN, TIMESTAMP, DATE, TIME`,
        this.pos(t),
      );
    this.i++;
    if (word === 'DOUBLE') this.acceptWord('PRECISION');
    if (word === 'CHARACTER' && this.acceptWord('VARYING')) return this.lengthType('VARCHAR');
    if (name === 'VARCHAR' || name === 'CHAR') return this.lengthType(name);
    if (name === 'DECIMAL' && this.acceptSym('(')) {
      const precision = this.intLiteral('a precision');
      let scale = 0;
      if (this.acceptSym(',')) scale = this.intLiteral('a scale');
      this.expectSym(')');
      return { name, precision, scale };
    }
    return { name };
  }

  private lengthType(name: 'VARCHAR' | 'CHAR'): SqlType {
    if (this.acceptSym('(')) {
      const length = this.intLiteral('a length');
      this.expectSym(')');
      return { name, length };
    }
    return name === 'CHAR' ? { name, length: 1 } : { name };
  }

  private intLiteral(what: string): number {
    const t = this.peek();
    if (t.tokenType.name !== 'NumberLit' || !/^\d+$/.test(t.image)) this.fail(what);
    this.i++;
    return Number(t.image);
  }

  // ---- queries ----
  select(): Select {
    const start = this.expectWord('SELECT');
    const stream = this.acceptWord('STREAM');
    let distinct = false;
    if (this.acceptWord('DISTINCT')) distinct = true;
    else this.acceptWord('ALL');
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (this.acceptSym(','));
    this.expectWord('FROM', ' (every SELECT reads FROM a stream)');
    const from: FromItem[] = [];
    do from.push(this.fromItem());
    while (this.acceptSym(','));
    const q: Select = { kind: 'select', stream, distinct, items, from, windows: [], pos: this.pos(start) };
    if (this.acceptWord('WHERE')) q.where = this.expr();
    if (this.isWord('WINDOWED')) {
      const p = this.pos();
      this.i++;
      this.expectWord('BY');
      this.expectWord('STAGGER');
      this.expectSym('(');
      this.expectWord('PARTITION');
      this.expectWord('BY');
      const partitionBy: Expr[] = [];
      do partitionBy.push(this.expr());
      while (this.acceptSym(','));
      this.expectWord('RANGE');
      const range = this.primary();
      this.expectSym(')');
      q.stagger = { partitionBy, range, pos: p };
    }
    if (this.acceptWord('GROUP')) {
      this.expectWord('BY');
      q.groupBy = [];
      do q.groupBy.push(this.expr());
      while (this.acceptSym(','));
    }
    if (this.acceptWord('HAVING')) q.having = this.expr();
    if (this.acceptWord('WINDOW')) {
      do {
        const name = this.ident('a window name');
        this.expectWord('AS');
        q.windows.push({ name, spec: this.windowSpec() });
      } while (this.acceptSym(','));
    }
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      q.orderBy = this.orderList();
    }
    if (this.isWord('UNION')) {
      this.i++;
      this.expectWord('ALL', ' (streams are merged with UNION ALL)');
      q.unionAll = this.select();
    }
    return q;
  }

  private orderList(): OrderItem[] {
    const out: OrderItem[] = [];
    do {
      const expr = this.expr();
      let desc = false;
      if (this.acceptWord('DESC')) desc = true;
      else this.acceptWord('ASC');
      out.push({ expr, desc });
    } while (this.acceptSym(','));
    return out;
  }

  private selectItem(): SelectItem {
    const p = this.pos();
    if (this.acceptSym('*')) return { kind: 'star', pos: p };
    if (this.isIdentStart() && this.isSym('.', 1) && this.isSym('*', 2)) {
      const qualifier = this.ident();
      this.i += 2;
      return { kind: 'star', qualifier, pos: p };
    }
    const expr = this.expr();
    let alias: Ident | undefined;
    if (this.acceptWord('AS')) alias = this.ident('an alias after AS');
    else if (this.isIdentStart()) alias = this.ident();
    return { kind: 'expr', expr, alias, pos: p };
  }

  private fromItem(): FromItem {
    let left = this.fromPrimary();
    for (;;) {
      const p = this.pos();
      let joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS' | undefined;
      if (this.acceptWord('JOIN')) joinType = 'INNER';
      else if (this.isWord('INNER')) {
        this.i++;
        this.expectWord('JOIN');
        joinType = 'INNER';
      } else if (this.isWord('CROSS')) {
        this.i++;
        this.expectWord('JOIN');
        joinType = 'CROSS';
      } else if (this.isWord('LEFT') || this.isWord('RIGHT') || this.isWord('FULL')) {
        joinType = this.peek().image.toUpperCase() as 'LEFT' | 'RIGHT' | 'FULL';
        this.i++;
        this.acceptWord('OUTER');
        this.expectWord('JOIN');
      }
      if (!joinType) return left;
      const right = this.fromPrimary();
      let on: Expr | undefined;
      if (joinType !== 'CROSS') {
        this.expectWord('ON', ' (a JOIN needs an ON condition)');
        on = this.expr();
      }
      left = { kind: 'join', joinType, left, right, on, pos: p };
    }
  }

  private fromPrimary(): FromItem {
    const p = this.pos();
    let item: FromItem;
    if (this.isWord('TABLE') && this.isSym('(', 1)) {
      this.i += 2;
      const fn = this.ident('a table function name');
      this.expectSym('(');
      const args: Expr[] = [];
      if (!this.isSym(')'))
        do args.push(this.expr());
        while (this.acceptSym(','));
      this.expectSym(')');
      this.expectSym(')', ' to close TABLE(');
      item = { kind: 'tableFn', fn, args, pos: p };
    } else if (this.isSym('(')) {
      this.i++;
      const query = this.select();
      this.expectSym(')');
      item = { kind: 'subquery', query, pos: p };
    } else {
      const name = this.ident('a stream name');
      item = { kind: 'stream', name, pos: p };
      if (this.isWord('OVER')) {
        this.i++;
        item.over = this.windowSpec();
      }
    }
    if (this.acceptWord('AS')) item.alias = this.ident('an alias after AS');
    else if (this.isIdentStart()) item.alias = this.ident();
    if (item.kind === 'stream' && !item.over && this.isWord('OVER')) {
      this.i++;
      item.over = this.windowSpec();
    }
    return item;
  }

  private windowSpec(): WindowSpec {
    const p = this.pos();
    if (!this.isSym('(')) return { ref: this.ident('a window name or ( window specification )'), partitionBy: [], pos: p };
    this.i++;
    const spec: WindowSpec = { partitionBy: [], pos: p };
    if (this.isIdentStart() && !this.isWord('PARTITION') && !this.isWord('ORDER') && !this.isWord('RANGE') && !this.isWord('ROWS')) {
      spec.ref = this.ident();
    }
    if (this.acceptWord('PARTITION')) {
      this.expectWord('BY');
      do spec.partitionBy.push(this.expr());
      while (this.acceptSym(','));
    }
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      spec.orderBy = this.orderList();
    }
    if (this.isWord('RANGE') || this.isWord('ROWS')) {
      const unit = this.peek().image.toUpperCase() as 'RANGE' | 'ROWS';
      this.i++;
      const bound = (): Expr | 'UNBOUNDED' | 'CURRENT' => {
        if (this.acceptWord('UNBOUNDED')) return 'UNBOUNDED';
        if (this.acceptWord('CURRENT')) {
          this.expectWord('ROW');
          return 'CURRENT';
        }
        return this.additive();
      };
      if (this.acceptWord('BETWEEN')) {
        const lo = bound();
        if (lo !== 'CURRENT') this.expectWord('PRECEDING');
        this.expectWord('AND');
        const hi = bound();
        if (hi === 'UNBOUNDED') this.fail('a FOLLOWING bound');
        if (hi !== 'CURRENT') this.expectWord('FOLLOWING');
        spec.frame = { unit, preceding: lo, following: hi };
      } else {
        const lo = bound();
        if (lo !== 'CURRENT') {
          if (this.acceptWord('FOLLOWING')) spec.frame = { unit, preceding: 'CURRENT', following: lo as Expr };
          else {
            this.expectWord('PRECEDING');
            spec.frame = { unit, preceding: lo };
          }
        } else spec.frame = { unit, preceding: lo };
      }
    }
    this.expectSym(')', ' to close the window specification');
    return spec;
  }

  // ---- expressions ----
  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('OR')) {
      const p = this.pos();
      this.i++;
      left = { kind: 'binary', op: 'OR', left, right: this.and(), pos: p };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isWord('AND')) {
      const p = this.pos();
      this.i++;
      left = { kind: 'binary', op: 'AND', left, right: this.not(), pos: p };
    }
    return left;
  }

  private not(): Expr {
    if (this.isWord('NOT')) {
      const p = this.pos();
      this.i++;
      return { kind: 'unary', op: 'NOT', arg: this.not(), pos: p };
    }
    return this.predicate();
  }

  private predicate(): Expr {
    const left = this.concat();
    const p = this.pos();
    const t = this.peek();
    if (t.tokenType.name === 'Op' && ['=', '<>', '!=', '<', '>', '<=', '>='].includes(t.image)) {
      this.i++;
      const op = t.image === '!=' ? '<>' : t.image;
      return { kind: 'binary', op, left, right: this.concat(), pos: p };
    }
    if (this.isWord('IS')) {
      this.i++;
      const not = this.acceptWord('NOT');
      if (this.acceptWord('NULL')) return { kind: 'isNull', arg: left, not, pos: p };
      if (this.acceptWord('TRUE')) return this.wrapNot({ kind: 'binary', op: 'IS_TRUE', left, right: left, pos: p }, not, p);
      if (this.acceptWord('FALSE')) return this.wrapNot({ kind: 'binary', op: 'IS_FALSE', left, right: left, pos: p }, not, p);
      return this.fail('NULL, TRUE or FALSE after IS');
    }
    let not = false;
    if (this.isWord('NOT') && (this.isWord('LIKE', 1) || this.isWord('BETWEEN', 1) || this.isWord('IN', 1) || this.isWord('SIMILAR', 1))) {
      this.i++;
      not = true;
    }
    if (this.acceptWord('BETWEEN')) {
      this.acceptWord('SYMMETRIC');
      this.acceptWord('ASYMMETRIC');
      const low = this.concat();
      this.expectWord('AND');
      return { kind: 'between', arg: left, low, high: this.concat(), not, pos: p };
    }
    if (this.acceptWord('IN')) {
      this.expectSym('(');
      const list: Expr[] = [];
      do list.push(this.expr());
      while (this.acceptSym(','));
      this.expectSym(')');
      return { kind: 'in', arg: left, list, not, pos: p };
    }
    if (this.acceptWord('LIKE')) {
      const similar = false;
      const pattern = this.concat();
      let escape: Expr | undefined;
      if (this.acceptWord('ESCAPE')) escape = this.concat();
      return { kind: 'like', arg: left, pattern, escape, not, similar, pos: p };
    }
    if (this.isWord('SIMILAR')) {
      this.i++;
      this.expectWord('TO');
      const pattern = this.concat();
      let escape: Expr | undefined;
      if (this.acceptWord('ESCAPE')) escape = this.concat();
      return { kind: 'like', arg: left, pattern, escape, not, similar: true, pos: p };
    }
    if (not) this.fail('LIKE, SIMILAR TO, BETWEEN or IN after NOT');
    return left;
  }

  private wrapNot(e: Expr, not: boolean, p: Pos): Expr {
    return not ? { kind: 'unary', op: 'NOT', arg: e, pos: p } : e;
  }

  private concat(): Expr {
    let left = this.additive();
    while (this.isSym('||')) {
      const p = this.pos();
      this.i++;
      left = { kind: 'binary', op: '||', left, right: this.additive(), pos: p };
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isSym('+') || this.isSym('-')) {
      const p = this.pos();
      const op = this.toks[this.i++]!.image;
      left = { kind: 'binary', op, left, right: this.multiplicative(), pos: p };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isSym('*') || this.isSym('/') || this.isSym('%')) {
      const p = this.pos();
      const op = this.toks[this.i++]!.image;
      left = { kind: 'binary', op, left, right: this.unary(), pos: p };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isSym('-') || this.isSym('+')) {
      const p = this.pos();
      const op = this.toks[this.i++]!.image as '-' | '+';
      const arg = this.unary();
      if (op === '-' && arg.kind === 'literal' && typeof arg.value === 'number') return { ...arg, value: -arg.value, pos: p };
      return { kind: 'unary', op, arg, pos: p };
    }
    return this.primary();
  }

  primary(): Expr {
    const t = this.peek();
    const p = this.pos(t);
    const type = t.tokenType.name;
    if (type === 'NumberLit') {
      this.i++;
      const isInt = /^\d+$/.test(t.image);
      const v = Number(t.image);
      // BIGINT values are doubles, exact within ±(2^53 − 1); a longer integer would silently change value.
      if (isInt && !Number.isSafeInteger(v)) {
        throw new SqlError(
          `integer literal ${t.image} is beyond 9007199254740991, the largest BIGINT Freshet holds exactly; write ${t.image}E0 for an approximate DOUBLE`,
          p,
        );
      }
      const litType: SqlType = isInt
        ? Math.abs(v) > 2147483647
          ? { name: 'BIGINT' }
          : { name: 'INTEGER' }
        : /[eE]/.test(t.image)
          ? { name: 'DOUBLE' }
          : { name: 'DECIMAL' };
      return { kind: 'literal', value: v, type: litType, pos: p };
    }
    if (type === 'StringLit') {
      this.i++;
      const s = t.image.slice(1, -1).replace(/''/g, "'");
      return { kind: 'literal', value: s, type: { name: 'CHAR', length: s.length }, pos: p };
    }
    if (this.isSym('(')) {
      this.i++;
      if (this.isWord('SELECT')) this.fail('an expression (subqueries are only allowed in FROM and CURSOR(...))');
      const e = this.expr();
      this.expectSym(')');
      // `(ROWTIME - TIMESTAMP '1970-01-01 00:00:00') SECOND`: an interval qualifier (KDA's windowing idiom).
      const u = this.peek();
      if (u.tokenType.name === 'Ident' && TIME_UNITS.has(u.image.toUpperCase())) {
        this.i++;
        if (this.acceptWord('TO')) this.timeUnitWord();
        return { kind: 'intervalOf', arg: e, unit: u.image.toUpperCase() as TimeUnit, pos: p };
      }
      return e;
    }
    if (type === 'QuotedIdent') return this.columnRef();
    if (type !== 'Ident') return this.fail('an expression');
    const w = t.image.toUpperCase();
    switch (w) {
      case 'NULL':
        this.i++;
        return { kind: 'literal', value: null, type: { name: 'NULL' }, pos: p };
      case 'TRUE':
      case 'FALSE':
        this.i++;
        return { kind: 'literal', value: w === 'TRUE', type: { name: 'BOOLEAN' }, pos: p };
      case 'INTERVAL':
        return this.intervalLiteral();
      case 'TIMESTAMP':
      case 'DATE':
      case 'TIME':
        if (this.peek(1).tokenType.name === 'StringLit') {
          this.i++;
          const s = this.toks[this.i++]!.image.slice(1, -1);
          return { kind: 'cast', arg: { kind: 'literal', value: s, type: { name: 'VARCHAR' }, pos: p }, type: { name: w }, pos: p };
        }
        break;
      case 'CASE':
        return this.caseExpr();
      case 'CAST': {
        this.i++;
        this.expectSym('(');
        const arg = this.expr();
        this.expectWord('AS');
        const ty = this.sqlType();
        this.expectSym(')');
        return { kind: 'cast', arg, type: ty, pos: p };
      }
      case 'CURSOR': {
        this.i++;
        this.expectSym('(');
        const query = this.select();
        this.expectSym(')');
        return { kind: 'cursor', query, pos: p };
      }
      case 'CURRENT_TIMESTAMP':
      case 'CURRENT_ROW_TIMESTAMP':
      case 'LOCALTIMESTAMP':
      case 'CURRENT_DATE':
      case 'CURRENT_TIME':
      case 'LOCALTIME':
        if (!this.isSym('(', 1)) {
          this.i++;
          return { kind: 'call', name: w, args: [], star: false, distinct: false, pos: p };
        }
        break;
      default:
        break;
    }
    if (this.isSym('(', 1)) {
      let e = this.call();
      // A field of a ROW-valued call: REGEX_LOG_PARSE(...).COLUMN1
      while (this.isSym('.') && (this.peek(1).tokenType.name === 'Ident' || this.peek(1).tokenType.name === 'QuotedIdent')) {
        this.i++;
        e = { kind: 'field', arg: e, field: this.ident(), pos: e.pos };
      }
      return e;
    }
    if (RESERVED.has(w)) this.fail('an expression');
    return this.columnRef();
  }

  private columnRef(): Expr {
    const p = this.pos();
    const first = this.ident();
    if (this.isSym('.')) {
      this.i++;
      const name = this.ident('a column name after the dot');
      if (this.isSym('.') && (this.peek(1).tokenType.name === 'Ident' || this.peek(1).tokenType.name === 'QuotedIdent')) {
        this.i++;
        const field = this.ident('a field name after the dot');
        return { kind: 'column', qualifier: first, name, field, pos: p };
      }
      return { kind: 'column', qualifier: first, name, pos: p };
    }
    return { kind: 'column', name: first, pos: p };
  }

  private intervalLiteral(): Expr {
    const p = this.pos();
    this.i++;
    let sign = 1;
    if (this.acceptSym('-')) sign = -1;
    const t = this.peek();
    if (t.tokenType.name !== 'StringLit') this.fail("a quoted amount after INTERVAL, e.g. INTERVAL '60' SECOND");
    this.i++;
    const text = t.image.slice(1, -1).trim();
    const unit = this.peek().image.toUpperCase();
    if (!TIME_UNITS.has(unit)) this.fail('a unit (SECOND, MINUTE, HOUR, DAY, MONTH, YEAR) after the interval amount');
    this.i++;
    let ms: number;
    if (this.acceptWord('TO')) {
      const to = this.peek().image.toUpperCase();
      if (!TIME_UNITS.has(to)) this.fail('a unit after TO');
      this.i++;
      ms = this.compoundInterval(text, unit, to, t);
    } else {
      if (this.isSym('(')) {
        this.i++;
        this.intLiteral('a precision');
        this.expectSym(')');
      }
      const n = Number(text.replace(/^-/, ''));
      if (!Number.isFinite(n)) throw new SqlError(`interval amount '${text}' is not a number`, this.pos(t));
      ms = n * UNIT_MS[unit]! * (text.startsWith('-') ? -1 : 1);
    }
    return { kind: 'interval', ms: sign * ms, text: `'${text}' ${unit}`, pos: p };
  }

  /** INTERVAL 'd hh:mm:ss' DAY TO SECOND and friends. */
  private compoundInterval(text: string, from: string, to: string, t: IToken): number {
    const order = ['DAY', 'HOUR', 'MINUTE', 'SECOND'];
    const a = order.indexOf(from);
    const b = order.indexOf(to);
    const parts = text.split(/[\s:]+/);
    if (a < 0 || b < a || parts.length !== b - a + 1) throw new SqlError(`cannot read interval '${text}' ${from} TO ${to}`, this.pos(t));
    let ms = 0;
    for (let k = 0; k < parts.length; k++) ms += Number(parts[k]) * UNIT_MS[order[a + k]!]!;
    if (!Number.isFinite(ms)) throw new SqlError(`cannot read interval '${text}'`, this.pos(t));
    return ms;
  }

  private caseExpr(): Expr {
    const p = this.pos();
    this.i++;
    let operand: Expr | undefined;
    if (!this.isWord('WHEN')) operand = this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.acceptWord('WHEN')) {
      const when = this.expr();
      this.expectWord('THEN');
      whens.push({ when, then: this.expr() });
    }
    if (whens.length === 0) this.fail('WHEN in CASE');
    let elseExpr: Expr | undefined;
    if (this.acceptWord('ELSE')) elseExpr = this.expr();
    this.expectWord('END', ' to close CASE');
    return { kind: 'case', operand, whens, else: elseExpr, pos: p };
  }

  private timeUnitWord(): TimeUnit {
    const u = this.peek().image.toUpperCase();
    if (!TIME_UNITS.has(u)) this.fail('a time unit (SECOND, MINUTE, HOUR, DAY, MONTH, YEAR)');
    this.i++;
    return u as TimeUnit;
  }

  private call(): Expr {
    const t = this.toks[this.i++]!;
    const p = this.pos(t);
    const name = t.image.toUpperCase();
    this.expectSym('(');
    // Special syntaxes: FLOOR(x TO unit), STEP(x BY interval), EXTRACT(unit FROM x), POSITION(a IN b), TRIM(...), SUBSTRING(x FROM a FOR b).
    if (name === 'EXTRACT') {
      const u = this.peek().image.toUpperCase();
      if (!TIME_UNITS.has(u) && !['DOW', 'DOY', 'WEEK', 'QUARTER', 'EPOCH'].includes(u))
        this.fail('a unit to EXTRACT (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, ...)');
      this.i++;
      this.expectWord('FROM');
      const arg = this.expr();
      this.expectSym(')');
      return { kind: 'extract', unit: u as TimeUnit, arg, pos: p };
    }
    if (name === 'OVERLAY') {
      // OVERLAY(str PLACING replacement FROM start [FOR length])
      const str = this.expr();
      this.expectWord('PLACING', ' in OVERLAY(string PLACING replacement FROM start [FOR length])');
      const rep = this.expr();
      this.expectWord('FROM');
      const from = this.expr();
      const args: Expr[] = [str, rep, from];
      if (this.acceptWord('FOR')) args.push(this.expr());
      this.expectSym(')');
      return { kind: 'call', name, args, star: false, distinct: false, pos: p };
    }
    if (name === 'TRIM') {
      let mode: 'BOTH' | 'LEADING' | 'TRAILING' = 'BOTH';
      let chars: Expr | undefined;
      if (this.isWord('BOTH') || this.isWord('LEADING') || this.isWord('TRAILING')) {
        mode = this.toks[this.i++]!.image.toUpperCase() as typeof mode;
        if (!this.isWord('FROM')) chars = this.expr();
        this.expectWord('FROM');
      } else {
        const first = this.expr();
        if (this.acceptWord('FROM')) {
          chars = first;
        } else {
          this.expectSym(')');
          return { kind: 'trim', mode, arg: first, pos: p };
        }
      }
      const arg = this.expr();
      this.expectSym(')');
      return { kind: 'trim', mode, chars, arg, pos: p };
    }
    const args: Expr[] = [];
    let star = false;
    let distinct = false;
    if (this.isSym('*')) {
      this.i++;
      star = true;
    } else if (!this.isSym(')')) {
      if (this.acceptWord('DISTINCT')) distinct = true;
      else this.acceptWord('ALL');
      // POSITION(a IN b): the first argument stops before IN.
      args.push(name === 'POSITION' ? this.concat() : this.expr());
      if ((name === 'FLOOR' || name === 'CEIL' || name === 'CEILING') && this.acceptWord('TO')) {
        const unit = this.timeUnitWord();
        this.expectSym(')');
        return { kind: 'floorTo', arg: args[0]!, unit, ceil: name !== 'FLOOR', pos: p };
      }
      if (name === 'STEP') {
        this.expectWord('BY', " in STEP(x BY INTERVAL 'n' unit)");
        const by = this.additive();
        this.expectSym(')');
        return { kind: 'step', arg: args[0]!, by, pos: p };
      }
      if (name === 'POSITION' && this.acceptWord('IN')) {
        const str = this.expr();
        let from: Expr | undefined;
        if (this.acceptWord('FROM')) from = this.expr();
        this.expectSym(')');
        return { kind: 'position', sub: args[0]!, str, from, pos: p };
      }
      if ((name === 'SUBSTRING' || name === 'SUBSTR') && this.acceptWord('FROM')) {
        const from = this.expr();
        let forE: Expr | undefined;
        if (this.acceptWord('FOR')) forE = this.expr();
        this.expectSym(')');
        return { kind: 'substring', arg: args[0]!, from, for: forE, pos: p };
      }
      while (this.acceptSym(',')) args.push(this.expr());
    }
    this.expectSym(')', ` to close ${name}(`);
    const e: Expr = { kind: 'call', name, args, star, distinct, pos: p };
    if (this.isWord('OVER')) {
      this.i++;
      e.over = this.windowSpec();
    }
    return e;
  }
}

/** Parses application code into statements; throws SqlError with line:column. */
export function parseApplication(code: string): Statement[] {
  return boundedCompile(() => new Parser(code).parseScript());
}

/** Parses one column type, e.g. "VARCHAR(16)" (used for schemas given outside SQL). */
export function parseType(text: string): SqlType {
  const p = new Parser(text);
  return p.sqlType();
}

/** Parses a column list such as `"a" VARCHAR(8), b DOUBLE` (CLI --schema, test headers). */
export function parseColumnList(text: string): { name: string; type: SqlType }[] {
  const stmts = parseApplication(`CREATE STREAM X (${text})`);
  const s = stmts[0] as CreateStream;
  return s.columns.map((c) => ({ name: c.name.name, type: c.type }));
}
