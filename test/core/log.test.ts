import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, log, swallowedErrors } from '../../src/core/index.ts';

function capture(): { lines: string[]; destination: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(...line.split('\n').filter((l) => l !== '')) } };
}

describe('log (core/log.ts)', () => {
  it('writes JSON lines with level, namespace, message and fields; child namespaces nest with dots', () => {
    const out = capture();
    const root = createLogger({ level: 'info', destination: out.destination });
    root.child('firehose').child('pipeline').info('delivered', { objects: 3 });
    root.info('started');
    const [a, b] = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(a!.level, 30);
    assert.equal(a!.ns, 'firehose.pipeline');
    assert.equal(a!.msg, 'delivered');
    assert.equal(a!.objects, 3);
    assert.equal(typeof a!.time, 'number');
    assert.equal(b!.ns, undefined, 'the root logger has no namespace');
  });

  it('drops lines below the level', () => {
    const out = capture();
    const l = createLogger({ level: 'warn', destination: out.destination }).child('x');
    l.info('not shown');
    l.debug('not shown');
    l.error('shown');
    assert.equal(out.lines.length, 1);
    assert.equal(l.isLevelEnabled('info'), false);
    assert.equal(l.isLevelEnabled('error'), true);
  });

  it('logs a swallowed failure at warn with the error and counts it per namespace, even when silent', () => {
    const out = capture();
    const before = swallowedErrors()['test-ns.trim'] ?? 0;
    const l = createLogger({ level: 'info', destination: out.destination }).child('test-ns').child('trim');
    l.swallowed('trimming the log', new Error('EIO: disk gone'), { stream: 's1' });
    const line = JSON.parse(out.lines[0]!) as { level: number; msg: string; stream: string; err: { message: string; stack: string } };
    assert.equal(line.level, 40);
    assert.equal(line.msg, 'trimming the log failed');
    assert.equal(line.stream, 's1');
    assert.equal(line.err.message, 'EIO: disk gone');
    assert.match(line.err.stack, /EIO: disk gone/);
    createLogger({ level: 'silent', destination: out.destination }).child('test-ns').child('trim').swallowed('again', new Error('x'));
    assert.equal(out.lines.length, 1, 'silent writes nothing');
    assert.equal(swallowedErrors()['test-ns.trim'], before + 2);
  });

  it('writes a human-readable line in the pretty format', () => {
    const out = capture();
    createLogger({ level: 'info', format: 'pretty', destination: out.destination }).child('firehose').warn('checkpoint failed', { stream: 's1' });
    const text = out.lines.join('\n');
    assert.match(text, /WARN/);
    assert.match(text, /firehose: checkpoint failed/);
    assert.match(text, /stream: "s1"/);
    assert.doesNotMatch(text, /^\{/);
  });

  it('is silent by default under the test runner (FRESHET_LOG_LEVEL unset)', () => {
    if (process.env.FRESHET_LOG_LEVEL) return assert.ok(true, 'FRESHET_LOG_LEVEL is set for this run');
    assert.ok(process.env.NODE_TEST_CONTEXT, 'node --test marks its test processes');
    assert.equal(log.child('anything').isLevelEnabled('fatal'), false);
  });
});
