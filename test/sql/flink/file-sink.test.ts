import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { FileSystemSink, resolveTablePath, type FileSinkState } from '../../../src/sql/index.ts';

const root = mkdtempSync(join(tmpdir(), 'freshet-file-sink-'));
after(() => rmSync(root, { recursive: true, force: true }));

const T = Date.UTC(2021, 0, 31, 14, 0, 0);
const columns = [
  { name: 'ticker', type: { name: 'VARCHAR' as const } },
  { name: 'total', type: { name: 'DOUBLE' as const } },
  { name: 'dt', type: { name: 'VARCHAR' as const } },
  { name: 'hr', type: { name: 'VARCHAR' as const } },
];

function sink(dir: string, options: Record<string, string> = {}): FileSystemSink {
  return new FileSystemSink({
    dir,
    columns,
    partitionKeys: ['dt', 'hr'],
    format: { name: 'json', options: {} },
    options: { 'sink.partition-commit.policy.kind': 'success-file', ...options },
    fileId: 'job',
  });
}

function visible(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (
        existsSync(p) &&
        readdirSync(d, { withFileTypes: true })
          .find((x) => x.name === n)
          ?.isDirectory()
      )
        walk(p, rel ? `${rel}/${n}` : n);
      else out.push(rel ? `${rel}/${n}` : n);
    }
  };
  walk(dir, '');
  return out;
}

describe('FileSystemSink (filesystem connector)', () => {
  it('keeps rows invisible until the checkpoint that holds them commits, then renames them into partition directories', () => {
    const dir = join(root, 'a');
    const s = sink(dir);
    s.write(
      [
        [0, 'BTC', 1.5, '2021-01-31', '14'],
        [0, 'ETH', 2, '2021-01-31', '15'],
      ],
      T,
    );
    const state = s.prepare();
    assert.deepEqual(
      visible(dir).filter((n) => !n.split('/').pop()!.startsWith('.')),
      [],
      'nothing visible before the commit',
    );
    const done = s.commit(state, T + 1, -Infinity);
    assert.deepEqual(done.files.sort(), ['dt=2021-01-31/hr=14/part-job-0-0', 'dt=2021-01-31/hr=15/part-job-0-1']);
    assert.equal(readFileSync(join(dir, 'dt=2021-01-31/hr=14/part-job-0-0'), 'utf8'), '{"ticker":"BTC","total":1.5}\n');
    // process-time trigger without delay: both partitions committed with success files.
    assert.deepEqual(done.partitions.sort(), ['dt=2021-01-31/hr=14', 'dt=2021-01-31/hr=15']);
    assert.ok(existsSync(join(dir, 'dt=2021-01-31/hr=14/_SUCCESS')));
  });

  it('after a crash commits the restored checkpoint and deletes files of a checkpoint that never completed', () => {
    const dir = join(root, 'b');
    const first = sink(dir);
    first.write([[0, 'BTC', 1, '2021-01-31', '14']], T);
    const saved: FileSinkState = JSON.parse(JSON.stringify(first.prepare()));
    // Crash after the checkpoint was stored but before its files were renamed; then rows of a later,
    // unfinished checkpoint were written too.
    first.write([[0, 'BTC', 99, '2021-01-31', '14']], T + 10);
    first.prepare();
    const again = sink(dir);
    again.recover(saved, T + 20, -Infinity);
    const files = visible(dir);
    assert.deepEqual(files, ['dt=2021-01-31/hr=14/_SUCCESS', 'dt=2021-01-31/hr=14/part-job-0-0']);
    assert.equal(readFileSync(join(dir, 'dt=2021-01-31/hr=14/part-job-0-0'), 'utf8'), '{"ticker":"BTC","total":1}\n');
    // Committing the same checkpoint twice changes nothing.
    assert.deepEqual(again.commit(saved, T + 30, -Infinity).files, []);
  });

  it('commits a partition by partition time once the watermark passes it plus the delay', () => {
    const dir = join(root, 'c');
    const s = sink(dir, {
      'sink.partition-commit.trigger': 'partition-time',
      'sink.partition-commit.delay': '1 h',
      'partition.time-extractor.timestamp-pattern': '$dt $hr:00:00',
    });
    s.write([[0, 'BTC', 1, '2021-01-31', '14']], T);
    const st = s.prepare();
    // Partition time 14:00 + 1 h: the partition is complete once the watermark reaches 15:00.
    assert.deepEqual(s.commit(st, T, Date.UTC(2021, 0, 31, 14, 59, 59)).partitions, [], 'the hour is not over');
    assert.ok(!existsSync(join(dir, 'dt=2021-01-31/hr=14/_SUCCESS')));
    assert.deepEqual(s.commit(s.prepare(), T, Date.UTC(2021, 0, 31, 15, 0)).partitions, ['dt=2021-01-31/hr=14']);
    assert.ok(existsSync(join(dir, 'dt=2021-01-31/hr=14/_SUCCESS')));
  });

  it('writes Parquet files that a Parquet reader reads back row for row', async () => {
    const dir = join(root, 'd');
    const s = await FileSystemSink.open({ dir, columns, partitionKeys: [], format: { name: 'parquet', options: {} }, options: {}, fileId: 'pq' });
    s.write(
      [
        [0, 'BTC', 1.5, 'x', 'y'],
        [0, 'ETH', null, 'x', 'z'],
      ],
      T,
    );
    s.commit(s.prepare(), T, 0);
    const bytes = readFileSync(join(dir, 'part-pq-0-0'));
    assert.equal(bytes.subarray(0, 4).toString(), 'PAR1');
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    assert.deepEqual(await parquetReadObjects({ file }), [
      { ticker: 'BTC', total: 1.5, dt: 'x', hr: 'y' },
      { ticker: 'ETH', total: null, dt: 'x', hr: 'z' },
    ]);
  });

  it('writes CSV with the field delimiter, quoting fields that need it', async () => {
    const dir = join(root, 'csv');
    const s = await FileSystemSink.open({
      dir,
      columns,
      partitionKeys: ['dt'],
      format: { name: 'csv', options: { 'field-delimiter': ';' } },
      options: {},
      fileId: 'c',
    });
    s.write(
      [
        [0, 'BTC', 1.5, '2021-01-31', '14'],
        [0, 'say "hi"; bye', 2, '2021-01-31', '15'],
      ],
      T,
    );
    s.commit(s.prepare(), T, 0);
    assert.deepEqual(visible(dir), ['dt=2021-01-31/part-c-0-0']);
    assert.equal(readFileSync(join(dir, 'dt=2021-01-31', 'part-c-0-0'), 'utf8'), 'BTC;1.5;14\n"say ""hi""; bye";2.0;15\n');
  });

  it('resolves s3:// paths into the embedded object store and refuses escapes', () => {
    assert.equal(resolveTablePath('s3://bucket/a/b', { s3Root: '/data/s3' }), '/data/s3/bucket/a/b');
    assert.throws(() => resolveTablePath('s3://bucket/../other', { s3Root: '/data/s3' }), /not inside bucket bucket/);
    assert.throws(() => resolveTablePath('hdfs://nn/x', {}), /unsupported file system scheme/);
  });
});
