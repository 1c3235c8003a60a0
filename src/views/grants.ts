/**
 * GRANT and REVOKE on relations (tables, views, materialized views) and schemas, with Redshift's syntax and
 * privileges (Amazon Redshift Database Developer Guide, GRANT / REVOKE), kept in `freshet_views.grants` and
 * shown as Postgres ACLs (`pg_class.relacl`, `pg_namespace.nspacl`: `grantee=privileges/grantor`, Redshift's
 * letters `arwdxDPA` for relations and `UCDA` for schemas, `*` after a privilege held WITH GRANT OPTION,
 * an empty grantee for PUBLIC).
 *
 * Freshet's users are IAM principals, so a grant works as a resource-based policy would: a statement IAM
 * policies do not allow runs if a grant to the user (its IAM user name), to its role (`ROLE <IAM role name>`,
 * for STS sessions of that role) or to PUBLIC covers it; an explicit Deny in a policy still wins. GRANT and
 * REVOKE themselves need `views:Grant` / `views:Revoke` on the object in an IAM policy, or (GRANT only) the
 * privilege held WITH GRANT OPTION. Grants are matched by name and removed when their object is dropped.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PgError, SQLSTATE } from './errors.ts';
import { CATALOG_SCHEMA, DEFAULT_SCHEMA } from './names.ts';
import { quoteLiteral } from './sql/lexer.ts';
import type { Grantee, GrantCommand } from './sql/commands.ts';

export const GRANTS_DDL = `CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.grants (object_kind VARCHAR, schema_name VARCHAR, object_name VARCHAR,
  grantee_kind VARCHAR, grantee VARCHAR, privilege VARCHAR, grantable BOOLEAN, grantor VARCHAR)`;

/** An object a grant is on: a relation `schema.name`, or a schema (`name`, schema = name). */
export interface GrantObject {
  on: 'relation' | 'schema';
  schema: string;
  name: string;
}

/** Who a session is to grants: its user name, its role's name, and PUBLIC. */
export interface GranteeKeys {
  user?: string;
  role?: string;
}

const ACL_LETTER: Readonly<Record<string, string>> = {
  INSERT: 'a',
  SELECT: 'r',
  UPDATE: 'w',
  DELETE: 'd',
  REFERENCES: 'x',
  USAGE: 'U',
  CREATE: 'C',
  DROP: 'D',
  TRUNCATE: 'P',
  ALTER: 'A',
};
const ACL_ORDER = 'arwdRxtXUCTDPA';

/** SQL: the ACL entries (`grantee=privs/grantor`) of one object, for the pg_class / pg_namespace overlays. */
export function aclSql(kind: 'relation' | 'schema', schemaExpr: string, nameExpr: string): string {
  const letter = `CASE g.privilege ${Object.entries(ACL_LETTER)
    .map(([p, l]) => `WHEN '${p}' THEN '${l}'`)
    .join(' ')} END`;
  return `(SELECT list(a.who || '=' || a.privs || '/' || a.grantor ORDER BY a.who) FROM (
      SELECT CASE g.grantee_kind WHEN 'public' THEN '' WHEN 'role' THEN 'role ' || g.grantee ELSE g.grantee END AS who, g.grantor,
        string_agg(${letter} || CASE WHEN g.grantable THEN '*' ELSE '' END, '' ORDER BY instr('${ACL_ORDER}', ${letter})) AS privs
      FROM ${CATALOG_SCHEMA}.grants g
      WHERE g.object_kind = '${kind}' AND g.schema_name = ${schemaExpr} AND g.object_name = ${nameExpr}
      GROUP BY 1, 2) a)`;
}

function granteeMatch(keys: GranteeKeys): string {
  const parts = [`grantee_kind = 'public'`];
  if (keys.user !== undefined) parts.push(`(grantee_kind = 'user' AND grantee = ${quoteLiteral(keys.user)})`);
  if (keys.role !== undefined) parts.push(`(grantee_kind = 'role' AND grantee = ${quoteLiteral(keys.role)})`);
  return `(${parts.join(' OR ')})`;
}

function objectMatch(o: GrantObject): string {
  return `object_kind = '${o.on}' AND schema_name = ${quoteLiteral(o.schema)} AND object_name = ${quoteLiteral(o.name)}`;
}

export class Grants {
  constructor(
    private readonly conn: DuckDBConnection,
    /** External (Kinesis) schemas, which are Freshet's, not DuckDB's. */
    private readonly externalSchemas: () => ReadonlySet<string>,
  ) {}

  /** The objects a GRANT/REVOKE names, checked to exist (42P01 / 3F000 as Postgres answers). */
  async objects(cmd: GrantCommand): Promise<GrantObject[]> {
    const out: GrantObject[] = [];
    if (cmd.on === 'schema') {
      for (const o of cmd.objects) {
        if (!(await this.schemaExists(o.name))) throw new PgError(SQLSTATE.invalid_schema_name, `schema "${o.name}" does not exist`);
        out.push({ on: 'schema', schema: o.name, name: o.name });
      }
      return out;
    }
    for (const o of cmd.objects) {
      const schema = await this.relationSchema(o.schema, o.name);
      if (schema === undefined)
        throw new PgError(SQLSTATE.undefined_table, `relation "${o.schema !== undefined ? `${o.schema}.` : ''}${o.name}" does not exist`);
      out.push({ on: 'relation', schema, name: o.name });
    }
    for (const s of cmd.allInSchemas) {
      if (!(await this.schemaExists(s))) throw new PgError(SQLSTATE.invalid_schema_name, `schema "${s}" does not exist`);
      for (const name of await this.relationsIn(s)) out.push({ on: 'relation', schema: s, name });
    }
    return out;
  }

  /** Records a GRANT (a privilege granted again keeps the grant option it had, or gains it) or a REVOKE. */
  async apply(cmd: GrantCommand, objects: readonly GrantObject[], grantor: string): Promise<void> {
    for (const o of objects) {
      for (const g of cmd.grantees) {
        for (const p of cmd.privileges) {
          const where = `${objectMatch(o)} AND grantee_kind = '${g.kind}' AND grantee = ${quoteLiteral(g.name)} AND privilege = '${p}'`;
          if (cmd.kind === 'revoke') {
            if (cmd.grantOption) await this.conn.run(`UPDATE ${CATALOG_SCHEMA}.grants SET grantable = false WHERE ${where}`);
            else await this.conn.run(`DELETE FROM ${CATALOG_SCHEMA}.grants WHERE ${where}`);
            continue;
          }
          const had = await this.conn.runAndReadAll(`SELECT bool_or(grantable) FROM ${CATALOG_SCHEMA}.grants WHERE ${where}`);
          const grantable = cmd.grantOption || had.getRows()[0]?.[0] === true;
          await this.conn.run(`DELETE FROM ${CATALOG_SCHEMA}.grants WHERE ${where}`);
          await this.conn.run(
            `INSERT INTO ${CATALOG_SCHEMA}.grants VALUES ('${o.on}', ${quoteLiteral(o.schema)}, ${quoteLiteral(o.name)}, '${g.kind}', ${quoteLiteral(g.name)}, '${p}', ${grantable}, ${quoteLiteral(grantor)})`,
          );
        }
      }
    }
  }

  /** The privileges granted on `o` to these grantees (or PUBLIC), each with whether it may be granted on. */
  async privileges(o: GrantObject, keys: GranteeKeys): Promise<Map<string, boolean>> {
    const r = await this.conn.runAndReadAll(
      `SELECT privilege, bool_or(grantable) FROM ${CATALOG_SCHEMA}.grants WHERE ${objectMatch(o)} AND ${granteeMatch(keys)} GROUP BY 1`,
    );
    const out = new Map<string, boolean>();
    for (const row of r.getRows()) out.set(String(row[0]), row[1] === true);
    return out;
  }

  /** Forgets the grants on a dropped relation. */
  async dropRelation(schema: string, name: string): Promise<void> {
    await this.conn.run(`DELETE FROM ${CATALOG_SCHEMA}.grants WHERE ${objectMatch({ on: 'relation', schema, name })}`);
  }

  /** Forgets the grants on a dropped schema and on everything that was in it. */
  async dropSchema(schema: string): Promise<void> {
    await this.conn.run(`DELETE FROM ${CATALOG_SCHEMA}.grants WHERE schema_name = ${quoteLiteral(schema)}`);
  }

  /** Whether a relation `schema.name` exists (before a CREATE: its creator owns it only if it did not). */
  async relationExists(schema: string, name: string): Promise<boolean> {
    return (await this.relationSchema(schema, name)) !== undefined || (schema === DEFAULT_SCHEMA && (await this.relationSchema('main', name)) !== undefined);
  }

  private async schemaExists(name: string): Promise<boolean> {
    if (this.externalSchemas().has(name)) return true;
    const r = await this.conn.runAndReadAll(`SELECT 1 FROM duckdb_schemas() WHERE schema_name = ${quoteLiteral(name)} AND schema_name <> '${CATALOG_SCHEMA}'`);
    return r.currentRowCount > 0;
  }

  /** The schema a relation name resolves to (unqualified: public, then main, as the search path). */
  private async relationSchema(schema: string | undefined, name: string): Promise<string | undefined> {
    const candidates = schema !== undefined ? [schema] : [DEFAULT_SCHEMA, 'main'];
    for (const s of candidates) {
      const r = await this.conn.runAndReadAll(
        `SELECT 1 FROM duckdb_tables() WHERE schema_name = ${quoteLiteral(s)} AND table_name = ${quoteLiteral(name)} AND NOT temporary
         UNION ALL SELECT 1 FROM duckdb_views() WHERE schema_name = ${quoteLiteral(s)} AND view_name = ${quoteLiteral(name)} AND NOT internal AND NOT temporary`,
      );
      if (r.currentRowCount > 0) return s === 'main' ? DEFAULT_SCHEMA : s;
    }
    return undefined;
  }

  private async relationsIn(schema: string): Promise<string[]> {
    const r = await this.conn.runAndReadAll(
      `SELECT table_name FROM duckdb_tables() WHERE schema_name = ${quoteLiteral(schema)} AND NOT temporary
       UNION SELECT view_name FROM duckdb_views() WHERE schema_name = ${quoteLiteral(schema)} AND NOT internal AND NOT temporary ORDER BY 1`,
    );
    return r.getRows().map((row) => String(row[0]));
  }
}

/** `GRANT SELECT ON card_transactions TO analyst` — the statement that would give a missing privilege (hints). */
export function grantHint(privilege: string, o: GrantObject, grantee: Grantee | undefined): string {
  const on = o.on === 'schema' ? `SCHEMA ${o.name}` : o.schema === DEFAULT_SCHEMA ? o.name : `${o.schema}.${o.name}`;
  const to = grantee === undefined ? 'PUBLIC' : grantee.kind === 'role' ? `ROLE ${grantee.name}` : grantee.name;
  return `GRANT ${privilege} ON ${on} TO ${to}`;
}
