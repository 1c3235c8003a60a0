/**
 * Recursive-descent parser for the Flink SQL dialect as Flink's SQL client
 * and Studio notebooks accept it: CREATE TABLE (computed and metadata
 * columns, WATERMARK, PRIMARY KEY … NOT ENFORCED, PARTITIONED BY, WITH),
 * CREATE VIEW, [TEMPORARY], DROP, SET / RESET, EXPLAIN, INSERT INTO,
 * statement sets, queries (WITH, window TVFs, joins with FOR SYSTEM_TIME AS
 * OF, MATCH_RECOGNIZE, OVER windows, UNION ALL, ORDER BY, LIMIT). Every
 * error carries line and column.
 */
import { SqlError, boundedCompile } from '../errors.ts';
import type { SqlType } from '../plan/types.ts';
import type {
  CreateTable,
  CreateView,
  Expr,
  FromItem,
  Ident,
  Insert,
  MatchRecognize,
  OrderItem,
  PatternAst,
  Pos,
  Query,
  QueryBody,
  Select,
  SelectItem,
  Statement,
  StatementSet,
  TableColumn,
  TimeUnit,
  TvfArg,
  WindowSpec,
} from './ast.ts';
import { tokenize, type Token } from './lexer.ts';

/** Words that end an expression or a FROM item, so they are never taken as an implicit alias. */
const RESERVED = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'BY',
  'HAVING',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'FETCH',
  'WINDOW',
  'ON',
  'USING',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'OUTER',
  'CROSS',
  'NATURAL',
  'LATERAL',
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
  'EXCEPT',
  'INTERSECT',
  'MINUS',
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
  'ESCAPE',
  'DISTINCT',
  'ALL',
  'TRUE',
  'FALSE',
  'FOR',
  'MATCH_RECOGNIZE',
  'TABLE',
  'WITH',
  'FILTER',
]);

const UNIT_MS: Record<string, number> = {
  NANOSECOND: 1e-6,
  MICROSECOND: 1e-3,
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  WEEK: 7 * 86_400_000,
};
const MONTH_UNITS: Record<string, number> = { MONTH: 1, QUARTER: 3, YEAR: 12 };
const TIME_UNITS = new Set([...Object.keys(UNIT_MS), ...Object.keys(MONTH_UNITS)]);

function unitWord(w: string): string | undefined {
  if (TIME_UNITS.has(w)) return w;
  // Flink accepts plural units in some places (INTERVAL '2' SECONDS in DDL examples): be lenient.
  if (w.endsWith('S') && TIME_UNITS.has(w.slice(0, -1))) return w.slice(0, -1);
  return undefined;
}

export class FlinkParser {
  private readonly toks: Token[];
  private readonly src: string;
  private i = 0;

  constructor(text: string) {
    this.src = stripNotebookDirectives(text);
    this.toks = tokenize(this.src);
  }

  /** The source text from offset `start` up to the next token (SHOW CREATE prints expressions as written). */
  private textFrom(start: number): string {
    return this.src.slice(start, this.peek().offset).trim();
  }

  // ---- token helpers ----
  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private pos(t: Token = this.peek()): Pos {
    return { line: t.line, column: t.column };
  }
  private isWord(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.upper === w;
  }
  private isSym(s: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.text === s;
  }
  private acceptWord(w: string): boolean {
    if (this.isWord(w)) {
      this.i++;
      return true;
    }
    return false;
  }
  private acceptWords(...ws: string[]): boolean {
    for (let k = 0; k < ws.length; k++) if (!this.isWord(ws[k]!, k)) return false;
    this.i += ws.length;
    return true;
  }
  private acceptSym(s: string): boolean {
    if (this.isSym(s)) {
      this.i++;
      return true;
    }
    return false;
  }
  private fail(expected: string, t: Token = this.peek()): never {
    const got = t.kind === 'eof' ? 'the end of the code' : t.kind === 'string' ? `'${t.text}'` : `"${t.text}"`;
    throw new SqlError(`expected ${expected} but found ${got}`, this.pos(t));
  }
  private expectWord(w: string, hint = ''): Token {
    if (!this.isWord(w)) this.fail(`${w}${hint}`);
    return this.toks[this.i++]!;
  }
  private expectSym(s: string, hint = ''): Token {
    if (!this.isSym(s)) this.fail(`'${s}'${hint}`);
    return this.toks[this.i++]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }

  private isIdentStart(k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'quoted' || (t.kind === 'ident' && !RESERVED.has(t.upper));
  }

  /** A name: `ident` as written or `` `quoted` ``. */
  private ident(what = 'a name'): Ident {
    const t = this.peek();
    if (t.kind === 'quoted' || t.kind === 'ident') {
      this.i++;
      return { name: t.text, pos: this.pos(t) };
    }
    return this.fail(what);
  }

  /** A possibly qualified object name (`catalog.db.table`): the last part names the table. */
  private objectName(what: string): Ident {
    let id = this.ident(what);
    while (this.isSym('.') && (this.peek(1).kind === 'ident' || this.peek(1).kind === 'quoted')) {
      this.i++;
      id = this.ident(what);
    }
    return id;
  }

  private stringLit(what: string): string {
    const t = this.peek();
    if (t.kind !== 'string') this.fail(what);
    this.i++;
    return t.text;
  }

  private intLit(what: string): number {
    const t = this.peek();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) this.fail(what);
    this.i++;
    return Number(t.text);
  }

  // ---- statements ----
  parseScript(): Statement[] {
    const out: Statement[] = [];
    while (this.peek().kind !== 'eof') {
      if (this.acceptSym(';')) continue;
      out.push(this.statement());
      if (this.peek().kind !== 'eof') this.expectSym(';', ' after the statement');
    }
    return out;
  }

  private statement(): Statement {
    const start = this.peek();
    const p = this.pos(start);
    if (this.isWord('CREATE')) return this.create();
    if (this.isWord('DROP')) return this.drop();
    if (this.acceptWord('SET')) return this.set(p);
    if (this.acceptWord('RESET')) {
      if (this.peek().kind === 'string') return { kind: 'reset', key: this.stringLit('a key'), pos: p };
      if (this.peek().kind === 'ident') return { kind: 'reset', key: this.dottedKey(), pos: p };
      return { kind: 'reset', pos: p };
    }
    if (this.acceptWord('EXPLAIN')) {
      const details: string[] = [];
      this.acceptWords('PLAN', 'FOR');
      while (['ESTIMATED_COST', 'CHANGELOG_MODE', 'JSON_EXECUTION_PLAN', 'PLAN_ADVICE'].includes(this.peek().upper)) {
        details.push(this.next().upper);
        this.acceptSym(',');
      }
      const inner = this.statement();
      if (inner.kind !== 'insert' && inner.kind !== 'query' && inner.kind !== 'statementSet')
        throw new SqlError('EXPLAIN explains a query, an INSERT or a statement set', inner.pos);
      return { kind: 'explain', details, target: inner, pos: p };
    }
    if (this.isWord('INSERT')) return this.insert();
    if (this.isWord('EXECUTE')) {
      this.i++;
      if (this.isWord('STATEMENT')) {
        this.expectWord('STATEMENT');
        this.expectWord('SET');
        this.expectWord('BEGIN');
        return this.statementSetBody(p);
      }
      if (this.isWord('INSERT')) return this.insert();
      return this.fail('STATEMENT SET BEGIN or INSERT after EXECUTE');
    }
    if (this.isWord('BEGIN')) {
      this.i++;
      this.expectWord('STATEMENT');
      this.expectWord('SET');
      this.acceptSym(';');
      return this.statementSetBody(p);
    }
    if (this.isWord('SELECT') || this.isWord('WITH') || this.isWord('VALUES') || this.isSym('(')) {
      return { kind: 'query', query: this.query(), pos: p };
    }
    if (this.acceptWord('SHOW')) {
      const w = this.peek().upper;
      if (w === 'CREATE') {
        this.i++;
        const what = this.peek().upper;
        if (what !== 'TABLE' && what !== 'VIEW') return this.fail('TABLE or VIEW after SHOW CREATE');
        this.i++;
        return { kind: 'showCreate', what, name: this.objectName(`a ${what.toLowerCase()} name`), pos: p };
      }
      if (w === 'TABLES' || w === 'VIEWS' || w === 'FUNCTIONS') {
        this.i++;
        return { kind: 'show', what: w, pos: p };
      }
      return this.fail('TABLES, VIEWS, FUNCTIONS, CREATE TABLE or CREATE VIEW after SHOW');
    }
    if (this.acceptWord('DESCRIBE') || this.acceptWord('DESC')) return { kind: 'describe', name: this.objectName('a table name'), pos: p };
    if (this.isWord('USE') || this.isWord('ALTER') || this.isWord('LOAD') || this.isWord('UNLOAD') || this.isWord('ADD')) {
      const what = this.next().upper;
      while (this.peek().kind !== 'eof' && !this.isSym(';')) this.i++;
      return {
        kind: 'unsupported',
        what,
        hint: `${what} statements are not supported by Freshet's Flink SQL (one default catalog and database, no JARs or modules)`,
        pos: p,
      };
    }
    return this.fail('a statement (CREATE TABLE, CREATE VIEW, INSERT INTO, SELECT, SET, EXPLAIN, ...)');
  }

  private statementSetBody(p: Pos): StatementSet {
    const inserts: Insert[] = [];
    while (!this.isWord('END')) {
      if (this.acceptSym(';')) continue;
      if (!this.isWord('INSERT')) this.fail('INSERT INTO or END in the statement set');
      inserts.push(this.insert());
      if (!this.isWord('END')) this.expectSym(';', ' after the INSERT');
    }
    this.expectWord('END');
    if (inserts.length === 0) throw new SqlError('a statement set needs at least one INSERT INTO', p);
    return { kind: 'statementSet', inserts, pos: p };
  }

  private dottedKey(): string {
    const parts = [this.ident('an option key').name];
    while (this.acceptSym('.')) parts.push(this.ident('an option key').name);
    return parts.join('.');
  }

  private set(p: Pos): Statement {
    if (this.peek().kind === 'eof' || this.isSym(';')) return { kind: 'set', pos: p };
    const key = this.peek().kind === 'string' ? this.stringLit('a key') : this.dottedKey();
    this.expectSym('=', " (SET 'key' = 'value')");
    const t = this.peek();
    let value: string;
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'ident') {
      this.i++;
      value = t.text;
      // Unquoted values such as `10 s` or `true`: read up to the end of the statement.
      while (t.kind !== 'string' && this.peek().kind !== 'eof' && !this.isSym(';')) value += ` ${this.next().text}`;
    } else return this.fail("a value (SET 'key' = 'value')");
    return { kind: 'set', key, value, pos: p };
  }

  private create(): Statement {
    const start = this.expectWord('CREATE');
    const p = this.pos(start);
    this.acceptWords('OR', 'REPLACE');
    const temporary = this.acceptWord('TEMPORARY');
    this.acceptWord('SYSTEM');
    if (this.acceptWord('TABLE')) return this.createTable(temporary, p);
    if (this.acceptWord('VIEW')) return this.createView(temporary, p);
    if (this.isWord('FUNCTION') || this.isWord('CATALOG') || this.isWord('DATABASE')) {
      const what = this.next().upper;
      while (this.peek().kind !== 'eof' && !this.isSym(';')) this.i++;
      return {
        kind: 'unsupported',
        what: `CREATE ${what}`,
        hint:
          what === 'FUNCTION'
            ? 'CREATE FUNCTION registers a JVM class; Freshet runs Flink SQL without a JVM, so user-defined functions are not supported (the built-in functions are)'
            : `CREATE ${what} is not supported: Freshet's Flink SQL has one default catalog and database`,
        pos: p,
      };
    }
    return this.fail('TABLE or VIEW after CREATE [TEMPORARY]');
  }

  private drop(): Statement {
    const p = this.pos();
    this.i++;
    const temporary = this.acceptWord('TEMPORARY');
    let what: 'TABLE' | 'VIEW';
    if (this.acceptWord('TABLE')) what = 'TABLE';
    else if (this.acceptWord('VIEW')) what = 'VIEW';
    else return this.fail('TABLE or VIEW after DROP');
    const ifExists = this.acceptWords('IF', 'EXISTS');
    return { kind: 'drop', what, temporary, ifExists, name: this.objectName('a name'), pos: p };
  }

  private createTable(temporary: boolean, p: Pos): CreateTable {
    const ifNotExists = this.acceptWords('IF', 'NOT', 'EXISTS');
    const name = this.objectName('a table name');
    const t: CreateTable = { kind: 'createTable', temporary, ifNotExists, name, columns: [], options: [], pos: p };
    if (this.acceptSym('(')) {
      do {
        if (this.isWord('WATERMARK')) {
          const wp = this.pos();
          this.i++;
          this.expectWord('FOR');
          const column = this.ident('the rowtime column after WATERMARK FOR');
          this.expectWord('AS', ' (WATERMARK FOR col AS col - INTERVAL ...)');
          if (t.watermark) throw new SqlError('a table can declare only one WATERMARK', wp);
          const start = this.peek().offset;
          const expr = this.expr();
          t.watermark = { column, expr, sql: this.textFrom(start), pos: wp };
          continue;
        }
        if (this.isWord('CONSTRAINT') || (this.isWord('PRIMARY') && this.isWord('KEY', 1))) {
          const kp = this.pos();
          if (this.acceptWord('CONSTRAINT')) this.ident('a constraint name');
          this.expectWord('PRIMARY');
          this.expectWord('KEY');
          this.expectSym('(');
          const columns: Ident[] = [];
          do columns.push(this.ident('a column name'));
          while (this.acceptSym(','));
          this.expectSym(')');
          this.notEnforced(kp);
          t.primaryKey = { columns, pos: kp };
          continue;
        }
        t.columns.push(this.tableColumn(t));
      } while (this.acceptSym(','));
      this.expectSym(')', ' to close the column list');
    }
    if (this.acceptWord('COMMENT')) this.stringLit('a comment');
    if (this.acceptWord('PARTITIONED')) {
      this.expectWord('BY');
      this.expectSym('(');
      t.partitionedBy = [];
      do t.partitionedBy.push(this.ident('a partition column'));
      while (this.acceptSym(','));
      this.expectSym(')');
    }
    if (this.acceptWord('WITH')) t.options = this.optionList();
    if (this.acceptWord('LIKE')) {
      t.like = this.objectName('a table name after LIKE');
      // LIKE options (INCLUDING ALL / EXCLUDING OPTIONS ...) are accepted and ignored.
      if (this.acceptSym('(')) {
        let depth = 1;
        while (depth > 0 && this.peek().kind !== 'eof') {
          if (this.isSym('(')) depth++;
          if (this.isSym(')')) depth--;
          this.i++;
        }
      }
    }
    if (this.acceptWord('AS')) t.asQuery = this.query();
    return t;
  }

  private notEnforced(p: Pos): void {
    if (!this.acceptWords('NOT', 'ENFORCED'))
      throw new SqlError(
        'Flink does not support ENFORCED mode for PRIMARY KEY constraint. ENFORCED/NOT ENFORCED controls if the constraint checks are performed on the incoming/outgoing data. Flink does not own the data therefore the only supported mode is the NOT ENFORCED mode',
        p,
      );
  }

  private tableColumn(t: CreateTable): TableColumn {
    const name = this.ident('a column name, WATERMARK FOR or PRIMARY KEY');
    const p = name.pos;
    if (this.acceptWord('AS')) {
      const start = this.peek().offset;
      const computed = this.expr();
      const computedSql = this.textFrom(start);
      if (this.acceptWord('COMMENT')) this.stringLit('a comment');
      return { name, computed, computedSql, notNull: false, pos: p };
    }
    const type = this.sqlType();
    const col: TableColumn = { name, type, notNull: false, pos: p };
    for (;;) {
      if (this.acceptWords('NOT', 'NULL')) col.notNull = true;
      else if (this.acceptWord('NULL')) col.notNull = false;
      else if (this.isWord('METADATA')) {
        const mp = this.pos();
        this.i++;
        let key: string | undefined;
        if (this.acceptWord('FROM')) key = this.stringLit("a metadata key in quotes, e.g. METADATA FROM 'timestamp'");
        const virtual = this.acceptWord('VIRTUAL');
        col.metadata = { ...(key !== undefined ? { key } : {}), virtual, pos: mp };
      } else if (this.isWord('PRIMARY') && this.isWord('KEY', 1)) {
        const kp = this.pos();
        this.i += 2;
        this.notEnforced(kp);
        t.primaryKey = { columns: [name], pos: kp };
      } else if (this.acceptWord('COMMENT')) this.stringLit('a comment');
      else break;
    }
    return col;
  }

  private optionList(): { key: string; value: string; pos: Pos }[] {
    this.expectSym('(', " to start the WITH options ('connector' = '...')");
    const out: { key: string; value: string; pos: Pos }[] = [];
    if (this.acceptSym(')')) return out;
    do {
      const kp = this.pos();
      const key = this.stringLit("an option key in quotes, e.g. 'connector'");
      this.expectSym('=');
      const value = this.stringLit(`the value of '${key}' in quotes`);
      out.push({ key, value, pos: kp });
    } while (this.acceptSym(','));
    this.expectSym(')', ' to close the WITH options');
    return out;
  }

  private createView(temporary: boolean, p: Pos): CreateView {
    const ifNotExists = this.acceptWords('IF', 'NOT', 'EXISTS');
    const name = this.objectName('a view name');
    let columns: Ident[] | undefined;
    if (this.acceptSym('(')) {
      columns = [];
      do columns.push(this.ident('a column name'));
      while (this.acceptSym(','));
      this.expectSym(')');
    }
    if (this.acceptWord('COMMENT')) this.stringLit('a comment');
    this.expectWord('AS');
    const start = this.peek().offset;
    const query = this.query();
    return { kind: 'createView', temporary, ifNotExists, name, ...(columns ? { columns } : {}), query, sql: this.textFrom(start), pos: p };
  }

  private insert(): Insert {
    const p = this.pos();
    this.expectWord('INSERT');
    let overwrite = false;
    if (this.acceptWord('OVERWRITE')) overwrite = true;
    else this.expectWord('INTO', ' (INSERT INTO table SELECT ...)');
    const target = this.objectName('the target table');
    let partition: Insert['partition'];
    if (this.acceptWord('PARTITION')) {
      this.expectSym('(');
      partition = [];
      do {
        const key = this.ident('a partition column');
        this.expectSym('=');
        partition.push({ key, value: this.primary() });
      } while (this.acceptSym(','));
      this.expectSym(')');
    }
    let columns: Ident[] | undefined;
    if (this.isSym('(') && !this.isWord('SELECT', 1) && !this.isWord('WITH', 1) && !this.isWord('VALUES', 1)) {
      this.i++;
      columns = [];
      do columns.push(this.ident('a column name'));
      while (this.acceptSym(','));
      this.expectSym(')');
    }
    const query = this.query();
    return { kind: 'insert', overwrite, target, ...(partition ? { partition } : {}), ...(columns ? { columns } : {}), query, pos: p };
  }

  // ---- types ----
  sqlType(): SqlType {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail('a type such as STRING, INT, BIGINT, DOUBLE, DECIMAL(10, 2), BOOLEAN or TIMESTAMP(3)');
    this.i++;
    let type: SqlType;
    const paren = (): number | undefined => {
      if (!this.acceptSym('(')) return undefined;
      const n = this.intLit('a number');
      this.expectSym(')');
      return n;
    };
    switch (t.upper) {
      case 'STRING':
        type = { name: 'VARCHAR' };
        break;
      case 'VARCHAR':
      case 'CHAR':
      case 'CHARACTER': {
        let name: 'VARCHAR' | 'CHAR' = t.upper === 'VARCHAR' ? 'VARCHAR' : 'CHAR';
        if (t.upper === 'CHARACTER' && this.acceptWord('VARYING')) name = 'VARCHAR';
        const n = paren();
        // VARCHAR(2147483647) is STRING: no limit worth checking.
        type = n === undefined || n >= 2147483647 ? (name === 'CHAR' ? { name, length: 1 } : { name }) : { name, length: n };
        if (name === 'CHAR' && n !== undefined) type = { name, length: n };
        break;
      }
      case 'BOOLEAN':
        type = { name: 'BOOLEAN' };
        break;
      case 'BYTES':
      case 'BINARY':
      case 'VARBINARY':
        paren();
        type = { name: 'BYTES' };
        break;
      case 'DECIMAL':
      case 'DEC':
      case 'NUMERIC': {
        let precision = 10;
        let scale = 0;
        if (this.acceptSym('(')) {
          precision = this.intLit('a precision');
          if (this.acceptSym(',')) scale = this.intLit('a scale');
          this.expectSym(')');
        }
        type = { name: 'DECIMAL', precision, scale };
        break;
      }
      case 'TINYINT':
        type = { name: 'TINYINT' };
        break;
      case 'SMALLINT':
        type = { name: 'SMALLINT' };
        break;
      case 'INT':
      case 'INTEGER':
        type = { name: 'INTEGER' };
        break;
      case 'BIGINT':
        type = { name: 'BIGINT' };
        break;
      case 'FLOAT':
      case 'REAL':
        // Flink's FLOAT is a 4-byte float (Java float), as KDA's REAL.
        type = { name: 'REAL' };
        break;
      case 'DOUBLE':
        this.acceptWord('PRECISION');
        type = { name: 'DOUBLE' };
        break;
      case 'DATE':
        type = { name: 'DATE' };
        break;
      case 'TIME':
        paren();
        this.acceptWords('WITHOUT', 'TIME', 'ZONE');
        type = { name: 'TIME' };
        break;
      case 'TIMESTAMP': {
        const precision = paren() ?? 6;
        if (this.acceptWords('WITH', 'LOCAL', 'TIME', 'ZONE')) type = { name: 'TIMESTAMP', precision, ltz: true };
        else if (this.isWord('WITH') && this.isWord('TIME', 1))
          throw new SqlError('TIMESTAMP WITH TIME ZONE is not supported by Flink; use TIMESTAMP_LTZ', this.pos(t));
        else {
          this.acceptWords('WITHOUT', 'TIME', 'ZONE');
          type = { name: 'TIMESTAMP', precision };
        }
        break;
      }
      case 'TIMESTAMP_LTZ':
        type = { name: 'TIMESTAMP', precision: paren() ?? 6, ltz: true };
        break;
      case 'ARRAY':
      case 'MULTISET': {
        this.expectSym('<', ` (${t.upper}<type>)`);
        const element = this.sqlType();
        this.acceptWords('NOT', 'NULL');
        this.expectSym('>');
        type = { name: 'ARRAY', element };
        break;
      }
      case 'MAP': {
        this.expectSym('<', ' (MAP<key type, value type>)');
        const key = this.sqlType();
        this.acceptWords('NOT', 'NULL');
        this.expectSym(',');
        const value = this.sqlType();
        this.acceptWords('NOT', 'NULL');
        this.expectSym('>');
        type = { name: 'MAP', key, value };
        break;
      }
      case 'ROW': {
        let close = '>';
        if (!this.acceptSym('<')) {
          this.expectSym('(', ' (ROW<name type, ...>)');
          close = ')';
        }
        const fields: { name: string; type: SqlType }[] = [];
        if (!this.isSym(close))
          do {
            const fname = this.ident('a field name').name;
            const ftype = this.sqlType();
            this.acceptWords('NOT', 'NULL');
            if (this.acceptWord('COMMENT')) this.stringLit('a comment');
            fields.push({ name: fname, type: ftype });
          } while (this.acceptSym(','));
        this.expectSym(close);
        type = { name: 'ROW', fields };
        break;
      }
      default:
        throw new SqlError(
          `unknown type ${t.text}; use one of STRING, VARCHAR(n), CHAR(n), BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s), DATE, TIME, TIMESTAMP(p), TIMESTAMP_LTZ(p), BYTES, ARRAY<t>, MAP<k, v>, ROW<...>`,
          this.pos(t),
        );
    }
    // `INT ARRAY` postfix form.
    while (this.isWord('ARRAY') || this.isWord('MULTISET')) {
      this.i++;
      type = { name: 'ARRAY', element: type };
    }
    return type;
  }

  // ---- queries ----
  query(): Query {
    const p = this.pos();
    const ctes: Query['with'] = [];
    if (this.acceptWord('WITH')) {
      do {
        const name = this.ident('a name for the WITH query');
        let columns: Ident[] | undefined;
        if (this.acceptSym('(')) {
          columns = [];
          do columns.push(this.ident('a column name'));
          while (this.acceptSym(','));
          this.expectSym(')');
        }
        this.expectWord('AS');
        this.expectSym('(');
        const sub = this.query();
        this.expectSym(')');
        ctes.push({ name, ...(columns ? { columns } : {}), query: sub });
      } while (this.acceptSym(','));
    }
    const q: Query = { kind: 'query', with: ctes, body: this.unionBody(), pos: p };
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      q.orderBy = this.orderList();
    }
    if (this.acceptWord('LIMIT')) q.limit = this.intLit('a row count after LIMIT');
    else if (this.acceptWord('FETCH')) {
      if (!this.acceptWord('FIRST')) this.expectWord('NEXT');
      q.limit = this.intLit('a row count');
      if (!this.acceptWord('ROWS')) this.expectWord('ROW');
      this.expectWord('ONLY');
    }
    return q;
  }

  private unionBody(): QueryBody {
    let left = this.queryPrimary();
    for (;;) {
      const p = this.pos();
      if (this.acceptWord('UNION')) {
        const all = this.acceptWord('ALL');
        if (!all) this.acceptWord('DISTINCT');
        left = { kind: 'union', all, left, right: this.queryPrimary(), pos: p };
        continue;
      }
      if (this.isWord('EXCEPT') || this.isWord('INTERSECT') || this.isWord('MINUS')) {
        const op = this.next().upper === 'INTERSECT' ? 'INTERSECT' : 'EXCEPT';
        const all = this.acceptWord('ALL');
        if (!all) this.acceptWord('DISTINCT');
        left = { kind: 'setop', op, all, left, right: this.queryPrimary(), pos: p };
        continue;
      }
      return left;
    }
  }

  private queryPrimary(): QueryBody {
    const p = this.pos();
    if (this.isWord('SELECT')) return this.select();
    if (this.acceptWord('VALUES')) {
      const rows: Expr[][] = [];
      do {
        const rp = this.pos();
        if (this.acceptWord('ROW') && !this.isSym('(')) this.fail("'(' after ROW", this.peek());
        if (!this.isSym('(')) throw new SqlError("expected '(' starting a row of VALUES", rp);
        this.i++;
        const row: Expr[] = [];
        do row.push(this.expr());
        while (this.acceptSym(','));
        this.expectSym(')');
        rows.push(row);
      } while (this.acceptSym(','));
      return { kind: 'values', rows, pos: p };
    }
    if (this.isSym('(')) {
      this.i++;
      const q = this.query();
      this.expectSym(')');
      return { kind: 'nested', query: q, pos: p };
    }
    return this.fail('SELECT, VALUES or a parenthesised query');
  }

  private orderList(): OrderItem[] {
    const out: OrderItem[] = [];
    do {
      const p = this.pos();
      const expr = this.expr();
      let desc = false;
      if (this.acceptWord('DESC')) desc = true;
      else this.acceptWord('ASC');
      if (this.acceptWord('NULLS')) {
        if (!this.acceptWord('FIRST')) this.expectWord('LAST');
      }
      out.push({ expr, desc, pos: p });
    } while (this.acceptSym(','));
    return out;
  }

  private select(): Select {
    const start = this.expectWord('SELECT');
    // Query hints (/*+ ... */) after SELECT are accepted and ignored.
    while (this.peek().kind === 'hint') this.i++;
    let distinct = false;
    if (this.acceptWord('DISTINCT')) distinct = true;
    else this.acceptWord('ALL');
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (this.acceptSym(','));
    const q: Select = { kind: 'select', distinct, items, from: [], windows: [], pos: this.pos(start) };
    if (!this.acceptWord('FROM')) {
      // SELECT without FROM: one row of constants.
      return q;
    }
    do q.from.push(this.fromItem());
    while (this.acceptSym(','));
    if (this.acceptWord('WHERE')) q.where = this.expr();
    if (this.acceptWord('GROUP')) {
      this.expectWord('BY');
      // Each element is a list of grouping sets; the query groups by their cross product.
      let sets: Expr[][] = [[]];
      let multi = false;
      do {
        const el = this.groupingElement();
        if (el.multi) multi = true;
        const next: Expr[][] = [];
        for (const a of sets) for (const b of el.sets) next.push([...a, ...b]);
        sets = next;
      } while (this.acceptSym(','));
      q.groupBy = [];
      const seen = new Set<string>();
      for (const set of sets)
        for (const e of set) {
          const k = exprKey(e);
          if (!seen.has(k)) {
            seen.add(k);
            q.groupBy.push(e);
          }
        }
      if (multi) q.groupingSets = sets;
    }
    if (this.acceptWord('HAVING')) q.having = this.expr();
    if (this.acceptWord('WINDOW')) {
      do {
        const name = this.ident('a window name');
        this.expectWord('AS');
        q.windows.push({ name, spec: this.windowSpec() });
      } while (this.acceptSym(','));
    }
    return q;
  }

  /** One GROUP BY element as grouping sets: an expression, `()`, ROLLUP(...), CUBE(...) or GROUPING SETS(...). */
  private groupingElement(): { sets: Expr[][]; multi: boolean } {
    if (this.isWord('ROLLUP') && this.isSym('(', 1)) {
      this.i++;
      const items = this.groupingItems();
      const sets: Expr[][] = [];
      for (let n = items.length; n >= 0; n--) sets.push(items.slice(0, n).flat());
      return { sets, multi: true };
    }
    if (this.isWord('CUBE') && this.isSym('(', 1)) {
      this.i++;
      const items = this.groupingItems();
      const sets: Expr[][] = [];
      // Calcite's order: from the full set down to (), dropping trailing items first.
      for (let mask = (1 << items.length) - 1; mask >= 0; mask--) {
        const set: Expr[] = [];
        for (let j = 0; j < items.length; j++) if (mask & (1 << (items.length - 1 - j))) set.push(...items[j]!);
        sets.push(set);
      }
      return { sets, multi: true };
    }
    if (this.isWord('GROUPING') && this.isWord('SETS', 1)) {
      this.i += 2;
      this.expectSym('(');
      const sets: Expr[][] = [];
      do sets.push(...this.groupingElement().sets);
      while (this.acceptSym(','));
      this.expectSym(')');
      return { sets, multi: true };
    }
    if (this.isSym('(') && this.isSym(')', 1)) {
      this.i += 2;
      return { sets: [[]], multi: false };
    }
    if (this.isSym('(')) {
      // `(a, b)`: one set of several expressions; `(a)` is the expression a.
      const save = this.i;
      this.i++;
      const list: Expr[] = [this.expr()];
      if (this.isSym(',')) {
        while (this.acceptSym(',')) list.push(this.expr());
        this.expectSym(')');
        return { sets: [list], multi: false };
      }
      this.i = save;
    }
    return { sets: [[this.expr()]], multi: false };
  }

  /** The items of ROLLUP(...) / CUBE(...): expressions or parenthesised lists of them. */
  private groupingItems(): Expr[][] {
    this.expectSym('(');
    const items: Expr[][] = [];
    do {
      const el = this.groupingElement();
      if (el.sets.length !== 1) throw new SqlError('ROLLUP and CUBE take expressions or (lists of expressions)', this.pos());
      items.push(el.sets[0]!);
    } while (this.acceptSym(','));
    this.expectSym(')');
    return items;
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
    return { kind: 'expr', expr, ...(alias ? { alias } : {}), pos: p };
  }

  private fromItem(): FromItem {
    let left = this.fromPrimary();
    for (;;) {
      const p = this.pos();
      let joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS' | undefined;
      if (this.acceptWord('JOIN')) joinType = 'INNER';
      else if (this.acceptWords('INNER', 'JOIN')) joinType = 'INNER';
      else if (this.acceptWords('CROSS', 'JOIN')) joinType = 'CROSS';
      else if (this.isWord('NATURAL')) throw new SqlError('NATURAL JOIN is not supported; write JOIN ... USING (columns) or ON', p);
      else if (this.isWord('LEFT') || this.isWord('RIGHT') || this.isWord('FULL')) {
        joinType = this.next().upper as 'LEFT' | 'RIGHT' | 'FULL';
        this.acceptWord('OUTER');
        this.expectWord('JOIN');
      }
      if (!joinType) return left;
      const lateral = this.acceptWord('LATERAL');
      const right = this.fromPrimary();
      if (lateral && right.kind !== 'tvf') throw new SqlError('LATERAL is supported before TABLE(...) only', p);
      if (right.kind === 'unnest' && (joinType === 'RIGHT' || joinType === 'FULL'))
        throw new SqlError(`${joinType} JOIN UNNEST is not supported; write CROSS JOIN UNNEST(...) or LEFT JOIN UNNEST(...) ON TRUE`, p);
      let on: Expr | undefined;
      let using: Ident[] | undefined;
      if (joinType !== 'CROSS') {
        if (this.acceptWord('USING')) {
          this.expectSym('(');
          using = [];
          do using.push(this.ident('a column name'));
          while (this.acceptSym(','));
          this.expectSym(')');
        } else {
          this.expectWord('ON', ' (a JOIN needs an ON condition)');
          on = this.expr();
        }
      }
      left = { kind: 'join', joinType, left, right, ...(on ? { on } : {}), ...(using ? { using } : {}), pos: p };
    }
  }

  private aliasAfter(): { alias?: Ident; columnAliases?: Ident[] } {
    let alias: Ident | undefined;
    if (this.acceptWord('AS')) alias = this.ident('an alias after AS');
    else if (this.isIdentStart() && !this.isWord('MATCH_RECOGNIZE')) alias = this.ident();
    let columnAliases: Ident[] | undefined;
    if (alias && this.isSym('(') && (this.peek(1).kind === 'ident' || this.peek(1).kind === 'quoted')) {
      this.i++;
      columnAliases = [];
      do columnAliases.push(this.ident('a column alias'));
      while (this.acceptSym(','));
      this.expectSym(')');
    }
    return { ...(alias ? { alias } : {}), ...(columnAliases ? { columnAliases } : {}) };
  }

  private fromPrimary(): FromItem {
    const p = this.pos();
    if (this.acceptWord('LATERAL')) {
      if (!this.isWord('TABLE')) this.fail('TABLE(...) after LATERAL');
    }
    if (this.isWord('UNNEST') && this.isSym('(', 1)) {
      this.i += 2;
      const arg = this.expr();
      this.expectSym(')', ' to close UNNEST(');
      const ordinality = this.acceptWords('WITH', 'ORDINALITY');
      const a = this.aliasAfter();
      return { kind: 'unnest', arg, ordinality, ...a, pos: p };
    }
    if (this.isWord('TABLE') && this.isSym('(', 1)) {
      this.i += 2;
      const fn = this.ident('a table function name such as TUMBLE, HOP, CUMULATE or SESSION');
      fn.name = fn.name.toUpperCase();
      this.expectSym('(');
      const args: TvfArg[] = [];
      if (!this.isSym(')'))
        do args.push(this.tvfArg());
        while (this.acceptSym(','));
      this.expectSym(')');
      this.expectSym(')', ' to close TABLE(');
      const a = this.aliasAfter();
      return { kind: 'tvf', fn, args, ...(a.alias ? { alias: a.alias } : {}), pos: p };
    }
    if (this.isSym('(')) {
      this.i++;
      if (!this.isWord('SELECT') && !this.isWord('WITH') && !this.isWord('VALUES') && !this.isSym('(')) {
        // A parenthesised join: (a JOIN b ON ...)
        const inner = this.fromItem();
        this.expectSym(')');
        return inner;
      }
      const query = this.query();
      this.expectSym(')');
      const item: FromItem = { kind: 'subquery', query, pos: p };
      if (this.isWord('MATCH_RECOGNIZE')) item.match = this.matchRecognize();
      const a = this.aliasAfter();
      return { ...item, ...a };
    }
    const name = this.objectName('a table or view name');
    const item: Extract<FromItem, { kind: 'table' }> = { kind: 'table', name, pos: p };
    if (this.peek().kind === 'hint') item.hints = parseOptionsHint(this.next());
    if (this.isWord('FOR') && this.isWord('SYSTEM_TIME', 1)) {
      this.i += 2;
      this.expectWord('AS');
      this.expectWord('OF');
      item.asOf = this.additive();
    }
    if (this.isWord('MATCH_RECOGNIZE')) item.match = this.matchRecognize();
    const a = this.aliasAfter();
    return { ...item, ...a };
  }

  private tvfArg(): TvfArg {
    const p = this.pos();
    let argName: string | undefined;
    if ((this.peek().kind === 'ident' || this.peek().kind === 'quoted') && this.isSym('=>', 1)) {
      argName = this.next().text.toUpperCase();
      this.i++;
    }
    const named = argName ? { argName } : {};
    if (this.isWord('TABLE')) {
      this.i++;
      const name = this.objectName('a table name after TABLE');
      const partitionBy: Expr[] = [];
      if (this.acceptWord('PARTITION')) {
        this.expectWord('BY');
        if (this.acceptSym('(')) {
          do partitionBy.push(this.expr());
          while (this.acceptSym(','));
          this.expectSym(')');
        } else
          do partitionBy.push(this.additive());
          while (
            this.isSym(',') &&
            !this.isWord('DESCRIPTOR', 1) &&
            (this.peek(1).kind === 'ident' || this.peek(1).kind === 'quoted') &&
            !this.isSym('=>', 2) &&
            this.acceptSym(',')
          );
      }
      return { kind: 'table', name, partitionBy, ...named, pos: p };
    }
    if (this.isWord('DESCRIPTOR')) {
      this.i++;
      this.expectSym('(');
      const columns: Ident[] = [];
      do columns.push(this.ident('a column name'));
      while (this.acceptSym(','));
      this.expectSym(')');
      return { kind: 'descriptor', columns, ...named, pos: p };
    }
    return { kind: 'expr', expr: this.expr(), ...named, pos: p };
  }

  private matchRecognize(): MatchRecognize {
    const p = this.pos();
    this.expectWord('MATCH_RECOGNIZE');
    this.expectSym('(');
    const m: MatchRecognize = {
      partitionBy: [],
      orderBy: [],
      measures: [],
      rowsPerMatch: 'ONE',
      skip: { kind: 'PAST_LAST_ROW' },
      pattern: { k: 'seq', items: [] },
      defines: [],
      pos: p,
    };
    if (this.acceptWord('PARTITION')) {
      this.expectWord('BY');
      do m.partitionBy.push(this.expr());
      while (this.acceptSym(','));
    }
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      m.orderBy = this.orderList();
    }
    if (this.acceptWord('MEASURES')) {
      do {
        const expr = this.expr();
        this.expectWord('AS', ' (each measure needs a name: expr AS name)');
        m.measures.push({ expr, alias: this.ident('a measure name') });
      } while (this.acceptSym(','));
    }
    if (this.acceptWord('ONE')) {
      this.expectWord('ROW');
      this.expectWord('PER');
      this.expectWord('MATCH');
    } else if (this.isWord('ALL') && this.isWord('ROWS', 1)) {
      throw new SqlError('ALL ROWS PER MATCH is not supported (Flink supports ONE ROW PER MATCH only)', this.pos());
    }
    if (this.acceptWord('AFTER')) {
      this.expectWord('MATCH');
      this.expectWord('SKIP');
      if (this.acceptWords('PAST', 'LAST', 'ROW')) m.skip = { kind: 'PAST_LAST_ROW' };
      else if (this.acceptWords('TO', 'NEXT', 'ROW')) m.skip = { kind: 'TO_NEXT_ROW' };
      else if (this.acceptWords('TO', 'FIRST')) m.skip = { kind: 'TO_FIRST', v: this.ident('a pattern variable') };
      else if (this.acceptWords('TO', 'LAST')) m.skip = { kind: 'TO_LAST', v: this.ident('a pattern variable') };
      else if (this.acceptWord('TO')) m.skip = { kind: 'TO_LAST', v: this.ident('a pattern variable') };
      else this.fail('PAST LAST ROW, TO NEXT ROW, TO FIRST v or TO LAST v');
    }
    this.expectWord('PATTERN');
    this.expectSym('(');
    m.pattern = this.patternAlt();
    this.expectSym(')', ' to close PATTERN (');
    if (this.acceptWord('WITHIN')) m.within = this.primary();
    this.expectWord('DEFINE', ' (MATCH_RECOGNIZE needs DEFINE var AS condition, ...)');
    do {
      const name = this.ident('a pattern variable');
      this.expectWord('AS');
      m.defines.push({ name, cond: this.expr() });
    } while (this.acceptSym(','));
    this.expectSym(')', ' to close MATCH_RECOGNIZE (');
    return m;
  }

  private patternAlt(): PatternAst {
    const items = [this.patternSeq()];
    while (this.acceptSym('|')) items.push(this.patternSeq());
    return items.length === 1 ? items[0]! : { k: 'alt', items };
  }

  private patternSeq(): PatternAst {
    const items: PatternAst[] = [];
    while (this.isSym('(') || this.peek().kind === 'ident' || this.peek().kind === 'quoted') items.push(this.patternTerm());
    if (items.length === 0) this.fail('a pattern variable');
    return items.length === 1 ? items[0]! : { k: 'seq', items };
  }

  private patternTerm(): PatternAst {
    let item: PatternAst;
    if (this.acceptSym('(')) {
      item = this.patternAlt();
      this.expectSym(')');
    } else item = { k: 'var', name: this.ident('a pattern variable') };
    const p = this.pos();
    let min = -1;
    let max = -1;
    if (this.acceptSym('*')) {
      min = 0;
      max = -1;
    } else if (this.acceptSym('+')) {
      min = 1;
      max = -1;
    } else if (this.acceptSym('?')) {
      min = 0;
      max = 1;
    } else if (this.acceptSym('{')) {
      min = this.isSym(',') ? 0 : this.intLit('a count');
      if (this.acceptSym(',')) max = this.isSym('}') ? -1 : this.intLit('a count');
      else max = min;
      this.expectSym('}');
    } else return item;
    const greedy = !this.acceptSym('?');
    return { k: 'rep', item, min, max, greedy, pos: p };
  }

  private windowSpec(): WindowSpec {
    const p = this.pos();
    if (!this.isSym('(')) return { ref: this.ident('a window name or ( window specification )'), partitionBy: [], orderBy: [], pos: p };
    this.i++;
    const spec: WindowSpec = { partitionBy: [], orderBy: [], pos: p };
    if (this.isIdentStart() && !this.isWord('PARTITION') && !this.isWord('ORDER') && !this.isWord('RANGE') && !this.isWord('ROWS')) spec.ref = this.ident();
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
      const unit = this.next().upper as 'RANGE' | 'ROWS';
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
        if (hi !== 'CURRENT') this.expectWord('FOLLOWING');
        spec.frame = { unit, preceding: lo, following: hi };
      } else {
        const lo = bound();
        if (lo !== 'CURRENT') this.expectWord('PRECEDING');
        spec.frame = { unit, preceding: lo, following: 'CURRENT' };
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
    if (t.kind === 'op' && ['=', '<>', '!=', '<', '>', '<=', '>=', '<=>'].includes(t.text)) {
      this.i++;
      if (t.text === '<=>') return { kind: 'distinctFrom', left, right: this.concat(), not: true, pos: p };
      const op = t.text === '!=' ? '<>' : t.text;
      return { kind: 'binary', op, left, right: this.concat(), pos: p };
    }
    if (this.isWord('IS')) {
      this.i++;
      const not = this.acceptWord('NOT');
      if (this.acceptWord('NULL')) return { kind: 'is', arg: left, what: 'NULL', not, pos: p };
      if (this.acceptWord('TRUE')) return { kind: 'is', arg: left, what: 'TRUE', not, pos: p };
      if (this.acceptWord('FALSE')) return { kind: 'is', arg: left, what: 'FALSE', not, pos: p };
      if (this.acceptWord('UNKNOWN')) return { kind: 'is', arg: left, what: 'UNKNOWN', not, pos: p };
      if (this.acceptWord('JSON')) {
        if (['VALUE', 'OBJECT', 'ARRAY', 'SCALAR'].includes(this.peek().upper)) this.i++;
        return { kind: 'is', arg: left, what: 'JSON', not, pos: p };
      }
      if (this.acceptWord('DISTINCT')) {
        this.expectWord('FROM');
        return { kind: 'distinctFrom', left, right: this.concat(), not, pos: p };
      }
      return this.fail('NULL, TRUE, FALSE, UNKNOWN, JSON or DISTINCT FROM after IS');
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
      if (this.isWord('SELECT') || this.isWord('WITH')) {
        const query = this.query();
        this.expectSym(')');
        return { kind: 'inQuery', arg: left, query, not, pos: p };
      }
      const list: Expr[] = [];
      do list.push(this.expr());
      while (this.acceptSym(','));
      this.expectSym(')');
      return { kind: 'in', arg: left, list, not, pos: p };
    }
    if (this.acceptWord('LIKE')) {
      const pattern = this.concat();
      const escape = this.acceptWord('ESCAPE') ? this.concat() : undefined;
      return { kind: 'like', arg: left, pattern, ...(escape ? { escape } : {}), not, similar: false, pos: p };
    }
    if (this.isWord('SIMILAR')) {
      this.i++;
      this.expectWord('TO');
      const pattern = this.concat();
      const escape = this.acceptWord('ESCAPE') ? this.concat() : undefined;
      return { kind: 'like', arg: left, pattern, ...(escape ? { escape } : {}), not, similar: true, pos: p };
    }
    if (not) this.fail('LIKE, SIMILAR TO, BETWEEN or IN after NOT');
    return left;
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

  additive(): Expr {
    let left = this.multiplicative();
    while (this.isSym('+') || this.isSym('-')) {
      const p = this.pos();
      const op = this.next().text;
      left = { kind: 'binary', op, left, right: this.multiplicative(), pos: p };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isSym('*') || this.isSym('/') || this.isSym('%')) {
      const p = this.pos();
      const op = this.next().text;
      left = { kind: 'binary', op, left, right: this.unary(), pos: p };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isSym('-') || this.isSym('+')) {
      const p = this.pos();
      const op = this.next().text as '-' | '+';
      const arg = this.unary();
      if (op === '-' && arg.kind === 'literal' && typeof arg.value === 'number') return { ...arg, value: -arg.value, pos: p };
      if (op === '-' && arg.kind === 'interval') return { ...arg, ms: -arg.ms, months: -arg.months, pos: p };
      return { kind: 'unary', op, arg, pos: p };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isSym('[')) {
        const p = this.pos();
        this.i++;
        const index = this.expr();
        this.expectSym(']');
        e = { kind: 'index', arg: e, index, pos: p };
        continue;
      }
      if (this.isSym('.') && (this.peek(1).kind === 'ident' || this.peek(1).kind === 'quoted') && e.kind !== 'column') {
        this.i++;
        e = { kind: 'field', arg: e, field: this.ident(), pos: e.pos };
        continue;
      }
      if (this.isSym('::')) {
        const p = this.pos();
        this.i++;
        e = { kind: 'cast', arg: e, type: this.sqlType(), tryCast: false, pos: p };
        continue;
      }
      return e;
    }
  }

  primary(): Expr {
    const t = this.peek();
    const p = this.pos(t);
    if (t.kind === 'number') {
      this.i++;
      const isInt = /^\d+$/.test(t.text);
      const v = Number(t.text);
      if (isInt && !Number.isSafeInteger(v))
        throw new SqlError(`integer literal ${t.text} is beyond 9007199254740991, the largest BIGINT Freshet holds exactly; write ${t.text}E0 for a DOUBLE`, p);
      const type: SqlType = isInt
        ? Math.abs(v) > 2147483647
          ? { name: 'BIGINT' }
          : { name: 'INTEGER' }
        : /[eE]/.test(t.text)
          ? { name: 'DOUBLE' }
          : { name: 'DECIMAL', precision: t.text.replace(/[^0-9]/g, '').length, scale: t.text.split('.')[1]?.length ?? 0 };
      return { kind: 'literal', value: v, type, pos: p };
    }
    if (t.kind === 'string') {
      this.i++;
      return { kind: 'literal', value: t.text, type: { name: 'CHAR', length: t.text.length }, pos: p };
    }
    if (this.isWord('EXISTS') && this.isSym('(', 1)) {
      this.i += 2;
      const query = this.query();
      this.expectSym(')');
      return { kind: 'exists', query, pos: p };
    }
    if (this.isSym('(')) {
      this.i++;
      if (this.isWord('SELECT') || this.isWord('WITH')) {
        const query = this.query();
        this.expectSym(')');
        return { kind: 'subquery', query, pos: p };
      }
      const e = this.expr();
      if (this.isSym(',')) {
        // (a, b, c): a row constructor.
        const items = [e];
        while (this.acceptSym(',')) items.push(this.expr());
        this.expectSym(')');
        return { kind: 'row', items, pos: p };
      }
      this.expectSym(')');
      return e;
    }
    if (t.kind === 'quoted') return this.columnRef();
    if (t.kind !== 'ident') return this.fail('an expression');
    const w = t.upper;
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
      case 'TIMESTAMP_LTZ':
        if (this.peek(1).kind === 'string') {
          this.i++;
          const s = this.next().text;
          const type: SqlType =
            w === 'TIMESTAMP' ? { name: 'TIMESTAMP', precision: 3 } : w === 'TIMESTAMP_LTZ' ? { name: 'TIMESTAMP', precision: 3, ltz: true } : { name: w };
          return { kind: 'cast', arg: { kind: 'literal', value: s, type: { name: 'VARCHAR' }, pos: p }, type, tryCast: false, pos: p };
        }
        break;
      case 'CASE':
        return this.caseExpr();
      case 'CAST':
      case 'TRY_CAST': {
        this.i++;
        this.expectSym('(');
        const arg = this.expr();
        this.expectWord('AS');
        const type = this.sqlType();
        this.acceptWords('NOT', 'NULL');
        this.expectSym(')');
        return { kind: 'cast', arg, type, tryCast: w === 'TRY_CAST', pos: p };
      }
      case 'ARRAY':
        if (this.isSym('[', 1)) {
          this.i += 2;
          const items: Expr[] = [];
          if (!this.isSym(']'))
            do items.push(this.expr());
            while (this.acceptSym(','));
          this.expectSym(']');
          return { kind: 'array', items, pos: p };
        }
        break;
      case 'MAP':
        if (this.isSym('[', 1)) {
          this.i += 2;
          const items: Expr[] = [];
          if (!this.isSym(']'))
            do items.push(this.expr());
            while (this.acceptSym(','));
          this.expectSym(']');
          if (items.length % 2 !== 0) throw new SqlError('MAP[...] needs key, value pairs', p);
          return { kind: 'map', items, pos: p };
        }
        break;
      case 'ROW':
        if (this.isSym('(', 1)) {
          this.i += 2;
          const items: Expr[] = [];
          if (!this.isSym(')'))
            do items.push(this.expr());
            while (this.acceptSym(','));
          this.expectSym(')');
          return { kind: 'row', items, pos: p };
        }
        break;
      case 'CURRENT_TIMESTAMP':
      case 'LOCALTIMESTAMP':
      case 'CURRENT_DATE':
      case 'CURRENT_TIME':
      case 'LOCALTIME':
      case 'CURRENT_ROW_TIMESTAMP':
        if (!this.isSym('(', 1)) {
          this.i++;
          return { kind: 'call', name: w, args: [], star: false, distinct: false, pos: p };
        }
        break;
      default:
        break;
    }
    if (this.isSym('(', 1)) return this.call();
    if (RESERVED.has(w)) this.fail('an expression');
    return this.columnRef();
  }

  private columnRef(): Expr {
    const p = this.pos();
    const parts = [this.ident()];
    while (this.isSym('.') && (this.peek(1).kind === 'ident' || this.peek(1).kind === 'quoted')) {
      this.i++;
      parts.push(this.ident('a name after the dot'));
    }
    return { kind: 'column', parts, pos: p };
  }

  private intervalLiteral(): Expr {
    const p = this.pos();
    this.i++;
    let sign = 1;
    if (this.acceptSym('-')) sign = -1;
    else this.acceptSym('+');
    const t = this.peek();
    let text: string;
    if (t.kind === 'string') text = t.text.trim();
    else if (t.kind === 'number') text = t.text;
    else return this.fail("a quoted amount after INTERVAL, e.g. INTERVAL '5' SECOND");
    this.i++;
    const ut = this.peek();
    const unit = ut.kind === 'ident' ? unitWord(ut.upper) : undefined;
    if (!unit) this.fail('a unit (SECOND, MINUTE, HOUR, DAY, MONTH, YEAR) after the interval amount');
    this.i++;
    if (this.isSym('(')) {
      this.i++;
      this.intLit('a precision');
      if (this.acceptSym(',')) this.intLit('a precision');
      this.expectSym(')');
    }
    let to: string | undefined;
    if (this.acceptWord('TO')) {
      const tt = this.peek();
      to = tt.kind === 'ident' ? unitWord(tt.upper) : undefined;
      if (!to) this.fail('a unit after TO');
      this.i++;
      if (this.isSym('(')) {
        this.i++;
        this.intLit('a precision');
        this.expectSym(')');
      }
    }
    const neg = text.startsWith('-');
    const body = text.replace(/^[-+]/, '');
    const s = sign * (neg ? -1 : 1);
    if (MONTH_UNITS[unit!] !== undefined) {
      let months: number;
      if (to) {
        const m = /^(\d+)-(\d+)$/.exec(body);
        if (!m || unit !== 'YEAR' || to !== 'MONTH') throw new SqlError(`cannot read interval '${text}' ${unit} TO ${to}`, this.pos(t));
        months = Number(m[1]) * 12 + Number(m[2]);
      } else {
        const n = Number(body);
        if (!Number.isFinite(n)) throw new SqlError(`interval amount '${text}' is not a number`, this.pos(t));
        months = n * MONTH_UNITS[unit!]!;
      }
      return { kind: 'interval', ms: 0, months: s * months, text: `'${text}' ${unit}${to ? ` TO ${to}` : ''}`, pos: p };
    }
    let ms: number;
    if (to) {
      const order = ['DAY', 'HOUR', 'MINUTE', 'SECOND'];
      const a = order.indexOf(unit!);
      const b = order.indexOf(to);
      const parts = body.split(/[\s:]+/);
      if (a < 0 || b < a || parts.length !== b - a + 1) throw new SqlError(`cannot read interval '${text}' ${unit} TO ${to}`, this.pos(t));
      ms = 0;
      for (let k = 0; k < parts.length; k++) ms += Number(parts[k]) * UNIT_MS[order[a + k]!]!;
    } else {
      const n = Number(body);
      if (!Number.isFinite(n)) throw new SqlError(`interval amount '${text}' is not a number`, this.pos(t));
      ms = n * UNIT_MS[unit!]!;
    }
    if (!Number.isFinite(ms)) throw new SqlError(`cannot read interval '${text}'`, this.pos(t));
    return { kind: 'interval', ms: s * Math.round(ms), months: 0, text: `'${text}' ${unit}${to ? ` TO ${to}` : ''}`, pos: p };
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
    const els = this.acceptWord('ELSE') ? this.expr() : undefined;
    this.expectWord('END', ' to close CASE');
    return { kind: 'case', ...(operand ? { operand } : {}), whens, ...(els ? { else: els } : {}), pos: p };
  }

  private timeUnit(): TimeUnit {
    const t = this.peek();
    const u = t.kind === 'ident' ? unitWord(t.upper) : t.kind === 'string' ? unitWord(t.text.toUpperCase()) : undefined;
    if (!u) this.fail('a time unit (SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR)');
    this.i++;
    return u as TimeUnit;
  }

  private jsonBehavior<T extends string>(allowed: T[]): { kind: T; value?: Expr } | undefined {
    if (this.isWord('DEFAULT') && (allowed as string[]).includes('DEFAULT')) {
      this.i++;
      return { kind: 'DEFAULT' as T, value: this.additive() };
    }
    for (const a of allowed) {
      const words = a.split(' ');
      if (words.every((w, k) => this.isWord(w, k))) {
        this.i += words.length;
        return { kind: a };
      }
    }
    if (this.isWord('DEFAULT') && (allowed as string[]).includes('DEFAULT')) {
      this.i++;
      return { kind: 'DEFAULT' as T, value: this.additive() };
    }
    return undefined;
  }

  private call(): Expr {
    const t = this.next();
    const p = this.pos(t);
    const name = t.upper;
    this.expectSym('(');
    switch (name) {
      case 'EXTRACT': {
        const ut = this.peek();
        const u =
          ut.kind === 'ident'
            ? (unitWord(ut.upper) ?? (['DOW', 'DOY', 'EPOCH', 'CENTURY', 'DECADE', 'MILLENNIUM'].includes(ut.upper) ? ut.upper : undefined))
            : undefined;
        if (!u) this.fail('a unit to EXTRACT (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, ...)');
        this.i++;
        this.expectWord('FROM');
        const arg = this.expr();
        this.expectSym(')');
        return { kind: 'extract', unit: u as TimeUnit, arg, pos: p };
      }
      case 'TIMESTAMPADD':
      case 'TIMESTAMPDIFF': {
        const unit = this.timeUnit();
        this.expectSym(',');
        const a = this.expr();
        this.expectSym(',');
        const b = this.expr();
        this.expectSym(')');
        return { kind: 'timestampFn', fn: name, unit, args: [a, b], pos: p };
      }
      case 'OVERLAY': {
        const arg = this.expr();
        this.expectWord('PLACING', ' in OVERLAY(string PLACING replacement FROM start [FOR length])');
        const placing = this.expr();
        this.expectWord('FROM');
        const from = this.expr();
        const forE = this.acceptWord('FOR') ? this.expr() : undefined;
        this.expectSym(')');
        return { kind: 'overlay', arg, placing, from, ...(forE ? { for: forE } : {}), pos: p };
      }
      case 'TRIM': {
        let mode: 'BOTH' | 'LEADING' | 'TRAILING' = 'BOTH';
        let chars: Expr | undefined;
        if (this.isWord('BOTH') || this.isWord('LEADING') || this.isWord('TRAILING')) {
          mode = this.next().upper as typeof mode;
          if (!this.isWord('FROM')) chars = this.expr();
          this.expectWord('FROM');
        } else {
          const first = this.expr();
          if (this.acceptWord('FROM')) chars = first;
          else {
            this.expectSym(')');
            return { kind: 'trim', mode, arg: first, pos: p };
          }
        }
        const arg = this.expr();
        this.expectSym(')');
        return { kind: 'trim', mode, ...(chars ? { chars } : {}), arg, pos: p };
      }
      case 'JSON_VALUE': {
        const arg = this.expr();
        this.expectSym(',');
        const path = this.expr();
        let returning: SqlType | undefined;
        if (this.acceptWord('RETURNING')) returning = this.sqlType();
        let onEmpty: { kind: 'NULL' | 'ERROR' | 'DEFAULT'; value?: Expr } = { kind: 'NULL' };
        let onError: { kind: 'NULL' | 'ERROR' | 'DEFAULT'; value?: Expr } = { kind: 'NULL' };
        for (;;) {
          const b = this.jsonBehavior<'NULL' | 'ERROR' | 'DEFAULT'>(['NULL', 'ERROR', 'DEFAULT']);
          if (!b) break;
          this.expectWord('ON');
          if (this.acceptWord('EMPTY')) onEmpty = b;
          else {
            this.expectWord('ERROR');
            onError = b;
          }
        }
        this.expectSym(')');
        return { kind: 'jsonValue', arg, path, ...(returning ? { returning } : {}), onEmpty, onError, pos: p };
      }
      case 'JSON_QUERY': {
        const arg = this.expr();
        this.expectSym(',');
        const path = this.expr();
        let wrapper: 'WITHOUT' | 'CONDITIONAL' | 'UNCONDITIONAL' = 'WITHOUT';
        if (this.acceptWord('WITHOUT')) {
          this.acceptWord('ARRAY');
          this.expectWord('WRAPPER');
        } else if (this.acceptWord('WITH')) {
          wrapper = 'UNCONDITIONAL';
          if (this.acceptWord('CONDITIONAL')) wrapper = 'CONDITIONAL';
          else this.acceptWord('UNCONDITIONAL');
          this.acceptWord('ARRAY');
          this.expectWord('WRAPPER');
        }
        let onEmpty: 'NULL' | 'EMPTY ARRAY' | 'EMPTY OBJECT' | 'ERROR' = 'NULL';
        let onError: 'NULL' | 'EMPTY ARRAY' | 'EMPTY OBJECT' | 'ERROR' = 'NULL';
        for (;;) {
          const b = this.jsonBehavior<'NULL' | 'EMPTY ARRAY' | 'EMPTY OBJECT' | 'ERROR'>(['NULL', 'EMPTY ARRAY', 'EMPTY OBJECT', 'ERROR']);
          if (!b) break;
          this.expectWord('ON');
          if (this.acceptWord('EMPTY')) onEmpty = b.kind;
          else {
            this.expectWord('ERROR');
            onError = b.kind;
          }
        }
        this.expectSym(')');
        return { kind: 'jsonQuery', arg, path, wrapper, onEmpty, onError, pos: p };
      }
      case 'JSON_EXISTS': {
        const arg = this.expr();
        this.expectSym(',');
        const path = this.expr();
        if (this.jsonBehavior(['TRUE', 'FALSE', 'UNKNOWN', 'ERROR'])) {
          this.expectWord('ON');
          this.expectWord('ERROR');
        }
        this.expectSym(')');
        return { kind: 'jsonExists', arg, path, pos: p };
      }
      case 'JSON_OBJECT': {
        const entries: { key: Expr; value: Expr }[] = [];
        let absentOnNull = false;
        while (!this.isSym(')')) {
          if (this.acceptWords('NULL', 'ON', 'NULL')) break;
          if (this.acceptWords('ABSENT', 'ON', 'NULL')) {
            absentOnNull = true;
            break;
          }
          this.acceptWord('KEY');
          const key = this.concat();
          this.expectWord('VALUE', " in JSON_OBJECT(KEY 'name' VALUE expr, ...)");
          entries.push({ key, value: this.expr() });
          if (!this.acceptSym(',')) {
            if (this.acceptWords('NULL', 'ON', 'NULL')) break;
            if (this.acceptWords('ABSENT', 'ON', 'NULL')) absentOnNull = true;
            break;
          }
        }
        this.expectSym(')');
        return { kind: 'jsonObject', entries, absentOnNull, pos: p };
      }
      case 'JSON_ARRAY': {
        const items: Expr[] = [];
        let absentOnNull = true;
        while (!this.isSym(')')) {
          if (this.acceptWords('NULL', 'ON', 'NULL')) {
            absentOnNull = false;
            break;
          }
          if (this.acceptWords('ABSENT', 'ON', 'NULL')) break;
          items.push(this.expr());
          if (!this.acceptSym(',')) {
            if (this.acceptWords('NULL', 'ON', 'NULL')) absentOnNull = false;
            else this.acceptWords('ABSENT', 'ON', 'NULL');
            break;
          }
        }
        this.expectSym(')');
        return { kind: 'jsonArray', items, absentOnNull, pos: p };
      }
      default:
        break;
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
      if ((this.peek().kind === 'ident' || this.peek().kind === 'quoted') && this.isSym('.', 1) && this.isSym('*', 2)) {
        // COUNT(A.*) in MATCH_RECOGNIZE: the rows mapped to pattern variable A.
        const v = this.ident();
        this.i += 2;
        args.push({ kind: 'column', parts: [v], pos: v.pos });
      } else args.push(name === 'POSITION' ? this.concat() : this.expr());
      if ((name === 'FLOOR' || name === 'CEIL' || name === 'CEILING') && this.acceptWord('TO')) {
        const unit = this.timeUnit();
        this.expectSym(')');
        return { kind: 'floorTo', arg: args[0]!, unit, ceil: name !== 'FLOOR', pos: p };
      }
      if (name === 'POSITION' && this.acceptWord('IN')) {
        const str = this.expr();
        const from = this.acceptWord('FROM') ? this.expr() : undefined;
        this.expectSym(')');
        return { kind: 'position', sub: args[0]!, str, ...(from ? { from } : {}), pos: p };
      }
      if ((name === 'SUBSTRING' || name === 'SUBSTR') && this.acceptWord('FROM')) {
        const from = this.expr();
        const forE = this.acceptWord('FOR') ? this.expr() : undefined;
        this.expectSym(')');
        return { kind: 'substring', arg: args[0]!, from, ...(forE ? { for: forE } : {}), pos: p };
      }
      while (this.acceptSym(',')) args.push(this.expr());
    }
    this.expectSym(')', ` to close ${name}(`);
    const e: Extract<Expr, { kind: 'call' }> = { kind: 'call', name, args, star, distinct, pos: p };
    if (this.isWord('FILTER') && this.isSym('(', 1)) {
      this.i += 2;
      this.expectWord('WHERE');
      e.filter = this.expr();
      this.expectSym(')');
    }
    if (this.isWord('OVER')) {
      this.i++;
      e.over = this.windowSpec();
    }
    return e;
  }
}

/** Studio notebooks start paragraphs with interpreter lines (`%flink.ssql(type=update)`): blank them, keeping line numbers. */
function stripNotebookDirectives(text: string): string {
  return text.replace(/^[ \t]*%[^\n]*/gm, (m) => ' '.repeat(m.length));
}

/** `/*+ OPTIONS('k'='v', ...) *\/` → the options; other hints are ignored. */
function parseOptionsHint(t: Token): Record<string, string> {
  const out: Record<string, string> = {};
  const m = /^\s*OPTIONS\s*\(([\s\S]*)\)\s*$/i.exec(t.text);
  if (!m) return out;
  const re = /'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'/g;
  for (let x = re.exec(m[1]!); x; x = re.exec(m[1]!)) out[x[1]!.replace(/''/g, "'")] = x[2]!.replace(/''/g, "'");
  return out;
}

/** Parses a Flink SQL script into statements; throws SqlError with line:column. */
export function parseFlinkScript(code: string): Statement[] {
  return boundedCompile(() => new FlinkParser(code).parseScript());
}

/** Parses one Flink type, e.g. `DECIMAL(10, 2)` or `ROW<a INT, b STRING>`. */
export function parseFlinkType(text: string): SqlType {
  const p = new FlinkParser(text);
  return p.sqlType();
}

/** A structural key of an expression (positions left out): the same grouping expression written twice is one. */
function exprKey(e: Expr): string {
  return JSON.stringify(e, (k, v: unknown) => (k === 'pos' ? undefined : v));
}
