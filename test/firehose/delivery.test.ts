import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand, PutRecordCommand, UpdateDestinationCommand } from '@aws-sdk/client-firehose';
import { decompress } from '../../src/firehose/index.ts';
import type { CompressionFormat } from '../../src/firehose/index.ts';
import { startHarness, listFiles, readObject, s3Dest, enc } from './helpers.ts';
import type { Harness } from './helpers.ts';

describe('S3 destination to the embedded directory store', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  async function create(name: string, dest: Record<string, unknown>): Promise<void> {
    await h.client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: dest as never }));
    await h.tick(1000, name);
  }

  it('delivers on the buffer interval with the default yyyy/MM/dd/HH/ prefix and AWS object name', async () => {
    const name = 'interval-default';
    await create(name, s3Dest('bkt-interval', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }));
    const arrival = h.clock.now();
    const recs = Array.from({ length: 20 }, (_, i) => ({ Data: enc(`{"n":${i}}\n`) }));
    const res = await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: recs }));
    assert.equal(res.FailedPutCount, 0);
    assert.equal(res.RequestResponses?.length, 20);
    await h.tick(59_000, name);
    const root = join(h.dir, 's3', 'bkt-interval');
    assert.deepEqual(await listFiles(root), [], 'nothing before the interval');
    await h.tick(1_000, name);
    const files = await listFiles(root);
    assert.equal(files.length, 1);
    const d = new Date(arrival);
    const hh = String(d.getUTCHours()).padStart(2, '0');
    const re = new RegExp(`^2021/01/31/${hh}/${name}-1-2021-01-31-${hh}-\\d{2}-\\d{2}-[0-9a-f-]{36}$`);
    assert.match(files[0]!, re);
    const body = (await readObject(root, files[0]!)).toString();
    assert.equal(body, recs.map((r) => new TextDecoder().decode(r.Data)).join(''));
  });

  it('flushes as soon as the size hint is reached (measured before compression)', async () => {
    const name = 'size-flush';
    await create(name, s3Dest('bkt-size', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 900 }, CompressionFormat: 'GZIP' }));
    const chunk = `${'x'.repeat(1000)}\n`;
    for (let b = 0; b < 3; b++) {
      const recs = Array.from({ length: 400 }, () => ({ Data: enc(chunk) }));
      await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: recs }));
    }
    await h.settle(name);
    const root = join(h.dir, 's3', 'bkt-size');
    const files = await listFiles(root);
    assert.equal(files.length, 1, '1.2 MB in, one 1 MiB object out before any interval');
    assert.ok(files[0]!.endsWith('.gz'));
    const body = decompress('GZIP', await readObject(root, files[0]!));
    assert.ok(body.length >= 1024 * 1024);
    assert.equal(body.length % chunk.length, 0);
    await h.tick(900_000, name);
    const after = await listFiles(root);
    assert.equal(after.length, 2);
    let total = 0;
    for (const f of after) total += decompress('GZIP', await readObject(root, f)).length;
    assert.equal(total, 1200 * chunk.length);
  });

  for (const format of ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'] as CompressionFormat[]) {
    it(`writes ${format} objects whose content decompresses to the records`, async () => {
      const name = `fmt-${format.toLowerCase().replace('_', '-')}`;
      await create(name, s3Dest(`bkt-${name}`, { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 }, CompressionFormat: format }));
      const lines = Array.from({ length: 300 }, (_, i) => `{"id":${i},"payload":"${'abc'.repeat(i % 50)}"}\n`);
      await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: lines.map((l) => ({ Data: enc(l) })) }));
      await h.tick(60_000, name);
      const root = join(h.dir, 's3', `bkt-${name}`);
      const files = await listFiles(root);
      assert.equal(files.length, 1);
      const ext = { UNCOMPRESSED: '', GZIP: '.gz', ZIP: '.zip', Snappy: '.snappy', HADOOP_SNAPPY: '.snappy' }[format];
      if (ext) assert.ok(files[0]!.endsWith(ext), files[0]);
      const body = new TextDecoder().decode(decompress(format, await readObject(root, files[0]!)));
      assert.equal(body, lines.join(''));
    });
  }

  it('evaluates custom prefixes once per object at the oldest arrival time, in CustomTimeZone, with FileExtension', async () => {
    const name = 'custom-prefix';
    await create(
      name,
      s3Dest('bkt-prefix', {
        Prefix: 'sales_revenue/!{timestamp:yyyy/MM/dd/HH}/year=!{timestamp:yyyy}/q=!{timestamp:Q}/!{firehose:random-string}/',
        ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy}/',
        CustomTimeZone: 'Asia/Tokyo',
        FileExtension: '.json',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      }),
    );
    const first = h.clock.now();
    await h.client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: enc('a\n') } }));
    await h.tick(30_000, name);
    await h.client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: enc('b\n') } }));
    await h.tick(30_000, name);
    const files = await listFiles(join(h.dir, 's3', 'bkt-prefix'));
    assert.equal(files.length, 1);
    // 14:05 UTC on 2021-01-31 is 23:05 in Tokyo.
    const tokyo = new Date(first + 9 * 3600_000);
    assert.equal(tokyo.getUTCHours(), 23);
    assert.match(files[0]!, /^sales_revenue\/2021\/01\/31\/23\/year=2021\/q=1\/[A-Za-z0-9]{11}\/custom-prefix-1-2021-01-31-23-\d\d-\d\d-[0-9a-f-]{36}\.json$/);
    assert.equal((await readObject(join(h.dir, 's3', 'bkt-prefix'), files[0]!)).toString(), 'a\nb\n');
  });

  it('produces the interval micro-batch layout with the timestampFloor extension (scenario S3)', async () => {
    const name = 'intervals';
    await create(
      name,
      s3Dest('bkt-intvl', {
        Prefix: 'streaming-csv/data/intvl_date=!{timestampFloor:PT5M:yyyy-MM-dd}/intvl_hhmm=!{timestampFloor:PT5M:HHmm}/',
        ErrorOutputPrefix: 'streaming-csv/errors/!{firehose:error-output-type}/',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      }),
    );
    const arrival = h.clock.now();
    const floored = new Date(Math.floor(arrival / 300_000) * 300_000);
    const hhmm = String(floored.getUTCHours()).padStart(2, '0') + String(floored.getUTCMinutes()).padStart(2, '0');
    assert.notEqual(floored.getTime(), arrival, 'arrival is inside the interval, not on its boundary');
    await h.client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: enc('US,2021-01-31 14:07:00,10\n') } }));
    await h.tick(60_000, name);
    const files = await listFiles(join(h.dir, 's3', 'bkt-intvl'));
    assert.equal(files.length, 1);
    assert.ok(files[0]!.startsWith(`streaming-csv/data/intvl_date=2021-01-31/intvl_hhmm=${hhmm}/intervals-1-`), files[0]);
  });

  it('retries while the bucket directory cannot be written and delivers once it can (nothing lost)', async () => {
    const name = 'dir-outage';
    await create(name, s3Dest('bkt-outage', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }));
    const root = join(h.dir, 's3', 'bkt-outage');
    // A regular file where the bucket directory should be: every write fails (works even as root).
    await mkdir(join(h.dir, 's3'), { recursive: true });
    await writeFile(root, 'not a directory');
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: enc('one\n') }, { Data: enc('two\n') }] }));
    await h.tick(60_000, name);
    for (let i = 0; i < 6; i++) await h.tick(10_000, name);
    const retries = h.engine.metrics(name).DeliveryRetries;
    assert.ok(retries >= 3, `retries: ${retries}`);
    assert.equal(h.engine.metrics(name)['DeliveryToS3.Records'], 0);
    await rm(root);
    for (let i = 0; i < 5 && (await listFiles(root)).length === 0; i++) await h.tick(60_000, name);
    const files = await listFiles(root);
    assert.equal(files.length, 1);
    assert.equal((await readObject(root, files[0]!)).toString(), 'one\ntwo\n');
    assert.equal(h.engine.metrics(name)['DeliveryToS3.Records'], 2);
  });

  it('IntervalInSeconds 0 delivers without waiting for the clock', async () => {
    const name = 'zero-interval';
    await create(name, s3Dest('bkt-zero', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } }));
    await h.client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: enc('now\n') } }));
    await h.settle(name);
    const files = await listFiles(join(h.dir, 's3', 'bkt-zero'));
    assert.equal(files.length, 1);
  });

  it('UpdateDestination applies to records not yet delivered: new prefix, compression and version in the key', async () => {
    const name = 'updated';
    await create(name, s3Dest('bkt-upd', { Prefix: 'v1/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }));
    await h.client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: enc('first\n') } }));
    await h.tick(60_000, name);
    await h.client.send(new PutRecordCommand({ DeliveryStreamName: name, Record: { Data: enc('second\n') } }));
    await h.settle(name);
    await h.client.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: name,
        CurrentDeliveryStreamVersionId: '1',
        DestinationId: 'destinationId-000000000001',
        ExtendedS3DestinationUpdate: { Prefix: 'v2/', CompressionFormat: 'GZIP' },
      }),
    );
    await h.tick(60_000, name);
    const root = join(h.dir, 's3', 'bkt-upd');
    const files = await listFiles(root);
    assert.equal(files.length, 2, files.join(','));
    assert.match(files[0]!, /^v1\/2021\/01\/31\/14\/updated-1-/); // no timestamp expression: Firehose appends yyyy/MM/dd/HH/
    assert.match(files[1]!, /^v2\/2021\/01\/31\/14\/updated-2-.*\.gz$/);
    assert.equal(new TextDecoder().decode(decompress('GZIP', await readObject(root, files[1]!))), 'second\n');
  });
});
