export { parseApplication, parseType, parseColumnList } from './parser.ts';
export type * from './ast.ts';
