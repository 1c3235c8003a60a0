/**
 * Kinesis Data Analytics SQL engine: parser → planner → plan → runtime.
 * Public names of src/sql (see docs/sql.md).
 */
export { SqlError, StateLimitError } from './errors.ts';
export { parseApplication, parseType, parseColumnList } from './parser/index.ts';
export { planApplication } from './planner/index.ts';
export type { PlanOptions } from './planner/index.ts';
export { ERROR_STREAM, ERROR_STREAM_COLUMNS, APPROXIMATE_ARRIVAL_TIME, typeToString } from './plan/index.ts';
export type { ApplicationPlan, ColumnDef, SqlType, SqlTypeName } from './plan/index.ts';
export { SqlApplication } from './runtime/application.ts';
export { FlinkApplication, FormatError } from './runtime/flink-application.ts';
export { ColumnBatch } from './runtime/column-batch.ts';
export type { FlinkApplicationOptions, FlinkListener, FlinkMetrics, FlinkState, SourceRecord } from './runtime/flink-application.ts';
export { planFlink, planFlinkScript, parseFlinkScript, parseFlinkType, flinkType } from './flink/index.ts';
export { flinkTimestampText } from './runtime/flink-functions.ts';
export type { FlinkScript, StatementResult, FlinkPlanOptions } from './flink/index.ts';
export { ROW_KIND, ROW_KIND_NAMES } from './plan/flink.ts';
export type { RowKind, ConnectorPlan, FormatPlan, FlinkTablePlan } from './plan/flink.ts';
export { createDecoder, createEncoder, printRow, printValueText } from './formats/flink.ts';
export { DatagenSource, FileSystemSink, readFileTable, resolveTablePath, PathError, kinesisStart } from './flink/index.ts';
export type { KinesisStart } from './flink/index.ts';
export { KEY_GROUPS, keyGroupOf, parallelLayout, subtaskOfKeyGroup } from './flink/index.ts';
export type { ParallelLayout } from './flink/index.ts';
export type { FileSinkState, FileSinkOptions, PathRoots } from './flink/index.ts';
export type { StreamPlan, PumpPlan, TablePlan } from './plan/index.ts';
export type { RecordDecoder, RowEncoder, DecodedRecord } from './formats/flink.ts';
export type { SqlApplicationOptions, SqlApplicationState, OutputListener } from './runtime/application.ts';
export type { Row } from './runtime/operator.ts';
export { formatTimestamp, parseTimestamp } from './runtime/functions.ts';
export {
  parseRecord,
  parseJsonPath,
  formatRowJson,
  formatRowCsv,
  rowToObject,
  formatReal,
  discoverJsonSchema,
} from './formats/index.ts';
export type { InputColumn, RecordFormat, ParsedRecord } from './formats/index.ts';
