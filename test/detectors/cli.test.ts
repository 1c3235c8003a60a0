/**
 * The metric detectors from the command line (the built `freshet` binary): `anomaly detect` over a CSV,
 * `anomaly score --detector metric`, and `detectors list|describe|anomalies` against a server whose detector
 * found a drop.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ActivateAnomalyDetectorCommand, CreateAnomalyDetectorCommand, CreateMetricSetCommand } from '@aws-sdk/client-lookoutmetrics';
import { Rng } from '../../src/generators/index.ts';
import { runCli } from '../cli/run-cli.ts';
import { runCliInProcess } from '../cli/run-cli-in-process.ts';
import { intervalRows, writeInterval } from './data.ts';
import { ROLE, T0, startHarness } from './helpers.ts';
import type { Harness } from './helpers.ts';

const FREQ = 300_000;
const DROP = { marketplace: 'DE', from: 150, to: 153, factor: 0.2 };

describe('freshet anomaly detect and anomaly score --detector metric', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'freshet-detect-cli-'));
    const rng = new Rng(2);
    const lines = ['marketplace,event_time,views'];
    for (let i = 0; i < 170; i++) lines.push(...intervalRows(rng, i, T0 + i * FREQ, FREQ, [DROP]));
    await writeFile(join(dir, 'views.csv'), `${lines.join('\n')}\n`);
    // One series: the DE rows' sum per interval, one row each.
    const sums = new Map<string, number>();
    for (const l of lines.slice(1)) {
      const [m, t, v] = l.split(',');
      if (m !== 'DE') continue;
      const key = `${t!.slice(0, 14)}${String(Math.floor(Number(t!.slice(14, 16)) / 5) * 5).padStart(2, '0')}:00`;
      sums.set(key, (sums.get(key) ?? 0) + Number(v));
    }
    await writeFile(join(dir, 'de.csv'), `timestamp,value\n${[...sums].map(([t, v]) => `${t},${v}`).join('\n')}\n`);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('anomaly detect prints one group for the drop, led by DE, and a summary on stderr', async () => {
    const r = await runCli(['anomaly', 'detect', join(dir, 'views.csv'), '--timestamp', 'event_time', '--measures', 'views', '--dimensions', 'marketplace']);
    assert.equal(r.code, 0, r.stderr);
    const groups = r.stdout.split('\n').filter((l) => /severity \d+/.test(l));
    assert.equal(groups.length, 1, r.stdout);
    assert.ok(groups[0]!.startsWith(new Date(T0 + DROP.from * FREQ).toISOString().replace('.000Z', 'Z')), groups[0]);
    assert.match(r.stdout, /views by marketplace: DE \d/);
    assert.match(r.stderr, /3060 rows \(0 without a valid timestamp\), 6 series, 170 intervals, 1 anomaly group/);
    const json = await runCliInProcess([
      'anomaly',
      'detect',
      join(dir, 'views.csv'),
      '--timestamp',
      'event_time',
      '--measures',
      'views',
      '--dimensions',
      'marketplace',
      '--json',
    ]);
    const g = JSON.parse(json.stdout.trim().split('\n')[0]!) as { severity: number; metrics: { contributions: { values: { value: string }[] }[] }[] };
    assert.ok(g.severity >= 50);
    assert.equal(g.metrics[0]!.contributions[0]!.values[0]!.value, 'DE');
  });

  it('anomaly detect names a missing column and the columns there are', async () => {
    const r = await runCliInProcess(['anomaly', 'detect', join(dir, 'views.csv'), '--measures', 'clicks']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /column 'timestamp' not found in the CSV header \(columns: marketplace, event_time, views\)/);
  });

  it('anomaly score --detector metric grades the drop rows of one series and only them', async () => {
    const r = await runCliInProcess(['anomaly', 'score', join(dir, 'de.csv'), '--detector', 'metric']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'timestamp,value,anomaly_score,anomaly_grade,expected,reason');
    assert.equal(lines.length, 171);
    const flagged = lines.slice(1).flatMap((l, i) => (Number(l.split(',')[3]) >= 0.5 ? [i] : []));
    assert.equal(flagged[0], DROP.from);
    assert.ok(
      flagged.every((i) => i >= DROP.from && i <= DROP.to),
      String(flagged),
    );
  });
});

describe('freshet detectors list|describe|anomalies', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ start: T0 - 2000 });
    const rng = new Rng(2);
    for (let i = 0; i < 170; i++) writeInterval(h.bucketDir, T0 + i * FREQ, intervalRows(rng, i, T0 + i * FREQ, FREQ, [DROP]));
    const { AnomalyDetectorArn } = await h.client.send(
      new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'ecommcli', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }),
    );
    await h.client.send(
      new CreateMetricSetCommand({
        AnomalyDetectorArn,
        MetricSetName: 'views',
        MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
        DimensionList: ['marketplace'],
        TimestampColumn: { ColumnName: 'event_time' },
        Offset: 60,
        MetricSource: {
          S3SourceConfig: {
            RoleArn: ROLE,
            TemplatedPathList: ['s3://freshet-s3/streaming-csv/data/intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}'],
            FileFormatDescriptor: { CsvFormatDescriptor: { ContainsHeader: true } },
          },
        },
      }),
    );
    await h.client.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn }));
    h.clock.advance(1000);
    await h.engine.settled();
    h.clock.advanceTo(T0 + 170 * FREQ + 60_000);
    await h.engine.settled();
  });
  after(async () => {
    await h.close();
  });

  it('lists the detector, describes its metric set, and prints the group with contributions and a sparkline', async () => {
    const env = { FRESHET_ENDPOINT: h.server.url };
    const list = await runCli(['detectors', 'list', '-o', 'table'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ecommcli +ACTIVE +PT5M /m);
    const desc = await runCliInProcess(['detectors', 'describe', 'ecommcli', '-o', 'table'], env);
    assert.match(desc.stdout, /metric set views: measures views \(SUM\)/);
    assert.match(desc.stdout, /reads s3:\/\/freshet-s3\/streaming-csv\/data\/intvl_date=\{\{yyyy-MM-dd\}\}/);
    const an = await runCliInProcess(['detectors', 'anomalies', 'ecommcli', '-o', 'table'], env);
    assert.equal(an.code, 0, an.stderr);
    assert.match(an.stdout, /severity \d+ {2}views/);
    assert.match(an.stdout, /views by marketplace: DE \d+(\.\d+)?%/);
    assert.match(an.stdout, /marketplace=DE {2}[▁▂▃▄▅▆▇█ ]+ {2}last \d+/);
    const missing = await runCliInProcess(['detectors', 'anomalies', 'nope'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no detector named 'nope' \(detectors: ecommcli\)/);
  });
});
