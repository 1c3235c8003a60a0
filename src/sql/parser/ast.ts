/**
 * Syntax tree of the KDA SQL dialect. Identifiers are already normalised:
 * unquoted → upper case, quoted → as written (KDA's case rules).
 */
import type { SqlType } from '../plan/types.ts';

export interface Pos {
  line: number;
  column: number;
  offset: number;
}

export interface Ident {
  name: string;
  quoted: boolean;
  pos: Pos;
}

export type Statement = CreateStream | CreatePump;

export interface CreateStream {
  kind: 'createStream';
  orReplace: boolean;
  name: Ident;
  columns: { name: Ident; type: SqlType }[];
  pos: Pos;
}

export interface CreatePump {
  kind: 'createPump';
  orReplace: boolean;
  name: Ident;
  target: Ident;
  targetColumns?: Ident[];
  query: Select;
  pos: Pos;
}

export type TimeUnit = 'YEAR' | 'MONTH' | 'DAY' | 'HOUR' | 'MINUTE' | 'SECOND' | 'MILLISECOND';

export interface WindowSpec {
  /** WINDOW w AS (...) / OVER w: the name of a window it refers to. */
  ref?: Ident;
  partitionBy: Expr[];
  orderBy?: OrderItem[];
  /** RANGE INTERVAL ... PRECEDING (rangeMs) or ROWS n PRECEDING (rows). */
  frame?: { unit: 'RANGE' | 'ROWS'; preceding: Expr | 'UNBOUNDED' | 'CURRENT'; following?: Expr | 'CURRENT' };
  pos: Pos;
}

export interface OrderItem {
  expr: Expr;
  desc: boolean;
}

export type SelectItem = { kind: 'star'; qualifier?: Ident; pos: Pos } | { kind: 'expr'; expr: Expr; alias?: Ident; pos: Pos };

export interface Select {
  kind: 'select';
  stream: boolean;
  distinct: boolean;
  items: SelectItem[];
  from: FromItem[];
  where?: Expr;
  groupBy?: Expr[];
  having?: Expr;
  stagger?: { partitionBy: Expr[]; range: Expr; pos: Pos };
  windows: { name: Ident; spec: WindowSpec }[];
  orderBy?: OrderItem[];
  /** `... UNION ALL SELECT STREAM ...`: the next branch. */
  unionAll?: Select;
  pos: Pos;
}

export type FromItem =
  | { kind: 'stream'; name: Ident; alias?: Ident; over?: WindowSpec; pos: Pos }
  | { kind: 'tableFn'; fn: Ident; args: Expr[]; alias?: Ident; pos: Pos }
  | { kind: 'subquery'; query: Select; alias?: Ident; pos: Pos }
  | { kind: 'join'; joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS'; left: FromItem; right: FromItem; on?: Expr; pos: Pos };

export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; type: SqlType; pos: Pos }
  | { kind: 'interval'; ms: number; text: string; pos: Pos }
  /** `name`, `qualifier.name`, or `qualifier.name.field` (a field of a ROW value, e.g. t.r.COLUMN1). */
  | { kind: 'column'; qualifier?: Ident; name: Ident; field?: Ident; pos: Pos }
  | { kind: 'unary'; op: '-' | '+' | 'NOT'; arg: Expr; pos: Pos }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; pos: Pos }
  | { kind: 'call'; name: string; args: Expr[]; star: boolean; distinct: boolean; over?: WindowSpec; pos: Pos }
  | { kind: 'cast'; arg: Expr; type: SqlType; pos: Pos }
  | { kind: 'case'; operand?: Expr; whens: { when: Expr; then: Expr }[]; else?: Expr; pos: Pos }
  | { kind: 'between'; arg: Expr; low: Expr; high: Expr; not: boolean; pos: Pos }
  | { kind: 'in'; arg: Expr; list: Expr[]; not: boolean; pos: Pos }
  | { kind: 'like'; arg: Expr; pattern: Expr; escape?: Expr; not: boolean; similar: boolean; pos: Pos }
  | { kind: 'isNull'; arg: Expr; not: boolean; pos: Pos }
  | { kind: 'floorTo'; arg: Expr; unit: TimeUnit; ceil: boolean; pos: Pos }
  | { kind: 'step'; arg: Expr; by: Expr; pos: Pos }
  | { kind: 'extract'; unit: TimeUnit | 'DOW' | 'DOY' | 'WEEK' | 'QUARTER' | 'EPOCH'; arg: Expr; pos: Pos }
  | { kind: 'position'; sub: Expr; str: Expr; from?: Expr; pos: Pos }
  | { kind: 'trim'; mode: 'BOTH' | 'LEADING' | 'TRAILING'; chars?: Expr; arg: Expr; pos: Pos }
  | { kind: 'substring'; arg: Expr; from: Expr; for?: Expr; pos: Pos }
  /** `expr.FIELD` on a ROW-valued expression, e.g. REGEX_LOG_PARSE(...).COLUMN1 */
  | { kind: 'field'; arg: Expr; field: Ident; pos: Pos }
  /** `(t1 - t2) SECOND`: an expression read as an interval of the given unit. */
  | { kind: 'intervalOf'; arg: Expr; unit: TimeUnit; pos: Pos }
  | { kind: 'cursor'; query: Select; pos: Pos };
