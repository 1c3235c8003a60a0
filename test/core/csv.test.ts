import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CsvRecordSplitter, formatCsvField, splitCsvLine, splitCsvRecords } from '../../src/core/index.ts';

describe('splitCsvLine', () => {
  it('splits plain fields, keeping empty ones', () => {
    assert.deepEqual(splitCsvLine('a,b,,d,'), ['a', 'b', '', 'd', '']);
    assert.deepEqual(splitCsvLine(''), ['']);
  });

  it('reads RFC 4180 quoting: delimiters and line breaks inside quotes are text, "" is a quote', () => {
    assert.deepEqual(splitCsvLine('"a,b","say ""hi""","x\r\ny",plain'), ['a,b', 'say "hi"', 'x\r\ny', 'plain']);
    assert.deepEqual(splitCsvLine('"",""""'), ['', '"']);
  });

  it('is lenient like the readers it replaces: a quote mid-field opens quoting, an unterminated quote runs to the end', () => {
    assert.deepEqual(splitCsvLine('a"b,c"d,e'), ['ab,cd', 'e']);
    assert.deepEqual(splitCsvLine('x,"open,end'), ['x', 'open,end']);
  });

  it('splits on another delimiter, several characters long included', () => {
    assert.deepEqual(splitCsvLine('a|"b|c"|d', '|'), ['a', 'b|c', 'd']);
    assert.deepEqual(splitCsvLine('a::"b::c"::d', '::'), ['a', 'b::c', 'd']);
    assert.deepEqual(splitCsvLine('a::b', '::'), ['a', 'b']);
  });
});

describe('formatCsvField', () => {
  it('quotes a field holding the delimiter, a quote, CR or LF and doubles its quotes; round-trips through splitCsvLine', () => {
    assert.equal(formatCsvField('plain'), 'plain');
    assert.equal(formatCsvField('a,b'), '"a,b"');
    assert.equal(formatCsvField('say "hi"'), '"say ""hi"""');
    assert.equal(formatCsvField('cr\rhere'), '"cr\rhere"');
    assert.equal(formatCsvField('a|b', '|'), '"a|b"');
    assert.equal(formatCsvField('a,b', '|'), 'a,b');
    const values = ['x', 'a,b', '"q"', 'l1\nl2', '', 'tail"'];
    assert.deepEqual(splitCsvLine(values.map((v) => formatCsvField(v)).join(',')), values);
  });
});

describe('CSV records (splitCsvRecords, CsvRecordSplitter)', () => {
  const text = 'h1,h2\r\n1,"two\r\nlines"\n"3,""x""",4\r\n\nlast,row';
  const expected = ['h1,h2', '1,"two\r\nlines"', '"3,""x""",4', '', 'last,row'];

  it('ends records at LF or CRLF outside quotes and keeps line breaks inside quoted fields', () => {
    assert.deepEqual(splitCsvRecords(text), expected);
    assert.deepEqual(splitCsvLine(expected[1]!), ['1', 'two\r\nlines']);
  });

  it('does not make an empty record of a final line break', () => {
    assert.deepEqual(splitCsvRecords('a\r\nb\r\n'), ['a', 'b']);
    assert.deepEqual(splitCsvRecords(''), []);
  });

  it('gives the same records whatever the chunking, split at every offset (between CR and LF and inside "" included)', () => {
    for (let cut = 0; cut <= text.length; cut++) {
      const s = new CsvRecordSplitter();
      const got = [...s.push(text.slice(0, cut)), ...s.push(text.slice(cut)), ...s.end()];
      assert.deepEqual(got, expected, `cut at ${cut}`);
    }
    const s = new CsvRecordSplitter();
    const oneByOne: string[] = [];
    for (const ch of text) oneByOne.push(...s.push(ch));
    oneByOne.push(...s.end());
    assert.deepEqual(oneByOne, expected);
  });

  it('drops a trailing CR at the end of input and can be reused after end()', () => {
    const s = new CsvRecordSplitter();
    assert.deepEqual(s.push('a,b\r'), []);
    assert.deepEqual(s.end(), ['a,b']);
    assert.deepEqual([...s.push('"x\ny"\n')], ['"x\ny"']);
  });
});
