/**
 * The Flink SQL dialect's front end: parser and planner onto the shared plan
 * (FlinkApplication in src/sql/runtime runs it). Public names of src/sql/flink.
 */
export { parseFlinkScript, parseFlinkType } from './parser.ts';
export { planFlink, planFlinkScript } from './planner/planner.ts';
export type { FlinkPlanOptions, FlinkScript, StatementResult } from './planner/planner.ts';
export { flinkType } from './planner/types.ts';
export { flinkTimestampText } from '../runtime/flink-functions.ts';
