/**
 * Metric detectors (the Lookout for Metrics-compatible API): every detector with its status, and one
 * detector's anomaly groups (severity, primary metric, time span) and its alerts, refreshed every 10 s. A
 * selected group shows, as Lookout for Metrics' console did, its dimension contributions and each of its time
 * series of the primary metric charted (GetAnomalyGroup, ListAnomalyGroupTimeSeries) with the anomalous
 * intervals marked, and asks of each "Is this an anomaly?" (PutFeedback; the answers read back with GetFeedback).
 * A detector is activated, deactivated and back-tested from its page (Activate/Deactivate/BackTestAnomalyDetector).
 * Detectors are created (with their frequency) and deleted, a detector's metric set is created and updated (an S3 path
 * or, Freshet's extension, a Kinesis stream of this server; JSON lines or CSV with its options, GZIP; metrics,
 * dimensions, timestamp column, offset; its description, historical data path and dimension filters, and its time zone
 * when it is created), alerts are created, updated (sensitivity, a Lambda function or an SNS topic,
 * AlertFilters) and deleted, and a group's related metrics
 * (ListAnomalyGroupRelatedMetrics) are listed with its details, each with its time series in its own group charted.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { awsRest, errorText, useLoad } from '../api.ts';
import { OutcomeText, useAction, useFields } from '../forms.tsx';
import { LiveChart } from '../charts.tsx';
import { statusClass } from '../format.ts';
import { link } from '../main.tsx';
import { color } from '../metrics.tsx';

interface DetectorSummary {
  AnomalyDetectorArn: string;
  AnomalyDetectorName: string;
  AnomalyDetectorDescription?: string;
  Status?: string;
  CreationTime?: number | string;
}

interface GroupSummary {
  AnomalyGroupId: string;
  AnomalyGroupScore?: number;
  PrimaryMetricName?: string;
  StartTime?: string;
  EndTime?: string;
}

interface GroupDetail {
  AnomalyGroup?: {
    AnomalyGroupId?: string;
    StartTime?: string;
    EndTime?: string;
    PrimaryMetricName?: string;
    MetricLevelImpactList?: Array<{
      MetricName?: string;
      NumTimeSeries?: number;
      ContributionMatrix?: {
        DimensionContributionList?: Array<{
          DimensionName?: string;
          DimensionValueContributionList?: Array<{ DimensionValue?: string; ContributionScore?: number }>;
        }>;
      };
    }>;
  };
}

interface GroupTimeSeries {
  TimestampList?: string[];
  TimeSeriesList?: Array<{
    TimeSeriesId: string;
    DimensionList?: Array<{ DimensionName?: string; DimensionValue?: string }>;
    MetricValueList?: number[];
  }>;
}

interface FeedbackList {
  AnomalyGroupTimeSeriesFeedback?: Array<{ TimeSeriesId?: string; IsAnomaly?: boolean }>;
}

/** At most this many of a group's time series are charted (Lookout for Metrics' console paged them too). */
const MAX_SERIES = 10;

interface AlertSummary {
  AlertArn: string;
  AlertName?: string;
  AlertStatus?: string;
  AlertSensitivityThreshold?: number;
  AlertType?: string;
}

const lookout = <T,>(action: string, body: unknown) => awsRest<T>('lookoutmetrics', 'POST', `/${action}`, body);

/** Statuses in which a detector runs (live or a back test): it can be deactivated, not activated or back-tested. */
const RUNNING = new Set(['ACTIVE', 'ACTIVATING', 'LEARNING', 'BACK_TEST_ACTIVATING', 'BACK_TEST_ACTIVE']);

export function DetectorsPage({ name }: { name: string | undefined }) {
  const [creating, setCreating] = useState(false);
  const [listMessage, setListMessage] = useState<{ text: string; error: boolean } | undefined>();
  const list = useLoad(() => lookout<{ AnomalyDetectorSummaryList?: DetectorSummary[] }>('ListAnomalyDetectors', {}), []);
  const detectors = list.data?.AnomalyDetectorSummaryList ?? [];
  const selected = name ? detectors.find((d) => d.AnomalyDetectorName === name) : undefined;
  if (name) {
    return (
      <div>
        <p class="crumbs">
          <a href={link('detectors')}>Metric detectors</a> / {name}
        </p>
        {list.error ? <p class="error">{list.error}</p> : null}
        {selected ? (
          <DetectorDetail key={selected.AnomalyDetectorArn} detector={selected} reload={list.reload} />
        ) : list.data ? (
          <p class="error">No detector named {name}</p>
        ) : null}
      </div>
    );
  }
  return (
    <div>
      <h1>Metric detectors</h1>
      {list.error ? <p class="error">{list.error}</p> : null}
      {listMessage ? <p class={listMessage.error ? 'message error' : 'message'}>{listMessage.text}</p> : null}
      {creating ? (
        <DetectorForm
          onDone={(created) => {
            setCreating(false);
            if (created) setListMessage({ text: `Detector ${created} created: add its metric set on its page`, error: false });
            list.reload();
          }}
        />
      ) : (
        <p>
          <button type="button" onClick={() => setCreating(true)}>
            Create detector
          </button>
        </p>
      )}
      <table class="list" data-testid="detectors">
        <thead>
          <tr>
            <th>Name</th>
            <th>Status</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {detectors.map((d) => (
            <tr key={d.AnomalyDetectorArn} data-name={d.AnomalyDetectorName}>
              <td>
                <a href={link('detectors', d.AnomalyDetectorName)}>{d.AnomalyDetectorName}</a>
              </td>
              <td>
                <span class={statusClass(d.Status ?? '')}>{d.Status}</span>
              </td>
              <td class="small">{d.AnomalyDetectorDescription ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && detectors.length === 0 ? <p class="muted">No metric detectors yet.</p> : null}
    </div>
  );
}

function DetectorDetail({ detector, reload }: { detector: DetectorSummary; reload: () => void }) {
  const arn = detector.AnomalyDetectorArn;
  const [tick, setTick] = useState(0);
  // The detector's status comes from the page's list: it is listed again with the groups and alerts.
  const reloadList = useRef(reload);
  reloadList.current = reload;
  useEffect(() => {
    const t = setInterval(() => {
      setTick((n) => n + 1);
      reloadList.current();
    }, 10_000);
    return () => clearInterval(t);
  }, []);
  const detectorAction = useAction(reload);
  const act = (action: 'ActivateAnomalyDetector' | 'DeactivateAnomalyDetector' | 'BackTestAnomalyDetector', done: string) =>
    detectorAction.run(done, () => lookout(action, { AnomalyDetectorArn: arn }));
  const running = RUNNING.has(detector.Status ?? '');
  const remove = () =>
    detectorAction.run(
      'Deleted',
      async () => {
        await lookout('DeleteAnomalyDetector', { AnomalyDetectorArn: arn });
        location.hash = link('detectors');
      },
      { confirm: `Delete detector ${detector.AnomalyDetectorName}, its metric set, alerts and anomalies?` },
    );
  /** The alert form: closed (false), a new alert (null) or the alert being edited (read with DescribeAlert). */
  const [alertForm, setAlertForm] = useState<AlertDetail | null | false>(false);
  const editAlert = async (a: AlertSummary) => {
    try {
      setAlertForm((await lookout<{ Alert?: AlertDetail }>('DescribeAlert', { AlertArn: a.AlertArn })).Alert ?? null);
    } catch (e) {
      alertAction.show({ text: errorText(e), error: true });
    }
  };
  const alertAction = useAction(() => alerts.reload());
  const deleteAlert = (a: AlertSummary) =>
    alertAction.run(`Alert ${a.AlertName ?? ''} deleted`, () => lookout('DeleteAlert', { AlertArn: a.AlertArn }), {
      confirm: `Delete alert ${a.AlertName ?? a.AlertArn}?`,
    });
  const groups = useLoad(
    () => lookout<{ AnomalyGroupSummaryList?: GroupSummary[] }>('ListAnomalyGroupSummaries', { AnomalyDetectorArn: arn, SensitivityThreshold: 0 }),
    [arn, tick],
  );
  const alerts = useLoad(() => lookout<{ AlertSummaryList?: AlertSummary[] }>('ListAlerts', { AnomalyDetectorArn: arn }), [arn, tick]);
  const [open, setOpen] = useState<string | undefined>();
  const detail = useLoad(
    async () => (open ? lookout<GroupDetail>('GetAnomalyGroup', { AnomalyDetectorArn: arn, AnomalyGroupId: open }) : undefined),
    [arn, open],
  );
  const list = (groups.data?.AnomalyGroupSummaryList ?? []).slice().sort((a, b) => (b.StartTime ?? '').localeCompare(a.StartTime ?? ''));
  return (
    <div>
      <h1>
        {detector.AnomalyDetectorName} <span class={statusClass(detector.Status ?? '')}>{detector.Status}</span>
      </h1>
      <p class="muted">{arn}</p>
      <p class="actions" data-testid="detector-actions">
        <button type="button" disabled={running} onClick={() => void act('ActivateAnomalyDetector', 'Activating…')}>
          Activate
        </button>{' '}
        <button type="button" disabled={!running} onClick={() => void act('DeactivateAnomalyDetector', 'Deactivated')}>
          Deactivate
        </button>{' '}
        <button type="button" disabled={running} onClick={() => void act('BackTestAnomalyDetector', 'Back test started over the historical data')}>
          Back test
        </button>{' '}
        <button type="button" onClick={() => void remove()}>
          Delete
        </button>{' '}
        <OutcomeText outcome={detectorAction.outcome} inline />
      </p>
      <MetricSetSection detectorArn={arn} />
      <h2>Anomaly groups</h2>
      {groups.error ? <p class="error">{groups.error}</p> : null}
      <table class="list" data-testid="anomaly-groups">
        <thead>
          <tr>
            <th>Severity</th>
            <th>Primary metric</th>
            <th>Start</th>
            <th>End</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((g) => (
            <tr key={g.AnomalyGroupId} data-id={g.AnomalyGroupId}>
              <td>{g.AnomalyGroupScore?.toFixed(0)}</td>
              <td>{g.PrimaryMetricName}</td>
              <td class="small">{g.StartTime}</td>
              <td class="small">{g.EndTime}</td>
              <td>
                <button type="button" onClick={() => setOpen(g.AnomalyGroupId)}>
                  Details
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {groups.data && list.length === 0 ? <p class="muted">No anomaly groups yet.</p> : null}
      {detail.data?.AnomalyGroup ? (
        <div class="card" data-testid="contributions">
          <h3>Dimension contributions</h3>
          {(detail.data.AnomalyGroup.MetricLevelImpactList ?? []).map((m) => (
            <div key={m.MetricName}>
              <p>
                <b>{m.MetricName}</b> <span class="muted">({m.NumTimeSeries} time series)</span>
              </p>
              {(m.ContributionMatrix?.DimensionContributionList ?? []).map((d) => (
                <p key={d.DimensionName} class="small">
                  {d.DimensionName}: {(d.DimensionValueContributionList ?? []).map((v) => `${v.DimensionValue} ${v.ContributionScore?.toFixed(0)}%`).join(', ')}
                </p>
              ))}
            </div>
          ))}
        </div>
      ) : null}
      {detail.error ? <p class="error">{detail.error}</p> : null}
      {open && detail.data?.AnomalyGroup ? <RelatedMetrics detectorArn={arn} groupId={open} onOpen={setOpen} /> : null}
      {open && detail.data?.AnomalyGroup ? <GroupSeries detectorArn={arn} groupId={open} group={detail.data.AnomalyGroup} /> : null}
      <h2>Alerts</h2>
      {alerts.error ? <p class="error">{alerts.error}</p> : null}
      <OutcomeText outcome={alertAction.outcome} />
      {alertForm !== false ? (
        <AlertForm
          key={alertForm?.AlertArn ?? ''}
          detectorArn={arn}
          editing={alertForm ?? undefined}
          onDone={(saved) => {
            if (saved) alertAction.show({ text: `Alert ${saved} ${alertForm ? 'saved' : 'created'}`, error: false });
            setAlertForm(false);
            alerts.reload();
          }}
        />
      ) : (
        <p>
          <button type="button" onClick={() => setAlertForm(null)}>
            Create alert
          </button>
        </p>
      )}
      <table class="list" data-testid="alerts">
        <thead>
          <tr>
            <th>Name</th>
            <th>Status</th>
            <th>Threshold</th>
            <th>Action</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(alerts.data?.AlertSummaryList ?? []).map((a) => (
            <tr key={a.AlertArn} data-name={a.AlertName}>
              <td>{a.AlertName}</td>
              <td>{a.AlertStatus}</td>
              <td>{a.AlertSensitivityThreshold}</td>
              <td>{a.AlertType}</td>
              <td class="nowrap">
                <button type="button" onClick={() => void editAlert(a)}>
                  Edit
                </button>{' '}
                <button type="button" onClick={() => void deleteAlert(a)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Seconds since the epoch of an API timestamp (ISO text or epoch seconds). */
function seconds(t: string | number | undefined): number {
  if (t === undefined) return Number.NaN;
  return typeof t === 'number' ? t : Date.parse(t) / 1000;
}

/**
 * The group's time series of its primary metric, one chart each with the intervals inside the group's span
 * drawn as points, and the feedback question under each; answers are sent with PutFeedback and shown as
 * GetFeedback reads them back.
 */
function GroupSeries({ detectorArn, groupId, group }: { detectorArn: string; groupId: string; group: NonNullable<GroupDetail['AnomalyGroup']> }) {
  const metric = group.PrimaryMetricName ?? group.MetricLevelImpactList?.[0]?.MetricName ?? '';
  const series = useLoad(
    () =>
      lookout<GroupTimeSeries>('ListAnomalyGroupTimeSeries', {
        AnomalyDetectorArn: detectorArn,
        AnomalyGroupId: groupId,
        MetricName: metric,
        MaxResults: MAX_SERIES,
      }),
    [detectorArn, groupId, metric],
  );
  const feedback = useLoad(
    () => lookout<FeedbackList>('GetFeedback', { AnomalyDetectorArn: detectorArn, AnomalyGroupTimeSeriesFeedback: { AnomalyGroupId: groupId } }),
    [detectorArn, groupId],
  );
  const feedbackAction = useAction(() => feedback.reload());
  const answers = new Map((feedback.data?.AnomalyGroupTimeSeriesFeedback ?? []).map((f) => [f.TimeSeriesId, f.IsAnomaly]));
  const send = (timeSeriesId: string, isAnomaly: boolean) =>
    feedbackAction.run(`Feedback recorded: ${isAnomaly ? 'an anomaly' : 'not an anomaly'}`, () =>
      lookout('PutFeedback', {
        AnomalyDetectorArn: detectorArn,
        AnomalyGroupTimeSeriesFeedback: { AnomalyGroupId: groupId, TimeSeriesId: timeSeriesId, IsAnomaly: isAnomaly },
      }),
    );
  const times = (series.data?.TimestampList ?? []).map(seconds);
  const from = seconds(group.StartTime);
  const to = seconds(group.EndTime);
  return (
    <div class="card" data-testid="group-series">
      <h3>
        {metric}: the group&apos;s time series <span class="muted small">(anomalous intervals as points)</span>
      </h3>
      {series.error ? <p class="error">{series.error}</p> : null}
      {feedback.error ? <p class="error">{feedback.error}</p> : null}
      <OutcomeText outcome={feedbackAction.outcome} />
      <div class="charts">
        {(series.data?.TimeSeriesList ?? []).map((ts, i) => {
          const label = (ts.DimensionList ?? []).map((d) => `${d.DimensionName}=${d.DimensionValue}`).join(', ') || ts.TimeSeriesId;
          const values = ts.MetricValueList ?? [];
          const anomalous = times.map((t, j) => (t >= from && t <= to ? (values[j] ?? null) : null));
          const answer = answers.get(ts.TimeSeriesId);
          return (
            <div key={ts.TimeSeriesId} data-testid="time-series" data-id={ts.TimeSeriesId} data-label={label}>
              <LiveChart
                title={label}
                times={times}
                height={150}
                series={[
                  { label: metric, color: color(i), values },
                  { label: 'anomalous', color: '#d0302f', values: anomalous, points: true },
                ]}
              />
              <p class="small feedback">
                Is this an anomaly?{' '}
                <button type="button" class={answer === true ? 'chosen' : ''} onClick={() => void send(ts.TimeSeriesId, true)}>
                  Yes
                </button>{' '}
                <button type="button" class={answer === false ? 'chosen' : ''} onClick={() => void send(ts.TimeSeriesId, false)}>
                  No
                </button>{' '}
                <span data-testid="feedback" class="muted">
                  {answer === undefined ? 'no feedback yet' : answer ? 'feedback: an anomaly' : 'feedback: not an anomaly'}
                </span>
              </p>
            </div>
          );
        })}
      </div>
    </div>
  );
}

const FREQUENCIES: Array<[string, string]> = [
  ['PT5M', 'every 5 minutes'],
  ['PT10M', 'every 10 minutes'],
  ['PT1H', 'hourly'],
  ['P1D', 'daily'],
];

/** CreateAnomalyDetector: a name, a description and the detection frequency. */
function DetectorForm({ onDone }: { onDone: (created: string | undefined) => void }) {
  const fields = useFields({ name: '', description: '', frequency: 'PT5M' });
  const f = fields.values;
  const action = useAction();
  const create = action.submit(
    () => '',
    async () => {
      await lookout('CreateAnomalyDetector', {
        AnomalyDetectorName: f.name.trim(),
        ...(f.description.trim() ? { AnomalyDetectorDescription: f.description.trim() } : {}),
        AnomalyDetectorConfig: { AnomalyDetectorFrequency: f.frequency },
      });
      onDone(f.name.trim());
    },
  );
  return (
    <form class="card editor" onSubmit={create} data-testid="detector-form">
      <h3>Create a metric detector</h3>
      <div class="form-grid">
        <label>
          Name <input {...fields.bind('name')} required />
        </label>
        <label>
          Description <input {...fields.bind('description')} />
        </label>
        <label>
          Frequency{' '}
          <select name="frequency" value={f.frequency} onChange={(e) => fields.set('frequency', e.currentTarget.value)}>
            {FREQUENCIES.map(([v, label]) => (
              <option key={v} value={v}>
                {v} ({label})
              </option>
            ))}
          </select>
        </label>
      </div>
      <p>
        <button type="submit" disabled={action.busy}>
          Create detector
        </button>{' '}
        <button type="button" onClick={() => onDone(undefined)}>
          Cancel
        </button>
      </p>
      <OutcomeText outcome={action.outcome?.error ? action.outcome : undefined} />
    </form>
  );
}

interface MetricSetSummary {
  MetricSetArn: string;
  MetricSetName?: string;
}

interface FormatDescriptor {
  CsvFormatDescriptor?: {
    FileCompression?: string;
    Charset?: string;
    ContainsHeader?: boolean;
    Delimiter?: string;
    HeaderList?: string[];
    QuoteSymbol?: string;
  };
  JsonFormatDescriptor?: { FileCompression?: string; Charset?: string };
}

interface MetricSetDetail {
  MetricSetArn?: string;
  MetricSetName?: string;
  MetricSetDescription?: string;
  Timezone?: string;
  DimensionFilterList?: MetricSetDimensionFilter[];
  MetricList?: Array<{ MetricName?: string; AggregationFunction?: string }>;
  DimensionList?: string[];
  TimestampColumn?: { ColumnName?: string; ColumnFormat?: string };
  MetricSetFrequency?: string;
  Offset?: number;
  MetricSource?: {
    S3SourceConfig?: { RoleArn?: string; TemplatedPathList?: string[]; HistoricalDataPathList?: string[]; FileFormatDescriptor?: FormatDescriptor };
  };
}

/** A metric set's DimensionFilterList entry: only these values of the dimension are read (EQUALS, the API's one operation). */
interface MetricSetDimensionFilter {
  Name?: string;
  FilterList?: Array<{ DimensionValue?: string; FilterOperation?: string }>;
}

/** A metric set's dimension filters as the form's lines: `dimension=value,value`. */
function metricSetFilterLines(filters: MetricSetDimensionFilter[] | undefined): string {
  return (filters ?? []).map((d) => `${d.Name ?? ''}=${(d.FilterList ?? []).map((x) => x.DimensionValue ?? '').join(',')}`).join('\n');
}

/**
 * The form's `dimension=value,value` lines as a DimensionFilterList (each value an EQUALS filter). A line without `=`
 * is reported here; what the API checks itself (names, an empty value list) is left to it, so its refusal is shown.
 */
function metricSetFilters(text: string): Array<{ Name: string; FilterList: Array<{ DimensionValue: string; FilterOperation: 'EQUALS' }> }> {
  return text
    .split('\n')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map((line, i) => {
      const eq = line.indexOf('=');
      if (eq < 0) throw new Error(`Dimension filters, line ${i + 1}: write a filter as "dimension=value,value"`);
      return {
        Name: line.slice(0, eq).trim(),
        FilterList: commaList(line.slice(eq + 1)).map((v) => ({ DimensionValue: v, FilterOperation: 'EQUALS' as const })),
      };
    });
}

/** A format descriptor in a few words: `CSV (header, ";", GZIP)`. */
function formatText(f: FormatDescriptor | undefined): string {
  if (f?.CsvFormatDescriptor) {
    const c = f.CsvFormatDescriptor;
    const header = c.HeaderList?.length ? `columns ${c.HeaderList.join(',')}` : c.ContainsHeader === false ? 'no header' : 'header';
    return `CSV (${header}, "${c.Delimiter ?? ','}", ${c.FileCompression ?? 'NONE'}, ${c.Charset ?? 'UTF-8'})`;
  }
  if (f?.JsonFormatDescriptor) return `JSON lines (${f.JsonFormatDescriptor.FileCompression ?? 'NONE'}, ${f.JsonFormatDescriptor.Charset ?? 'UTF-8'})`;
  return '';
}

/**
 * The detector's metric set (one per detector, as AWS's quota): described when there is one, with a form to update it
 * (UpdateMetricSet), else a form to create it.
 */
function MetricSetSection({ detectorArn }: { detectorArn: string }) {
  const sets = useLoad(async () => {
    const list = await lookout<{ MetricSetSummaryList?: MetricSetSummary[] }>('ListMetricSets', { AnomalyDetectorArn: detectorArn });
    const first = list.MetricSetSummaryList?.[0];
    return first ? lookout<MetricSetDetail>('DescribeMetricSet', { MetricSetArn: first.MetricSetArn }) : null;
  }, [detectorArn]);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<string | undefined>();
  const done = (text: string | undefined) => {
    setEditing(false);
    setSaved(text);
    sets.reload();
  };
  return (
    <section data-testid="metric-set">
      <h2>Metric set</h2>
      {sets.error ? <p class="error">{sets.error}</p> : null}
      {saved ? <p class="message">{saved}</p> : null}
      {sets.data && !editing ? (
        <>
          <table class="list compact">
            <tbody>
              <tr>
                <th>Name</th>
                <td>{sets.data.MetricSetName}</td>
              </tr>
              <tr>
                <th>Description</th>
                <td data-testid="metric-set-description">{sets.data.MetricSetDescription ?? ''}</td>
              </tr>
              <tr>
                <th>Source</th>
                <td>{(sets.data.MetricSource?.S3SourceConfig?.TemplatedPathList ?? []).join(', ')}</td>
              </tr>
              <tr>
                <th>Historical data</th>
                <td data-testid="metric-set-historical">{(sets.data.MetricSource?.S3SourceConfig?.HistoricalDataPathList ?? []).join(', ')}</td>
              </tr>
              <tr>
                <th>Format</th>
                <td data-testid="metric-set-format">{formatText(sets.data.MetricSource?.S3SourceConfig?.FileFormatDescriptor)}</td>
              </tr>
              <tr>
                <th>Metrics</th>
                <td>{(sets.data.MetricList ?? []).map((m) => `${m.MetricName} (${m.AggregationFunction})`).join(', ')}</td>
              </tr>
              <tr>
                <th>Dimensions</th>
                <td>{(sets.data.DimensionList ?? []).join(', ')}</td>
              </tr>
              <tr>
                <th>Dimension filters</th>
                <td data-testid="metric-set-filters">{metricSetFilterLines(sets.data.DimensionFilterList).split('\n').join('; ')}</td>
              </tr>
              <tr>
                <th>Timestamp</th>
                <td>
                  {sets.data.TimestampColumn?.ColumnName} ({sets.data.TimestampColumn?.ColumnFormat}), offset {sets.data.Offset ?? 0} s,{' '}
                  {sets.data.MetricSetFrequency}, time zone {sets.data.Timezone ?? 'UTC'}
                </td>
              </tr>
            </tbody>
          </table>
          <p>
            <button type="button" onClick={() => setEditing(true)}>
              Edit metric set
            </button>
          </p>
        </>
      ) : null}
      {sets.data === null && !editing ? (
        <p>
          <span class="muted">No metric set: the detector has nothing to read.</span>{' '}
          <button type="button" onClick={() => setEditing(true)}>
            Create metric set
          </button>
        </p>
      ) : null}
      {sets.data !== undefined && editing ? <MetricSetForm detectorArn={detectorArn} editing={sets.data ?? undefined} onDone={done} /> : null}
    </section>
  );
}

/** `name:SUM, other:AVG` → MetricList (SUM when no aggregation is given). */
function metricList(text: string): Array<{ MetricName: string; AggregationFunction: string }> {
  return text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map((x) => {
      const [metric, agg] = x.split(':');
      return { MetricName: (metric ?? '').trim(), AggregationFunction: (agg ?? 'SUM').trim().toUpperCase() };
    });
}

/** The time zones the browser knows (offered beside the typed one; the API judges what is sent). */
const TIME_ZONES: readonly string[] = typeof Intl.supportedValuesOf === 'function' ? ['UTC', ...Intl.supportedValuesOf('timeZone')] : ['UTC'];

const commaList = (text: string) =>
  text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** The form's fields of a stored metric set (or a new one's defaults). */
function metricSetFields(m: MetricSetDetail | undefined) {
  const s3 = m?.MetricSource?.S3SourceConfig;
  const path = s3?.TemplatedPathList?.[0] ?? '';
  const csv = s3?.FileFormatDescriptor?.CsvFormatDescriptor;
  const json = s3?.FileFormatDescriptor?.JsonFormatDescriptor;
  return {
    name: m?.MetricSetName ?? '',
    description: m?.MetricSetDescription ?? '',
    timezone: m?.Timezone ?? 'UTC',
    historical: s3?.HistoricalDataPathList?.[0] ?? '',
    filters: metricSetFilterLines(m?.DimensionFilterList),
    sourceKind: path && !path.startsWith('kinesis://') ? 's3' : 'kinesis',
    stream: path.startsWith('kinesis://') ? path.slice('kinesis://'.length) : '',
    path: path.startsWith('kinesis://') ? '' : path,
    roleArn: s3?.RoleArn ?? 'arn:aws:iam::000000000000:role/lookoutmetrics',
    format: csv ? 'csv' : 'json',
    compression: csv?.FileCompression ?? json?.FileCompression ?? 'NONE',
    charset: csv?.Charset ?? json?.Charset ?? 'UTF-8',
    delimiter: csv?.Delimiter ?? ',',
    quote: csv?.QuoteSymbol ?? '"',
    headers: (csv?.HeaderList ?? []).join(','),
    metrics: (m?.MetricList ?? []).map((x) => `${x.MetricName}:${x.AggregationFunction}`).join(', '),
    dimensions: (m?.DimensionList ?? []).join(', '),
    timestampColumn: m?.TimestampColumn?.ColumnName ?? '',
    timestampFormat: m?.TimestampColumn?.ColumnFormat ?? 'yyyy-MM-dd HH:mm:ss',
    offset: String(m?.Offset ?? 60),
  };
}

/**
 * CreateMetricSet, or UpdateMetricSet of `editing` (the form opens with its definition): the source (an S3 path
 * template, or a Kinesis stream of this server, Freshet's `kinesis://` extension), its format (JSON lines or CSV with
 * its delimiter, quote, header line or columns; charset; GZIP or not), the metrics with their aggregation, the
 * dimensions, the timestamp column and the offset; the frequency is the detector's (AWS requires them equal). Also its
 * description, its historical data path (HistoricalDataPathList, one path as the API allows) and its dimension filters
 * (DimensionFilterList), and on create its time zone (UpdateMetricSet does not take one: the form shows it read-only).
 * A description emptied on edit is not sent (the API keeps it); filters are sent empty only when the set had some.
 */
function MetricSetForm({
  detectorArn,
  editing,
  onDone,
}: {
  detectorArn: string;
  editing: MetricSetDetail | undefined;
  onDone: (saved: string | undefined) => void;
}) {
  const detector = useLoad(
    () => lookout<{ AnomalyDetectorConfig?: { AnomalyDetectorFrequency?: string } }>('DescribeAnomalyDetector', { AnomalyDetectorArn: detectorArn }),
    [detectorArn],
  );
  const fields = useFields(metricSetFields(editing));
  const f = fields.values;
  const action = useAction();
  const save = action.submit(
    () => '',
    async () => {
      const headerList = commaList(f.headers);
      const common = { FileCompression: f.compression, Charset: f.charset.trim() };
      const format =
        f.format === 'json'
          ? { JsonFormatDescriptor: common }
          : {
              CsvFormatDescriptor: {
                ...common,
                Delimiter: f.delimiter,
                QuoteSymbol: f.quote,
                ...(headerList.length ? { ContainsHeader: false, HeaderList: headerList } : { ContainsHeader: true }),
              },
            };
      const filters = metricSetFilters(f.filters);
      const historical = f.historical.trim();
      const definition = {
        ...(f.description.trim() ? { MetricSetDescription: f.description.trim() } : {}),
        ...(filters.length > 0 || (editing?.DimensionFilterList ?? []).length > 0 ? { DimensionFilterList: filters } : {}),
        MetricList: metricList(f.metrics),
        DimensionList: commaList(f.dimensions),
        TimestampColumn: { ColumnName: f.timestampColumn.trim(), ColumnFormat: f.timestampFormat.trim() },
        Offset: Number(f.offset),
        MetricSource: {
          S3SourceConfig: {
            RoleArn: f.roleArn.trim(),
            TemplatedPathList: [f.sourceKind === 'kinesis' ? `kinesis://${f.stream.trim()}` : f.path.trim()],
            ...(historical ? { HistoricalDataPathList: [historical] } : {}),
            FileFormatDescriptor: format,
          },
        },
      };
      if (editing?.MetricSetArn) await lookout('UpdateMetricSet', { MetricSetArn: editing.MetricSetArn, ...definition });
      else {
        await lookout('CreateMetricSet', {
          AnomalyDetectorArn: detectorArn,
          MetricSetName: f.name.trim(),
          MetricSetFrequency: detector.data?.AnomalyDetectorConfig?.AnomalyDetectorFrequency,
          Timezone: f.timezone.trim(),
          ...definition,
        });
      }
      onDone(`Metric set ${f.name.trim()} ${editing ? 'updated' : 'created'}`);
    },
  );
  const choose = (k: 'sourceKind' | 'format' | 'compression') => (e: { currentTarget: { value: string } }) => fields.set(k, e.currentTarget.value);
  return (
    <form class="card editor" onSubmit={save} data-testid="metric-set-form">
      <h3>
        {editing ? `Update the metric set ${editing.MetricSetName ?? ''}` : 'Create the metric set'} (
        {detector.data?.AnomalyDetectorConfig?.AnomalyDetectorFrequency ?? '…'})
      </h3>
      <div class="form-grid">
        <label>
          Name <input {...fields.bind('name')} readOnly={editing !== undefined} required />
        </label>
        <label>
          Description <input {...fields.bind('description')} />
        </label>
        <label>
          Time zone{' '}
          <input
            {...fields.bind('timezone')}
            list="metric-set-time-zones"
            readOnly={editing !== undefined}
            title={editing ? 'Set when the metric set is created (UpdateMetricSet does not change it)' : 'An IANA time zone, e.g. Europe/Paris'}
          />
          <datalist id="metric-set-time-zones">
            {TIME_ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
        <label>
          Source{' '}
          <select name="sourceKind" value={f.sourceKind} onChange={choose('sourceKind')}>
            <option value="kinesis">Kinesis stream (this server)</option>
            <option value="s3">S3 path template</option>
          </select>
        </label>
        {f.sourceKind === 'kinesis' ? (
          <label>
            Stream <input {...fields.bind('stream')} required />
          </label>
        ) : (
          <label>
            Path <input {...fields.bind('path')} placeholder="s3://bucket/data/{{yyyyMMdd}}/{{HHmm}}" required />
          </label>
        )}
        <label>
          Historical data path (optional) <input {...fields.bind('historical')} placeholder="s3://bucket/history/" />
        </label>
        <label>
          Role ARN <input {...fields.bind('roleArn')} required />
        </label>
        <label>
          Format{' '}
          <select name="format" value={f.format} onChange={choose('format')}>
            <option value="json">JSON lines</option>
            <option value="csv">CSV</option>
          </select>
        </label>
        <label>
          Compression{' '}
          <select name="compression" value={f.compression} onChange={choose('compression')}>
            <option value="NONE">none</option>
            <option value="GZIP">GZIP</option>
          </select>
        </label>
        <label>
          Charset <input {...fields.bind('charset')} />
        </label>
        {f.format === 'csv' ? (
          <>
            <label>
              Delimiter <input {...fields.bind('delimiter')} size={2} />
            </label>
            <label>
              Quote symbol <input {...fields.bind('quote')} size={2} />
            </label>
            <label>
              CSV columns (empty: a header line) <input {...fields.bind('headers')} placeholder="event_time,marketplace,views" />
            </label>
          </>
        ) : null}
        <label>
          Metrics (name:SUM|AVG) <input {...fields.bind('metrics')} placeholder="views:SUM, price:AVG" required />
        </label>
        <label>
          Dimensions <input {...fields.bind('dimensions')} placeholder="marketplace, platform" />
        </label>
        <label>
          Dimension filters (one "dimension=value,value" a line) <textarea {...fields.bind('filters')} rows={2} placeholder="marketplace=US,UK" />
        </label>
        <label>
          Timestamp column <input {...fields.bind('timestampColumn')} required />
        </label>
        <label>
          Timestamp format <input {...fields.bind('timestampFormat')} />
        </label>
        <label>
          Offset (s) <input {...fields.bind('offset')} inputMode="numeric" />
        </label>
      </div>
      <p>
        <button type="submit" disabled={!detector.data || action.busy}>
          {editing ? 'Update metric set' : 'Create metric set'}
        </button>{' '}
        <button type="button" onClick={() => onDone(undefined)}>
          Cancel
        </button>
      </p>
      <OutcomeText outcome={action.outcome?.error ? action.outcome : undefined} />
    </form>
  );
}

interface AlertDetail {
  AlertArn?: string;
  AlertName?: string;
  AlertDescription?: string;
  AlertSensitivityThreshold?: number;
  Action?: {
    LambdaConfiguration?: { RoleArn?: string; LambdaArn?: string };
    SNSConfiguration?: { RoleArn?: string; SnsTopicArn?: string; SnsFormat?: string };
  };
  AlertFilters?: { MetricList?: string[]; DimensionFilterList?: Array<{ DimensionName?: string; DimensionValueList?: string[] }> };
}

/** `page=home,cart` lines → AlertFilters' DimensionFilterList. */
function dimensionFilters(text: string): Array<{ DimensionName: string; DimensionValueList: string[] }> {
  return text
    .split('\n')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map((line) => {
      const eq = line.indexOf('=');
      return eq < 0
        ? { DimensionName: line, DimensionValueList: [] }
        : { DimensionName: line.slice(0, eq).trim(), DimensionValueList: commaList(line.slice(eq + 1)) };
    });
}

function alertFields(a: AlertDetail | undefined) {
  const lambda = a?.Action?.LambdaConfiguration;
  const sns = a?.Action?.SNSConfiguration;
  return {
    name: a?.AlertName ?? '',
    description: a?.AlertDescription ?? '',
    sensitivity: String(a?.AlertSensitivityThreshold ?? 70),
    kind: sns ? 'sns' : 'lambda',
    target: sns?.SnsTopicArn ?? lambda?.LambdaArn ?? '',
    roleArn: sns?.RoleArn ?? lambda?.RoleArn ?? 'arn:aws:iam::000000000000:role/lookoutmetrics',
    snsFormat: sns?.SnsFormat ?? 'JSON',
    filterMetrics: (a?.AlertFilters?.MetricList ?? []).join(', '),
    filterDimensions: (a?.AlertFilters?.DimensionFilterList ?? []).map((d) => `${d.DimensionName ?? ''}=${(d.DimensionValueList ?? []).join(',')}`).join('\n'),
  };
}

/**
 * CreateAlert, or UpdateAlert of `editing` (the form opens with its stored definition): a sensitivity threshold, an
 * action (a Lambda function or an SNS topic, delivered to its webhook) and the filters (AlertFilters: only these
 * measures, only these dimension values).
 */
function AlertForm({ detectorArn, editing, onDone }: { detectorArn: string; editing: AlertDetail | undefined; onDone: (saved: string | undefined) => void }) {
  const fields = useFields(alertFields(editing));
  const f = fields.values;
  const action = useAction();
  const save = action.submit(
    () => '',
    async () => {
      const act =
        f.kind === 'lambda'
          ? { LambdaConfiguration: { RoleArn: f.roleArn.trim(), LambdaArn: f.target.trim() } }
          : { SNSConfiguration: { RoleArn: f.roleArn.trim(), SnsTopicArn: f.target.trim(), SnsFormat: f.snsFormat } };
      const metrics = commaList(f.filterMetrics);
      const dims = dimensionFilters(f.filterDimensions);
      const filters =
        metrics.length || dims.length
          ? { ...(metrics.length ? { MetricList: metrics } : {}), ...(dims.length ? { DimensionFilterList: dims } : {}) }
          : undefined;
      const definition = {
        AlertSensitivityThreshold: Number(f.sensitivity),
        Action: act,
        ...(f.description.trim() ? { AlertDescription: f.description.trim() } : {}),
      };
      if (editing?.AlertArn) {
        // Emptied filters are sent empty, so that UpdateAlert removes them.
        await lookout('UpdateAlert', { AlertArn: editing.AlertArn, ...definition, AlertFilters: filters ?? {} });
      } else {
        await lookout('CreateAlert', {
          AlertName: f.name.trim(),
          AnomalyDetectorArn: detectorArn,
          ...definition,
          ...(filters ? { AlertFilters: filters } : {}),
        });
      }
      onDone(f.name.trim());
    },
  );
  const choose = (k: 'kind' | 'snsFormat') => (e: { currentTarget: { value: string } }) => fields.set(k, e.currentTarget.value);
  return (
    <form class="card editor" onSubmit={save} data-testid="alert-form">
      <h3>{editing ? `Edit alert ${editing.AlertName ?? ''}` : 'Create an alert'}</h3>
      <div class="form-grid">
        <label>
          Name <input {...fields.bind('name')} readOnly={editing !== undefined} required />
        </label>
        <label>
          Description <input {...fields.bind('description')} />
        </label>
        <label>
          Sensitivity threshold (0–100) <input {...fields.bind('sensitivity')} inputMode="numeric" />
        </label>
        <label>
          Action{' '}
          <select name="kind" value={f.kind} onChange={choose('kind')}>
            <option value="lambda">Lambda function</option>
            <option value="sns">SNS topic (webhook)</option>
          </select>
        </label>
        <label>
          {f.kind === 'lambda' ? 'Function ARN' : 'Topic ARN'} <input {...fields.bind('target')} required />
        </label>
        <label>
          Role ARN <input {...fields.bind('roleArn')} required />
        </label>
        {f.kind === 'sns' ? (
          <label>
            Format{' '}
            <select name="snsFormat" value={f.snsFormat} onChange={choose('snsFormat')}>
              <option>JSON</option>
              <option>LONG_TEXT</option>
              <option>SHORT_TEXT</option>
            </select>
          </label>
        ) : null}
        <label>
          Only these measures <input {...fields.bind('filterMetrics')} placeholder="all (or: clicks, latency)" />
        </label>
        <label>
          Only these dimension values <textarea {...fields.bind('filterDimensions')} rows={2} placeholder="page=home,cart" />
        </label>
      </div>
      <p>
        <button type="submit" disabled={action.busy}>
          {editing ? 'Save alert' : 'Create alert'}
        </button>{' '}
        <button type="button" onClick={() => onDone(undefined)}>
          Cancel
        </button>
      </p>
      <OutcomeText outcome={action.outcome?.error ? action.outcome : undefined} />
    </form>
  );
}

interface RelatedMetric {
  MetricName?: string;
  AnomalyGroupId?: string;
  RelationshipType?: string;
  ContributionPercentage?: number;
}

/** The measures Lookout for Metrics relates to a group: potential causes and downstream effects (ListAnomalyGroupRelatedMetrics). */
function RelatedMetrics({ detectorArn, groupId, onOpen }: { detectorArn: string; groupId: string; onOpen: (groupId: string) => void }) {
  const related = useLoad(
    () => lookout<{ InterMetricImpactList?: RelatedMetric[] }>('ListAnomalyGroupRelatedMetrics', { AnomalyDetectorArn: detectorArn, AnomalyGroupId: groupId }),
    [detectorArn, groupId],
  );
  const list = related.data?.InterMetricImpactList ?? [];
  return (
    <div class="card related-metrics" data-testid="related-metrics">
      <h3>Related metrics</h3>
      {related.error ? <p class="error">{related.error}</p> : null}
      {related.data && list.length === 0 ? <p class="muted">No related metrics: no other measure moved with this group.</p> : null}
      {list.length ? (
        <table class="list compact">
          <thead>
            <tr>
              <th>Metric</th>
              <th>Relationship</th>
              <th>Contribution</th>
              <th>Its anomaly group</th>
            </tr>
          </thead>
          <tbody>
            {list.map((m, i) => (
              <tr key={i} data-metric={m.MetricName}>
                <td>{m.MetricName}</td>
                <td>
                  {m.RelationshipType === 'CAUSE_OF_INPUT_ANOMALY_GROUP'
                    ? 'potential cause'
                    : m.RelationshipType === 'EFFECT_OF_INPUT_ANOMALY_GROUP'
                      ? 'effect'
                      : m.RelationshipType}
                </td>
                <td>{m.ContributionPercentage === undefined ? '' : `${m.ContributionPercentage.toFixed(0)}%`}</td>
                <td class="small">
                  {m.AnomalyGroupId ? (
                    <button type="button" class="link" onClick={() => onOpen(m.AnomalyGroupId!)}>
                      {m.AnomalyGroupId}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.map((m, i) =>
        m.AnomalyGroupId && m.MetricName ? (
          <RelatedSeries key={`${m.AnomalyGroupId}/${m.MetricName}`} detectorArn={detectorArn} groupId={m.AnomalyGroupId} metric={m.MetricName} index={i} />
        ) : null,
      )}
    </div>
  );
}

/**
 * A related metric's time series in its own anomaly group (ListAnomalyGroupTimeSeries of that group and metric),
 * with the intervals inside that group's span as points, so the cause and the effect are seen next to each other.
 */
function RelatedSeries({ detectorArn, groupId, metric, index }: { detectorArn: string; groupId: string; metric: string; index: number }) {
  const data = useLoad(async () => {
    const [series, group] = await Promise.all([
      lookout<GroupTimeSeries>('ListAnomalyGroupTimeSeries', {
        AnomalyDetectorArn: detectorArn,
        AnomalyGroupId: groupId,
        MetricName: metric,
        MaxResults: MAX_SERIES,
      }),
      lookout<GroupDetail>('GetAnomalyGroup', { AnomalyDetectorArn: detectorArn, AnomalyGroupId: groupId }),
    ]);
    return { series, group: group.AnomalyGroup };
  }, [detectorArn, groupId, metric]);
  if (data.error) return <p class="error">{data.error}</p>;
  const times = (data.data?.series.TimestampList ?? []).map(seconds);
  const from = seconds(data.data?.group?.StartTime);
  const to = seconds(data.data?.group?.EndTime);
  return (
    <div class="charts" data-testid="related-series" data-metric={metric}>
      {(data.data?.series.TimeSeriesList ?? []).map((ts) => {
        const label = (ts.DimensionList ?? []).map((d) => `${d.DimensionName}=${d.DimensionValue}`).join(', ') || ts.TimeSeriesId;
        const values = ts.MetricValueList ?? [];
        return (
          <div key={ts.TimeSeriesId} data-testid="time-series" data-id={ts.TimeSeriesId} data-label={label}>
            <LiveChart
              title={`${metric}: ${label}`}
              times={times}
              height={130}
              series={[
                { label: metric, color: color(index + 1), values },
                { label: 'anomalous', color: '#d0302f', values: times.map((t, j) => (t >= from && t <= to ? (values[j] ?? null) : null)), points: true },
              ]}
            />
          </div>
        );
      })}
    </div>
  );
}
