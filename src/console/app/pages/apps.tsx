/**
 * SQL applications: the list (with create), and one application's code in the editor (checked as you type),
 * start/stop/update with its version, its input (with its preprocessing function), outputs and reference data (added,
 * changed and removed through the KinesisAnalytics_20150814 API, a schema found with DiscoverInputSchema), delete, the live rows of each
 * in-application stream, error_stream rows and its record-rate chart.
 */
import { useEffect, useState } from 'preact/hooks';
import {
  accountId,
  aws,
  awsRest,
  currentRegion,
  deliveryStreamArn,
  errorText,
  hasCloudWatch,
  roleArn,
  streamArn,
  useEvents,
  useLive,
  useLoad,
} from '../api.ts';
import { MetricChart } from '../metrics.tsx';
import { LiveChart, Sparkline } from '../charts.tsx';
import { cell, num, statusClass } from '../format.ts';
import { link } from '../main.tsx';
import { SqlEditor } from '../sql-editor.tsx';
import { OutcomeText, useAction, useDraft, useFields } from '../forms.tsx';
import type { Action } from '../forms.tsx';
import { FlinkOptions } from './flink.tsx';
import type { FlinkOptionsDetail } from './flink.tsx';

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
    FlinkApplicationConfigurationDescription?: {
      ParallelismConfigurationDescription?: {
        ConfigurationType?: string;
        Parallelism?: number;
        ParallelismPerKPU?: number;
        CurrentParallelism?: number;
        AutoScalingEnabled?: boolean;
      };
      CheckpointConfigurationDescription?: {
        ConfigurationType?: string;
        CheckpointingEnabled?: boolean;
        CheckpointInterval?: number;
        MinPauseBetweenCheckpoints?: number;
      };
      MonitoringConfigurationDescription?: { ConfigurationType?: string; MetricsLevel?: string; LogLevel?: string };
    };
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
 * saved with UpdateApplication's EnvironmentPropertyUpdates at the version the draft was begun on, so a change made
 * elsewhere meanwhile is refused (ConcurrentModificationException) rather than overwritten.
 */
function FlinkProperties({ name, detail, onSaved }: { name: string; detail: FlinkDetailShape; onSaved: () => void }) {
  const draft = useDraft(
    propertyLines(detail.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions ?? []),
    detail.ApplicationVersionId,
  );
  const action = useAction(onSaved);
  const save = action.submit(
    (groups: PropertyGroup[]) => `Runtime properties saved (${groups.length} group(s))`,
    async () => {
      const groups = parsePropertyLines(draft.value);
      await aws('analyticsV2', 'UpdateApplication', {
        ApplicationName: name,
        CurrentApplicationVersionId: draft.base,
        ApplicationConfigurationUpdate: { EnvironmentPropertyUpdates: { PropertyGroups: groups } },
      });
      draft.clear();
      return groups;
    },
  );
  return (
    <form onSubmit={save} data-testid="flink-properties">
      <h3>Runtime properties</h3>
      <p class="muted small">One property a line, as "group: key=value" (EnvironmentProperties' property groups).</p>
      <textarea name="properties" rows={4} cols={60} class="mono" value={draft.value} onInput={(e) => draft.edit(e.currentTarget.value)} />
      <p class="row">
        <button type="submit" disabled={action.busy}>
          Save properties
        </button>
        <OutcomeText outcome={action.outcome} inline />
      </p>
    </form>
  );
}

/** The Flink settings the page edits, as the form's text fields (DescribeApplication's FlinkApplicationConfigurationDescription). */
function flinkSettings(detail: FlinkDetailShape): Record<string, string> {
  const f = detail.ApplicationConfigurationDescription?.FlinkApplicationConfigurationDescription;
  const p = f?.ParallelismConfigurationDescription;
  const c = f?.CheckpointConfigurationDescription;
  const m = f?.MonitoringConfigurationDescription;
  const text = (v: number | boolean | string | undefined) => (v === undefined ? '' : String(v));
  return {
    parallelismType: p?.ConfigurationType ?? 'DEFAULT',
    parallelism: text(p?.Parallelism),
    perKpu: text(p?.ParallelismPerKPU),
    autoScaling: text(p?.AutoScalingEnabled ?? true),
    checkpointType: c?.ConfigurationType ?? 'DEFAULT',
    checkpointing: text(c?.CheckpointingEnabled ?? true),
    interval: text(c?.CheckpointInterval),
    minPause: text(c?.MinPauseBetweenCheckpoints),
    monitoringType: m?.ConfigurationType ?? 'DEFAULT',
    metricsLevel: m?.MetricsLevel ?? 'APPLICATION',
    logLevel: m?.LogLevel ?? 'INFO',
  };
}

/** A number field as the API takes it: left out when empty, so the API keeps (or defaults) it; anything else is sent as typed, for the API to judge. */
function numberField(v: string | undefined): number | undefined {
  return v === undefined || v.trim() === '' ? undefined : Number(v);
}

/**
 * The UpdateApplication FlinkApplicationConfigurationUpdate the form asks for: a section left DEFAULT sends only its
 * ConfigurationTypeUpdate (AWS takes values only with CUSTOM).
 */
function flinkSettingsUpdate(f: Record<string, string>): Record<string, unknown> {
  const custom = <T extends Record<string, unknown>>(type: string | undefined, values: T) =>
    type === 'CUSTOM' ? { ConfigurationTypeUpdate: 'CUSTOM', ...values } : { ConfigurationTypeUpdate: 'DEFAULT' };
  return {
    ParallelismConfigurationUpdate: custom(f.parallelismType, {
      ParallelismUpdate: numberField(f.parallelism),
      ParallelismPerKPUUpdate: numberField(f.perKpu),
      AutoScalingEnabledUpdate: f.autoScaling === 'true',
    }),
    CheckpointConfigurationUpdate: custom(f.checkpointType, {
      CheckpointingEnabledUpdate: f.checkpointing === 'true',
      CheckpointIntervalUpdate: numberField(f.interval),
      MinPauseBetweenCheckpointsUpdate: numberField(f.minPause),
    }),
    MonitoringConfigurationUpdate: custom(f.monitoringType, { MetricsLevelUpdate: f.metricsLevel, LogLevelUpdate: f.logLevel }),
  };
}

/**
 * Parallelism, checkpointing and monitoring (FlinkApplicationConfiguration): one form, saved with UpdateApplication at the
 * version the draft was begun on (a change made elsewhere meanwhile is refused), the API's refusals shown.
 */
function FlinkSettings({ name, detail, onSaved }: { name: string; detail: FlinkDetailShape; onSaved: () => void }) {
  const draft = useDraft(flinkSettings(detail), detail.ApplicationVersionId);
  const action = useAction(onSaved);
  const f = draft.value;
  const bind = (key: string) => ({
    name: key,
    value: f[key] ?? '',
    onInput: (e: { currentTarget: { value: string } }) => draft.edit({ ...f, [key]: e.currentTarget.value }),
  });
  const choice = (key: string, options: readonly string[]) => (
    <select {...bind(key)}>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
  /** A labelled choice (the label wraps its select, so it names it). */
  const labelled = (text: string, key: string, options: readonly string[]) => (
    <label>
      {text}{' '}
      <select {...bind(key)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
  const custom = (key: string) => f[key] === 'CUSTOM';
  const save = action.submit('Flink settings saved', async () => {
    await aws('analyticsV2', 'UpdateApplication', {
      ApplicationName: name,
      CurrentApplicationVersionId: draft.base,
      ApplicationConfigurationUpdate: { FlinkApplicationConfigurationUpdate: flinkSettingsUpdate(f) },
    });
    draft.clear();
  });
  const current = detail.ApplicationConfigurationDescription?.FlinkApplicationConfigurationDescription?.ParallelismConfigurationDescription?.CurrentParallelism;
  return (
    <form onSubmit={save} data-testid="flink-settings" class="settings">
      <h3>Parallelism, checkpointing and monitoring</h3>
      <p class="small">
        Parallelism {choice('parallelismType', ['DEFAULT', 'CUSTOM'])}
        {custom('parallelismType') ? (
          <>
            {' '}
            <label>
              parallelism <input type="number" size={4} {...bind('parallelism')} />
            </label>{' '}
            <label>
              per KPU <input type="number" size={4} {...bind('perKpu')} />
            </label>{' '}
            {labelled('auto scaling', 'autoScaling', ['true', 'false'])}
          </>
        ) : null}
        {current !== undefined ? <span class="muted"> (running with {current})</span> : null}
      </p>
      <p class="small">
        Checkpointing {choice('checkpointType', ['DEFAULT', 'CUSTOM'])}
        {custom('checkpointType') ? (
          <>
            {' '}
            {labelled('enabled', 'checkpointing', ['true', 'false'])}{' '}
            <label>
              interval (ms) <input type="number" size={8} {...bind('interval')} />
            </label>{' '}
            <label>
              min pause (ms) <input type="number" size={8} {...bind('minPause')} />
            </label>
          </>
        ) : null}
      </p>
      <p class="small">
        Monitoring {choice('monitoringType', ['DEFAULT', 'CUSTOM'])}
        {custom('monitoringType') ? (
          <>
            {' '}
            {labelled('metrics level', 'metricsLevel', ['APPLICATION', 'TASK', 'OPERATOR', 'PARALLELISM'])}{' '}
            {labelled('log level', 'logLevel', ['INFO', 'WARN', 'ERROR', 'DEBUG'])}
          </>
        ) : null}
      </p>
      <p class="row">
        <button type="submit" disabled={action.busy || !draft.dirty}>
          Save settings
        </button>
        <OutcomeText outcome={action.outcome} inline />
      </p>
    </form>
  );
}

interface VersionSummary {
  ApplicationVersionId: number;
  ApplicationStatus: string;
}

/**
 * The version history (ListApplicationVersions, newest first); a version's configuration on click
 * (DescribeApplicationVersion). Read again when the version or the application's status changes: the current
 * version's status follows the application's (UPDATING, then READY or RUNNING).
 */
function FlinkVersions({ name, version, status }: { name: string; version: number; status: string }) {
  const list = useLoad(
    async () =>
      (await aws<{ ApplicationVersionSummaries: VersionSummary[] }>('analyticsV2', 'ListApplicationVersions', { ApplicationName: name, Limit: 50 }))
        .ApplicationVersionSummaries,
    [name, version, status],
  );
  const [open, setOpen] = useState<number | undefined>(undefined);
  const shown = useLoad(
    async () =>
      open === undefined
        ? undefined
        : (
            await aws<{ ApplicationVersionDetail: FlinkDetailShape }>('analyticsV2', 'DescribeApplicationVersion', {
              ApplicationName: name,
              ApplicationVersionId: open,
            })
          ).ApplicationVersionDetail,
    [name, open],
  );
  const v = shown.data;
  const settings = v ? flinkSettings(v) : undefined;
  return (
    <div data-testid="flink-versions">
      <h3>Versions</h3>
      {list.error ? <p class="error">{list.error}</p> : null}
      <table class="list compact">
        <thead>
          <tr>
            <th>version</th>
            <th>status</th>
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((s) => (
            <tr key={s.ApplicationVersionId} data-version={s.ApplicationVersionId}>
              <td>
                <button type="button" class="link" onClick={() => setOpen(s.ApplicationVersionId)}>
                  {s.ApplicationVersionId}
                </button>
              </td>
              <td>{s.ApplicationStatus}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.error ? <p class="error">{shown.error}</p> : null}
      {v && settings && v.ApplicationVersionId === open ? (
        <div class="card" data-testid="flink-version-detail">
          <h4>Version {v.ApplicationVersionId}</h4>
          <p class="small" data-testid="flink-version-settings">
            parallelism {settings.parallelismType}
            {settings.parallelismType === 'CUSTOM' ? ` ${settings.parallelism} (${settings.perKpu} per KPU, auto scaling ${settings.autoScaling})` : ''} ·
            checkpointing {settings.checkpointType}
            {settings.checkpointType === 'CUSTOM'
              ? ` ${settings.checkpointing === 'true' ? `every ${settings.interval} ms, min pause ${settings.minPause} ms` : 'off'}`
              : ''}{' '}
            · monitoring {settings.monitoringType}
            {settings.monitoringType === 'CUSTOM' ? ` ${settings.metricsLevel}/${settings.logLevel}` : ''}
          </p>
          <pre class="small mono">
            {v.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent ?? ''}
          </pre>
          <pre class="small mono">{propertyLines(v.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions ?? [])}</pre>
        </div>
      ) : null}
    </div>
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

/**
 * A Flink application: status, version, runtime, code and runtime properties (read again every 3 s, every second while
 * it changes state); its snapshots listed, taken and deleted (AWS's refusals shown).
 */
function FlinkDetail({ name }: { name: string }) {
  const [tick, setTick] = useState(0);
  const described = useLoad(
    () => aws<{ ApplicationDetail: FlinkDetailShape & FlinkOptionsDetail }>('analyticsV2', 'DescribeApplication', { ApplicationName: name }),
    [name, tick],
  );
  const snapshots = useLoad(
    async () => (await aws<{ SnapshotSummaries: SnapshotShape[] }>('analyticsV2', 'ListApplicationSnapshots', { ApplicationName: name })).SnapshotSummaries,
    [name],
  );
  const d = described.data?.ApplicationDetail;
  const moving = d !== undefined && d.ApplicationStatus !== 'READY' && d.ApplicationStatus !== 'RUNNING';
  useEffect(() => {
    const t = setTimeout(() => setTick((n) => n + 1), moving ? 1000 : 3000);
    return () => clearTimeout(t);
  }, [tick, moving]);
  const snapshotName = useFields({ snapshot: '' });
  // The code's draft keeps the version it was begun on: the poll above must not move it, or a stale draft would overwrite a newer version.
  const code = useDraft(
    d?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent ?? '',
    d?.ApplicationVersionId,
  );
  const reloadAll = () => {
    described.reload();
    snapshots.reload();
  };
  const action = useAction(reloadAll);
  return (
    <section data-testid="flink-detail">
      <h2>Flink application {name}</h2>
      {described.error ? <p class="error">{described.error}</p> : null}
      {d ? (
        <p data-testid="flink-summary">
          {d.ApplicationStatus} · version {d.ApplicationVersionId} · {d.RuntimeEnvironment}
        </p>
      ) : null}
      <textarea name="flink-code" rows={6} data-testid="flink-code" value={code.value} onInput={(e) => code.edit(e.currentTarget.value)} />
      <p>
        <button
          type="button"
          disabled={!d || !code.dirty || action.busy}
          onClick={() =>
            void action.run('Code updated', async () => {
              await aws('analyticsV2', 'UpdateApplication', {
                ApplicationName: name,
                CurrentApplicationVersionId: code.base,
                ApplicationConfigurationUpdate: { ApplicationCodeConfigurationUpdate: { CodeContentUpdate: { TextContentUpdate: code.value } } },
              });
              code.clear();
            })
          }
        >
          Update code
        </button>{' '}
        <button
          type="button"
          disabled={!d || action.busy}
          onClick={() =>
            // From the version the page shows (a code draft's base when one is open), so a change made elsewhere meanwhile is refused.
            void action.run('Rolled back', () => aws('analyticsV2', 'RollbackApplication', { ApplicationName: name, CurrentApplicationVersionId: code.base }))
          }
        >
          Roll back
        </button>
      </p>
      {d ? <FlinkProperties name={name} detail={d} onSaved={described.reload} /> : null}
      {d ? <FlinkSettings name={name} detail={d} onSaved={described.reload} /> : null}
      {d ? <FlinkOptions name={name} detail={d} onChanged={reloadAll} /> : null}
      {d ? <FlinkVersions name={name} version={d.ApplicationVersionId} status={d.ApplicationStatus} /> : null}
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
                  disabled={action.busy}
                  onClick={() =>
                    void action.run(`Deleted snapshot ${sn.SnapshotName}`, async () => {
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
        onSubmit={action.submit(`Snapshot ${snapshotName.values.snapshot} taken`, () =>
          aws('analyticsV2', 'CreateApplicationSnapshot', { ApplicationName: name, SnapshotName: snapshotName.values.snapshot }),
        )}
        data-testid="flink-snapshot-form"
      >
        <input placeholder="snapshot name" {...snapshotName.bind('snapshot')} />
        <button type="submit" disabled={action.busy}>
          Take snapshot
        </button>
      </form>
      <OutcomeText outcome={action.outcome} />
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
  const form = useFields({ name: '', description: '', code: STARTER_CODE });
  const action = useAction();
  const { name, description, code } = form.values;
  const create = action.submit(`Created ${name}: add its input and outputs on its page.`, async () => {
    await aws('analytics', 'CreateApplication', {
      ApplicationName: name,
      ...(description ? { ApplicationDescription: description } : {}),
      ...(code.trim() ? { ApplicationCode: code } : {}),
    });
    setOpen(false);
    form.set('name', '');
  });
  return (
    <div>
      <p class="row">
        <button type="button" onClick={() => setOpen(!open)} data-testid="create-app-open">
          Create application
        </button>
        <OutcomeText outcome={action.outcome} inline />
      </p>
      {open ? (
        <form class="card dialog" onSubmit={create} data-testid="create-app">
          <h3>Create a SQL application</h3>
          <label>
            Name <input {...form.bind('name')} required />
          </label>
          <label>
            Description <input {...form.bind('description')} />
          </label>
          <label>
            SQL code <textarea rows={6} {...form.bind('code')} />
          </label>
          <p class="row">
            <button type="submit" disabled={action.busy}>
              Create
            </button>
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
  const action = useAction(() => setTick((n) => n + 1));
  const [open, setOpen] = useState(false);
  const form = useFields({ name: '', runtime: FLINK_RUNTIMES[0]!, code: FLINK_STARTER });
  const [role, setRole] = useDefaultRole('flink-role', undefined);
  const { name, runtime, code } = form.values;
  const create = action.submit(`Created ${name}`, async () => {
    await aws('analyticsV2', 'CreateApplication', {
      ApplicationName: name,
      RuntimeEnvironment: runtime,
      ServiceExecutionRole: role,
      ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: code } } },
    });
    setOpen(false);
    form.set('name', '');
  });
  const remove = (a: FlinkSummary) =>
    void action.run(
      `Deleting ${a.ApplicationName}…`,
      async () => {
        const d = await aws<{ ApplicationDetail: { CreateTimestamp: number } }>('analyticsV2', 'DescribeApplication', { ApplicationName: a.ApplicationName });
        await aws('analyticsV2', 'DeleteApplication', { ApplicationName: a.ApplicationName, CreateTimestamp: d.ApplicationDetail.CreateTimestamp });
      },
      { confirm: `Delete Flink application ${a.ApplicationName}? A running job is stopped; its snapshots are deleted.` },
    );
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
                    // Without a RunConfiguration: the application's stored one (set from its page), as AWS's StartApplication does.
                    void action.run(`Starting ${a.ApplicationName}…`, () => aws('analyticsV2', 'StartApplication', { ApplicationName: a.ApplicationName }))
                  }
                >
                  Start
                </button>{' '}
                <button
                  type="button"
                  disabled={a.ApplicationStatus !== 'RUNNING'}
                  onClick={() =>
                    void action.run(`Stopping ${a.ApplicationName}…`, () => aws('analyticsV2', 'StopApplication', { ApplicationName: a.ApplicationName }))
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
        <OutcomeText outcome={action.outcome} inline />
      </p>
      {open ? (
        <form class="card dialog" onSubmit={create} data-testid="create-flink">
          <h3>Create a Flink SQL application</h3>
          <label>
            Name <input {...form.bind('name')} required />
          </label>
          <label>
            Runtime{' '}
            <select {...form.bind('runtime')}>
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
            Flink SQL <textarea rows={6} {...form.bind('code')} />
          </label>
          <p class="row">
            <button type="submit" disabled={action.busy}>
              Create
            </button>
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
      InputProcessingConfigurationDescription?: { InputLambdaProcessorDescription?: { ResourceARN: string; RoleARN?: string } };
    }>;
    ReferenceDataSourceDescriptions?: Array<{
      ReferenceId: string;
      TableName: string;
      S3ReferenceDataSourceDescription: { BucketARN: string; FileKey: string; ReferenceRoleARN?: string };
      ReferenceSchema: InputSchema;
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
  // The code's draft keeps the version it was begun on: the live feed's version moving (which describes again) must not
  // move it, or a stale draft would overwrite a newer version; UpdateApplication refuses it instead.
  const draft = useDraft(detail?.ApplicationCode ?? '', detail?.ApplicationVersionId);
  const [errors, setErrors] = useState<Array<{ line: number; column: number; message: string }>>([]);
  const action = useAction(described.reload);
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

  const update = () =>
    void action.run('Code updated', async () => {
      await aws('analytics', 'UpdateApplication', {
        ApplicationName: name,
        CurrentApplicationVersionId: draft.base,
        ApplicationUpdate: { ApplicationCodeUpdate: draft.value },
      });
      draft.clear();
    });
  const start = () =>
    void action.run('Starting…', () =>
      aws('analytics', 'StartApplication', {
        ApplicationName: name,
        InputConfigurations: (detail?.InputDescriptions ?? []).map((i) => ({
          Id: i.InputId,
          InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' },
        })),
      }),
    );
  const stop = () => void action.run('Stopping…', () => aws('analytics', 'StopApplication', { ApplicationName: name }));
  // As on AWS's console, deleting asks first: a running application stops and its configuration goes.
  const remove = () =>
    void action.run(
      `Deleting ${name}…`,
      async () => {
        await aws('analytics', 'DeleteApplication', { ApplicationName: name, CreateTimestamp: detail?.CreateTimestamp });
        deletedNotice = `Deleted ${name}.`;
        location.hash = link('apps');
      },
      { confirm: `Delete application ${name}? A running application is stopped first; its code and configuration are deleted.` },
    );

  const times = live.history.map((h) => h.timeMs / 1000);
  const pick = (f: (a: NonNullable<typeof sample>) => number) =>
    live.history.map((h) => {
      const a = h.apps.find((x) => x.name === name);
      return a ? f(a) : null;
    });
  const status = sample?.status ?? detail?.ApplicationStatus ?? '';
  const dirty = draft.dirty && draft.value !== detail?.ApplicationCode;
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
        <button type="button" onClick={update} disabled={!dirty || errors.length > 0 || action.busy} data-testid="app-update">
          Update code
        </button>
        <button type="button" class="danger" onClick={remove} disabled={!detail} data-testid="app-delete">
          Delete application
        </button>
        <OutcomeText outcome={action.outcome} inline />
        {sample?.lastError ? <span class="error">{sample.lastError}</span> : null}
      </div>
      <div class="split">
        <div class="editor-col">
          {detail ? (
            <SqlEditor
              code={draft.value}
              application={name}
              // The editor reports the text it is given too: only a real edit begins a draft.
              onChange={(text) => (draft.dirty || text !== draft.value ? draft.edit(text) : undefined)}
              onCheck={setErrors}
            />
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
          {detail ? <ReferenceConfig detail={detail} onChange={described.reload} /> : null}
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

/** A form open on an application's configuration: what it edits and the version it was opened at (sent with the change). */
interface Editing<T> {
  item: T | 'new';
  base: number;
}

/** The application's input: shown, changed (UpdateApplication InputUpdates) or, without one, added (AddApplicationInput). */
function InputConfig({ detail, onChange }: { detail: Detail; onChange: () => void }) {
  const action = useAction(onChange);
  const [editing, setEditing] = useState<Editing<InputDescription> | undefined>(undefined);
  const open = (item: InputDescription | 'new') => setEditing({ item, base: detail.ApplicationVersionId });
  const inputs = detail.InputDescriptions ?? [];
  return (
    <div data-testid="app-input">
      <h3>Input</h3>
      {inputs.map((i) => (
        <div key={i.InputId} class="small" data-input={i.InputId}>
          <b>{i.NamePrefix}</b>_001… ← {i.KinesisStreamsInputDescription?.ResourceARN ?? i.KinesisFirehoseInputDescription?.ResourceARN} (
          {i.InputSchema?.RecordFormat.RecordFormatType}
          {i.InputStartingPositionConfiguration?.InputStartingPosition ? `, from ${i.InputStartingPositionConfiguration.InputStartingPosition}` : ''}){' '}
          <button type="button" onClick={() => open(i)}>
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
          <Preprocessing input={i} detail={detail} action={action} />
        </div>
      ))}
      {inputs.length === 0 ? (
        <p class="small muted">
          No input yet.{' '}
          <button type="button" onClick={() => open('new')}>
            Add input
          </button>
        </p>
      ) : (
        <p class="small muted">A SQL application reads one input; the API has no call to remove it (delete the application instead).</p>
      )}
      {editing ? (
        <InputForm
          key={editing.item === 'new' ? 'new' : editing.item.InputId}
          current={editing.item === 'new' ? undefined : editing.item}
          busy={action.busy}
          onCancel={() => setEditing(undefined)}
          onSubmit={async (input) => {
            const item = editing.item;
            // At the version the form was opened at: a change made elsewhere meanwhile is refused (ConcurrentModificationException).
            const at = { ApplicationName: detail.ApplicationName, CurrentApplicationVersionId: editing.base };
            const ok =
              item === 'new'
                ? await action.run('Input added', () =>
                    aws('analytics', 'AddApplicationInput', {
                      ...at,
                      Input: {
                        NamePrefix: input.prefix,
                        [input.kind === 'stream' ? 'KinesisStreamsInput' : 'KinesisFirehoseInput']: { ResourceARN: input.arn, RoleARN: input.role },
                        InputSchema: input.schema,
                      },
                    }),
                  )
                : await action.run('Input changed', () =>
                    aws('analytics', 'UpdateApplication', {
                      ...at,
                      ApplicationUpdate: {
                        InputUpdates: [
                          {
                            InputId: item.InputId,
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
      <OutcomeText outcome={action.outcome} />
    </div>
  );
}

function nameOfArn(arn: string | undefined): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : '';
}

/** The input form: source (a stream or a delivery stream of the server), role, name prefix and schema (JSON, or discovered from the source's records). */
function InputForm({
  current,
  busy,
  onCancel,
  onSubmit,
}: {
  current: InputDescription | undefined;
  busy: boolean;
  onCancel: () => void;
  onSubmit: (input: { kind: 'stream' | 'delivery'; arn: string; role: string; prefix: string; schema: InputSchema }) => Promise<void>;
}) {
  const live = useLive();
  const currentSource = current?.KinesisStreamsInputDescription ?? current?.KinesisFirehoseInputDescription;
  const form = useFields({
    kind: current?.KinesisFirehoseInputDescription ? 'delivery' : 'stream',
    source: nameOfArn(currentSource?.ResourceARN),
    prefix: current?.NamePrefix ?? 'SOURCE_SQL_STREAM',
    schema: current?.InputSchema ? JSON.stringify(current.InputSchema, null, 1) : '',
  });
  const [role, setRole] = useDefaultRole('kinesis-analytics', currentSource?.RoleARN);
  const note = useAction();
  const { kind, source, prefix, schema } = form.values;
  const names = kind === 'stream' ? (live.latest?.streams.map((s) => s.name) ?? []) : (live.latest?.deliveries.map((d) => d.name) ?? []);
  const arn = () => (kind === 'stream' ? streamArn(source) : deliveryStreamArn(source));
  const discover = () =>
    void note.run(
      (n: number) => `Schema discovered from ${n} record(s): check the column types, then save.`,
      async () => {
        const r = await aws<{ InputSchema: InputSchema; ParsedInputRecords?: unknown[] }>('analytics', 'DiscoverInputSchema', {
          ResourceARN: await arn(),
          RoleARN: role,
          InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' },
        });
        form.set('schema', JSON.stringify(r.InputSchema, null, 1));
        return r.ParsedInputRecords?.length ?? 0;
      },
    );
  const submit = async (e: Event) => {
    e.preventDefault();
    let parsed: InputSchema;
    try {
      parsed = JSON.parse(schema) as InputSchema;
    } catch (err) {
      note.show({ text: `The schema is not JSON: ${(err as Error).message}`, error: true });
      return;
    }
    note.show(undefined);
    try {
      await onSubmit({ kind: kind === 'delivery' ? 'delivery' : 'stream', arn: await arn(), role, prefix, schema: parsed });
    } catch (err) {
      note.show({ text: errorText(err), error: true });
    }
  };
  return (
    <form class="card dialog" onSubmit={(e) => void submit(e)} data-testid="input-form">
      <h3>{current ? `Change input ${current.InputId}` : 'Add an input'}</h3>
      <label>
        Source{' '}
        <select {...form.bind('kind')}>
          <option value="stream">Kinesis data stream</option>
          <option value="delivery">Delivery stream</option>
        </select>{' '}
        <select {...form.bind('source')} required>
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
        In-application stream name prefix <input {...form.bind('prefix')} required />
      </label>
      <label>
        Schema (InputSchema JSON){' '}
        <button type="button" onClick={discover} disabled={!source || note.busy}>
          {note.busy ? 'Reading records…' : 'Discover schema'}
        </button>
        <textarea rows={8} {...form.bind('schema')} required />
      </label>
      <OutcomeText outcome={note.outcome} />
      <p class="row">
        <button type="submit" disabled={busy}>
          {current ? 'Save input' : 'Add input'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </form>
  );
}

/** Up to three outputs: added (AddApplicationOutput), changed (UpdateApplication OutputUpdates), removed (DeleteApplicationOutput). */
function OutputConfig({ detail, onChange }: { detail: Detail; onChange: () => void }) {
  const action = useAction(onChange);
  const [editing, setEditing] = useState<Editing<OutputDescription> | undefined>(undefined);
  return (
    <div data-testid="app-outputs">
      <h3>Output</h3>
      {detail.OutputDescriptions?.map((o) => (
        <div key={o.OutputId} class="small" data-output={o.Name}>
          <b>{o.Name}</b> →{' '}
          {o.KinesisFirehoseOutputDescription?.ResourceARN ?? o.KinesisStreamsOutputDescription?.ResourceARN ?? o.LambdaOutputDescription?.ResourceARN} (
          {o.DestinationSchema?.RecordFormatType}){' '}
          <button type="button" onClick={() => setEditing({ item: o, base: detail.ApplicationVersionId })}>
            Change
          </button>{' '}
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              void action.run(`Output ${o.Name} removed`, () =>
                // At the version this row was shown with.
                aws('analytics', 'DeleteApplicationOutput', {
                  ApplicationName: detail.ApplicationName,
                  CurrentApplicationVersionId: detail.ApplicationVersionId,
                  OutputId: o.OutputId,
                }),
              )
            }
          >
            Remove
          </button>
        </div>
      ))}
      <p class="small">
        <button type="button" onClick={() => setEditing({ item: 'new', base: detail.ApplicationVersionId })}>
          Add output
        </button>
      </p>
      {editing ? (
        <OutputForm
          key={editing.item === 'new' ? 'new' : editing.item.OutputId}
          current={editing.item === 'new' ? undefined : editing.item}
          busy={action.busy}
          onCancel={() => setEditing(undefined)}
          onSubmit={async (out) => {
            const item = editing.item;
            // At the version the form was opened at: a change made elsewhere meanwhile is refused (ConcurrentModificationException).
            const at = { ApplicationName: detail.ApplicationName, CurrentApplicationVersionId: editing.base };
            const ok =
              item === 'new'
                ? await action.run(`Output ${out.name} added`, () =>
                    aws('analytics', 'AddApplicationOutput', {
                      ...at,
                      Output: {
                        Name: out.name,
                        [OUTPUT_KEYS[out.kind]]: { ResourceARN: out.arn, RoleARN: out.role },
                        DestinationSchema: { RecordFormatType: out.format },
                      },
                    }),
                  )
                : await action.run(`Output ${out.name} changed`, () =>
                    aws('analytics', 'UpdateApplication', {
                      ...at,
                      ApplicationUpdate: {
                        OutputUpdates: [
                          {
                            OutputId: item.OutputId,
                            NameUpdate: out.name,
                            [`${OUTPUT_KEYS[out.kind]}Update`]: {
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
      <OutcomeText outcome={action.outcome} />
    </div>
  );
}

type OutputKind = 'stream' | 'delivery' | 'lambda';

/** AddApplicationOutput's destination member per kind (UpdateApplication's is the same name + `Update`). */
const OUTPUT_KEYS: Record<OutputKind, string> = { stream: 'KinesisStreamsOutput', delivery: 'KinesisFirehoseOutput', lambda: 'LambdaOutput' };

/** A function name becomes its ARN in the server's account and region; an ARN is sent as typed. */
async function functionArnOf(fn: string): Promise<string> {
  const name = fn.trim();
  return name.startsWith('arn:') ? name : `arn:aws:lambda:${currentRegion()}:${await accountId()}:function:${name}`;
}

/** The server's function names (ListFunctions), for the forms that name one; none when Lambda is not mounted. */
function useFunctionNames(): string[] {
  const fns = useLoad(async () => {
    try {
      return (await awsRest<{ Functions?: Array<{ FunctionName: string }> }>('lambda', 'GET', '/2015-03-31/functions/')).Functions ?? [];
    } catch {
      return [];
    }
  }, []);
  return (fns.data ?? []).map((f) => f.FunctionName);
}

/**
 * The output form: the in-application stream, a destination (a data stream, a delivery stream, or a Lambda function
 * by name or ARN), role and record format.
 */
function OutputForm({
  current,
  busy,
  onCancel,
  onSubmit,
}: {
  current: OutputDescription | undefined;
  busy: boolean;
  onCancel: () => void;
  onSubmit: (out: { name: string; kind: OutputKind; arn: string; role: string; format: string }) => Promise<void>;
}) {
  const live = useLive();
  const functions = useFunctionNames();
  const currentDest = current?.KinesisStreamsOutputDescription ?? current?.KinesisFirehoseOutputDescription ?? current?.LambdaOutputDescription;
  const form = useFields({
    name: current?.Name ?? 'DESTINATION_SQL_STREAM',
    kind: (current?.KinesisFirehoseOutputDescription ? 'delivery' : current?.LambdaOutputDescription ? 'lambda' : 'stream') as string,
    destination: current?.LambdaOutputDescription
      ? current.LambdaOutputDescription.ResourceARN.replace(/^.*:function:/, '')
      : nameOfArn(currentDest?.ResourceARN),
    format: current?.DestinationSchema?.RecordFormatType ?? 'JSON',
  });
  const [role, setRole] = useDefaultRole('kinesis-analytics', currentDest?.RoleARN);
  const note = useAction();
  const { name, destination, format } = form.values;
  const kind = form.values.kind as OutputKind;
  const names = kind === 'stream' ? (live.latest?.streams.map((s) => s.name) ?? []) : (live.latest?.deliveries.map((d) => d.name) ?? []);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const arn =
        kind === 'lambda' ? await functionArnOf(destination) : kind === 'stream' ? await streamArn(destination) : await deliveryStreamArn(destination);
      await onSubmit({ name, kind, arn, role, format });
    } catch (err) {
      note.show({ text: errorText(err), error: true });
    }
  };
  return (
    <form class="card dialog" onSubmit={(e) => void submit(e)} data-testid="output-form">
      <h3>{current ? `Change output ${current.Name}` : 'Add an output'}</h3>
      <label>
        In-application stream <input {...form.bind('name')} required />
      </label>
      <label>
        Destination{' '}
        <select {...form.bind('kind')}>
          <option value="stream">Kinesis data stream</option>
          <option value="delivery">Delivery stream</option>
          <option value="lambda">Lambda function</option>
        </select>{' '}
        {kind === 'lambda' ? (
          <>
            <input {...form.bind('destination')} required size={40} list="output-functions" placeholder="function name or ARN" aria-label="Function" />
            <datalist id="output-functions">
              {functions.map((n) => (
                <option key={n} value={n} />
              ))}
            </datalist>
          </>
        ) : (
          <select {...form.bind('destination')} required>
            <option value="">choose…</option>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        )}
      </label>
      <label>
        Role ARN <input name="role" value={role} onInput={(e) => setRole(e.currentTarget.value)} required size={50} />
      </label>
      <label>
        Record format{' '}
        <select {...form.bind('format')}>
          <option value="JSON">JSON</option>
          <option value="CSV">CSV</option>
        </select>
      </label>
      <OutcomeText outcome={note.outcome} />
      <p class="row">
        <button type="submit" disabled={busy}>
          {current ? 'Save output' : 'Add output'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </form>
  );
}

/**
 * An input's preprocessing function (InputProcessingConfiguration's InputLambdaProcessor): shown, added
 * (AddApplicationInputProcessingConfiguration) and removed (DeleteApplicationInputProcessingConfiguration), each at the
 * version shown, with the input's other outcomes.
 */
function Preprocessing({ input, detail, action }: { input: InputDescription; detail: Detail; action: Action }) {
  const [adding, setAdding] = useState<number | undefined>(undefined);
  const lambda = input.InputProcessingConfigurationDescription?.InputLambdaProcessorDescription;
  const form = useFields({ function: '' });
  const [role, setRole] = useDefaultRole('kinesis-analytics', lambda?.RoleARN);
  const at = (version: number) => ({ ApplicationName: detail.ApplicationName, CurrentApplicationVersionId: version, InputId: input.InputId });
  if (lambda && adding === undefined)
    return (
      <p class="small" data-testid="input-processing">
        Preprocessed by <span class="mono">{lambda.ResourceARN}</span>{' '}
        <button
          type="button"
          onClick={() => {
            form.set('function', lambda.ResourceARN.replace(/^.*:function:/, ''));
            setAdding(detail.ApplicationVersionId);
          }}
        >
          Replace function
        </button>{' '}
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action.run('Preprocessing removed', () => aws('analytics', 'DeleteApplicationInputProcessingConfiguration', at(detail.ApplicationVersionId)))
          }
        >
          Remove preprocessing
        </button>
      </p>
    );
  if (adding === undefined)
    return (
      <p class="small" data-testid="input-processing">
        No preprocessing function.{' '}
        <button type="button" onClick={() => setAdding(detail.ApplicationVersionId)}>
          Add preprocessing
        </button>
      </p>
    );
  const submit = async (e: Event) => {
    e.preventDefault();
    // Replaced in place (UpdateApplication's InputProcessingConfigurationUpdate) when the input has one, else added.
    const ok = await action.run(lambda ? 'Preprocessing function replaced' : 'Preprocessing added', async () => {
      const arn = await functionArnOf(form.values.function);
      if (lambda) {
        return aws('analytics', 'UpdateApplication', {
          ApplicationName: detail.ApplicationName,
          CurrentApplicationVersionId: adding,
          ApplicationUpdate: {
            InputUpdates: [
              { InputId: input.InputId, InputProcessingConfigurationUpdate: { InputLambdaProcessorUpdate: { ResourceARNUpdate: arn, RoleARNUpdate: role } } },
            ],
          },
        });
      }
      return aws('analytics', 'AddApplicationInputProcessingConfiguration', {
        ...at(adding),
        InputProcessingConfiguration: { InputLambdaProcessor: { ResourceARN: arn, RoleARN: role } },
      });
    });
    if (ok) setAdding(undefined);
  };
  return (
    <form class="card dialog" onSubmit={(e) => void submit(e)} data-testid="processing-form">
      <label>
        Lambda function (name or ARN) <input {...form.bind('function')} required size={50} />
      </label>
      <label>
        Role ARN <input name="role" value={role} onInput={(e) => setRole(e.currentTarget.value)} required size={50} />
      </label>
      <p class="row">
        <button type="submit" disabled={action.busy}>
          {lambda ? 'Replace function' : 'Add preprocessing'}
        </button>
        <button type="button" onClick={() => setAdding(undefined)}>
          Cancel
        </button>
      </p>
    </form>
  );
}

const REFERENCE_SCHEMA = JSON.stringify(
  {
    RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
    RecordColumns: [
      { Name: 'store', SqlType: 'VARCHAR(16)' },
      { Name: 'region', SqlType: 'VARCHAR(16)' },
    ],
  },
  null,
  1,
);

/**
 * Reference data sources (an object of the server's object store read as an in-application table): listed, added
 * (AddApplicationReferenceDataSource, at the version the form was opened at), changed in place (UpdateApplication's
 * ReferenceDataSourceUpdates: table name, object, role and schema) and removed (DeleteApplicationReferenceDataSource).
 */
function ReferenceConfig({ detail, onChange }: { detail: Detail; onChange: () => void }) {
  const action = useAction(onChange);
  /** The form's version and the reference it changes (undefined: a new one). */
  const [adding, setAdding] = useState<number | undefined>(undefined);
  const [changing, setChanging] = useState<string | undefined>(undefined);
  const form = useFields({ table: '', bucket: '', key: '', schema: REFERENCE_SCHEMA });
  const [role, setRole] = useDefaultRole('kinesis-analytics', undefined);
  const open = (r: (typeof detail.ReferenceDataSourceDescriptions & {})[number] | undefined) => {
    setChanging(r?.ReferenceId);
    form.reset(
      r
        ? {
            table: r.TableName,
            bucket: nameOfS3Bucket(r.S3ReferenceDataSourceDescription.BucketARN),
            key: r.S3ReferenceDataSourceDescription.FileKey,
            schema: JSON.stringify(r.ReferenceSchema, null, 1),
          }
        : undefined,
    );
    if (r?.S3ReferenceDataSourceDescription.ReferenceRoleARN) setRole(r.S3ReferenceDataSourceDescription.ReferenceRoleARN);
    setAdding(detail.ApplicationVersionId);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    let schema: InputSchema;
    try {
      schema = JSON.parse(form.values.schema) as InputSchema;
    } catch (err) {
      action.show({ text: `The schema is not JSON: ${(err as Error).message}`, error: true });
      return;
    }
    const bucketArn = `arn:aws:s3:::${form.values.bucket}`;
    const ok =
      changing !== undefined
        ? await action.run(`Reference table ${form.values.table} changed`, () =>
            aws('analytics', 'UpdateApplication', {
              ApplicationName: detail.ApplicationName,
              CurrentApplicationVersionId: adding,
              ApplicationUpdate: {
                ReferenceDataSourceUpdates: [
                  {
                    ReferenceId: changing,
                    TableNameUpdate: form.values.table,
                    S3ReferenceDataSourceUpdate: { BucketARNUpdate: bucketArn, FileKeyUpdate: form.values.key, ReferenceRoleARNUpdate: role },
                    ReferenceSchemaUpdate: schema,
                  },
                ],
              },
            }),
          )
        : await action.run(`Reference table ${form.values.table} added`, () =>
            aws('analytics', 'AddApplicationReferenceDataSource', {
              ApplicationName: detail.ApplicationName,
              CurrentApplicationVersionId: adding,
              ReferenceDataSource: {
                TableName: form.values.table,
                S3ReferenceDataSource: { BucketARN: bucketArn, FileKey: form.values.key, ReferenceRoleARN: role },
                ReferenceSchema: schema,
              },
            }),
          );
    if (ok) setAdding(undefined);
  };
  return (
    <div data-testid="app-references">
      <h3>Reference data</h3>
      {detail.ReferenceDataSourceDescriptions?.map((r) => (
        <div key={r.ReferenceId} class="small" data-reference={r.TableName}>
          <b>{r.TableName}</b> ← s3://{nameOfS3Bucket(r.S3ReferenceDataSourceDescription.BucketARN)}/{r.S3ReferenceDataSourceDescription.FileKey} (
          {r.ReferenceSchema.RecordFormat.RecordFormatType}: {r.ReferenceSchema.RecordColumns.map((c) => `${c.Name} ${c.SqlType}`).join(', ')}){' '}
          <button type="button" onClick={() => open(r)}>
            Change
          </button>{' '}
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              void action.run(`Reference table ${r.TableName} removed`, () =>
                aws('analytics', 'DeleteApplicationReferenceDataSource', {
                  ApplicationName: detail.ApplicationName,
                  CurrentApplicationVersionId: detail.ApplicationVersionId,
                  ReferenceId: r.ReferenceId,
                }),
              )
            }
          >
            Remove
          </button>
        </div>
      ))}
      <p class="small">
        <button type="button" onClick={() => open(undefined)}>
          Add reference data
        </button>
      </p>
      {adding !== undefined ? (
        <form class="card dialog" onSubmit={(e) => void submit(e)} data-testid="reference-form">
          <h3>{changing !== undefined ? `Change reference table ${form.values.table}` : 'Add reference data'}</h3>
          <label>
            In-application table <input {...form.bind('table')} required />
          </label>
          <label>
            Bucket <input {...form.bind('bucket')} required />
          </label>
          <label>
            Object key <input {...form.bind('key')} required size={40} />
          </label>
          <label>
            Role ARN <input name="role" value={role} onInput={(e) => setRole(e.currentTarget.value)} required size={50} />
          </label>
          <label>
            Schema (ReferenceSchema JSON) <textarea rows={8} {...form.bind('schema')} required />
          </label>
          <p class="row">
            <button type="submit" disabled={action.busy}>
              {changing !== undefined ? 'Save reference data' : 'Add reference data'}
            </button>
            <button type="button" onClick={() => setAdding(undefined)}>
              Cancel
            </button>
          </p>
        </form>
      ) : null}
      <OutcomeText outcome={action.outcome} />
    </div>
  );
}

function nameOfS3Bucket(arn: string): string {
  return arn.replace(/^arn:[^:]+:s3:::/, '');
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
