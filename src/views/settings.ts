/**
 * Postgres run-time parameters a session keeps for its client (SET / SHOW / RESET / current_setting), and
 * the ones announced with ParameterStatus at start-up and when they change (PostgreSQL 16 §55.2.7: the
 * GUC_REPORT parameters). Values are accepted as clients send them; a few have an effect:
 * `search_path` (name resolution in DuckDB). Output is always UTF-8, ISO dates and UTC.
 */

export const SERVER_VERSION = '15.0';
export const SERVER_VERSION_NUM = '150000';

/** Defaults, keyed by lower-case name. */
export const DEFAULT_SETTINGS: Readonly<Record<string, string>> = {
  server_version: `${SERVER_VERSION} (Freshet)`,
  server_version_num: SERVER_VERSION_NUM,
  server_encoding: 'UTF8',
  client_encoding: 'UTF8',
  datestyle: 'ISO, MDY',
  timezone: 'UTC',
  intervalstyle: 'postgres',
  integer_datetimes: 'on',
  standard_conforming_strings: 'on',
  is_superuser: 'on',
  application_name: '',
  search_path: '"$user", public',
  extra_float_digits: '1',
  bytea_output: 'hex',
  client_min_messages: 'notice',
  statement_timeout: '0',
  lock_timeout: '0',
  idle_in_transaction_session_timeout: '0',
  default_transaction_isolation: 'read committed',
  transaction_isolation: 'read committed',
  default_transaction_read_only: 'off',
  transaction_read_only: 'off',
  max_identifier_length: '63',
  lc_collate: 'C.UTF-8',
  lc_ctype: 'C.UTF-8',
  lc_messages: 'C.UTF-8',
  lc_monetary: 'C.UTF-8',
  lc_numeric: 'C.UTF-8',
  lc_time: 'C.UTF-8',
  enable_case_sensitive_identifier: 'off',
  enable_case_sensitive_super_attribute: 'off',
  json_parse_truncate_strings: 'off',
  query_group: 'default',
  enable_result_cache_for_session: 'on',
  work_mem: '4MB',
  jit: 'off',
  synchronous_commit: 'on',
  row_security: 'on',
  default_with_oids: 'off',
  escape_string_warning: 'on',
  session_authorization: '',
  in_hot_standby: 'off',
  default_table_access_method: 'heap',
};

/** Parameters reported to the client with ParameterStatus (start-up and after SET). */
export const REPORTED = [
  'application_name',
  'client_encoding',
  'datestyle',
  'default_transaction_read_only',
  'in_hot_standby',
  'integer_datetimes',
  'intervalstyle',
  'is_superuser',
  'server_encoding',
  'server_version',
  'session_authorization',
  'standard_conforming_strings',
  'timezone',
] as const;

/** The name clients expect in ParameterStatus (PostgreSQL's own spelling). */
export const REPORTED_NAME: Readonly<Record<string, string>> = {
  datestyle: 'DateStyle',
  intervalstyle: 'IntervalStyle',
  timezone: 'TimeZone',
};

/** SHOW ALL descriptions are not kept; these are the names SHOW ALL lists. */
export function settingNames(): string[] {
  return Object.keys(DEFAULT_SETTINGS).sort();
}

/** True for a parameter Freshet keeps (any PostgreSQL/Redshift one above, or a custom `prefix.name`). */
export function isKnownSetting(name: string): boolean {
  return name in DEFAULT_SETTINGS || name.includes('.');
}

/** `SET search_path` value → the DuckDB search_path (the catalog schema and main stay reachable). */
export function duckSearchPath(value: string, catalogSchema: string): string {
  const parts = value
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .filter((s) => s !== '' && s !== '$user' && s !== 'pg_catalog');
  if (!parts.includes('main')) parts.push('main');
  if (!parts.includes(catalogSchema)) parts.push(catalogSchema);
  return parts.join(',');
}
