/**
 * Syntax tree of the Flink SQL dialect. Identifiers keep their case (Flink
 * resolves names case-sensitively; keywords and function names are
 * case-insensitive and upper-cased here).
 */
import type { SqlType } from '../plan/types.ts';

export interface Pos {
  line: number;
  column: number;
}

export interface Ident {
  name: string;
  pos: Pos;
}

export type TimeUnit = 'YEAR' | 'QUARTER' | 'MONTH' | 'WEEK' | 'DAY' | 'HOUR' | 'MINUTE' | 'SECOND' | 'MILLISECOND' | 'MICROSECOND' | 'NANOSECOND';

export type Statement =
  | CreateTable
  | CreateView
  | { kind: 'drop'; what: 'TABLE' | 'VIEW'; temporary: boolean; ifExists: boolean; name: Ident; pos: Pos }
  | { kind: 'set'; key?: string; value?: string; pos: Pos }
  | { kind: 'reset'; key?: string; pos: Pos }
  | { kind: 'explain'; details: string[]; target: Insert | QueryStatement | StatementSet; pos: Pos }
  | Insert
  | StatementSet
  | QueryStatement
  | { kind: 'show'; what: 'TABLES' | 'VIEWS' | 'FUNCTIONS'; pos: Pos }
  | { kind: 'showCreate'; what: 'TABLE' | 'VIEW'; name: Ident; pos: Pos }
  | { kind: 'describe'; name: Ident; pos: Pos }
  | { kind: 'unsupported'; what: string; hint: string; pos: Pos };

export interface TableColumn {
  name: Ident;
  /** Physical or metadata column type; absent for a computed column. */
  type?: SqlType;
  notNull: boolean;
  /** `col AS expr` */
  computed?: Expr;
  /** The computed column's expression as written (SHOW CREATE TABLE). */
  computedSql?: string;
  /** `col TYPE METADATA [FROM 'key'] [VIRTUAL]` */
  metadata?: { key?: string; virtual: boolean; pos: Pos };
  pos: Pos;
}

export interface CreateTable {
  kind: 'createTable';
  temporary: boolean;
  ifNotExists: boolean;
  name: Ident;
  columns: TableColumn[];
  watermark?: { column: Ident; expr: Expr; sql: string; pos: Pos };
  primaryKey?: { columns: Ident[]; pos: Pos };
  partitionedBy?: Ident[];
  options: { key: string; value: string; pos: Pos }[];
  /** `LIKE other`: columns and options copied from another table. */
  like?: Ident;
  /** CREATE TABLE ... AS SELECT: the columns are the query's, and the query is inserted into the table. */
  asQuery?: Query;
  pos: Pos;
}

export interface CreateView {
  kind: 'createView';
  temporary: boolean;
  ifNotExists: boolean;
  name: Ident;
  columns?: Ident[];
  query: Query;
  /** The query as written (SHOW CREATE VIEW). */
  sql: string;
  pos: Pos;
}

export interface Insert {
  kind: 'insert';
  overwrite: boolean;
  target: Ident;
  /** Static partition values: `PARTITION (dt = '2024-01-01')`. */
  partition?: { key: Ident; value: Expr }[];
  columns?: Ident[];
  query: Query;
  pos: Pos;
}

export interface StatementSet {
  kind: 'statementSet';
  inserts: Insert[];
  pos: Pos;
}

export interface QueryStatement {
  kind: 'query';
  query: Query;
  pos: Pos;
}

/** A query: WITH … then a body (SELECT, UNION ALL, VALUES) with ORDER BY / LIMIT. */
export interface Query {
  kind: 'query';
  with: { name: Ident; columns?: Ident[]; query: Query }[];
  body: QueryBody;
  orderBy?: OrderItem[];
  limit?: number;
  /** Planner-made: one more correlation `inner = outer` of a scalar subquery (`outer` in the enclosing query's scope). */
  correlate?: { inner: Expr; outer: Expr };
  pos: Pos;
}

export type QueryBody =
  | Select
  | { kind: 'union'; all: boolean; left: QueryBody; right: QueryBody; pos: Pos }
  /** INTERSECT / EXCEPT: DISTINCT a semi / anti join of the left's distinct rows with the right's rows; ALL counts copies. */
  | { kind: 'setop'; op: 'INTERSECT' | 'EXCEPT'; all: boolean; left: QueryBody; right: QueryBody; pos: Pos }
  | { kind: 'values'; rows: Expr[][]; pos: Pos }
  | { kind: 'nested'; query: Query; pos: Pos };

export interface OrderItem {
  expr: Expr;
  desc: boolean;
  pos: Pos;
}

export type SelectItem = { kind: 'star'; qualifier?: Ident; pos: Pos } | { kind: 'expr'; expr: Expr; alias?: Ident; pos: Pos };

export interface Select {
  kind: 'select';
  distinct: boolean;
  items: SelectItem[];
  from: FromItem[];
  where?: Expr;
  groupBy?: Expr[];
  /**
   * GROUPING SETS / ROLLUP / CUBE: the grouping sets, each a list of expressions from groupBy (which then
   * holds every grouping expression once). Undefined for a plain GROUP BY.
   */
  groupingSets?: Expr[][];
  having?: Expr;
  windows: { name: Ident; spec: WindowSpec }[];
  pos: Pos;
}

export interface WindowSpec {
  ref?: Ident;
  partitionBy: Expr[];
  orderBy: OrderItem[];
  frame?: { unit: 'RANGE' | 'ROWS'; preceding: Expr | 'UNBOUNDED' | 'CURRENT'; following: 'CURRENT' | Expr | 'UNBOUNDED' };
  pos: Pos;
}

/** A table-valued function argument: `TABLE t [PARTITION BY ...]`, `DESCRIPTOR(col)`, or an expression; optionally named (`SIZE => ...`). */
export type TvfArg =
  | { kind: 'table'; name: Ident; partitionBy: Expr[]; argName?: string; pos: Pos }
  | { kind: 'descriptor'; columns: Ident[]; argName?: string; pos: Pos }
  | { kind: 'expr'; expr: Expr; argName?: string; pos: Pos };

export interface MatchRecognize {
  partitionBy: Expr[];
  orderBy: OrderItem[];
  measures: { expr: Expr; alias: Ident }[];
  rowsPerMatch: 'ONE' | 'ALL';
  skip: { kind: 'PAST_LAST_ROW' | 'TO_NEXT_ROW' | 'TO_FIRST' | 'TO_LAST'; v?: Ident };
  pattern: PatternAst;
  within?: Expr;
  defines: { name: Ident; cond: Expr }[];
  pos: Pos;
}

export type PatternAst =
  | { k: 'var'; name: Ident }
  | { k: 'seq'; items: PatternAst[] }
  | { k: 'alt'; items: PatternAst[] }
  | { k: 'rep'; item: PatternAst; min: number; max: number; greedy: boolean; pos: Pos };

export type FromItem =
  | {
      kind: 'table';
      name: Ident;
      alias?: Ident;
      columnAliases?: Ident[];
      /** FOR SYSTEM_TIME AS OF expr */
      asOf?: Expr;
      match?: MatchRecognize;
      /** `/*+ OPTIONS('k'='v') *\/` dynamic table options. */
      hints?: Record<string, string>;
      pos: Pos;
    }
  | { kind: 'subquery'; query: Query; alias?: Ident; columnAliases?: Ident[]; match?: MatchRecognize; pos: Pos }
  | { kind: 'tvf'; fn: Ident; args: TvfArg[]; alias?: Ident; pos: Pos }
  /** `UNNEST(array_or_map) [WITH ORDINALITY] [AS t (c, ...)]`: only as the right side of a join (a correlate). */
  | { kind: 'unnest'; arg: Expr; ordinality: boolean; alias?: Ident; columnAliases?: Ident[]; pos: Pos }
  | {
      kind: 'join';
      joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';
      left: FromItem;
      right: FromItem;
      on?: Expr;
      using?: Ident[];
      pos: Pos;
    };

export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; type: SqlType; pos: Pos }
  | { kind: 'interval'; ms: number; months: number; text: string; pos: Pos }
  /** `name`, `qualifier.name`, `a.b.c` (qualifier and nested fields resolved by the planner). */
  | { kind: 'column'; parts: Ident[]; pos: Pos }
  | { kind: 'unary'; op: '-' | '+' | 'NOT'; arg: Expr; pos: Pos }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; pos: Pos }
  | {
      kind: 'call';
      name: string;
      args: Expr[];
      star: boolean;
      distinct: boolean;
      over?: WindowSpec;
      /** FILTER (WHERE cond) on an aggregate. */
      filter?: Expr;
      pos: Pos;
    }
  | { kind: 'cast'; arg: Expr; type: SqlType; tryCast: boolean; pos: Pos }
  | { kind: 'case'; operand?: Expr; whens: { when: Expr; then: Expr }[]; else?: Expr; pos: Pos }
  | { kind: 'between'; arg: Expr; low: Expr; high: Expr; not: boolean; pos: Pos }
  | { kind: 'in'; arg: Expr; list: Expr[]; not: boolean; pos: Pos }
  /** `arg [NOT] IN (SELECT ...)`: planned as a semi (anti) join when it is a conjunct of WHERE. */
  | { kind: 'inQuery'; arg: Expr; query: Query; not: boolean; pos: Pos }
  /** `EXISTS (SELECT ...)`, possibly correlated: a semi join (NOT EXISTS: an anti join) as a conjunct of WHERE. */
  | { kind: 'exists'; query: Query; pos: Pos }
  | { kind: 'like'; arg: Expr; pattern: Expr; escape?: Expr; not: boolean; similar: boolean; pos: Pos }
  | { kind: 'is'; arg: Expr; what: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN' | 'JSON'; not: boolean; pos: Pos }
  | { kind: 'distinctFrom'; left: Expr; right: Expr; not: boolean; pos: Pos }
  | { kind: 'floorTo'; arg: Expr; unit: TimeUnit; ceil: boolean; pos: Pos }
  | { kind: 'extract'; unit: TimeUnit | 'DOW' | 'DOY' | 'EPOCH' | 'CENTURY' | 'DECADE' | 'MILLENNIUM'; arg: Expr; pos: Pos }
  /** TIMESTAMPADD(unit, n, ts) / TIMESTAMPDIFF(unit, a, b) */
  | { kind: 'timestampFn'; fn: 'TIMESTAMPADD' | 'TIMESTAMPDIFF'; unit: TimeUnit; args: [Expr, Expr]; pos: Pos }
  | { kind: 'position'; sub: Expr; str: Expr; from?: Expr; pos: Pos }
  | { kind: 'trim'; mode: 'BOTH' | 'LEADING' | 'TRAILING'; chars?: Expr; arg: Expr; pos: Pos }
  | { kind: 'substring'; arg: Expr; from: Expr; for?: Expr; pos: Pos }
  | { kind: 'overlay'; arg: Expr; placing: Expr; from: Expr; for?: Expr; pos: Pos }
  /** JSON_VALUE(json, path [RETURNING type] [NULL|ERROR|DEFAULT x ON EMPTY] [... ON ERROR]) */
  | {
      kind: 'jsonValue';
      arg: Expr;
      path: Expr;
      returning?: SqlType;
      onEmpty: { kind: 'NULL' | 'ERROR' | 'DEFAULT'; value?: Expr };
      onError: { kind: 'NULL' | 'ERROR' | 'DEFAULT'; value?: Expr };
      pos: Pos;
    }
  /** JSON_QUERY(json, path [WITHOUT|WITH [CONDITIONAL|UNCONDITIONAL] [ARRAY] WRAPPER] [... ON EMPTY] [... ON ERROR]) */
  | {
      kind: 'jsonQuery';
      arg: Expr;
      path: Expr;
      wrapper: 'WITHOUT' | 'CONDITIONAL' | 'UNCONDITIONAL';
      onEmpty: 'NULL' | 'EMPTY ARRAY' | 'EMPTY OBJECT' | 'ERROR';
      onError: 'NULL' | 'EMPTY ARRAY' | 'EMPTY OBJECT' | 'ERROR';
      pos: Pos;
    }
  /** JSON_EXISTS(json, path [TRUE|FALSE|UNKNOWN|ERROR ON ERROR]) */
  | { kind: 'jsonExists'; arg: Expr; path: Expr; pos: Pos }
  /** JSON_OBJECT([KEY] k VALUE v, ... [NULL|ABSENT ON NULL]) */
  | { kind: 'jsonObject'; entries: { key: Expr; value: Expr }[]; absentOnNull: boolean; pos: Pos }
  | { kind: 'jsonArray'; items: Expr[]; absentOnNull: boolean; pos: Pos }
  /** `e[i]` on an ARRAY (1-based) or a MAP. */
  | { kind: 'index'; arg: Expr; index: Expr; pos: Pos }
  /** `(expr).field` on a ROW value. */
  | { kind: 'field'; arg: Expr; field: Ident; pos: Pos }
  | { kind: 'array'; items: Expr[]; pos: Pos }
  | { kind: 'map'; items: Expr[]; pos: Pos }
  | { kind: 'row'; items: Expr[]; pos: Pos }
  /** A scalar subquery `(SELECT x FROM ...)`: its one column's current value (SELECT and WHERE, uncorrelated). */
  | { kind: 'subquery'; query?: Query; pos: Pos };
