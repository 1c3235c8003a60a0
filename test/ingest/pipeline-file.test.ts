/** `ingest:` in freshet.yaml: what the loader accepts, and the line it names for a route it cannot serve. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline, PipelineError } from '../../src/pipeline/index.ts';

function problems(yaml: string): string[] {
  try {
    parsePipeline(yaml, 'freshet.yaml');
  } catch (e) {
    if (e instanceof PipelineError) return e.problems;
    throw e;
  }
  return [];
}

describe('ingest routes in a pipeline file', () => {
  it('reads routes with a fixed stream or {stream}, header or field keys, an API key and methods', () => {
    const { spec } = parsePipeline(
      [
        'name: p',
        'ingest:',
        '  - { name: a, path: /ingest/a, stream: s, partitionKey: { field: device.id }, apiKey: twelve-chars, methods: [PUT] }',
        '  - { name: b, path: "/ingest/b/{stream}", partitionKey: { header: X-Key } }',
      ].join('\n'),
      'freshet.yaml',
    );
    assert.deepEqual(spec.ingest, [
      { name: 'a', path: '/ingest/a', stream: 's', partitionKey: { field: 'device.id' }, apiKey: 'twelve-chars', methods: ['PUT'] },
      { name: 'b', path: '/ingest/b/{stream}', partitionKey: { header: 'X-Key' } },
    ]);
  });

  it('names the line of a path outside /ingest/ and of a partition key that is neither header nor field', () => {
    const found = problems(
      ['name: p', 'ingest:', '  - { name: b, path: /other/b, stream: s }', '  - { name: d, path: /ingest/d, stream: s, partitionKey: { column: x } }'].join(
        '\n',
      ),
    );
    assert.ok(
      found.some((p) => /^freshet\.yaml:3:\d+: .*\/ingest\//.test(p)),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => /^freshet\.yaml:4:\d+: .*partitionKey/.test(p)),
      found.join('\n'),
    );
  });

  it('names the line of a route without a stream and of a duplicate name', () => {
    const found = problems(['name: p', 'ingest:', '  - { name: a, path: /ingest/a }', '  - { name: a, path: /ingest/c, stream: s }'].join('\n'));
    assert.ok(
      found.some((p) => /^freshet\.yaml:3:\d+: .*stream: required when the path has no \{stream\}/.test(p)),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => /^freshet\.yaml:4:\d+: ingest route 'a' is declared twice/.test(p)),
      found.join('\n'),
    );
  });
});
