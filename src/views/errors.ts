/**
 * Errors of the Postgres endpoint, as SQLSTATE codes (PostgreSQL 16 Appendix A, "PostgreSQL Error Codes").
 * One error class; the session turns it into an ErrorResponse. Errors DuckDB raises are mapped by
 * their class ("Catalog Error: …", "Binder Error: …") and message to the nearest Postgres condition.
 */

export const SQLSTATE = {
  successful_completion: '00000',
  protocol_violation: '08P01',
  feature_not_supported: '0A000',
  invalid_authorization_specification: '28000',
  invalid_password: '28P01',
  invalid_transaction_state: '25000',
  in_failed_sql_transaction: '25P02',
  syntax_error: '42601',
  grouping_error: '42803',
  undefined_table: '42P01',
  undefined_column: '42703',
  undefined_function: '42883',
  undefined_object: '42704',
  undefined_parameter: '42P02',
  duplicate_table: '42P07',
  duplicate_object: '42710',
  duplicate_schema: '42P06',
  invalid_schema_name: '3F000',
  wrong_object_type: '42809',
  datatype_mismatch: '42804',
  invalid_text_representation: '22P02',
  numeric_value_out_of_range: '22003',
  invalid_parameter_value: '22023',
  data_exception: '22000',
  invalid_json_text: '22032',
  division_by_zero: '22012',
  unique_violation: '23505',
  not_null_violation: '23502',
  integrity_constraint_violation: '23000',
  dependent_objects_still_exist: '2BP01',
  query_canceled: '57014',
  admin_shutdown: '57P01',
  out_of_memory: '53200',
  serialization_failure: '40001',
  invalid_sql_statement_name: '26000',
  invalid_cursor_name: '34000',
  object_not_in_prerequisite_state: '55000',
  insufficient_privilege: '42501',
  invalid_grant_operation: '0LP01',
  internal_error: 'XX000',
  io_error: '58030',
} as const;

export type SqlState = (typeof SQLSTATE)[keyof typeof SQLSTATE];

/** An error answered to the client: SQLSTATE, message, and optional detail/hint. */
export class PgError extends Error {
  constructor(
    readonly code: SqlState,
    message: string,
    readonly extra: { detail?: string; hint?: string; severity?: 'ERROR' | 'FATAL' } = {},
  ) {
    super(message);
  }
}

/**
 * A DuckDB error (its message reads "<Class> Error: <text>\n<hints>\n\nLINE 1: …") as a PgError.
 * The first line is kept as the message; "Did you mean …" becomes the hint.
 */
export function fromDuckDbError(e: unknown): PgError {
  if (e instanceof PgError) return e;
  const raw = (e instanceof Error ? e.message : String(e)).replace(/^Failed to (?:extract statements|prepare statement): /, '');
  const m = /^([A-Za-z ]+?) Error: ([\s\S]*)$/.exec(raw);
  const kind = m ? m[1]!.toLowerCase() : '';
  const textAll = m ? m[2]! : raw;
  const lines = textAll.split('\n');
  let message = lines[0]!.trim();
  const didYouMean = lines.find((l) => l.startsWith('Did you mean'));
  const hint = didYouMean ? didYouMean.replace(/^Did you mean/, 'Perhaps you meant').trim() : undefined;
  const extra = hint ? { hint } : {};
  if (kind === 'interrupt' || /interrupted/i.test(message)) return new PgError(SQLSTATE.query_canceled, 'canceling statement due to user request');
  if (kind === 'parser') return new PgError(SQLSTATE.syntax_error, message, extra);
  if (kind === 'catalog') {
    let fn =
      /^Scalar Function with name (.+?) does not exist!?$/.exec(message) ?? /^(?:Aggregate|Table) Function with name (.+?) does not exist!?$/.exec(message);
    if (fn) {
      message = `function ${fn[1]} does not exist`;
      return new PgError(SQLSTATE.undefined_function, message, { hint: hint ?? 'No function matches the given name and argument types.' });
    }
    fn = /^Table with name (.+?) does not exist!?/.exec(message);
    if (fn) return new PgError(SQLSTATE.undefined_table, `relation "${fn[1]!.replace(/^"|"$/g, '')}" does not exist`, extra);
    fn = /^(?:Table|View) with name (.+?) already exists!?/.exec(message);
    if (fn) return new PgError(SQLSTATE.duplicate_table, `relation "${fn[1]!.replace(/^"|"$/g, '')}" already exists`);
    if (/^Schema with name .* does not exist/.test(message)) return new PgError(SQLSTATE.invalid_schema_name, message.replace(/!$/, ''), extra);
    if (/already exists/.test(message)) return new PgError(SQLSTATE.duplicate_object, message.replace(/!$/, ''));
    if (/^Type with name .* does not exist/.test(message)) return new PgError(SQLSTATE.undefined_object, message.replace(/!$/, ''), extra);
    if (/unrecognized configuration parameter/.test(message)) return new PgError(SQLSTATE.undefined_object, message);
    if (/does not exist/.test(message)) return new PgError(SQLSTATE.undefined_object, message.replace(/!$/, ''), extra);
    return new PgError(SQLSTATE.wrong_object_type, message, extra);
  }
  if (kind === 'binder') {
    const col = /^Referenced column "?(.+?)"? not found/.exec(message);
    if (col) return new PgError(SQLSTATE.undefined_column, `column "${col[1]}" does not exist`, extra);
    if (/^No function matches/.test(message) || /does not support the supplied arguments/.test(message)) {
      return new PgError(SQLSTATE.undefined_function, message, {
        hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
      });
    }
    if (/must appear in the GROUP BY clause/.test(message)) return new PgError(SQLSTATE.grouping_error, message, extra);
    return new PgError(SQLSTATE.datatype_mismatch, message, extra);
  }
  if (kind === 'conversion') return new PgError(SQLSTATE.invalid_text_representation, message);
  if (kind === 'out of range') return new PgError(SQLSTATE.numeric_value_out_of_range, message);
  if (kind === 'invalid input') {
    if (/JSON/.test(message)) return new PgError(SQLSTATE.invalid_json_text, message);
    return new PgError(SQLSTATE.invalid_parameter_value, message);
  }
  if (kind === 'constraint') {
    if (/NOT NULL/i.test(message)) return new PgError(SQLSTATE.not_null_violation, message);
    if (/duplicate key|PRIMARY KEY|UNIQUE/i.test(message)) return new PgError(SQLSTATE.unique_violation, message);
    return new PgError(SQLSTATE.integrity_constraint_violation, message);
  }
  if (kind === 'dependency') return new PgError(SQLSTATE.dependent_objects_still_exist, message);
  if (kind === 'transactioncontext' || kind === 'transaction context') {
    if (/conflict/i.test(message)) return new PgError(SQLSTATE.serialization_failure, message);
    return new PgError(SQLSTATE.invalid_transaction_state, message);
  }
  if (kind === 'out of memory') return new PgError(SQLSTATE.out_of_memory, message);
  if (kind === 'not implemented') return new PgError(SQLSTATE.feature_not_supported, message);
  if (kind === 'io') return new PgError(SQLSTATE.io_error, message);
  if (kind === 'permission') return new PgError(SQLSTATE.insufficient_privilege, message);
  return new PgError(SQLSTATE.internal_error, message);
}
