export {
  parseRecord,
  parseJsonPath,
  splitCsv,
  formatRowJson,
  formatRowCsv,
  rowToObject,
  jsonValue,
  formatReal,
  discoverJsonSchema,
} from './records.ts';
export type { InputColumn, RecordFormat, ParsedRecord } from './records.ts';
