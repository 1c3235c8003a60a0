/**
 * DuckDB macros for the Redshift functions streaming-ingestion SQL uses, and for the pg_catalog functions
 * psql and drivers call that DuckDB lacks. Created (CREATE OR REPLACE) in the views database when it opens.
 *
 * Redshift semantics, from the Amazon Redshift Database Developer Guide:
 * - JSON_PARSE(varchar | varbyte) → SUPER; invalid JSON is an error.
 * - CAN_JSON_PARSE(varchar | varbyte) → true when JSON_PARSE would succeed (non-UTF-8 bytes: false).
 * - JSON_EXTRACT_PATH_TEXT(json, 'k1', 'k2' …[, null_if_invalid]) → VARCHAR; a missing path is NULL; invalid
 *   JSON an error unless null_if_invalid (the translator builds the path, see translate.ts).
 * - JSON_EXTRACT_ARRAY_ELEMENT_TEXT(json, pos[, null_if_invalid]), JSON_SERIALIZE(super), JSON_TYPEOF(super),
 *   IS_VALID_JSON, IS_VALID_JSON_ARRAY.
 * - FROM_VARBYTE(varbyte, 'utf-8' | 'utf8' | 'hex' | 'base64'), TO_VARBYTE(varchar, format), IS_UTF8(varbyte).
 * - GETDATE(), NVL, NVL2.
 */

import { aclSql } from '../grants.ts';

/** SQL statements creating every macro (one per entry, run in order). */
export const MACROS: readonly string[] = [
  // SUPER
  `CREATE OR REPLACE MACRO json_parse(x BLOB) AS json(decode(x)), (x VARCHAR) AS json(x)`,
  `CREATE OR REPLACE MACRO can_json_parse(x BLOB) AS CASE WHEN x IS NULL THEN NULL ELSE coalesce(json_valid(try(decode(x))), false) END,
     (x VARCHAR) AS json_valid(x)`,
  `CREATE OR REPLACE MACRO is_valid_json(x VARCHAR) AS json_valid(x)`,
  `CREATE OR REPLACE MACRO is_valid_json_array(x VARCHAR) AS json_valid(x) AND json_type(x) = 'ARRAY'`,
  `CREATE OR REPLACE MACRO json_serialize(x) AS CAST(x AS VARCHAR)`,
  `CREATE OR REPLACE MACRO json_typeof(x) AS CASE json_type(x) WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array'
     WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' ELSE 'number' END`,
  // Navigation helpers (translate.ts): exact attribute, else the first attribute equal ignoring case.
  `CREATE OR REPLACE MACRO __super_attr(j, p, nm) AS coalesce(json_extract(j, p),
     CASE WHEN json_type(j) = 'OBJECT' THEN json_extract(j, '$."' || replace(list_filter(json_keys(j), k -> lower(k) = lower(nm))[1], '"', '\\"') || '"') END)`,
  `CREATE OR REPLACE MACRO __super_text(x) AS json_extract_string(x, '$')`,
  `CREATE OR REPLACE MACRO __super_number(x) AS TRY_CAST(x AS DOUBLE)`,
  // JSON_EXTRACT_PATH_TEXT with a path built by the translator ($."k1"."k2"), or a list of keys.
  `CREATE OR REPLACE MACRO __jept(j, p) AS json_extract_string(j, p)`,
  `CREATE OR REPLACE MACRO __jept_nii(j, p) AS CASE WHEN json_valid(j) THEN json_extract_string(j, p) END`,
  `CREATE OR REPLACE MACRO __json_extract_path_text(j, keys, nii) AS CASE WHEN nii AND NOT json_valid(j) THEN NULL ELSE
     json_extract_string(j, '$' || list_reduce(list_transform(keys, k -> '."' || replace(CAST(k AS VARCHAR), '"', '\\"') || '"'), (a, b) -> a || b)) END`,
  `CREATE OR REPLACE MACRO json_extract_array_element_text(j, pos) AS json_extract_string(j, '$[' || CAST(pos AS VARCHAR) || ']'),
     (j, pos, nii) AS CASE WHEN nii AND NOT json_valid(j) THEN NULL ELSE json_extract_string(j, '$[' || CAST(pos AS VARCHAR) || ']') END`,
  // VARBYTE
  `CREATE OR REPLACE MACRO from_varbyte(x BLOB, fmt VARCHAR) AS CASE lower(fmt) WHEN 'utf-8' THEN decode(x) WHEN 'utf8' THEN decode(x)
     WHEN 'hex' THEN lower(hex(x)) WHEN 'base64' THEN to_base64(x)
     ELSE error('invalid format "' || fmt || '" for FROM_VARBYTE: use utf-8, utf8, hex or base64') END`,
  `CREATE OR REPLACE MACRO to_varbyte(x VARCHAR, fmt VARCHAR) AS CASE lower(fmt) WHEN 'utf-8' THEN encode(x) WHEN 'utf8' THEN encode(x)
     WHEN 'hex' THEN unhex(x) WHEN 'base64' THEN from_base64(x)
     ELSE error('invalid format "' || fmt || '" for TO_VARBYTE: use utf-8, utf8, hex or base64') END`,
  `CREATE OR REPLACE MACRO is_utf8(x BLOB) AS CASE WHEN x IS NULL THEN NULL ELSE try(decode(x)) IS NOT NULL END`,
  // Misc Redshift
  `CREATE OR REPLACE MACRO getdate() AS CAST(current_timestamp AS TIMESTAMP)`,
  `CREATE OR REPLACE MACRO nvl(a, b) AS coalesce(a, b)`,
  `CREATE OR REPLACE MACRO nvl2(e, a, b) AS CASE WHEN e IS NOT NULL THEN a ELSE b END`,
  // pg_catalog shims (names in translate.ts PG_FUNCTION_SHIMS)
  `CREATE OR REPLACE MACRO __pg_get_userbyid(x) AS 'freshet'`,
  `CREATE OR REPLACE MACRO __pg_get_expr(a, b) AS CAST(NULL AS VARCHAR), (a, b, c) AS CAST(NULL AS VARCHAR)`,
  `CREATE OR REPLACE MACRO __pg_table_is_visible(x) AS true`,
  `CREATE OR REPLACE MACRO __pg_encoding_to_char(x) AS 'UTF8'`,
  `CREATE OR REPLACE MACRO __pg_get_indexdef(a) AS CAST(NULL AS VARCHAR), (a, b, c) AS CAST(NULL AS VARCHAR)`,
  `CREATE OR REPLACE MACRO __pg_get_constraintdef(a) AS CAST(NULL AS VARCHAR), (a, b) AS CAST(NULL AS VARCHAR)`,
  `CREATE OR REPLACE MACRO __pg_get_viewdef(a) AS (SELECT sql FROM duckdb_views() WHERE view_oid = a), (a, b) AS (SELECT sql FROM duckdb_views() WHERE view_oid = a)`,
  `CREATE OR REPLACE MACRO __pg_null1(a) AS CAST(NULL AS VARCHAR)`,
  `CREATE OR REPLACE MACRO __pg_false1(a) AS false`,
  `CREATE OR REPLACE MACRO __array_to_string(a, d) AS array_to_string(a, d)`,
  `CREATE OR REPLACE MACRO __obj_description(a) AS CAST(NULL AS VARCHAR), (a, b) AS CAST(NULL AS VARCHAR)`,
  `CREATE OR REPLACE MACRO __col_description(a, b) AS CAST(NULL AS VARCHAR)`,
  `CREATE OR REPLACE MACRO __has_privilege(a, b) AS true, (a, b, c) AS true`,
  `CREATE OR REPLACE MACRO __pg_backend_pid() AS 0`,
  `CREATE OR REPLACE MACRO __pg_postmaster_start_time() AS current_timestamp`,
  `CREATE OR REPLACE MACRO __array_upper(a, d) AS CASE WHEN a IS NULL OR len(a) = 0 THEN NULL ELSE len(a) END`,
  `CREATE OR REPLACE MACRO __quote_ident(x) AS '"' || replace(x, '"', '""') || '"'`,
  `CREATE OR REPLACE MACRO __regclass(n) AS (SELECT oid FROM pg_catalog.pg_class WHERE relname = CASE WHEN contains(n, '.') THEN split_part(n, '.', 2) ELSE n END LIMIT 1)`,
  // pg_class as psql reads it: materialized views are relkind 'm', Freshet's own catalog is hidden, and the
  // columns newer psql versions select exist.
  // relacl: the grants of GRANT/REVOKE as Postgres ACLs (grants.ts).
  `CREATE OR REPLACE VIEW freshet_views.pg_class AS SELECT c.* REPLACE (CASE WHEN v.name IS NOT NULL THEN 'm' ELSE c.relkind END AS relkind,
       ${aclSql('relation', "CASE WHEN n.nspname = 'main' THEN 'public' ELSE n.nspname END", 'c.relname')} AS relacl),
     false AS relforcerowsecurity
   FROM pg_catalog.pg_class c
   LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   LEFT JOIN freshet_views.views v ON v.schema_name = n.nspname AND v.name = c.relname
   WHERE n.nspname IS DISTINCT FROM 'freshet_views' OR c.relname = 'svv_mv_info'`,
  // A DuckDB type name → the Postgres type OID clients see (pg_attribute, pg_operator); types Postgres has
  // no name for are text (25) as the wire announces them, generic ones (ANY, T[]) anyelement (2283).
  `CREATE OR REPLACE MACRO __pg_type_oid(t) AS CASE
     WHEN t = 'BOOLEAN' THEN 16 WHEN t IN ('TINYINT', 'SMALLINT', 'UTINYINT') THEN 21
     WHEN t IN ('INTEGER', 'USMALLINT') THEN 23 WHEN t IN ('BIGINT', 'UINTEGER') THEN 20
     WHEN t IN ('HUGEINT', 'UBIGINT', 'UHUGEINT') OR t LIKE 'DECIMAL%' THEN 1700
     WHEN t = 'FLOAT' THEN 700 WHEN t = 'DOUBLE' THEN 701 WHEN t = 'VARCHAR' THEN 1043
     WHEN t = 'JSON' THEN 114 WHEN t = 'BLOB' THEN 17 WHEN t = 'DATE' THEN 1082
     WHEN t = 'TIME' THEN 1083 WHEN t LIKE 'TIMESTAMP WITH TIME ZONE' THEN 1184
     WHEN t LIKE 'TIMESTAMP%' THEN 1114 WHEN t = 'INTERVAL' THEN 1186 WHEN t = 'UUID' THEN 2950
     WHEN t = 'ANY' OR t = 'T' OR t LIKE 'T[]%' OR t LIKE 'ANY[]%' THEN 2283
     ELSE 25 END`,
  // pg_attribute with Postgres type OIDs and numeric typmods (DuckDB reports its own type ids).
  `CREATE OR REPLACE VIEW freshet_views.pg_attribute AS SELECT a.* REPLACE (
       CASE WHEN c.data_type IS NULL THEN a.atttypid ELSE __pg_type_oid(c.data_type) END AS atttypid,
       CASE WHEN c.data_type LIKE 'DECIMAL%' THEN ((c.numeric_precision << 16) | c.numeric_scale) + 4 ELSE -1 END AS atttypmod)
   FROM pg_catalog.pg_attribute a
   LEFT JOIN duckdb_columns() c ON c.table_oid = a.attrelid AND c.column_index = a.attnum`,
  // \do: DuckDB's operators are functions named by symbols (+, ||, ~~, ->>, @>, …); they are built in, so in
  // pg_catalog (\do lists none, as Postgres without user-defined operators; \doS lists them). Comparisons
  // (=, <, …) are not functions in DuckDB and are not listed.
  `CREATE OR REPLACE VIEW freshet_views.pg_operator AS
   WITH f AS (SELECT *, row_number() OVER (ORDER BY function_name, CAST(parameter_types AS VARCHAR)) AS k FROM duckdb_functions()
              WHERE function_type = 'scalar' AND regexp_full_match(function_name, '[-+*/<>=~!@#%^&|?]+') AND len(parameters) IN (1, 2))
   SELECT CAST(50000 + k AS BIGINT) AS oid, function_name AS oprname, CAST(11 AS BIGINT) AS oprnamespace, CAST(10 AS BIGINT) AS oprowner,
     CASE WHEN len(parameters) = 1 THEN 'l' ELSE 'b' END AS oprkind, false AS oprcanmerge, false AS oprcanhash,
     CAST(CASE WHEN len(parameters) = 1 THEN 0 ELSE __pg_type_oid(parameter_types[1]) END AS BIGINT) AS oprleft,
     CAST(__pg_type_oid(parameter_types[len(parameters)]) AS BIGINT) AS oprright, CAST(__pg_type_oid(return_type) AS BIGINT) AS oprresult,
     CAST(0 AS BIGINT) AS oprcom, CAST(0 AS BIGINT) AS oprnegate, function_name AS oprcode
   FROM f`,
  // Catalogs psql's \d reads that DuckDB lacks: empty, with the columns psql selects.
  `CREATE OR REPLACE VIEW freshet_views.pg_policy AS SELECT CAST(NULL AS BIGINT) AS oid, CAST(NULL AS VARCHAR) AS polname, CAST(NULL AS BIGINT) AS polrelid,
     CAST(NULL AS VARCHAR) AS polcmd, CAST(NULL AS BOOLEAN) AS polpermissive, CAST(NULL AS BIGINT[]) AS polroles, CAST(NULL AS VARCHAR) AS polqual,
     CAST(NULL AS VARCHAR) AS polwithcheck WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_roles AS SELECT CAST(10 AS BIGINT) AS oid, 'freshet' AS rolname, true AS rolsuper, true AS rolinherit,
     true AS rolcreaterole, true AS rolcreatedb, true AS rolcanlogin, false AS rolreplication, -1 AS rolconnlimit, CAST(NULL AS TIMESTAMP) AS rolvaliduntil,
     true AS rolbypassrls, CAST(NULL AS VARCHAR[]) AS rolconfig`,
  `CREATE OR REPLACE VIEW freshet_views.pg_user AS SELECT 'freshet' AS usename, CAST(10 AS BIGINT) AS usesysid, true AS usecreatedb, true AS usesuper`,
  `CREATE OR REPLACE VIEW freshet_views.pg_statistic_ext AS SELECT CAST(NULL AS BIGINT) AS oid, CAST(NULL AS BIGINT) AS stxrelid, CAST(NULL AS VARCHAR) AS stxname,
     CAST(NULL AS BIGINT) AS stxnamespace, CAST(NULL AS INTEGER) AS stxstattarget, CAST(NULL AS VARCHAR[]) AS stxkind, CAST(NULL AS INTEGER[]) AS stxkeys,
     CAST(NULL AS VARCHAR) AS stxexprs WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_publication AS SELECT CAST(NULL AS BIGINT) AS oid, CAST(NULL AS VARCHAR) AS pubname, CAST(NULL AS BOOLEAN) AS puballtables,
     CAST(NULL AS BOOLEAN) AS pubinsert, CAST(NULL AS BOOLEAN) AS pubupdate, CAST(NULL AS BOOLEAN) AS pubdelete, CAST(NULL AS BOOLEAN) AS pubtruncate,
     CAST(NULL AS BOOLEAN) AS pubviaroot WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_publication_rel AS SELECT CAST(NULL AS BIGINT) AS oid, CAST(NULL AS BIGINT) AS prpubid, CAST(NULL AS BIGINT) AS prrelid,
     CAST(NULL AS VARCHAR) AS prqual, CAST(NULL AS INTEGER[]) AS prattrs WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_publication_namespace AS SELECT CAST(NULL AS BIGINT) AS oid, CAST(NULL AS BIGINT) AS pnpubid, CAST(NULL AS BIGINT) AS pnnspid WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_inherits AS SELECT CAST(NULL AS BIGINT) AS inhrelid, CAST(NULL AS BIGINT) AS inhparent, CAST(NULL AS INTEGER) AS inhseqno,
     CAST(NULL AS BOOLEAN) AS inhdetachpending WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_trigger AS SELECT CAST(NULL AS BIGINT) AS oid, CAST(NULL AS BIGINT) AS tgrelid, CAST(NULL AS BIGINT) AS tgparentid,
     CAST(NULL AS VARCHAR) AS tgname, CAST(NULL AS VARCHAR) AS tgenabled, CAST(NULL AS BOOLEAN) AS tgisinternal, CAST(NULL AS BIGINT) AS tgconstraint WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_rewrite AS SELECT CAST(NULL AS BIGINT) AS oid, CAST(NULL AS VARCHAR) AS rulename, CAST(NULL AS BIGINT) AS ev_class,
     CAST(NULL AS VARCHAR) AS ev_type, CAST(NULL AS VARCHAR) AS ev_enabled WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_matviews AS SELECT v.schema_name AS schemaname, v.name AS matviewname, 'freshet' AS matviewowner,
     CAST(NULL AS VARCHAR) AS tablespace, false AS hasindexes, true AS ispopulated, v.query AS definition FROM freshet_views.views v`,
  `CREATE OR REPLACE VIEW freshet_views.pg_foreign_table AS SELECT CAST(NULL AS BIGINT) AS ftrelid, CAST(NULL AS BIGINT) AS ftserver, CAST(NULL AS VARCHAR[]) AS ftoptions WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_partitioned_table AS SELECT CAST(NULL AS BIGINT) AS partrelid, CAST(NULL AS VARCHAR) AS partstrat WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_stat_activity AS SELECT CAST(NULL AS BIGINT) AS pid, CAST(NULL AS VARCHAR) AS datname, CAST(NULL AS VARCHAR) AS usename,
     CAST(NULL AS VARCHAR) AS application_name, CAST(NULL AS VARCHAR) AS state, CAST(NULL AS VARCHAR) AS query WHERE false`,
  // \l: one database (the session's name is put in by the translator), UTF8, owned by freshet; pg_tablespace has pg_default (oid 0).
  `CREATE OR REPLACE VIEW freshet_views.pg_database AS SELECT CAST(1 AS BIGINT) AS oid, current_database() AS datname, CAST(10 AS BIGINT) AS datdba,
     6 AS encoding, 'c' AS datlocprovider, false AS datistemplate, true AS datallowconn, -1 AS datconnlimit, CAST(0 AS BIGINT) AS dattablespace,
     'C.UTF-8' AS datcollate, 'C.UTF-8' AS datctype, CAST(NULL AS VARCHAR) AS daticulocale, CAST(NULL AS VARCHAR) AS datcollversion,
     CAST(NULL AS VARCHAR[]) AS datacl`,
  `CREATE OR REPLACE MACRO __pg_database_size(d) AS (SELECT sum(total_blocks * block_size) FROM pragma_database_size())`,
  `CREATE OR REPLACE MACRO __pg_size_pretty(b) AS CASE WHEN b IS NULL THEN NULL WHEN abs(b) < 10240 THEN CAST(b AS BIGINT) || ' bytes'
     WHEN abs(b) < 10240 * 1024 THEN CAST(round(b / 1024) AS BIGINT) || ' kB' WHEN abs(b) < 10240 * 1024 * 1024 THEN CAST(round(b / 1024 / 1024) AS BIGINT) || ' MB'
     WHEN abs(b) < 10240 * 1024 * 1024 * 1024 THEN CAST(round(b / 1024 / 1024 / 1024) AS BIGINT) || ' GB' ELSE CAST(round(b / 1024 / 1024 / 1024 / 1024) AS BIGINT) || ' TB' END`,
  // \df: one row per overload from duckdb_functions(); DuckDB's built-ins and Freshet's Redshift functions are in
  // pg_catalog (so \df lists only what users created, \dfS the rest), Freshet's own helpers (__…) are hidden.
  `CREATE OR REPLACE VIEW freshet_views.pg_namespace AS SELECT * REPLACE (${aclSql('schema', 'nspname', 'nspname')} AS nspacl) FROM pg_catalog.pg_namespace
     UNION ALL SELECT CAST(11 AS BIGINT), 'pg_catalog', 0, NULL UNION ALL SELECT CAST(13 AS BIGINT), 'information_schema', 0, NULL`,
  `CREATE OR REPLACE VIEW freshet_views.pg_proc AS
   WITH f AS (SELECT *, row_number() OVER (PARTITION BY function_oid ORDER BY CAST(parameter_types AS VARCHAR), CAST(parameters AS VARCHAR)) AS k
              FROM duckdb_functions() WHERE NOT starts_with(function_name, '__'))
   SELECT CAST(f.function_oid * 1000 + f.k AS BIGINT) AS oid, f.function_name AS proname,
     CAST(CASE WHEN f.internal OR f.schema_name = 'main' THEN 11 ELSE coalesce((SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = f.schema_name), 11) END AS BIGINT) AS pronamespace,
     CAST(10 AS BIGINT) AS proowner, CAST(CASE WHEN f.function_type LIKE '%macro' THEN 14 ELSE 12 END AS BIGINT) AS prolang,
     CASE f.function_type WHEN 'aggregate' THEN 'a' ELSE 'f' END AS prokind, false AS prosecdef, false AS proleakproof, false AS proisstrict,
     f.function_type IN ('table', 'table_macro') AS proretset,
     CASE WHEN f.has_side_effects OR f.stability = 'VOLATILE' THEN 'v' WHEN f.stability = 'CONSISTENT_WITHIN_QUERY' THEN 's' ELSE 'i' END AS provolatile,
     's' AS proparallel, len(f.parameters) AS pronargs, 0 AS pronargdefaults, coalesce(f.macro_definition, f.function_name) AS prosrc,
     CAST(NULL AS VARCHAR) AS prosqlbody, CAST(NULL AS VARCHAR[]) AS proconfig, CAST(NULL AS VARCHAR[]) AS proacl, f.function_type = 'aggregate' AS proisagg,
     CASE WHEN f.function_type IN ('table', 'table_macro') THEN 'SETOF record' ELSE coalesce(lower(f.return_type), '') END AS __result,
     array_to_string(list_transform(list_zip(f.parameters, f.parameter_types), x -> x[1] || coalesce(' ' || lower(x[2]), '')), ', ') AS __args
   FROM f`,
  `CREATE OR REPLACE MACRO __pg_get_function_result(o) AS (SELECT __result FROM freshet_views.pg_proc WHERE oid = o)`,
  `CREATE OR REPLACE MACRO __pg_get_function_arguments(o) AS (SELECT __args FROM freshet_views.pg_proc WHERE oid = o)`,
  `CREATE OR REPLACE VIEW freshet_views.pg_language AS SELECT * FROM (VALUES (CAST(12 AS BIGINT), 'internal'), (CAST(13 AS BIGINT), 'c'), (CAST(14 AS BIGINT), 'sql'))
     AS l(oid, lanname)`,
  // \du and \dx
  `CREATE OR REPLACE VIEW freshet_views.pg_auth_members AS SELECT CAST(NULL AS BIGINT) AS oid, CAST(NULL AS BIGINT) AS roleid, CAST(NULL AS BIGINT) AS member,
     CAST(NULL AS BIGINT) AS grantor, CAST(NULL AS BOOLEAN) AS admin_option, CAST(NULL AS BOOLEAN) AS inherit_option, CAST(NULL AS BOOLEAN) AS set_option WHERE false`,
  `CREATE OR REPLACE VIEW freshet_views.pg_extension AS SELECT CAST(row_number() OVER (ORDER BY extension_name) + 30000 AS BIGINT) AS oid, extension_name AS extname,
     CAST(10 AS BIGINT) AS extowner, CAST(11 AS BIGINT) AS extnamespace, false AS extrelocatable, extension_version AS extversion
   FROM duckdb_extensions() WHERE loaded`,
  // format_type(oid, typmod) as Postgres names types (psql \d shows these).
  `CREATE OR REPLACE MACRO __format_type(t, m) AS CASE t
     WHEN 16 THEN 'boolean' WHEN 17 THEN 'bytea' WHEN 20 THEN 'bigint' WHEN 21 THEN 'smallint' WHEN 23 THEN 'integer'
     WHEN 25 THEN 'text' WHEN 114 THEN 'json' WHEN 700 THEN 'real' WHEN 701 THEN 'double precision'
     WHEN 1043 THEN 'character varying' WHEN 1082 THEN 'date' WHEN 1083 THEN 'time without time zone'
     WHEN 1114 THEN 'timestamp without time zone' WHEN 1184 THEN 'timestamp with time zone' WHEN 1186 THEN 'interval'
     WHEN 1700 THEN CASE WHEN m IS NOT NULL AND m > 4 THEN 'numeric(' || ((m - 4) >> 16) || ',' || ((m - 4) & 65535) || ')' ELSE 'numeric' END
     WHEN 2950 THEN 'uuid' WHEN 2283 THEN 'anyelement'
     ELSE coalesce((SELECT typname FROM pg_catalog.pg_type WHERE oid = t LIMIT 1), 'unknown') END`,
];
