/**
 * SQL applications: the list (with create), and one application's code in the editor (checked as you type),
 * start/stop/update with its version, its input and outputs (added, changed and removed through the
 * KinesisAnalytics_20150814 API, a schema found with DiscoverInputSchema), delete, the live rows of each
 * in-application stream, error_stream rows and its record-rate chart.
 */
import { useEffect, useState } from 'preact/hooks';
import { aws, deliveryStreamArn, errorText, hasCloudWatch, roleArn, streamArn, useEvents, useLive, useLoad } from '../api.ts';
import { MetricChart } from '../metrics.tsx';
import { LiveChart, Sparkline } from '../charts.tsx';
import { cell, num, statusClass } from '../format.ts';
import { link } from '../main.tsx';
import { SqlEditor } from '../sql-editor.tsx';

export function AppsPage({ name }: { name: string | undefined }) {
  return name ? <AppPage name={name} /> : <AppList />;
}

interface FlinkDetailShape {
  ApplicationName: string;
  ApplicationStatus: string;
  ApplicationVersionId: number;
  RuntimeEnvironment: string;
  ApplicationConfigurationDescription?: {
    ApplicationCodeConfigurationDescription?: { CodeContentDescription?: { TextContent?: string } };
    EnvironmentPropertyDescriptions?: { PropertyGroupDescriptions?: PropertyGroup[] };
  };
}

interface PropertyGroup {
  PropertyGroupId: string;
  PropertyMap: Record<string, string>;
}

/** Property groups as the editor shows them: `group: key=value`, one property a line. */
function propertyLines(groups: PropertyGroup[]): string {
  return groups.flatMap((g) => Object.entries(g.PropertyMap).map(([k, v]) => `${g.PropertyGroupId}: ${k}=${v}`)).join('\n');
}

/**
 * The editor's lines as PropertyGroups (in the order groups first appear). A line without `:` or `=` is
 * reported here; what the API checks itself (lengths, counts) is left to it, so its refusal is shown.
 */
function parsePropertyLines(text: string): PropertyGroup[] {
  const groups = new Map<string, Record<string, string>>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const colon = line.indexOf(':');
    const eq = line.indexOf('=', colon + 1);
    if (colon < 0 || eq < 0) throw new Error(`Line ${i + 1}: write a property as "group: key=value"`);
    const id = line.slice(0, colon).trim();
    const map = groups.get(id) ?? {};
    map[line.slice(colon + 1, eq).trim()] = line.slice(eq + 1).trim();
    groups.set(id, map);
  });
  return [...groups].map(([PropertyGroupId, PropertyMap]) => ({ PropertyGroupId, PropertyMap }));
}

/**
 * The runtime properties (EnvironmentProperties) of a Flink application: edited as `group: key=value` lines and
 * saved with UpdateApplication's EnvironmentPropertyUpdates at the version the page read, so a change made
 * elsewhere meanwhile is refused (ConcurrentModificationException) rather than overwritten.
 */
function FlinkProperties({ name, detail, onSaved }: { name: string; detail: FlinkDetailShape; onSaved: () => void }) {
  const saved = propertyLines(detail.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions ?? []);
  const [draft, setDraft] = useState<string | undefined>(undefined);
  /** The version the draft was begun on: a later poll must not move it, or a stale draft would overwrite a newer version. */
  const [base, setBase] = useState<number | undefined>(undefined);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      const groups = parsePropertyLines(draft ?? saved);
      await aws('analyticsV2', 'UpdateApplication', {
        ApplicationName: name,
        CurrentApplicationVersionId: base ?? detail.ApplicationVersionId,
        ApplicationConfigurationUpdate: { EnvironmentPropertyUpdates: { PropertyGroups: groups } },
      });
      setDraft(undefined);
      setBase(undefined);
      setMessage({ text: `Runtime properties saved (${groups.length} group(s))`, error: false });
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
    }
    onSaved();
  };
  return (
    <form onSubmit={(e) => void save(e)} data-testid="flink-properties">
      <h3>Runtime properties</h3>
      <p class="muted small">One property a line, as "group: key=value" (EnvironmentProperties' property groups).</p>
      <textarea
        name="properties"
        rows={4}
        cols={60}
        class="mono"
        value={draft ?? saved}
        onInput={(e) => {
          if (draft === undefined) setBase(detail.ApplicationVersionId);
          setDraft(e.currentTarget.value);
        }}
      />
      <p class="row">
        <button type="submit">Save properties</button>
        {message ? <span class={message.error ? 'error' : 'message'}>{message.text}</span> : null}
      </p>
    </form>
  );
}

/** An application's page: KinesisAnalyticsV2 describes both kinds; a SQL-1_0 one gets the SQL page, a Flink one its own (where presigned URLs lead). */
function AppPage({ name }: { name: string }) {
  const v2 = useLoad(() => aws<{ ApplicationDetail: FlinkDetailShape }>('analyticsV2', 'DescribeApplication', { ApplicationName: name }), [name]);
  const runtime = v2.data?.ApplicationDetail.RuntimeEnvironment;
  if (runtime === undefined && v2.error === undefined) return <p class="muted">Loading {name}…</p>;
  return runtime?.startsWith('FLINK') ? <FlinkDetail name={name} /> : <AppDetail name={name} />;
}

interface SnapshotShape {
  SnapshotName: string;
  SnapshotStatus: string;
  ApplicationVersionId: number;
}

/** A Flink application: status, version, runtime, code and runtime properties; its snapshots listed, taken and deleted (AWS's refusals shown). */
function FlinkDetail({ name }: { name: string }) {
  const described = useLoad(() => aws<{ ApplicationDetail: FlinkDetailShape }>('analyticsV2', 'DescribeApplication', { ApplicationName: name }), [name]);
  const snapshots = useLoad(
    async () => (await aws<{ SnapshotSummaries: SnapshotShape[] }>('analyticsV2', 'ListApplicationSnapshots', { ApplicationName: name })).SnapshotSummaries,
    [name],
  );
  const [snapshotName, setSnapshotName] = useState('');
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const act = async (done: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setMessage({ text: done, error: false });
    } catch (e) {
      setMessage({ text: errorText(e), error: true });
    }
    described.reload();
    snapshots.reload();
  };
  const d = described.data?.ApplicationDetail;
  return (
    <section data-testid="flink-detail">
      <h2>Flink application {name}</h2>
      {described.error ? <p class="error">{described.error}</p> : null}
      {d ? (
        <p data-testid="flink-summary">
          {d.ApplicationStatus} · version {d.ApplicationVersionId} · {d.RuntimeEnvironment}
        </p>
      ) : null}
      <textarea
        name="flink-code"
        rows={6}
        data-testid="flink-code"
        value={draft ?? d?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent ?? ''}
        onInput={(e) => setDraft(e.currentTarget.value)}
      />
      <p>
        <button
          type="button"
          disabled={!d || draft === undefined}
          onClick={() =>
            void act('Code updated', async () => {
              // The version read with the page, so a change made elsewhere meanwhile is refused, not overwritten.
              await aws('analyticsV2', 'UpdateApplication', {
                ApplicationName: name,
                CurrentApplicationVersionId: d!.ApplicationVersionId,
                ApplicationConfigurationUpdate: { ApplicationCodeConfigurationUpdate: { CodeContentUpdate: { TextContentUpdate: draft } } },
              });
              setDraft(undefined);
            })
          }
        >
          Update code
        </button>{' '}
        <button
          type="button"
          disabled={!d}
          onClick={() =>
            void act('Rolled back', () =>
              aws('analyticsV2', 'RollbackApplication', { ApplicationName: name, CurrentApplicationVersionId: d!.ApplicationVersionId }),
            )
          }
        >
          Roll back
        </button>
      </p>
      {d ? <FlinkProperties name={name} detail={d} onSaved={described.reload} /> : null}
      <h3>Snapshots</h3>
      <table class="list" data-testid="flink-snapshots">
        <thead>
          <tr>
            <th>name</th>
            <th>status</th>
            <th>version</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(snapshots.data ?? []).map((sn) => (
            <tr key={sn.SnapshotName} data-name={sn.SnapshotName}>
              <td>{sn.SnapshotName}</td>
              <td>{sn.SnapshotStatus}</td>
              <td>{sn.ApplicationVersionId}</td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    void act(`Deleted snapshot ${sn.SnapshotName}`, async () => {
                      const full = await aws<{ SnapshotDetails: { SnapshotCreationTimestamp: number } }>('analyticsV2', 'DescribeApplicationSnapshot', {
                        ApplicationName: name,
                        SnapshotName: sn.SnapshotName,
                      });
                      await aws('analyticsV2', 'DeleteApplicationSnapshot', {
                        ApplicationName: name,
                        SnapshotName: sn.SnapshotName,
                        SnapshotCreationTimestamp: full.SnapshotDetails.SnapshotCreationTimestamp,
                      });
                    })
                  }
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act(`Snapshot ${snapshotName} taken`, () =>
            aws('analyticsV2', 'CreateApplicationSnapshot', { ApplicationName: name, SnapshotName: snapshotName }),
          );
        }}
        data-testid="flink-snapshot-form"
      >
        <input name="snapshot" placeholder="snapshot name" value={snapshotName} onInput={(e) => setSnapshotName(e.currentTarget.value)} />
        <button type="submit">Take snapshot</button>
      </form>
      {message ? <p class={message.error ? 'error' : 'message'}>{message.text}</p> : null}
    </section>
  );
}

/** What the list says first after an application's page deleted it (shown once). */
let deletedNotice: string | undefined;

const STARTER_CODE = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ("n" INTEGER);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM 1 FROM "SOURCE_SQL_STREAM_001";
`;

/** CreateApplication: a name, a description and the SQL code; input and outputs are added on its page. */
function CreateApp() {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [code, setCode] = useState(STARTER_CODE);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      await aws('analytics', 'CreateApplication', {
        ApplicationName: name,
        ...(description ? { ApplicationDescription: description } : {}),
        ...(code.trim() ? { ApplicationCode: code } : {}),
      });
      setMessage({ text: `Created ${name}: add its input and outputs on its page.`, error: false });
      setOpen(false);
      setName('');
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
    }
  };
  return (
    <div>
      <p class="row">
        <button type="button" onClick={() => setOpen(!open)} data-testid="create-app-open">
          Create application
        </button>
        {message ? <span class={message.error ? 'error' : 'message'}>{message.text}</span> : null}
      </p>
      {open ? (
        <form class="card dialog" onSubmit={(e) => void create(e)} data-testid="create-app">
          <h3>Create a SQL application</h3>
          <label>
            Name <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
          </label>
          <label>
            Description <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          </label>
          <label>
            SQL code <textarea name="code" rows={6} value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </label>
          <p class="row">
            <button type="submit">Create</button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </p>
        </form>
      ) : null}
    </div>
  );
}

function AppList() {
  const live = useLive();
  const [notice] = useState(() => {
    const n = deletedNotice;
    deletedNotice = undefined;
    return n;
  });
  return (
    <div>
      <h1>SQL applications</h1>
      {notice ? <p class="message">{notice}</p> : null}
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
      <CreateApp />
      <FlinkApps />
    </div>
  );
}

interface FlinkSummary {
  ApplicationName: string;
  ApplicationStatus: string;
  ApplicationVersionId: number;
  RuntimeEnvironment: string;
}

const FLINK_RUNTIMES = ['FLINK-1_20', 'FLINK-1_19', 'FLINK-1_18', 'FLINK-1_15'];

const FLINK_STARTER = `CREATE TABLE source_table (n INT) WITH ('connector' = 'kinesis', 'stream' = 'input-stream', 'format' = 'json');
CREATE TABLE sink_table (n INT) WITH ('connector' = 'kinesis', 'stream' = 'output-stream', 'format' = 'json');
INSERT INTO sink_table SELECT n FROM source_table;
`;

/**
 * The Flink (KinesisAnalyticsV2) applications: listed every 3 s, every second while one changes state (ListApplications without the SQL-1_0 ones, which the
 * table above shows), created from Flink SQL typed into the page, started, stopped and deleted after a confirmation.
 */
function FlinkApps() {
  const [tick, setTick] = useState(0);
  const list = useLoad(
    async () =>
      (await aws<{ ApplicationSummaries: FlinkSummary[] }>('analyticsV2', 'ListApplications', {})).ApplicationSummaries.filter(
        (a) => a.RuntimeEnvironment !== 'SQL-1_0',
      ),
    [tick],
  );
  // Every 3 s; every second while an application is between states (STARTING, STOPPING, UPDATING, DELETING…).
  const moving = list.data?.some((a) => a.ApplicationStatus !== 'READY' && a.ApplicationStatus !== 'RUNNING') ?? false;
  useEffect(() => {
    const t = setTimeout(() => setTick((n) => n + 1), moving ? 1000 : 3000);
    return () => clearTimeout(t);
  }, [tick, moving]);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [runtime, setRuntime] = useState(FLINK_RUNTIMES[0]!);
  const [role, setRole] = useDefaultRole('flink-role', undefined);
  const [code, setCode] = useState(FLINK_STARTER);
  const act = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setMessage({ text: what, error: false });
    } catch (e) {
      setMessage({ text: errorText(e), error: true });
    }
    setTick((n) => n + 1);
  };
  const create = (e: Event) => {
    e.preventDefault();
    void act(`Created ${name}`, async () => {
      await aws('analyticsV2', 'CreateApplication', {
        ApplicationName: name,
        RuntimeEnvironment: runtime,
        ServiceExecutionRole: role,
        ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: code } } },
      });
      setOpen(false);
      setName('');
    });
  };
  const remove = (a: FlinkSummary) => {
    if (!confirm(`Delete Flink application ${a.ApplicationName}? A running job is stopped; its snapshots are deleted.`)) return;
    void act(`Deleting ${a.ApplicationName}…`, async () => {
      const d = await aws<{ ApplicationDetail: { CreateTimestamp: number } }>('analyticsV2', 'DescribeApplication', { ApplicationName: a.ApplicationName });
      await aws('analyticsV2', 'DeleteApplication', { ApplicationName: a.ApplicationName, CreateTimestamp: d.ApplicationDetail.CreateTimestamp });
    });
  };
  return (
    <section data-testid="flink-apps">
      <h2>Flink applications</h2>
      {list.error ? <p class="error">{list.error}</p> : null}
      <table class="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Runtime</th>
            <th>Status</th>
            <th>Version</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.map((a) => (
            <tr key={a.ApplicationName} data-name={a.ApplicationName}>
              <td>{a.ApplicationName}</td>
              <td>{a.RuntimeEnvironment}</td>
              <td>
                <span class={statusClass(a.ApplicationStatus)}>{a.ApplicationStatus}</span>
              </td>
              <td>{a.ApplicationVersionId}</td>
              <td>
                <button
                  type="button"
                  disabled={a.ApplicationStatus !== 'READY'}
                  onClick={() =>
                    void act(`Starting ${a.ApplicationName}…`, () =>
                      aws('analyticsV2', 'StartApplication', {
                        ApplicationName: a.ApplicationName,
                        RunConfiguration: { ApplicationRestoreConfiguration: { ApplicationRestoreType: 'RESTORE_FROM_LATEST_SNAPSHOT' } },
                      }),
                    )
                  }
                >
                  Start
                </button>{' '}
                <button
                  type="button"
                  disabled={a.ApplicationStatus !== 'RUNNING'}
                  onClick={() =>
                    void act(`Stopping ${a.ApplicationName}…`, () => aws('analyticsV2', 'StopApplication', { ApplicationName: a.ApplicationName }))
                  }
                >
                  Stop
                </button>{' '}
                <button type="button" class="danger" onClick={() => remove(a)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.length === 0 ? <p class="muted small">No Flink applications.</p> : null}
      <p class="row">
        <button type="button" onClick={() => setOpen(!open)} data-testid="create-flink-open">
          Create Flink application
        </button>
        {message ? <span class={message.error ? 'error' : 'message'}>{message.text}</span> : null}
      </p>
      {open ? (
        <form class="card dialog" onSubmit={create} data-testid="create-flink">
          <h3>Create a Flink SQL application</h3>
          <label>
            Name <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
          </label>
          <label>
            Runtime{' '}
            <select name="runtime" value={runtime} onChange={(e) => setRuntime(e.currentTarget.value)}>
              {FLINK_RUNTIMES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label>
            Service execution role <input name="role" value={role} onInput={(e) => setRole(e.currentTarget.value)} required size={50} />
          </label>
          <label>
            Flink SQL <textarea name="code" rows={6} value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </label>
          <p class="row">
            <button type="submit">Create</button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </p>
        </form>
      ) : null}
    </section>
  );
}

interface AppDetailShape {
  ApplicationDetail: {
    ApplicationName: string;
    ApplicationARN: string;
    ApplicationStatus: string;
    ApplicationVersionId: number;
    ApplicationCode?: string;
    CreateTimestamp?: number;
    InputDescriptions?: Array<{
      InputId: string;
      NamePrefix: string;
      KinesisStreamsInputDescription?: { ResourceARN: string; RoleARN?: string };
      KinesisFirehoseInputDescription?: { ResourceARN: string; RoleARN?: string };
      InputSchema?: InputSchema;
      InputStartingPositionConfiguration?: { InputStartingPosition?: string };
    }>;
    OutputDescriptions?: Array<{
      OutputId: string;
      Name: string;
      KinesisFirehoseOutputDescription?: { ResourceARN: string; RoleARN?: string };
      KinesisStreamsOutputDescription?: { ResourceARN: string; RoleARN?: string };
      LambdaOutputDescription?: { ResourceARN: string; RoleARN?: string };
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
  const remove = () => {
    // As on AWS's console, deleting asks first: a running application stops and its configuration goes.
    if (!confirm(`Delete application ${name}? A running application is stopped first; its code and configuration are deleted.`)) return;
    aws('analytics', 'DeleteApplication', { ApplicationName: name, CreateTimestamp: detail?.CreateTimestamp }).then(
      () => {
        deletedNotice = `Deleted ${name}.`;
        location.hash = link('apps');
      },
      (err: unknown) => setMessage(errorText(err)),
    );
  };

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
        <button type="button" class="danger" onClick={remove} disabled={!detail} data-testid="app-delete">
          Delete application
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
          {detail ? <InputConfig detail={detail} onChange={described.reload} /> : null}
          {detail ? <OutputConfig detail={detail} onChange={described.reload} /> : null}
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

type Detail = AppDetailShape['ApplicationDetail'];
type InputDescription = NonNullable<Detail['InputDescriptions']>[number];
type OutputDescription = NonNullable<Detail['OutputDescriptions']>[number];

interface InputSchema {
  RecordFormat: { RecordFormatType: string; MappingParameters?: unknown };
  RecordEncoding?: string;
  RecordColumns: Array<{ Name: string; SqlType: string; Mapping?: string }>;
}

/** Runs a configuration change, then shows its outcome (AWS's error text on a refusal) and describes the application again. */
function useChange(onChange: () => void): {
  message: { text: string; error: boolean } | undefined;
  change: (what: string, fn: () => Promise<unknown>) => Promise<boolean>;
} {
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const change = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setMessage({ text: what, error: false });
      onChange();
      return true;
    } catch (e) {
      setMessage({ text: errorText(e), error: true });
      return false;
    }
  };
  return { message, change };
}

/** The role field's default: a role in the server's account (checked only when the server enforces credentials). */
function useDefaultRole(role: string, current: string | undefined): [string, (v: string) => void] {
  const [value, setValue] = useState(current ?? '');
  const [asked, setAsked] = useState(false);
  if (!asked && !current) {
    setAsked(true);
    // Without an account the field stays empty (it is required): the user types the role.
    roleArn(role).then(
      (arn) => setValue((v) => v || arn),
      () => undefined,
    );
  }
  return [value, setValue];
}

function Message({ message }: { message: { text: string; error: boolean } | undefined }) {
  return message ? <p class={message.error ? 'error' : 'message'}>{message.text}</p> : null;
}

/** The application's input: shown, changed (UpdateApplication InputUpdates) or, without one, added (AddApplicationInput). */
function InputConfig({ detail, onChange }: { detail: Detail; onChange: () => void }) {
  const { message, change } = useChange(onChange);
  const [editing, setEditing] = useState<InputDescription | 'new' | undefined>(undefined);
  const inputs = detail.InputDescriptions ?? [];
  return (
    <div data-testid="app-input">
      <h3>Input</h3>
      {inputs.map((i) => (
        <div key={i.InputId} class="small" data-input={i.InputId}>
          <b>{i.NamePrefix}</b>_001… ← {i.KinesisStreamsInputDescription?.ResourceARN ?? i.KinesisFirehoseInputDescription?.ResourceARN} (
          {i.InputSchema?.RecordFormat.RecordFormatType}
          {i.InputStartingPositionConfiguration?.InputStartingPosition ? `, from ${i.InputStartingPositionConfiguration.InputStartingPosition}` : ''}){' '}
          <button type="button" onClick={() => setEditing(i)}>
            Change
          </button>
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
      {inputs.length === 0 ? (
        <p class="small muted">
          No input yet.{' '}
          <button type="button" onClick={() => setEditing('new')}>
            Add input
          </button>
        </p>
      ) : (
        <p class="small muted">A SQL application reads one input; the API has no call to remove it (delete the application instead).</p>
      )}
      {editing ? (
        <InputForm
          key={editing === 'new' ? 'new' : editing.InputId}
          current={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(undefined)}
          onSubmit={async (input) => {
            const ok =
              editing === 'new'
                ? await change('Input added', () =>
                    aws('analytics', 'AddApplicationInput', {
                      ApplicationName: detail.ApplicationName,
                      CurrentApplicationVersionId: detail.ApplicationVersionId,
                      Input: {
                        NamePrefix: input.prefix,
                        [input.kind === 'stream' ? 'KinesisStreamsInput' : 'KinesisFirehoseInput']: { ResourceARN: input.arn, RoleARN: input.role },
                        InputSchema: input.schema,
                      },
                    }),
                  )
                : await change('Input changed', () =>
                    aws('analytics', 'UpdateApplication', {
                      ApplicationName: detail.ApplicationName,
                      CurrentApplicationVersionId: detail.ApplicationVersionId,
                      ApplicationUpdate: {
                        InputUpdates: [
                          {
                            InputId: editing.InputId,
                            NamePrefixUpdate: input.prefix,
                            [input.kind === 'stream' ? 'KinesisStreamsInputUpdate' : 'KinesisFirehoseInputUpdate']: {
                              ResourceARNUpdate: input.arn,
                              RoleARNUpdate: input.role,
                            },
                            InputSchemaUpdate: {
                              RecordFormatUpdate: input.schema.RecordFormat,
                              ...(input.schema.RecordEncoding ? { RecordEncodingUpdate: input.schema.RecordEncoding } : {}),
                              RecordColumnUpdates: input.schema.RecordColumns,
                            },
                          },
                        ],
                      },
                    }),
                  );
            if (ok) setEditing(undefined);
          }}
        />
      ) : null}
      <Message message={message} />
    </div>
  );
}

function nameOfArn(arn: string | undefined): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : '';
}

/** The input form: source (a stream or a delivery stream of the server), role, name prefix and schema (JSON, or discovered from the source's records). */
function InputForm({
  current,
  onCancel,
  onSubmit,
}: {
  current: InputDescription | undefined;
  onCancel: () => void;
  onSubmit: (input: { kind: 'stream' | 'delivery'; arn: string; role: string; prefix: string; schema: InputSchema }) => Promise<void>;
}) {
  const live = useLive();
  const [kind, setKind] = useState<'stream' | 'delivery'>(current?.KinesisFirehoseInputDescription ? 'delivery' : 'stream');
  const currentSource = current?.KinesisStreamsInputDescription ?? current?.KinesisFirehoseInputDescription;
  const [source, setSource] = useState(nameOfArn(currentSource?.ResourceARN));
  const [role, setRole] = useDefaultRole('kinesis-analytics', currentSource?.RoleARN);
  const [prefix, setPrefix] = useState(current?.NamePrefix ?? 'SOURCE_SQL_STREAM');
  const [schema, setSchema] = useState(current?.InputSchema ? JSON.stringify(current.InputSchema, null, 1) : '');
  const [note, setNote] = useState<{ text: string; error: boolean } | undefined>();
  const names = kind === 'stream' ? (live.latest?.streams.map((s) => s.name) ?? []) : (live.latest?.deliveries.map((d) => d.name) ?? []);
  const arn = () => (kind === 'stream' ? streamArn(source) : deliveryStreamArn(source));
  const discover = async () => {
    setNote({ text: `Reading records of ${source}…`, error: false });
    try {
      const r = await aws<{ InputSchema: InputSchema; ParsedInputRecords?: unknown[] }>('analytics', 'DiscoverInputSchema', {
        ResourceARN: await arn(),
        RoleARN: role,
        InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' },
      });
      setSchema(JSON.stringify(r.InputSchema, null, 1));
      setNote({ text: `Schema discovered from ${r.ParsedInputRecords?.length ?? 0} record(s): check the column types, then save.`, error: false });
    } catch (e) {
      setNote({ text: errorText(e), error: true });
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    let parsed: InputSchema;
    try {
      parsed = JSON.parse(schema) as InputSchema;
    } catch (err) {
      setNote({ text: `The schema is not JSON: ${(err as Error).message}`, error: true });
      return;
    }
    setNote(undefined);
    try {
      await onSubmit({ kind, arn: await arn(), role, prefix, schema: parsed });
    } catch (err) {
      setNote({ text: errorText(err), error: true });
    }
  };
  return (
    <form class="card dialog" onSubmit={(e) => void submit(e)} data-testid="input-form">
      <h3>{current ? `Change input ${current.InputId}` : 'Add an input'}</h3>
      <label>
        Source{' '}
        <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as 'stream' | 'delivery')}>
          <option value="stream">Kinesis data stream</option>
          <option value="delivery">Delivery stream</option>
        </select>{' '}
        <select name="source" value={source} onChange={(e) => setSource(e.currentTarget.value)} required>
          <option value="">choose…</option>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        Role ARN <input name="role" value={role} onInput={(e) => setRole(e.currentTarget.value)} required size={50} />
      </label>
      <label>
        In-application stream name prefix <input name="prefix" value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)} required />
      </label>
      <label>
        Schema (InputSchema JSON){' '}
        <button type="button" onClick={() => void discover()} disabled={!source}>
          Discover schema
        </button>
        <textarea name="schema" rows={8} value={schema} onInput={(e) => setSchema(e.currentTarget.value)} required />
      </label>
      <Message message={note} />
      <p class="row">
        <button type="submit">{current ? 'Save input' : 'Add input'}</button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </form>
  );
}

/** Up to three outputs: added (AddApplicationOutput), changed (UpdateApplication OutputUpdates), removed (DeleteApplicationOutput). */
function OutputConfig({ detail, onChange }: { detail: Detail; onChange: () => void }) {
  const { message, change } = useChange(onChange);
  const [editing, setEditing] = useState<OutputDescription | 'new' | undefined>(undefined);
  const base = { ApplicationName: detail.ApplicationName, CurrentApplicationVersionId: detail.ApplicationVersionId };
  return (
    <div data-testid="app-outputs">
      <h3>Output</h3>
      {detail.OutputDescriptions?.map((o) => (
        <div key={o.OutputId} class="small" data-output={o.Name}>
          <b>{o.Name}</b> →{' '}
          {o.KinesisFirehoseOutputDescription?.ResourceARN ?? o.KinesisStreamsOutputDescription?.ResourceARN ?? o.LambdaOutputDescription?.ResourceARN} (
          {o.DestinationSchema?.RecordFormatType}){' '}
          <button type="button" onClick={() => setEditing(o)}>
            Change
          </button>{' '}
          <button
            type="button"
            onClick={() => void change(`Output ${o.Name} removed`, () => aws('analytics', 'DeleteApplicationOutput', { ...base, OutputId: o.OutputId }))}
          >
            Remove
          </button>
        </div>
      ))}
      <p class="small">
        <button type="button" onClick={() => setEditing('new')}>
          Add output
        </button>
      </p>
      {editing ? (
        <OutputForm
          key={editing === 'new' ? 'new' : editing.OutputId}
          current={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(undefined)}
          onSubmit={async (out) => {
            const ok =
              editing === 'new'
                ? await change(`Output ${out.name} added`, () =>
                    aws('analytics', 'AddApplicationOutput', {
                      ...base,
                      Output: {
                        Name: out.name,
                        [out.kind === 'stream' ? 'KinesisStreamsOutput' : 'KinesisFirehoseOutput']: { ResourceARN: out.arn, RoleARN: out.role },
                        DestinationSchema: { RecordFormatType: out.format },
                      },
                    }),
                  )
                : await change(`Output ${out.name} changed`, () =>
                    aws('analytics', 'UpdateApplication', {
                      ...base,
                      ApplicationUpdate: {
                        OutputUpdates: [
                          {
                            OutputId: editing.OutputId,
                            NameUpdate: out.name,
                            [out.kind === 'stream' ? 'KinesisStreamsOutputUpdate' : 'KinesisFirehoseOutputUpdate']: {
                              ResourceARNUpdate: out.arn,
                              RoleARNUpdate: out.role,
                            },
                            DestinationSchemaUpdate: { RecordFormatType: out.format },
                          },
                        ],
                      },
                    }),
                  );
            if (ok) setEditing(undefined);
          }}
        />
      ) : null}
      <Message message={message} />
    </div>
  );
}

/** The output form: the in-application stream, a destination stream or delivery stream, role and record format. */
function OutputForm({
  current,
  onCancel,
  onSubmit,
}: {
  current: OutputDescription | undefined;
  onCancel: () => void;
  onSubmit: (out: { name: string; kind: 'stream' | 'delivery'; arn: string; role: string; format: string }) => Promise<void>;
}) {
  const live = useLive();
  const currentDest = current?.KinesisStreamsOutputDescription ?? current?.KinesisFirehoseOutputDescription;
  const [name, setName] = useState(current?.Name ?? 'DESTINATION_SQL_STREAM');
  const [kind, setKind] = useState<'stream' | 'delivery'>(current?.KinesisFirehoseOutputDescription ? 'delivery' : 'stream');
  const [dest, setDest] = useState(nameOfArn(currentDest?.ResourceARN));
  const [role, setRole] = useDefaultRole('kinesis-analytics', currentDest?.RoleARN);
  const [format, setFormat] = useState(current?.DestinationSchema?.RecordFormatType ?? 'JSON');
  const [note, setNote] = useState<string | undefined>();
  const names = kind === 'stream' ? (live.latest?.streams.map((s) => s.name) ?? []) : (live.latest?.deliveries.map((d) => d.name) ?? []);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await onSubmit({ name, kind, arn: kind === 'stream' ? await streamArn(dest) : await deliveryStreamArn(dest), role, format });
    } catch (err) {
      setNote(errorText(err));
    }
  };
  return (
    <form class="card dialog" onSubmit={(e) => void submit(e)} data-testid="output-form">
      <h3>{current ? `Change output ${current.Name}` : 'Add an output'}</h3>
      <label>
        In-application stream <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <label>
        Destination{' '}
        <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as 'stream' | 'delivery')}>
          <option value="stream">Kinesis data stream</option>
          <option value="delivery">Delivery stream</option>
        </select>{' '}
        <select name="destination" value={dest} onChange={(e) => setDest(e.currentTarget.value)} required>
          <option value="">choose…</option>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        Role ARN <input name="role" value={role} onInput={(e) => setRole(e.currentTarget.value)} required size={50} />
      </label>
      <label>
        Record format{' '}
        <select name="format" value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
          <option value="JSON">JSON</option>
          <option value="CSV">CSV</option>
        </select>
      </label>
      {note ? <p class="error">{note}</p> : null}
      <p class="row">
        <button type="submit">{current ? 'Save output' : 'Add output'}</button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </form>
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
