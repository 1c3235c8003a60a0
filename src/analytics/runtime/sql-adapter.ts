/**
 * SqlPort over Freshet's SQL engine (src/sql). Until src/sql exports its
 * application API this adapter reports that applications cannot run yet.
 */
import type { SqlPort } from './ports.ts';

export function createSqlPort(): SqlPort {
  const unavailable = (): never => {
    throw new Error('the SQL engine is not available in this build');
  };
  return {
    compile: unavailable,
    check: () => undefined,
    parser: unavailable,
    formatter: unavailable,
  };
}
