/**
 * An error in an application's SQL code, with where it is. `freshet sql check`
 * prints it as `line:column: message`; the Kinesis Analytics API wraps it in a
 * CodeValidationException.
 */
export class SqlError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(message: string, pos?: { line: number; column: number }) {
    super(pos ? `${pos.line}:${pos.column}: ${message}` : message);
    this.name = 'SqlError';
    this.line = pos?.line ?? 0;
    this.column = pos?.column ?? 0;
  }

  /** The message without the position prefix. */
  get reason(): string {
    return this.line ? this.message.slice(this.message.indexOf(': ') + 2) : this.message;
  }
}
