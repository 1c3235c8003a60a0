/**
 * SHOW CREATE TABLE / SHOW CREATE VIEW in Flink's layout (its ShowCreateUtil): the object's full name, one
 * column per line (STRING as VARCHAR(2147483647), NOT NULL, `AS expr`, `METADATA FROM 'key' [VIRTUAL]`),
 * the watermark, the primary key as a `PK_<hash>` constraint, PARTITIONED BY, then the WITH options.
 * Expressions (computed columns, watermarks, a view's query) are printed as the user wrote them, where
 * Flink prints its own expanded, fully qualified form.
 */
import type { SqlType } from '../../plan/types.ts';
import type { TableDef, ViewDef } from './catalog.ts';
import { flinkType } from './types.ts';

const q = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
const full = (name: string): string => `\`default_catalog\`.\`default_database\`.${q(name)}`;
const str = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Flink's type names in DDL: STRING is VARCHAR(2147483647). */
function typeText(t: SqlType): string {
  return flinkType(t).replace(/\bSTRING\b/g, 'VARCHAR(2147483647)');
}

/** Java's List<String>.hashCode(), which names Flink's unnamed primary key constraints (`PK_<hash>`). */
function javaListHash(items: readonly string[]): number {
  let h = 1;
  for (const s of items) {
    let sh = 0;
    for (let i = 0; i < s.length; i++) sh = (Math.imul(31, sh) + s.charCodeAt(i)) | 0;
    h = (Math.imul(31, h) + sh) | 0;
  }
  return h;
}

/** The table's WITH options, those of a `LIKE` source first. */
function optionsOf(def: TableDef, lookup: (name: string) => TableDef | ViewDef | undefined): [string, string][] {
  const out = new Map<string, string>();
  const like = def.ast.like ? lookup(def.ast.like.name) : undefined;
  if (like?.kind === 'table') for (const [k, v] of optionsOf(like, lookup)) out.set(k, v);
  for (const o of def.ast.options) out.set(o.key, o.value);
  return [...out];
}

export function showCreateTable(def: TableDef, lookup: (name: string) => TableDef | ViewDef | undefined): string {
  const lines: string[] = [];
  for (const c of def.columns) {
    const src = def.ast.columns.find((x) => x.name.name === c.name);
    const s = c.source;
    if (s.kind === 'computed' || s.kind === 'proctime')
      lines.push(`  ${q(c.name)} AS ${src?.computedSql ?? (s.kind === 'proctime' ? 'PROCTIME()' : '<expression>')}`);
    else {
      const meta = s.kind === 'metadata' ? ` METADATA${src?.metadata?.key !== undefined ? ` FROM ${str(s.key)}` : ''}${s.virtual ? ' VIRTUAL' : ''}` : '';
      lines.push(`  ${q(c.name)} ${typeText(c.type)}${src?.notNull ? ' NOT NULL' : ''}${meta}`);
    }
  }
  const wm = def.ast.watermark;
  if (wm) lines.push(`  WATERMARK FOR ${q(wm.column.name)} AS ${wm.sql}`);
  if (def.primaryKey?.length)
    lines.push(`  CONSTRAINT ${q(`PK_${javaListHash(def.primaryKey)}`)} PRIMARY KEY (${def.primaryKey.map(q).join(', ')}) NOT ENFORCED`);
  let text = `CREATE ${def.temporary ? 'TEMPORARY ' : ''}TABLE ${full(def.name)} (\n${lines.join(',\n')}\n)\n`;
  if (def.partitionedBy?.length) text += `PARTITIONED BY (${def.partitionedBy.map(q).join(', ')})\n`;
  const options = optionsOf(def, lookup);
  text += `WITH (\n${options.map(([k, v]) => `  ${str(k)} = ${str(v)}`).join(',\n')}\n)`;
  return text;
}

/** `columns`: the view's column names (its declared list, or its query's). */
export function showCreateView(def: ViewDef, columns: readonly string[]): string {
  return `CREATE ${def.temporary ? 'TEMPORARY ' : ''}VIEW ${full(def.name)}(${columns.map(q).join(', ')}) as\n${def.sql}`;
}
