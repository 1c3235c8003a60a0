/**
 * Metric detectors (the Lookout for Metrics-compatible API): every detector with its status, and one
 * detector's anomaly groups (severity, primary metric, time span) and its alerts, refreshed every 10 s. A
 * selected group shows, as Lookout for Metrics' console did, its dimension contributions and each of its time
 * series of the primary metric charted (GetAnomalyGroup, ListAnomalyGroupTimeSeries) with the anomalous
 * intervals marked, and asks of each "Is this an anomaly?" (PutFeedback; the answers read back with GetFeedback).
 * A detector is activated, deactivated and back-tested from its page (Activate/Deactivate/BackTestAnomalyDetector).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { awsRest, errorText, useLoad } from '../api.ts';
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
        {selected ? <DetectorDetail detector={selected} reload={list.reload} /> : list.data ? <p class="error">No detector named {name}</p> : null}
      </div>
    );
  }
  return (
    <div>
      <h1>Metric detectors</h1>
      {list.error ? <p class="error">{list.error}</p> : null}
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
      {list.data && detectors.length === 0 ? (
        <p class="muted">No metric detectors yet: create one with `aws lookoutmetrics create-anomaly-detector` or a freshet.yaml.</p>
      ) : null}
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
  const [actionMessage, setActionMessage] = useState<{ text: string; error: boolean } | undefined>();
  const act = async (action: 'ActivateAnomalyDetector' | 'DeactivateAnomalyDetector' | 'BackTestAnomalyDetector', done: string) => {
    try {
      await lookout(action, { AnomalyDetectorArn: arn });
      setActionMessage({ text: done, error: false });
    } catch (e) {
      setActionMessage({ text: errorText(e), error: true });
    }
    reload();
  };
  const running = RUNNING.has(detector.Status ?? '');
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
        {actionMessage ? <span class={actionMessage.error ? 'message error' : 'message'}>{actionMessage.text}</span> : null}
      </p>
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
      {open && detail.data?.AnomalyGroup ? <GroupSeries detectorArn={arn} groupId={open} group={detail.data.AnomalyGroup} /> : null}
      <h2>Alerts</h2>
      {alerts.error ? <p class="error">{alerts.error}</p> : null}
      <table class="list" data-testid="alerts">
        <thead>
          <tr>
            <th>Name</th>
            <th>Status</th>
            <th>Threshold</th>
            <th>Action</th>
          </tr>
        </thead>
        <tbody>
          {(alerts.data?.AlertSummaryList ?? []).map((a) => (
            <tr key={a.AlertArn}>
              <td>{a.AlertName}</td>
              <td>{a.AlertStatus}</td>
              <td>{a.AlertSensitivityThreshold}</td>
              <td>{a.AlertType}</td>
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
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const answers = new Map((feedback.data?.AnomalyGroupTimeSeriesFeedback ?? []).map((f) => [f.TimeSeriesId, f.IsAnomaly]));
  const send = async (timeSeriesId: string, isAnomaly: boolean) => {
    try {
      await lookout('PutFeedback', {
        AnomalyDetectorArn: detectorArn,
        AnomalyGroupTimeSeriesFeedback: { AnomalyGroupId: groupId, TimeSeriesId: timeSeriesId, IsAnomaly: isAnomaly },
      });
      setMessage({ text: `Feedback recorded: ${isAnomaly ? 'an anomaly' : 'not an anomaly'}`, error: false });
      feedback.reload();
    } catch (e) {
      setMessage({ text: errorText(e), error: true });
    }
  };
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
      {message ? <p class={message.error ? 'message error' : 'message'}>{message.text}</p> : null}
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
