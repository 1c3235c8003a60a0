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

/**
 * A running application whose operators keep more window/join state than its cap allows (hostile or runaway SQL:
 * an unbounded GROUP BY key, a long window over a fast stream). It stops the application instead of the server
 * running out of memory; the message names the pump and what to change.
 */
export class StateLimitError extends Error {
  readonly errorName = 'StateLimitExceeded';
  constructor(message: string) {
    super(message);
    this.name = 'StateLimitError';
  }
}

/**
 * Runs a compile step of user SQL so that a hostile program (thousands of nested parentheses, CASEs or
 * subqueries, or one expression of tens of thousands of operators) that would exhaust the recursive
 * descent's stack fails as a SqlError naming the fix instead of a RangeError from deep inside the
 * compiler. Compile time and memory stay small either way (test/security/hostile-sql.test.ts).
 */
export function boundedCompile<T>(compile: () => T): T {
  try {
    return compile();
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new SqlError(
        'The application code nests expressions, CASEs or subqueries too deeply to compile: split them into shorter expressions or intermediate streams/views.',
      );
    }
    throw e;
  }
}
