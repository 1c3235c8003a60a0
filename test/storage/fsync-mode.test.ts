import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFsyncMode } from '../../src/storage/index.ts';

describe('parseFsyncMode', () => {
  it('parses always, never and interval:<ms>', () => {
    assert.deepEqual(parseFsyncMode('always'), { kind: 'always' });
    assert.deepEqual(parseFsyncMode('never'), { kind: 'never' });
    assert.deepEqual(parseFsyncMode('interval:250'), { kind: 'interval', intervalMs: 250 });
  });

  it('rejects anything else with a message listing the accepted forms', () => {
    for (const bad of ['', 'sometimes', 'interval', 'interval:', 'interval:0', 'interval:-5', 'interval:1.5', 'interval:99999999', 'ALWAYS']) {
      assert.throws(() => parseFsyncMode(bad), /expected 'always', 'never' or 'interval:<ms>'/, bad);
    }
  });
});
