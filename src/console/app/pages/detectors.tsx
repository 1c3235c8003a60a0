/**
 * Metric detectors (the Lookout for Metrics-compatible API): every detector with its status, and one
 * detector's anomaly groups (severity, primary metric, time span) with the dimension contributions of the
 * selected group, and its alerts. Refreshed every 10 s.
 */
import { useEffect, useState } from 'preact/hooks';
import { awsRest, useLoad } from '../api.ts';
import { statusClass } from '../format.ts';
import { link } from '../main.tsx';

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

interface AlertSummary {
  AlertArn: string;
  AlertName?: string;
  AlertStatus?: string;
  AlertSensitivityThreshold?: number;
  AlertType?: string;
}

const lookout = <T,>(action: string, body: unknown) => awsRest<T>('lookoutmetrics', 'POST', `/${action}`, body);

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
        {selected ? <DetectorDetail detector={selected} /> : list.data ? <p class="error">No detector named {name}</p> : null}
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

function DetectorDetail({ detector }: { detector: DetectorSummary }) {
  const arn = detector.AnomalyDetectorArn;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 10_000);
    return () => clearInterval(t);
  }, []);
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
                  Contributions
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
