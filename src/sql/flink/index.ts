/**
 * The Flink SQL dialect's front end: parser and planner onto the shared plan
 * (FlinkApplication in src/sql/runtime runs it). Public names of src/sql/flink.
 */
export { parseFlinkScript, parseFlinkType } from './parser.ts';
export { planFlink, planFlinkScript } from './planner/planner.ts';
export type { FlinkPlanOptions, FlinkScript, StatementResult } from './planner/planner.ts';
export { flinkType } from './planner/types.ts';
export { DatagenSource } from './connectors/datagen.ts';
export { FileSystemSink } from './connectors/filesystem-sink.ts';
export type { FileSinkState, FileSinkOptions } from './connectors/filesystem-sink.ts';
export { readFileTable } from './connectors/file-source.ts';
export { kinesisStart, parseInitTimestamp } from './connectors/kinesis.ts';
export type { KinesisStart } from './connectors/kinesis.ts';
export { resolveTablePath, PathError } from './connectors/paths.ts';
export type { PathRoots } from './connectors/paths.ts';
export { KEY_GROUPS, keyGroupOf, parallelLayout, subtaskOfKeyGroup } from './parallel.ts';
export type { ParallelLayout } from './parallel.ts';
