/**
 * A Flink application's run and service settings on its page (beside the code, properties and parallelism editors of
 * apps.tsx): start with a run configuration (ApplicationRestoreConfiguration, FlinkRunConfiguration's
 * AllowNonRestoredState) and stop (graceful or forced); its service execution role and snapshot setting
 * (UpdateApplication's ServiceExecutionRoleUpdate and ApplicationSnapshotConfigurationUpdate); its VPC configuration
 * (Add/DeleteApplicationVpcConfiguration; Freshet stores it and runs no VPCs); its CloudWatch logging options
 * (Add/DeleteApplicationCloudWatchLoggingOption, changed with UpdateApplication), each log stream's latest events read through the CloudWatch Logs
 * API (GetLogEvents, or FilterLogEvents with a filter pattern). Every change is sent at the version the page shows
 * (or the draft was begun on), so a change made elsewhere meanwhile is refused, and every refusal is shown in AWS's words.
 */
import { useEffect, useState } from 'preact/hooks';
import { aws, errorText, hasLogs, logs, logStreamOfArn, useLoad } from '../api.ts';
import { OutcomeText, useAction, useDraft, useFields } from '../forms.tsx';

/** The parts of DescribeApplication's ApplicationDetail these forms read. */
export interface FlinkOptionsDetail {
  ApplicationName: string;
  ApplicationStatus: string;
  ApplicationVersionId: number;
  ServiceExecutionRole?: string;
  CloudWatchLoggingOptionDescriptions?: Array<{ CloudWatchLoggingOptionId?: string; LogStreamARN: string }>;
  ApplicationConfigurationDescription?: {
    ApplicationSnapshotConfigurationDescription?: { SnapshotsEnabled?: boolean };
    VpcConfigurationDescriptions?: Array<{ VpcConfigurationId: string; VpcId?: string; SubnetIds?: string[]; SecurityGroupIds?: string[] }>;
    RunConfigurationDescription?: {
      ApplicationRestoreConfigurationDescription?: { ApplicationRestoreType?: string; SnapshotName?: string };
      FlinkRunConfigurationDescription?: { AllowNonRestoredState?: boolean };
    };
  };
}

interface Props {
  name: string;
  detail: FlinkOptionsDetail;
  /** Reads the application (and its snapshots) again after a change. */
  onChanged: () => void;
}

/** All of this file's sections, in the order the page shows them. */
export function FlinkOptions(props: Props) {
  return (
    <>
      <FlinkRun {...props} />
      <FlinkRoleAndSnapshots {...props} />
      <FlinkVpc {...props} />
      <FlinkLogging {...props} />
    </>
  );
}

const RESTORE_TYPES = ['RESTORE_FROM_LATEST_SNAPSHOT', 'SKIP_RESTORE_FROM_SNAPSHOT', 'RESTORE_FROM_CUSTOM_SNAPSHOT'] as const;

/**
 * Start with a run configuration — how to restore (the latest snapshot, none, or a named one) and whether state of
 * operators the code no longer has may be dropped (AllowNonRestoredState) — opened with the application's stored
 * one, or save it as the stored one (UpdateApplication's RunConfigurationUpdate); stop, gracefully (a snapshot when
 * snapshots are enabled) or forced.
 */
function FlinkRun({ name, detail, onChanged }: Props) {
  const run = detail.ApplicationConfigurationDescription?.RunConfigurationDescription;
  const restore = run?.ApplicationRestoreConfigurationDescription;
  const fields = useFields({
    restoreType: restore?.ApplicationRestoreType ?? 'RESTORE_FROM_LATEST_SNAPSHOT',
    snapshot: restore?.SnapshotName ?? '',
    allowNonRestored: String(run?.FlinkRunConfigurationDescription?.AllowNonRestoredState ?? false),
    force: 'false',
  });
  const f = fields.values;
  const action = useAction(onChanged);
  const snapshots = useLoad(
    async () =>
      f.restoreType === 'RESTORE_FROM_CUSTOM_SNAPSHOT'
        ? ((await aws<{ SnapshotSummaries: Array<{ SnapshotName: string }> }>('analyticsV2', 'ListApplicationSnapshots', { ApplicationName: name }))
            .SnapshotSummaries ?? [])
        : [],
    [name, f.restoreType],
  );
  const runConfiguration = {
    ApplicationRestoreConfiguration: {
      ApplicationRestoreType: f.restoreType,
      ...(f.restoreType === 'RESTORE_FROM_CUSTOM_SNAPSHOT' ? { SnapshotName: f.snapshot.trim() } : {}),
    },
    FlinkRunConfiguration: { AllowNonRestoredState: f.allowNonRestored === 'true' },
  };
  const start = action.submit(`Starting ${name}…`, () => aws('analyticsV2', 'StartApplication', { ApplicationName: name, RunConfiguration: runConfiguration }));
  const checkbox = (key: 'allowNonRestored' | 'force', text: string) => (
    <label>
      <input type="checkbox" name={key} checked={f[key] === 'true'} onChange={(e) => fields.set(key, String(e.currentTarget.checked))} /> {text}
    </label>
  );
  return (
    <form onSubmit={start} data-testid="flink-run" class="settings">
      <h3>Run</h3>
      <p class="small">
        <label>
          Restore{' '}
          <select {...fields.bind('restoreType')}>
            {RESTORE_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>{' '}
        {f.restoreType === 'RESTORE_FROM_CUSTOM_SNAPSHOT' ? (
          <label>
            snapshot <input {...fields.bind('snapshot')} list={`flink-run-snapshots-${name}`} size={24} />
            <datalist id={`flink-run-snapshots-${name}`}>
              {(snapshots.data ?? []).map((s) => (
                <option key={s.SnapshotName} value={s.SnapshotName} />
              ))}
            </datalist>
          </label>
        ) : null}{' '}
        {checkbox('allowNonRestored', 'allow non-restored state')}
      </p>
      {detail.ApplicationConfigurationDescription?.ApplicationSnapshotConfigurationDescription?.SnapshotsEnabled === false ? (
        <p class="muted small">Snapshots are disabled: a start restores nothing, whatever is chosen here.</p>
      ) : null}
      <p class="row">
        <button type="submit" disabled={action.busy || detail.ApplicationStatus !== 'READY'}>
          Start
        </button>{' '}
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            // UpdateApplication's RunConfigurationUpdate: what a start without a run configuration (the list's Start) uses.
            void action.run('Run configuration saved', () =>
              aws('analyticsV2', 'UpdateApplication', {
                ApplicationName: name,
                CurrentApplicationVersionId: detail.ApplicationVersionId,
                RunConfigurationUpdate: runConfiguration,
              }),
            )
          }
        >
          Save as its run configuration
        </button>{' '}
        <button
          type="button"
          disabled={action.busy || detail.ApplicationStatus === 'READY' || detail.ApplicationStatus === 'DELETING'}
          onClick={() =>
            void action.run(`Stopping ${name}…`, () => aws('analyticsV2', 'StopApplication', { ApplicationName: name, Force: f.force === 'true' }))
          }
        >
          Stop
        </button>{' '}
        {checkbox('force', 'force (no snapshot)')}
        <OutcomeText outcome={action.outcome} inline />
      </p>
    </form>
  );
}

/** The service execution role and the snapshot setting, one form saved with UpdateApplication at the draft's version (only what changed is sent). */
function FlinkRoleAndSnapshots({ name, detail, onChanged }: Props) {
  const saved = {
    role: detail.ServiceExecutionRole ?? '',
    snapshots: String(detail.ApplicationConfigurationDescription?.ApplicationSnapshotConfigurationDescription?.SnapshotsEnabled ?? false),
  };
  const draft = useDraft(saved, detail.ApplicationVersionId);
  const action = useAction(onChanged);
  const v = draft.value;
  const save = action.submit('Role and snapshot setting saved', async () => {
    await aws('analyticsV2', 'UpdateApplication', {
      ApplicationName: name,
      CurrentApplicationVersionId: draft.base,
      ...(v.role !== saved.role ? { ServiceExecutionRoleUpdate: v.role.trim() } : {}),
      ...(v.snapshots !== saved.snapshots
        ? { ApplicationConfigurationUpdate: { ApplicationSnapshotConfigurationUpdate: { SnapshotsEnabledUpdate: v.snapshots === 'true' } } }
        : {}),
    });
    draft.clear();
  });
  return (
    <form onSubmit={save} data-testid="flink-role" class="settings">
      <h3>Execution role and snapshots</h3>
      <p class="small">
        <label>
          Service execution role <input name="role" size={60} value={v.role} onInput={(e) => draft.edit({ ...v, role: e.currentTarget.value })} />
        </label>{' '}
        <label>
          <input
            type="checkbox"
            name="snapshots"
            checked={v.snapshots === 'true'}
            onChange={(e) => draft.edit({ ...v, snapshots: String(e.currentTarget.checked) })}
          />{' '}
          snapshots enabled
        </label>
      </p>
      <p class="row">
        <button type="submit" disabled={action.busy || !draft.dirty}>
          Save role and snapshots
        </button>
        <OutcomeText outcome={action.outcome} inline />
      </p>
    </form>
  );
}

const commaList = (text: string) =>
  text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** The VPC configuration (at most one, as AWS allows): listed with its subnets and security groups, added and deleted. */
function FlinkVpc({ name, detail, onChanged }: Props) {
  const vpcs = detail.ApplicationConfigurationDescription?.VpcConfigurationDescriptions ?? [];
  const fields = useFields({ subnets: '', securityGroups: '' });
  const action = useAction(onChanged);
  const add = action.submit('VPC configuration added', async () => {
    await aws('analyticsV2', 'AddApplicationVpcConfiguration', {
      ApplicationName: name,
      CurrentApplicationVersionId: detail.ApplicationVersionId,
      VpcConfiguration: { SubnetIds: commaList(fields.values.subnets), SecurityGroupIds: commaList(fields.values.securityGroups) },
    });
    fields.reset();
  });
  return (
    <div data-testid="flink-vpc">
      <h3>VPC</h3>
      {vpcs.length === 0 ? <p class="muted small">No VPC configuration.</p> : null}
      <table class="list compact">
        <tbody>
          {vpcs.map((c) => (
            <tr key={c.VpcConfigurationId} data-id={c.VpcConfigurationId}>
              <td>{c.VpcId ?? ''}</td>
              <td>subnets {(c.SubnetIds ?? []).join(', ')}</td>
              <td>security groups {(c.SecurityGroupIds ?? []).join(', ')}</td>
              <td>
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() =>
                    void action.run(
                      'VPC configuration deleted',
                      () =>
                        aws('analyticsV2', 'DeleteApplicationVpcConfiguration', {
                          ApplicationName: name,
                          CurrentApplicationVersionId: detail.ApplicationVersionId,
                          VpcConfigurationId: c.VpcConfigurationId,
                        }),
                      { confirm: `Delete the VPC configuration ${c.VpcConfigurationId} of ${name}?` },
                    )
                  }
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={add} class="row small">
        <label>
          Subnets <input {...fields.bind('subnets')} placeholder="subnet-0a1b2c3d, subnet-4e5f6a7b" size={30} />
        </label>{' '}
        <label>
          Security groups <input {...fields.bind('securityGroups')} placeholder="sg-0a1b2c3d" size={20} />
        </label>{' '}
        <button type="submit" disabled={action.busy}>
          Add VPC configuration
        </button>
      </form>
      <OutcomeText outcome={action.outcome} />
    </div>
  );
}

/**
 * The CloudWatch logging options: each log stream listed with its events on demand, added by ARN, changed in place
 * (UpdateApplication's CloudWatchLoggingOptionUpdates) and deleted.
 */
function FlinkLogging({ name, detail, onChanged }: Props) {
  const options = detail.CloudWatchLoggingOptionDescriptions ?? [];
  const fields = useFields({ arn: '' });
  const action = useAction(onChanged);
  const [shown, setShown] = useState<string | undefined>(undefined);
  const [changing, setChanging] = useState<{ id: string; arn: string } | undefined>(undefined);
  const change = action.submit('Logging option changed', async () => {
    if (!changing) return;
    await aws('analyticsV2', 'UpdateApplication', {
      ApplicationName: name,
      CurrentApplicationVersionId: detail.ApplicationVersionId,
      CloudWatchLoggingOptionUpdates: [{ CloudWatchLoggingOptionId: changing.id, LogStreamARNUpdate: changing.arn.trim() }],
    });
    setShown(undefined);
    setChanging(undefined);
  });
  const add = action.submit('Logging option added', async () => {
    await aws('analyticsV2', 'AddApplicationCloudWatchLoggingOption', {
      ApplicationName: name,
      CurrentApplicationVersionId: detail.ApplicationVersionId,
      CloudWatchLoggingOption: { LogStreamARN: fields.values.arn.trim() },
    });
    fields.reset();
  });
  return (
    <div data-testid="flink-logging">
      <h3>Logging</h3>
      {options.length === 0 ? <p class="muted small">No CloudWatch logging options: the job's log lines go nowhere.</p> : null}
      <table class="list compact">
        <tbody>
          {options.map((o) => (
            <tr key={o.CloudWatchLoggingOptionId} data-id={o.CloudWatchLoggingOptionId}>
              <td class="mono small">
                {changing !== undefined && changing.id === o.CloudWatchLoggingOptionId ? (
                  <form onSubmit={change} class="row">
                    <input
                      name="changeArn"
                      size={70}
                      value={changing.arn}
                      onInput={(e) => {
                        const arn = e.currentTarget.value;
                        setChanging((c) => c && { ...c, arn });
                      }}
                    />{' '}
                    <button type="submit" disabled={action.busy}>
                      Save
                    </button>{' '}
                    <button type="button" onClick={() => setChanging(undefined)}>
                      Cancel
                    </button>
                  </form>
                ) : (
                  o.LogStreamARN
                )}
              </td>
              <td>
                {hasLogs() ? (
                  <button type="button" class="link" onClick={() => setShown(shown === o.LogStreamARN ? undefined : o.LogStreamARN)}>
                    {shown === o.LogStreamARN ? 'Hide events' : 'Events'}
                  </button>
                ) : null}{' '}
                <button
                  type="button"
                  disabled={action.busy || o.CloudWatchLoggingOptionId === undefined}
                  onClick={() => setChanging({ id: o.CloudWatchLoggingOptionId ?? '', arn: o.LogStreamARN })}
                >
                  Change
                </button>{' '}
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() =>
                    void action.run(
                      'Logging option deleted',
                      () =>
                        aws('analyticsV2', 'DeleteApplicationCloudWatchLoggingOption', {
                          ApplicationName: name,
                          CurrentApplicationVersionId: detail.ApplicationVersionId,
                          CloudWatchLoggingOptionId: o.CloudWatchLoggingOptionId,
                        }),
                      { confirm: `Stop logging ${name} to ${o.LogStreamARN}?` },
                    )
                  }
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown !== undefined ? <LogEvents arn={shown} /> : null}
      <form onSubmit={add} class="row small">
        <label>
          Log stream ARN <input {...fields.bind('arn')} size={70} placeholder="arn:aws:logs:us-east-1:000000000000:log-group:/flink/app:log-stream:app" />
        </label>{' '}
        <button type="submit" disabled={action.busy}>
          Add logging option
        </button>
      </form>
      <OutcomeText outcome={action.outcome} />
    </div>
  );
}

interface LogEvent {
  timestamp: number;
  message: string;
}

/**
 * A log stream's latest events (GetLogEvents from the end, up to 100), or the ones matching a filter pattern
 * (FilterLogEvents on that stream), read again every 2 s; the Logs API's refusal shown (a stream that does not exist).
 */
function LogEvents({ arn }: { arn: string }) {
  const at = logStreamOfArn(arn);
  const [pattern, setPattern] = useState('');
  const [tick, setTick] = useState(0);
  const [events, setEvents] = useState<LogEvent[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!at) return;
    let live = true;
    const read = pattern.trim()
      ? logs<{ events?: LogEvent[] }>('FilterLogEvents', {
          logGroupName: at.group,
          logStreamNames: [at.stream],
          filterPattern: pattern.trim(),
          limit: 100,
        })
      : logs<{ events?: LogEvent[] }>('GetLogEvents', { logGroupName: at.group, logStreamName: at.stream, startFromHead: false, limit: 100 });
    read.then(
      (r) => {
        if (!live) return;
        setEvents(r.events ?? []);
        setError(undefined);
      },
      (e: unknown) => live && setError(errorText(e)),
    );
    const t = setTimeout(() => setTick((n) => n + 1), 2000);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [arn, pattern, tick]);
  if (!at) return <p class="error">{arn} is not a log stream ARN (arn:aws:logs:…:log-group:…:log-stream:…)</p>;
  return (
    <div class="card" data-testid="flink-log-events">
      <p class="row small">
        <span>
          {at.group} / {at.stream}
        </span>{' '}
        <label>
          Filter pattern <input name="filterPattern" value={pattern} onInput={(e) => setPattern(e.currentTarget.value)} placeholder="ERROR" />
        </label>
      </p>
      {error ? <p class="error">{error}</p> : null}
      <pre class="logs small">{events.map((e) => `${new Date(e.timestamp).toISOString()} ${e.message.trimEnd()}`).join('\n')}</pre>
    </div>
  );
}
