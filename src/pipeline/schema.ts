/**
 * JSON Schema for `freshet.yaml`'s own keys. Streams use Freshet's short keys;
 * delivery streams and SQL applications use the AWS request shapes
 * (Firehose CreateDeliveryStream, Kinesis Analytics CreateApplication) so a
 * configuration moves between Freshet and AWS unchanged: those blocks are
 * checked against AWS's service models (model-check.ts), not here. Any string may
 * reference another resource of the file as `${stream:NAME}`,
 * `${delivery:NAME}`, `${queue:NAME}` or `${function:NAME}` (replaced by its
 * ARN when applied). Queues, functions and event source mappings use the SQS
 * and Lambda request shapes; a function's code is a directory (`codeDirectory`).
 */
import { GENERATORS } from '../generators/index.ts';

const NAME = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9_.-]+$' } as const;
const TAGS = { type: 'object', additionalProperties: { type: 'string', maxLength: 256 }, propertyNames: { minLength: 1, maxLength: 128 } } as const;
const AWS_OBJECT = { type: 'object' } as const;
const DURATION = { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*$' } as const;

export const PIPELINE_SCHEMA = {
  $id: 'https://freshet.dev/schemas/freshet.yaml.json',
  type: 'object',
  required: ['name'],
  properties: {
    name: { ...NAME, description: 'pipeline name; resources this file creates are tagged freshet:pipeline=<name>' },
    description: { type: 'string' },
    defaultRoleArn: { type: 'string', description: 'RoleARN filled in wherever AWS requires one and the file gives none' },
    streams: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: NAME,
          shards: { type: 'integer', minimum: 1, maximum: 10000 },
          mode: { enum: ['provisioned', 'on-demand'] },
          retentionHours: { type: 'integer', minimum: 24, maximum: 8760 },
          tags: TAGS,
        },
        additionalProperties: false,
      },
    },
    deliveryStreams: {
      type: 'array',
      description: "Firehose CreateDeliveryStream input, AWS's member names: checked against Firehose's service model (model-check.ts)",
      items: { type: 'object' },
    },
    applications: {
      type: 'array',
      description: "Kinesis Analytics (SQL) CreateApplication input, AWS's member names: checked against its service model (model-check.ts)",
      items: {
        type: 'object',
        properties: {
          ApplicationCode: { type: 'string', minLength: 1, description: 'the SQL inline' },
          codeFile: { type: 'string', minLength: 1, description: 'the SQL in a file, relative to this yaml' },
          RuntimeEnvironment: {
            type: 'string',
            pattern: '^(SQL-1_0|FLINK-[0-9_]+|ZEPPELIN-FLINK-[0-9_]+)$',
            description: 'KinesisAnalyticsV2: a FLINK-* runtime runs the SQL as a Flink SQL application (v2 API)',
          },
          start: {
            description: 'start the application after creating it (default true), reading from NOW, TRIM_HORIZON or LAST_STOPPED_POINT',
            oneOf: [{ type: 'boolean' }, { enum: ['NOW', 'TRIM_HORIZON', 'LAST_STOPPED_POINT'] }],
          },
        },
        oneOf: [{ required: ['ApplicationCode'] }, { required: ['codeFile'] }],
      },
    },
    generators: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'stream'],
        properties: {
          kind: { enum: [...Object.keys(GENERATORS), 'replay'] },
          stream: NAME,
          rate: {
            oneOf: [
              { type: 'number', exclusiveMinimum: 0 },
              { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(/\\s*(s|sec|second|m|min|minute|h|hour))?\\s*$' },
            ],
          },
          every: DURATION,
          batch: { type: 'integer', minimum: 1 },
          count: { type: 'integer', minimum: 0 },
          seed: { type: 'integer', minimum: 0 },
          anomalyRate: { type: 'number', minimum: 0, maximum: 1 },
          format: { enum: ['json', 'csv'] },
          file: { type: 'string', minLength: 1, description: 'replay: the .csv or .jsonl file, relative to this yaml' },
          speedup: { type: 'number', exclusiveMinimum: 0 },
          timeField: { type: 'string' },
          partitionKeyField: { type: 'string' },
        },
        additionalProperties: false,
      },
    },
    views: {
      type: 'object',
      description: "Redshift-style external schemas and materialized views, applied through Freshet's Postgres endpoint",
      properties: {
        postgres: {
          type: 'string',
          pattern: '^postgres(ql)?://',
          description: 'the Postgres endpoint (default: $FRESHET_PG_URL, else the endpoint host, port 5439)',
        },
        externalSchemas: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_$]*$' }, iamRole: { type: 'string' } },
            additionalProperties: false,
          },
        },
        materializedViews: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_$]*$' },
              sql: { type: 'string', minLength: 1, description: 'the CREATE MATERIALIZED VIEW statement' },
              sqlFile: { type: 'string', minLength: 1, description: 'a file holding the CREATE MATERIALIZED VIEW statement, relative to this yaml' },
            },
            oneOf: [{ required: ['sql'] }, { required: ['sqlFile'] }],
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
    queues: {
      type: 'array',
      description: 'SQS queues (CreateQueue input): dead-letter and work queues',
      items: {
        type: 'object',
        required: ['QueueName'],
        properties: {
          QueueName: { type: 'string', minLength: 1, maxLength: 80, pattern: '^[a-zA-Z0-9_-]+(\\.fifo)?$' },
          Attributes: { type: 'object', additionalProperties: { type: 'string' } },
          tags: TAGS,
        },
        additionalProperties: false,
      },
    },
    functions: {
      type: 'array',
      description: 'Lambda functions (CreateFunction input) whose code is a directory next to this file',
      items: {
        type: 'object',
        required: ['FunctionName', 'Runtime', 'codeDirectory'],
        properties: {
          FunctionName: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_-]+$' },
          Runtime: { type: 'string', minLength: 1 },
          Handler: { type: 'string', minLength: 1 },
          codeDirectory: { type: 'string', minLength: 1, description: 'the code, relative to this yaml; zipped and uploaded' },
          Role: { type: 'string' },
          Description: { type: 'string' },
          Timeout: { type: 'integer', minimum: 1, maximum: 900 },
          MemorySize: { type: 'integer', minimum: 128, maximum: 10240 },
          Environment: {
            type: 'object',
            properties: { Variables: { type: 'object', additionalProperties: { type: 'string' } } },
            additionalProperties: false,
          },
          ReservedConcurrentExecutions: { type: 'integer', minimum: 0 },
          Tags: TAGS,
        },
        additionalProperties: false,
      },
    },
    eventSourceMappings: {
      type: 'array',
      description: 'Lambda event source mappings (CreateEventSourceMapping input): streams or queues feeding functions',
      items: {
        type: 'object',
        required: ['FunctionName', 'EventSourceArn'],
        properties: {
          FunctionName: { type: 'string', minLength: 1 },
          EventSourceArn: { type: 'string', minLength: 1 },
          Enabled: { type: 'boolean' },
          BatchSize: { type: 'integer', minimum: 1, maximum: 10000 },
          MaximumBatchingWindowInSeconds: { type: 'integer', minimum: 0, maximum: 300 },
          StartingPosition: { enum: ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'] },
          StartingPositionTimestamp: { type: 'number' },
          ParallelizationFactor: { type: 'integer', minimum: 1, maximum: 10 },
          BisectBatchOnFunctionError: { type: 'boolean' },
          MaximumRetryAttempts: { type: 'integer', minimum: -1, maximum: 10000 },
          MaximumRecordAgeInSeconds: { type: 'integer', minimum: -1, maximum: 604800 },
          TumblingWindowInSeconds: { type: 'integer', minimum: 0, maximum: 900 },
          FunctionResponseTypes: { type: 'array', items: { enum: ['ReportBatchItemFailures'] } },
          FilterCriteria: AWS_OBJECT,
          DestinationConfig: AWS_OBJECT,
          ScalingConfig: AWS_OBJECT,
        },
        additionalProperties: false,
      },
    },
    ingest: {
      type: 'array',
      description: 'HTTP ingest routes (PUT/POST /ingest/… → PutRecord, or PutRecords for a JSON array / JSON lines body)',
      items: {
        type: 'object',
        required: ['name', 'path'],
        properties: {
          name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
          path: { type: 'string', pattern: '^/ingest/', description: '/ingest/<segments>; {stream} takes the stream from the URL' },
          stream: { ...NAME, description: 'the stream written to (when the path has no {stream})' },
          partitionKey: {
            oneOf: [
              { type: 'object', required: ['header'], properties: { header: { type: 'string', minLength: 1 } }, additionalProperties: false },
              { type: 'object', required: ['field'], properties: { field: { type: 'string', minLength: 1 } }, additionalProperties: false },
            ],
            description: '{ header: X-Partition-Key } or { field: sensor_id } (dotted for nested); random keys when absent',
          },
          apiKey: { type: 'string', minLength: 8, description: 'requests must send it in x-api-key' },
          methods: { type: 'array', minItems: 1, items: { enum: ['PUT', 'POST'] } },
        },
        additionalProperties: false,
      },
    },
    detectors: {
      type: 'array',
      items: { type: 'object' },
      description: 'metric anomaly detectors: LookoutMetrics shapes or the flat seed settings (docs/detectors.md)',
    },
    alarms: {
      type: 'array',
      description: "CloudWatch alarms: PutMetricAlarm's input, or PutCompositeAlarm's when AlarmRule is given (checked against CloudWatch's model)",
      items: { type: 'object', required: ['AlarmName'] },
    },
    dashboards: {
      type: 'array',
      description: "CloudWatch dashboards: PutDashboard's input; DashboardBody as JSON text or as a mapping",
      items: {
        type: 'object',
        required: ['DashboardName', 'DashboardBody'],
        properties: { DashboardBody: { type: ['string', 'object'] } },
      },
    },
  },
  additionalProperties: false,
} as const;
