export type { PExpr, AggFn, AggPlan, OpPlan, StreamPlan, PumpPlan, TablePlan, ApplicationPlan } from './plan.ts';
export { ERROR_STREAM, ERROR_STREAM_COLUMNS, APPROXIMATE_ARRIVAL_TIME, inputsOf } from './plan.ts';
export type { SqlType, SqlTypeName, ColumnDef } from './types.ts';
export {
  SQL_TYPE_NAMES,
  T,
  isIntegral,
  isNumeric,
  isString,
  isDatetime,
  typeToString,
  widerNumeric,
} from './types.ts';
