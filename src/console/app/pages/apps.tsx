/**
 * SQL applications: the list, and one application's code in the editor (checked as you type), start/stop/
 * update with its version, input and output configuration, the live rows of each in-application stream,
 * error_stream rows and its record-rate chart.
 */
import { useState } from 'preact/hooks';
import { aws, errorText, hasCloudWatch, useEvents, useLive, useLoad } from '../api.ts';
import { MetricChart } from '../metrics.tsx';
import { LiveChart, Sparkline } from '../charts.tsx';
import { cell, num, statusClass } from '../format.ts';
import { link } from '../main.tsx';
import { SqlEditor } from '../sql-editor.tsx';

export function AppsPage({ name }: { name: string | undefined }) {
  return name ? <AppDetail name={name} /> : <AppList />;
}

function AppList() {
  const live = useLive();
  return (
    <div>
      <h1>SQL applications</h1>
      <table class="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Status</th>
            <th>Version</th>
            <th>Records in</th>
            <th>Rows out</th>
            <th>Input rate</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {live.latest?.apps.map((a) => (
            <tr key={a.name}>
              <td>
                <a href={link('apps', a.name)}>{a.name}</a>
              </td>
              <td>
                <span class={statusClass(a.status)}>{a.status}</span>
              </td>
              <td>{a.versionId}</td>
              <td>{num(a.recordsRead)}</td>
              <td>{num(a.recordsWritten)}</td>
              <td>{num(a.rate)}/s</td>
              <td>
                <Sparkline values={live.history.map((h) => h.apps.find((x) => x.name === a.name)?.rate ?? 0)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface AppDetailShape {
  ApplicationDetail: {
    ApplicationName: string;
    ApplicationARN: string;
    ApplicationStatus: string;
    ApplicationVersionId: number;
    ApplicationCode?: string;
    InputDescriptions?: Array<{
      InputId: string;
      NamePrefix: string;
      KinesisStreamsInputDescription?: { ResourceARN: string };
      KinesisFirehoseInputDescription?: { ResourceARN: string };
      InputSchema?: { RecordFormat: { RecordFormatType: string }; RecordColumns: Array<{ Name: string; SqlType: string; Mapping?: string }> };
      InputStartingPositionConfiguration?: { InputStartingPosition?: string };
    }>;
    OutputDescriptions?: Array<{
      OutputId: string;
      Name: string;
      KinesisFirehoseOutputDescription?: { ResourceARN: string };
      KinesisStreamsOutputDescription?: { ResourceARN: string };
      LambdaOutputDescription?: { ResourceARN: string };
      DestinationSchema?: { RecordFormatType?: string };
    }>;
  };
}

interface RowsEvent {
  versionId: number;
  running: boolean;
  streams: Record<string, Array<Record<string, unknown>>>;
}

function AppDetail({ name }: { name: string }) {
  const live = useLive();
  const described = useLoad(() => aws<AppDetailShape>('analytics', 'DescribeApplication', { ApplicationName: name }), [name]);
  const detail = described.data?.ApplicationDetail;
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<Array<{ line: number; column: number; message: string }>>([]);
  const [message, setMessage] = useState<string | undefined>();
  const [rows, setRows] = useState<RowsEvent | undefined>();
  useEvents(`/console/api/rows?app=${encodeURIComponent(name)}`, 'rows', (d) => setRows(d as RowsEvent));
  const sample = live.latest?.apps.find((a) => a.name === name);
  // The live feed sees status and version changes first: describe again when they move.
  const liveKey = sample ? `${sample.status}/${sample.versionId}` : '';
  const [seenKey, setSeenKey] = useState(liveKey);
  if (liveKey !== seenKey) {
    setSeenKey(liveKey);
    described.reload();
  }

  const run = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setMessage(what);
      described.reload();
    } catch (e) {
      setMessage(errorText(e));
    }
  };
  const update = () =>
    run('Code updated', async () => {
      await aws('analytics', 'UpdateApplication', {
        ApplicationName: name,
        CurrentApplicationVersionId: detail!.ApplicationVersionId,
        ApplicationUpdate: { ApplicationCodeUpdate: draft ?? detail!.ApplicationCode ?? '' },
      });
      setDraft(undefined);
    });
  const start = () =>
    run('Starting…', () =>
      aws('analytics', 'StartApplication', {
        ApplicationName: name,
        InputConfigurations: (detail?.InputDescriptions ?? []).map((i) => ({
          Id: i.InputId,
          InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' },
        })),
      }),
    );
  const stop = () => run('Stopping…', () => aws('analytics', 'StopApplication', { ApplicationName: name }));

  const times = live.history.map((h) => h.timeMs / 1000);
  const pick = (f: (a: NonNullable<typeof sample>) => number) =>
    live.history.map((h) => {
      const a = h.apps.find((x) => x.name === name);
      return a ? f(a) : null;
    });
  const status = sample?.status ?? detail?.ApplicationStatus ?? '';
  const dirty = draft !== undefined && draft !== detail?.ApplicationCode;
  return (
    <div>
      <p class="crumbs">
        <a href={link('apps')}>SQL applications</a> / {name}
      </p>
      <h1>
        {name} <span class={statusClass(status)}>{status}</span>{' '}
        <span class="version" data-testid="app-version">
          version {detail?.ApplicationVersionId ?? '…'}
        </span>
      </h1>
      {described.error ? <p class="error">{described.error}</p> : null}
      <div class="row">
        <button type="button" onClick={start} disabled={status !== 'READY'}>
          Start
        </button>
        <button type="button" onClick={stop} disabled={status !== 'RUNNING'}>
          Stop
        </button>
        <button type="button" onClick={update} disabled={!dirty || errors.length > 0} data-testid="app-update">
          Update code
        </button>
        {message ? <span class="message">{message}</span> : null}
        {sample?.lastError ? <span class="error">{sample.lastError}</span> : null}
      </div>
      <div class="split">
        <div class="editor-col">
          {detail ? (
            <SqlEditor code={detail.ApplicationCode ?? ''} application={name} onChange={setDraft} onCheck={setErrors} />
          ) : (
            <p class="muted">Loading…</p>
          )}
          <p class={errors.length ? 'error check' : 'ok check'} data-testid="check-result">
            {errors.length ? errors.map((e) => `line ${e.line}, column ${e.column}: ${e.message}`).join('; ') : 'sql check: no errors'}
          </p>
        </div>
        <div class="config-col">
          <h3>Input</h3>
          {detail?.InputDescriptions?.map((i) => (
            <div key={i.InputId} class="small">
              <b>{i.NamePrefix}</b>_001… ← {i.KinesisStreamsInputDescription?.ResourceARN ?? i.KinesisFirehoseInputDescription?.ResourceARN} (
              {i.InputSchema?.RecordFormat.RecordFormatType}
              {i.InputStartingPositionConfiguration?.InputStartingPosition ? `, from ${i.InputStartingPositionConfiguration.InputStartingPosition}` : ''})
              <table class="list compact">
                <tbody>
                  {i.InputSchema?.RecordColumns.map((c) => (
                    <tr key={c.Name}>
                      <td>{c.Name}</td>
                      <td>{c.SqlType}</td>
                      <td class="mono">{c.Mapping}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
          <h3>Output</h3>
          {detail?.OutputDescriptions?.map((o) => (
            <div key={o.OutputId} class="small">
              <b>{o.Name}</b> →{' '}
              {o.KinesisFirehoseOutputDescription?.ResourceARN ?? o.KinesisStreamsOutputDescription?.ResourceARN ?? o.LambdaOutputDescription?.ResourceARN} (
              {o.DestinationSchema?.RecordFormatType})
            </div>
          ))}
        </div>
      </div>
      <LiveChart
        title="Records per second"
        times={times}
        series={[
          { label: 'input records/s', color: '#2f6fd0', values: pick((a) => a.rate) },
          { label: 'output rows/s', color: '#d0602f', values: pick((a) => a.outRate) },
        ]}
        height={150}
      />
      {hasCloudWatch() ? (
        <MetricChart
          title="Lag behind the input stream"
          queries={[
            {
              id: 'lag',
              label: 'MillisBehindLatest (Maximum)',
              color: '#8a4fd0',
              namespace: 'AWS/KinesisAnalytics',
              metricName: 'MillisBehindLatest',
              dimensions: { Application: name },
              stat: 'Maximum',
            },
          ]}
        />
      ) : null}
      <h2>In-application streams</h2>
      {!rows?.running ? <p class="muted">The application is not running: start it to see its rows.</p> : null}
      {Object.entries(rows?.streams ?? {}).map(([stream, list]) => (
        <RowsTable key={stream} stream={stream} rows={list} />
      ))}
      <h2>error_stream</h2>
      {sample?.recentErrors.length ? (
        <RowsTable stream="error_stream" rows={sample.recentErrors} />
      ) : (
        <p class="muted">No errors{sample ? ` (${sample.parseErrors} parse errors in total)` : ''}.</p>
      )}
    </div>
  );
}

export function RowsTable({ stream, rows }: { stream: string; rows: Array<Record<string, unknown>> }) {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const latest = rows.slice(-20).reverse();
  return (
    <div class="rows" data-stream={stream}>
      <h3>
        {stream}{' '}
        <span class="muted small">
          latest {latest.length} of {rows.length} kept
        </span>
      </h3>
      {latest.length === 0 ? (
        <p class="muted small">No rows yet.</p>
      ) : (
        <table class="list compact">
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {latest.map((r, i) => (
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c}>{cell(r[c])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
