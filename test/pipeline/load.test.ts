import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPipeline, parsePipeline, PipelineError } from '../../src/pipeline/index.ts';
import { ROOT } from '../cli/run-cli.ts';

function problems(yaml: string, file = 'freshet.yaml'): string[] {
  try {
    parsePipeline(yaml, file);
  } catch (e) {
    if (e instanceof PipelineError) return e.problems;
    throw e;
  }
  assert.fail('expected the pipeline to be rejected');
}

const APP = `name: p
streams:
  - name: src
deliveryStreams:
  - DeliveryStreamName: out
    ExtendedS3DestinationConfiguration:
      BucketARN: arn:aws:s3:::b
applications:
  - ApplicationName: app
    ApplicationCode: CREATE OR REPLACE STREAM "OUT" ("a" INTEGER);
    Inputs:
      - NamePrefix: SOURCE_SQL_STREAM
        KinesisStreamsInput:
          ResourceARN: \${stream:src}
        InputSchema:
          RecordFormat:
            RecordFormatType: JSON
          RecordColumns:
            - { Name: a, SqlType: INTEGER, Mapping: $.a }
    Outputs:
      - Name: DESTINATION_SQL_STREAM
        KinesisFirehoseOutput:
          ResourceARN: \${delivery:out}
        DestinationSchema:
          RecordFormatType: JSON
`;

describe('pipeline file validation', () => {
  it('accepts a complete file and fills the default role', () => {
    const { spec } = parsePipeline(APP, 'freshet.yaml');
    assert.equal(spec.name, 'p');
    assert.equal(spec.applications[0]!.ApplicationCode, 'CREATE OR REPLACE STREAM "OUT" ("a" INTEGER);');
    assert.match(spec.defaultRoleArn, /^arn:aws:iam::/);
  });

  it('names the line and column of an unknown property', () => {
    const yaml = 'name: p\nstreams:\n  - name: a\n    shard: 2\n';
    assert.deepEqual(problems(yaml), ['freshet.yaml:4:5: streams[0].shard: unknown property; did you mean shards?']);
  });

  it('names the line of a value of the wrong type or out of range', () => {
    const yaml = 'name: p\nstreams:\n  - name: a\n    shards: two\n  - name: b\n    retentionHours: 5\n';
    assert.deepEqual(problems(yaml), ['freshet.yaml:4:13: streams[0].shards: must be integer', 'freshet.yaml:6:21: streams[1].retentionHours: must be >= 24']);
  });

  it('points a missing required property at its parent', () => {
    const yaml = 'name: p\ngenerators:\n  - kind: sales\n    rate: 20/s\n';
    assert.deepEqual(problems(yaml), ["freshet.yaml:3:5: generators[0]: missing required property 'stream'"]);
  });

  it('lists the allowed values of an enum', () => {
    const yaml = 'name: p\ngenerators:\n  - kind: weather\n    stream: s\n';
    const [p] = problems(yaml);
    assert.match(
      p!,
      /^freshet\.yaml:3:11: generators\[0\]\.kind: must be one of "sales", "trades", "ecommerce", "ticker", "sensors", "crypto", "card-payments", "replay"$/,
    );
  });

  it('asks for exactly one of ApplicationCode or codeFile', () => {
    const yaml = 'name: p\napplications:\n  - ApplicationName: a\n';
    assert.deepEqual(problems(yaml), ['freshet.yaml:3:5: applications[0]: give exactly one of ApplicationCode (inline SQL) or codeFile']);
  });

  it('reports YAML syntax errors with their position', () => {
    const [p] = problems('name: p\nstreams:\n  - name: [a\n');
    assert.match(p!, /^freshet\.yaml:\d+:\d+: YAML: /);
  });

  it('rejects references to resources the file does not declare', () => {
    const yaml = APP.replace('${stream:src}', '${stream:elsewhere}');
    assert.deepEqual(problems(yaml), ['freshet.yaml:14:24: ${stream:elsewhere} does not name a stream of this file (known: src)']);
  });

  it('rejects duplicate names and a missing codeFile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-load-'));
    const file = join(dir, 'freshet.yaml');
    writeFileSync(file, 'name: p\nstreams:\n  - name: a\n  - name: a\napplications:\n  - ApplicationName: x\n    codeFile: missing.sql\n');
    try {
      loadPipeline(file);
      assert.fail('expected rejection');
    } catch (e) {
      assert.ok(e instanceof PipelineError);
      assert.equal(e.problems.length, 2);
      assert.match(e.problems[0]!, /freshet\.yaml:4:11: stream 'a' is declared twice/);
      assert.match(e.problems[1]!, /freshet\.yaml:7:15: application 'x': codeFile missing\.sql not found/);
    }
  });

  it('reads SQL from codeFile relative to the pipeline file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-load-'));
    writeFileSync(join(dir, 'app.sql'), 'CREATE OR REPLACE STREAM "X" ("a" INTEGER);\n');
    writeFileSync(join(dir, 'freshet.yaml'), APP.replace('ApplicationCode: CREATE OR REPLACE STREAM "OUT" ("a" INTEGER);', 'codeFile: app.sql'));
    const { spec } = loadPipeline(join(dir, 'freshet.yaml'));
    assert.equal(spec.applications[0]!.ApplicationCode, 'CREATE OR REPLACE STREAM "X" ("a" INTEGER);\n');
  });

  it('accepts every example pipeline in examples/', () => {
    // examples/grafana holds a dashboard and scrape config for the demo, not a pipeline; every other directory is one.
    const examples = readdirSync(join(ROOT, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'grafana');
    assert.ok(examples.length >= 4);
    for (const d of examples) {
      const { spec } = loadPipeline(join(ROOT, 'examples', d.name, 'freshet.yaml'));
      assert.ok(spec.streams.length > 0 && spec.generators.length > 0, d.name);
    }
  });

  it("checks delivery streams against Firehose's model and suggests the member meant", () => {
    const yaml = APP.replace('      BucketARN: arn:aws:s3:::b\n', '      BucketARN: arn:aws:s3:::b\n      BufferingHints:\n        IntervalInSecond: 60\n');
    assert.deepEqual(problems(yaml), [
      'freshet.yaml:9:9: deliveryStreams[0].ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSecond: unknown member of BufferingHints; did you mean IntervalInSeconds?',
    ]);
  });

  it("reports the model's enums, ranges and types with their path", () => {
    const yaml = APP.replace(
      '      BucketARN: arn:aws:s3:::b\n',
      '      BucketARN: arn:aws:s3:::b\n      CompressionFormat: GZIP2\n      BufferingHints: { IntervalInSeconds: 1000, SizeInMBs: big }\n',
    );
    assert.deepEqual(problems(yaml), [
      'freshet.yaml:8:26: deliveryStreams[0].ExtendedS3DestinationConfiguration.CompressionFormat: must be one of UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY; did you mean GZIP?',
      'freshet.yaml:9:44: deliveryStreams[0].ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds: must be at most 900 (got 1000)',
      'freshet.yaml:9:61: deliveryStreams[0].ExtendedS3DestinationConfiguration.BufferingHints.SizeInMBs: must be an integer, not the string "big"',
    ]);
  });

  it("checks applications against Kinesis Analytics' model, required members included", () => {
    const yaml = APP.replace('        InputSchema:\n', '        InputParalelism: { Count: 1 }\n        InputSchema:\n').replace(
      '            RecordFormatType: JSON\n          RecordColumns',
      '            RecordFormatType: JSON\n          RecordColumnz: []\n          RecordColumns',
    );
    assert.deepEqual(problems(yaml), [
      'freshet.yaml:15:9: applications[0].Inputs[0].InputParalelism: unknown member of Input; did you mean InputParallelism?',
      'freshet.yaml:19:11: applications[0].Inputs[0].InputSchema.RecordColumnz: unknown member of SourceSchema; did you mean RecordColumns?',
    ]);
    const missing = APP.replace('        DestinationSchema:\n          RecordFormatType: JSON\n', '');
    assert.deepEqual(problems(missing), ["freshet.yaml:21:9: applications[0].Outputs[0]: missing required member DestinationSchema (AWS's Output)"]);
  });

  it('compiles the SQL of a codeFile against the declared input columns, errors at the .sql line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-load-'));
    writeFileSync(
      join(dir, 'revenue.sql'),
      'CREATE OR REPLACE STREAM "OUT" ("a" INTEGER);\nCREATE OR REPLACE PUMP "P" AS\n  INSERT INTO "OUT" SELECT STREAM "b" FROM "SOURCE_SQL_STREAM_001";\n',
    );
    const file = join(dir, 'freshet.yaml');
    writeFileSync(file, APP.replace('ApplicationCode: CREATE OR REPLACE STREAM "OUT" ("a" INTEGER);', 'codeFile: revenue.sql'));
    try {
      loadPipeline(file);
      assert.fail('expected rejection');
    } catch (e) {
      assert.ok(e instanceof PipelineError);
      assert.equal(e.problems.length, 1);
      assert.match(e.problems[0]!, new RegExp(`^${join(dir, 'revenue.sql')}:3:35: .*"b".* \\(application 'app', codeFile of ${file}:10\\)$`));
    }
  });

  it('compiles inline ApplicationCode too, its errors at their line in the yaml', () => {
    const yaml = APP.replace(
      'ApplicationCode: CREATE OR REPLACE STREAM "OUT" ("a" INTEGER);',
      'ApplicationCode: |\n      CREATE OR REPLACE STREAM "OUT" ("a" INTEGER);\n      CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "nope" FROM "SOURCE_SQL_STREAM_001";',
    );
    const [p, ...rest] = problems(yaml);
    assert.deepEqual(rest, []);
    assert.match(p!, /^freshet\.yaml:12:69: .*"nope".* \(application 'app', ApplicationCode\)$/);
  });
});
