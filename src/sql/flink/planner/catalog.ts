/**
 * The tables and views a Flink SQL script declares, and the connectors and
 * formats Freshet has: which WITH options each accepts and requires
 * (checked when the table is created, with Flink's wording), which metadata
 * a source exposes, and which connectors read, write, or accept updates.
 */
import { SqlError } from '../../errors.ts';
import type { ColumnSource, ConnectorPlan, FormatPlan } from '../../plan/flink.ts';
import type { PExpr } from '../../plan/plan.ts';
import type { SqlType } from '../../plan/types.ts';
import type { CreateTable, Ident, Pos, Query } from '../ast.ts';
import type { TimeAttr } from './relation.ts';
import { FT } from './types.ts';
import { parseInitTimestamp } from '../connectors/kinesis.ts';

export interface TableColumnDef {
  name: string;
  type: SqlType;
  source: ColumnSource;
  time?: TimeAttr;
}

export interface TableDef {
  kind: 'table';
  name: string;
  columns: TableColumnDef[];
  watermark?: { column: number; expr: PExpr };
  primaryKey?: string[];
  partitionedBy?: string[];
  connector: ConnectorPlan;
  temporary: boolean;
  /** The rows are a changelog (debezium-json). */
  changelog: boolean;
  pos: Pos;
  /** The CREATE TABLE statement (LIKE copies it). */
  ast: CreateTable;
}

export interface ViewDef {
  kind: 'view';
  name: string;
  query: Query;
  /** The query as written (SHOW CREATE VIEW). */
  sql: string;
  columns?: Ident[];
  temporary: boolean;
  pos: Pos;
}

interface ConnectorSpec {
  source: boolean;
  sink: boolean;
  required: string[];
  /** Option keys, or patterns for families (`fields.#.kind`). */
  optional: (string | RegExp)[];
  /** Needs a `format` option. */
  format: boolean;
  formats: readonly FormatName[];
  /** Readable metadata keys and their types. */
  metadata: Record<string, SqlType>;
  /** A sink that takes a changelog (updates and deletes) whatever its format. */
  updates: boolean;
}

type FormatName = FormatPlan['name'];

const AWS_OPTIONS: (string | RegExp)[] = [
  'aws.region',
  'aws.endpoint',
  'aws.credentials.provider',
  /^aws\.credentials\./,
  /^aws\.trust\.all\.certificates$/,
  /^aws\.http-client\./,
  'aws.http.protocol.version',
];

const CONNECTORS: Record<string, ConnectorSpec> = {
  kinesis: {
    source: true,
    sink: true,
    required: [],
    optional: [
      'stream',
      'stream.arn',
      ...AWS_OPTIONS,
      'scan.stream.initpos',
      'scan.stream.initpos-timestamp',
      'scan.stream.initpos-timestamp-format',
      'source.init.position',
      'source.init.timestamp',
      'source.init.timestamp.format',
      'scan.stream.recordpublisher',
      /^scan\.stream\.describe\./,
      /^scan\.shard\./,
      /^scan\.watermark\./,
      /^scan\.stream\.efo\./,
      /^source\./,
      'sink.partitioner',
      'sink.partitioner-field-delimiter',
      'sink.fail-on-error',
      /^sink\.producer\./,
      /^sink\.batch\./,
      /^sink\.requests\./,
      /^sink\.flush-buffer\./,
      'sink.parallelism',
    ],
    format: true,
    formats: ['json', 'csv', 'debezium-json', 'raw'],
    metadata: {
      timestamp: { name: 'TIMESTAMP', precision: 3, ltz: true },
      'shard-id': FT.STRING,
      'sequence-number': FT.STRING,
      // Freshet exposes the partition key too (Flink's Kinesis connector does not).
      'partition-key': FT.STRING,
    },
    updates: false,
  },
  firehose: {
    source: false,
    sink: true,
    required: ['delivery-stream'],
    optional: [...AWS_OPTIONS, 'sink.fail-on-error', /^sink\.batch\./, /^sink\.requests\./, /^sink\.flush-buffer\./, 'sink.parallelism'],
    format: true,
    formats: ['json', 'csv', 'debezium-json', 'raw'],
    metadata: {},
    updates: false,
  },
  filesystem: {
    source: true,
    sink: true,
    required: ['path'],
    optional: [
      /^sink\.rolling-policy\./,
      'sink.partition-commit.trigger',
      'sink.partition-commit.delay',
      'sink.partition-commit.policy.kind',
      'sink.partition-commit.policy.class',
      'sink.partition-commit.success-file.name',
      'sink.partition-commit.watermark-time-zone',
      'partition.time-extractor.kind',
      'partition.time-extractor.class',
      'partition.time-extractor.timestamp-pattern',
      'partition.time-extractor.timestamp-formatter',
      'partition.default-name',
      'source.monitor-interval',
      'source.path.regex-pattern',
      'auto-compaction',
      'compaction.file-size',
      'sink.parallelism',
      'sink.shuffle-by-partition.enable',
      /^lookup\./,
    ],
    format: true,
    formats: ['json', 'csv', 'parquet', 'raw'],
    metadata: {
      'file.path': FT.STRING,
      'file.name': FT.STRING,
      'file.size': FT.BIGINT,
      'file.modification-time': { name: 'TIMESTAMP', precision: 3, ltz: true },
    },
    updates: false,
  },
  print: {
    source: false,
    sink: true,
    required: [],
    optional: ['print-identifier', 'standard-error', 'sink.parallelism'],
    format: false,
    formats: [],
    metadata: {},
    updates: true,
  },
  blackhole: { source: false, sink: true, required: [], optional: [], format: false, formats: [], metadata: {}, updates: true },
  datagen: {
    source: true,
    sink: false,
    required: [],
    optional: [
      'rows-per-second',
      'number-of-rows',
      'scan.parallelism',
      /^fields\.[^.]+\.(kind|min|max|max-past|length|var-len|start|end|null-rate|element\..*)$/,
    ],
    format: false,
    formats: [],
    metadata: {},
    updates: false,
  },
};

const FORMAT_OPTIONS: Record<FormatName, (string | RegExp)[]> = {
  json: [
    'fail-on-missing-field',
    'ignore-parse-errors',
    'timestamp-format.standard',
    'map-null-key.mode',
    'map-null-key.literal',
    'encode.decimal-as-plain-number',
    'encode.ignore-null-fields',
    'decode.json-parser.enabled',
  ],
  csv: [
    'field-delimiter',
    'disable-quote-character',
    'quote-character',
    'allow-comments',
    'ignore-parse-errors',
    'array-element-delimiter',
    'escape-character',
    'null-literal',
    'write-bigdecimal-in-scientific-notation',
  ],
  'debezium-json': [
    'schema-include',
    'ignore-parse-errors',
    'timestamp-format.standard',
    'map-null-key.mode',
    'map-null-key.literal',
    'encode.decimal-as-plain-number',
    'encode.ignore-null-fields',
  ],
  raw: ['charset', 'endianness'],
  parquet: ['compression', 'utc-timezone', /^.*$/],
};

export const CONNECTOR_NAMES = Object.keys(CONNECTORS).sort();

function matches(key: string, allowed: (string | RegExp)[]): boolean {
  return allowed.some((a) => (typeof a === 'string' ? a === key : a.test(key)));
}

function listed(allowed: (string | RegExp)[]): string {
  return allowed
    .map((a) =>
      typeof a === 'string'
        ? a
        : a.source
            .replace(/^\^|\$$/g, '')
            .replace(/\\\./g, '.')
            .replace(/\[\^\.\]\+/g, '#')
            .replace(/\.\*|\.\+/g, '*'),
    )
    .join(', ');
}

/** WITH options → a validated ConnectorPlan (Flink's ValidationException texts, on one line). */
export function connectorPlan(options: { key: string; value: string; pos: Pos }[], tablePos: Pos): ConnectorPlan {
  const opts: Record<string, string> = {};
  const posOf = new Map<string, Pos>();
  for (const o of options) {
    if (o.key in opts) throw new SqlError(`Option '${o.key}' is given twice`, o.pos);
    opts[o.key] = o.value;
    posOf.set(o.key, o.pos);
  }
  const name = opts.connector;
  if (name === undefined) {
    throw new SqlError(
      `Table options do not contain an option key 'connector' for discovering a connector; Freshet's connectors: ${CONNECTOR_NAMES.join(', ')}`,
      tablePos,
    );
  }
  const spec = CONNECTORS[name];
  if (!spec) {
    throw new SqlError(
      `Could not find any factory for identifier '${name}' that implements 'org.apache.flink.table.factories.DynamicTableFactory'. Available factory identifiers are: ${CONNECTOR_NAMES.join(', ')}`,
      posOf.get('connector') ?? tablePos,
    );
  }
  let format: FormatPlan | undefined;
  const formatKey = opts.format !== undefined ? 'format' : opts['value.format'] !== undefined ? 'value.format' : undefined;
  if (spec.format) {
    if (!formatKey) throw new SqlError(`One or more required options are missing. Missing required options are: format`, tablePos);
    const fname = opts[formatKey]! as FormatName;
    if (!spec.formats.includes(fname)) {
      throw new SqlError(
        `Could not find any format factory for identifier '${opts[formatKey]}' for connector '${name}'. Available formats: ${spec.formats.join(', ')}`,
        posOf.get(formatKey) ?? tablePos,
      );
    }
    format = { name: fname, options: {} };
  }
  const unsupported: string[] = [];
  for (const key of Object.keys(opts)) {
    if (key === 'connector' || key === formatKey) continue;
    if (format) {
      const prefix = formatKey === 'value.format' ? `value.${format.name}.` : `${format.name}.`;
      if (key.startsWith(prefix)) {
        const sub = key.slice(prefix.length);
        if (matches(sub, FORMAT_OPTIONS[format.name])) {
          format.options[sub] = opts[key]!;
          continue;
        }
      }
    }
    if (!matches(key, spec.optional) && !spec.required.includes(key)) unsupported.push(key);
  }
  if (unsupported.length > 0) {
    const supported = [
      ...spec.required,
      listed(spec.optional),
      ...(format ? [`${format.name}.${listed(FORMAT_OPTIONS[format.name]).split(', ').join(`, ${format.name}.`)}`] : []),
    ]
      .filter((x) => x !== '')
      .join(', ');
    throw new SqlError(
      `Unsupported options found for '${name}'. Unsupported options: ${unsupported.join(', ')}. Supported options: ${supported}`,
      posOf.get(unsupported[0]!) ?? tablePos,
    );
  }
  const missing = spec.required.filter((k) => opts[k] === undefined);
  if (name === 'kinesis' && opts.stream === undefined && opts['stream.arn'] === undefined) missing.push('stream');
  if (missing.length > 0) throw new SqlError(`One or more required options are missing. Missing required options are: ${missing.join(', ')}`, tablePos);
  checkValues(name, opts, format, posOf, tablePos);
  return { connector: name, options: opts, ...(format ? { format } : {}) };
}

function checkValues(name: string, opts: Record<string, string>, format: FormatPlan | undefined, posOf: Map<string, Pos>, tablePos: Pos): void {
  const oneOf = (key: string, values: string[]): void => {
    const v = opts[key];
    if (v !== undefined && !values.includes(v.toUpperCase()) && !values.includes(v))
      throw new SqlError(`Invalid value for option '${key}': '${v}'; expected one of ${values.join(', ')}`, posOf.get(key) ?? tablePos);
  };
  if (name === 'kinesis') {
    oneOf('scan.stream.initpos', ['LATEST', 'TRIM_HORIZON', 'AT_TIMESTAMP']);
    oneOf('source.init.position', ['LATEST', 'TRIM_HORIZON', 'AT_TIMESTAMP']);
    oneOf('scan.stream.recordpublisher', ['POLLING', 'EFO']);
    const at = (opts['scan.stream.initpos'] ?? opts['source.init.position'])?.toUpperCase();
    if (at === 'AT_TIMESTAMP' && opts['scan.stream.initpos-timestamp'] === undefined && opts['source.init.timestamp'] === undefined)
      throw new SqlError(
        "Please set a valid initial timestamp: 'scan.stream.initpos' is AT_TIMESTAMP but 'scan.stream.initpos-timestamp' is missing",
        tablePos,
      );
    for (const key of ['scan.stream.initpos-timestamp', 'source.init.timestamp']) {
      const v = opts[key];
      if (v !== undefined && parseInitTimestamp(v) === null)
        throw new SqlError(
          `Invalid value for option '${key}': '${v}'; write epoch seconds or a date-time such as 2021-01-31T14:00:00.000Z`,
          posOf.get(key) ?? tablePos,
        );
    }
  }
  if (name === 'filesystem') {
    oneOf('sink.partition-commit.trigger', ['process-time', 'partition-time']);
    const kinds = opts['sink.partition-commit.policy.kind'];
    if (kinds !== undefined) {
      for (const k of kinds.split(',').map((x) => x.trim())) {
        if (k !== 'success-file' && k !== 'metastore' && k !== 'custom')
          throw new SqlError(
            `Invalid value for option 'sink.partition-commit.policy.kind': '${k}'; expected success-file, metastore or custom`,
            posOf.get('sink.partition-commit.policy.kind') ?? tablePos,
          );
        if (k === 'custom')
          throw new SqlError(
            'a custom partition commit policy is a JVM class; Freshet supports success-file (metastore is accepted and does nothing)',
            posOf.get('sink.partition-commit.policy.kind') ?? tablePos,
          );
      }
    }
  }
  if (format?.name === 'json' || format?.name === 'debezium-json') {
    const v = format.options['timestamp-format.standard'];
    if (v !== undefined && v !== 'SQL' && v !== 'ISO-8601')
      throw new SqlError(`Unsupported value '${v}' for ${format.name}.timestamp-format.standard. Supported values are [SQL, ISO-8601].`, tablePos);
  }
}

export function connectorSpec(name: string): { source: boolean; sink: boolean; updates: boolean; metadata: Record<string, SqlType> } {
  const s = CONNECTORS[name]!;
  return { source: s.source, sink: s.sink, updates: s.updates, metadata: s.metadata };
}

/** Whether a sink accepts a changelog (updates): print/blackhole, or a changelog format. */
export function sinkTakesUpdates(c: ConnectorPlan): boolean {
  return CONNECTORS[c.connector]!.updates || c.format?.name === 'debezium-json';
}
